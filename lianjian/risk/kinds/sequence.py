"""Sequences (先后发生): a case on which an event of one kind is later followed by one of another.

A finding when an event matching any of ``first`` is followed — later in the case's projection
order (time, then event id), within ``within_days`` days if given — by an event matching any of
``then``: 批准逮捕后不起诉或判决无罪 (XS03), 提起公诉后撤回起诉 (XS04), 变更为取保候审后脱逃
(XS06), 申诉未受理后越级上访 (XS10), 以新证据申请监督后不支持监督 (MS03), 和解后终结审查 (MS04).
One finding per case, fingerprinted by the case number; the evidence names the first such pair.

Set-based, one pass over the events of the watched types and the corrections (a seq scan or the
type index, then an aggregate by case — no subquery per event): a case is a candidate when its
earliest ``first`` event is not after its latest ``then`` event (every case with a pair, and the
few whose only "pair" is at one time with the ids the wrong way round), or when it has
corrections. With ``within_days`` an ``Exists`` subquery then checks the gap, on the candidates
only. Conditions are on the data as sent; a ``CORRECTED`` event (DATA_CONTRACT.md §1) can change
what an event says, so the cases whose watched events were corrected up to "as of" are
candidates too (checked on the cases with corrections only), and every candidate is decided on
its events with the corrections applied, as the projection reads them. The scan's units and lines
are applied to the candidate cases, not to each event. The engine runs every plain sequence rule in
that one pass (``detect_many``): each rule has its own pair of aggregates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.db.models import Count, DateTimeField, Exists, ExpressionWrapper, F, Max, Min, OuterRef, Q
from pydantic import Field

from lianjian.cases.models import Event
from lianjian.risk.kinds.base import (
    CaseRef,
    DetectorKind,
    EventMatch,
    Finding,
    ScanContext,
    StrictModel,
    any_of,
    case_refs,
    chunks,
    event_evidence,
)
from lianjian.risk.kinds.events import (
    CORRECTED,
    corrected_cases,
    effective_events,
    in_scope,
    later_in_case,
    of_cases,
    scan_events,
)


class SequenceParams(StrictModel):
    """``first`` then ``then`` on one case; ``within_days``: at most that many days apart (None: any
    time later); ``lines``: only cases of these lines (empty: all)."""

    first: tuple[EventMatch, ...] = Field(min_length=1, description="先发生的事件（任一项）")
    then: tuple[EventMatch, ...] = Field(min_length=1, description="其后发生的事件（任一项）")
    within_days: int | None = Field(
        default=None, ge=1, le=3650, description="后一事件须在前一事件后多少日内（空：不限）"
    )
    lines: tuple[str, ...] = Field(default=(), description="只看这些业务条线的案件（空：全部）")


def first_pair(
    rows: list[dict[str, Any]], params: SequenceParams
) -> tuple[dict[str, Any], dict[str, Any], int, int] | None:
    """The earliest ``first`` event followed by a ``then`` event (and the earliest such ``then``),
    with the number of ``first`` and ``then`` events; None when there is no such pair.

    ``rows`` are one case's effective events in projection order.
    """
    firsts = [i for i, row in enumerate(rows) if any(m.holds(row["type"], row["data"]) for m in params.first)]
    thens = [i for i, row in enumerate(rows) if any(m.holds(row["type"], row["data"]) for m in params.then)]
    window = timedelta(days=params.within_days) if params.within_days is not None else None
    for i in firsts:
        for j in thens:
            if j <= i:
                continue
            if window is not None and rows[j]["occurred_at"] - rows[i]["occurred_at"] > window:
                break  # the later ``then`` events are further still
            return rows[i], rows[j], len(firsts), len(thens)
    return None


class Sequence(DetectorKind):
    """A case on which an event matching ``first`` is later followed by one matching ``then``."""

    name = "sequence"
    label = "先后发生"
    Params = SequenceParams
    batches = True

    def detect(self, ctx: ScanContext, params: Any) -> Iterator[Finding]:
        """One finding per case with such a pair, as of ``ctx.as_of``."""
        return iter(self.detect_many(ctx, [params])[0])

    def detect_many(self, ctx: ScanContext, params: list[Any]) -> list[list[Finding]]:
        """The findings of each parameter set: one pass over the events for all of them."""
        if not params:
            return []
        firsts = [any_of(p.first) for p in params]
        thens = [any_of(p.then) for p in params]
        types = [{m.type for m in (*p.first, *p.then)} for p in params]
        correction = Q(type=CORRECTED)
        watched = correction
        paired_somewhere = Q(_corrections__gt=0)
        aggregates: dict[str, Any] = {"_corrections": Count("pk", filter=correction)}
        for index, (first, then) in enumerate(zip(firsts, thens, strict=True)):
            watched |= first | then
            aggregates[f"_first{index}"] = Min("occurred_at", filter=first)
            aggregates[f"_then{index}"] = Max("occurred_at", filter=then)
            paired_somewhere |= Q(**{f"_first{index}__lte": F(f"_then{index}")})
        grouped = (
            scan_events(ctx)
            .filter(type__in=sorted(set().union(*types) | {CORRECTED}))
            .filter(watched)
            .order_by()
            .values("case_no")
            .annotate(**aggregates)
            .filter(paired_somewhere)
            .values("case_no", *aggregates)
        )
        paired: list[set[str]] = [set() for _ in params]
        corrected: set[str] = set()
        for row in grouped:
            for index in range(len(params)):
                earliest, latest = row[f"_first{index}"], row[f"_then{index}"]
                if earliest is not None and latest is not None and earliest <= latest:
                    paired[index].add(row["case_no"])
            if row["_corrections"]:
                corrected.add(row["case_no"])
        for index, p in enumerate(params):
            paired[index] = in_scope(ctx, paired[index], lines=p.lines)
            if p.within_days is not None and paired[index]:
                paired[index] = self._within(ctx, p, paired[index])
            for chunk in chunks(sorted(corrected - paired[index])):
                # Cases with corrections: those of this rule's events, in its scope.
                scan = replace(ctx, case_nos=frozenset(chunk))
                paired[index] |= corrected_cases(scan, types[index], lines=p.lines)
        found = set().union(*paired)
        if not found:
            return [[] for _ in params]
        refs = case_refs(found)
        events = effective_events(ctx, found, set().union(*types))
        return [
            self._findings(p, {c: events.get(c, []) for c in cases}, refs, kinds)
            for p, cases, kinds in zip(params, paired, types, strict=True)
        ]

    @staticmethod
    def _findings(
        params: SequenceParams,
        events: dict[str, list[dict[str, Any]]],
        refs: dict[str, CaseRef],
        types: set[str],
    ) -> list[Finding]:
        """The findings on the candidate cases, decided on their events (corrections applied)."""
        findings = []
        for case_no, rows in sorted(events.items()):
            pair = first_pair([row for row in rows if row["type"] in types], params)
            ref = refs.get(case_no)
            if pair is None or ref is None:
                continue
            before, after, first_count, then_count = pair
            days = (after["occurred_at"] - before["occurred_at"]).days
            findings.append(
                Finding(
                    fingerprint=case_no,
                    unit_id=ref.unit_id,
                    case_id=ref.pk,
                    case_no=case_no,
                    title="",
                    occurred_at=after["occurred_at"],
                    evidence={
                        "events": event_evidence([before, after]),
                        "days": days,
                        "first_count": first_count,
                        "then_count": then_count,
                        "params": params.model_dump(mode="json"),
                    },
                )
            )
        return findings

    @staticmethod
    def _within(ctx: ScanContext, params: SequenceParams, case_nos: set[str]) -> set[str]:
        """Those of ``case_nos`` with a ``first`` event followed by a ``then`` event within
        ``within_days`` days (an ``Exists`` per ``first`` event of these cases only)."""
        assert params.within_days is not None
        window = timedelta(days=params.within_days)
        found: set[str] = set()
        for chunk in chunks(sorted(case_nos)):
            events = of_cases(Event.objects.filter(occurred_at__lte=ctx.as_of), chunk)
            then = later_in_case(events.filter(any_of(params.then))).filter(
                occurred_at__lte=ExpressionWrapper(
                    OuterRef("occurred_at") + window, output_field=DateTimeField()
                )
            )
            found |= set(
                events.filter(any_of(params.first))
                .filter(Exists(then))
                .order_by()
                .values_list("case_no", flat=True)
            )
        return found
