"""Sequences (先后发生): a case on which an event of one kind is later followed by one of another.

A finding when an event matching any of ``first`` is followed — later in the case's projection
order (time, then event id), within ``within_days`` days if given — by an event matching any of
``then``: 批准逮捕后不起诉或判决无罪 (XS03), 提起公诉后撤回起诉 (XS04), 变更为取保候审后脱逃
(XS06), 申诉未受理后越级上访 (XS10), 以新证据申请监督后不支持监督 (MS03), 和解后终结审查 (MS04).
One finding per case, fingerprinted by the case number; the evidence names the first such pair.

Set-based: one query finds the cases with a ``first`` event for which an ``Exists`` subquery
finds a later ``then`` event of the same case (index ``(case_no, occurred_at)``). Conditions are
on the data as sent; a ``CORRECTED`` event (DATA_CONTRACT.md §1) can change what an event says,
so the cases whose watched events were corrected up to "as of" are candidates too, and every
candidate is decided on its events with the corrections applied (as the projection reads them).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import timedelta
from typing import Any

from django.db.models import DateTimeField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from pydantic import Field

from lianjian.cases.choices import EventType
from lianjian.cases.models import Event
from lianjian.cases.projection import EventView, effective_data
from lianjian.risk.kinds.base import (
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

CORRECTED = EventType.CORRECTED.value


def corrections_of(
    ctx: ScanContext, types: Collection[str], *, lines: Collection[str] = ()
) -> QuerySet[Event]:
    """``CORRECTED`` events in the scan (up to "as of") that correct an event of ``types``.

    A correction of a correction counts as well (it changes what the first correction says).
    """
    target = Event.objects.filter(event_id=OuterRef("corrects"), type__in=[*types, CORRECTED])
    return ctx.events(lines=lines).filter(type=CORRECTED).filter(Exists(target))


def effective_events(
    ctx: ScanContext, case_nos: Collection[str], types: Collection[str]
) -> dict[str, list[dict[str, Any]]]:
    """The events of ``types`` of each case up to "as of", in projection order (time, event id),
    each row's ``data`` with the case's corrections up to "as of" applied.

    Rows have ``event_id``, ``type``, ``occurred_at`` and ``data`` (what ``event_evidence`` needs).
    Only for the few candidate cases a detector has already found in SQL.
    """
    wanted = set(types)
    rows_by_case: dict[str, list[dict[str, Any]]] = {}
    for chunk in chunks(sorted(case_nos)):
        found = (
            Event.objects.filter(case_no__in=chunk, occurred_at__lte=ctx.as_of, type__in=[*wanted, CORRECTED])
            .order_by("case_no", "occurred_at", "event_id")
            .values("case_no", "event_id", "type", "occurred_at", "data")
        )
        for row in found.iterator(chunk_size=2000):
            rows_by_case.setdefault(row["case_no"], []).append(dict(row))
    result: dict[str, list[dict[str, Any]]] = {}
    for case_no, rows in rows_by_case.items():
        views = [
            EventView(
                event_id=row["event_id"],
                type=row["type"],
                occurred_at=row["occurred_at"],
                unit="",
                actor="",
                data=row["data"] if isinstance(row["data"], dict) else {},
            )
            for row in rows
        ]
        effective = effective_data(views)
        result[case_no] = [
            {**row, "data": effective[row["event_id"]]} for row in rows if row["type"] in wanted
        ]
    return result


def later_in_case(events: QuerySet[Event]) -> QuerySet[Event]:
    """``events`` of the outer event's case that come after it in projection order (time, id)."""
    return events.filter(case_no=OuterRef("case_no")).filter(
        Q(occurred_at__gt=OuterRef("occurred_at"))
        | Q(occurred_at=OuterRef("occurred_at"), event_id__gt=OuterRef("event_id"))
    )


class SequenceParams(StrictModel):
    """``first`` then ``then`` on one case; ``within_days``: at most that many days apart (None: any
    time later); ``lines``: only cases of these lines (empty: all)."""

    first: tuple[EventMatch, ...] = Field(min_length=1)
    then: tuple[EventMatch, ...] = Field(min_length=1)
    within_days: int | None = Field(default=None, ge=1, le=3650)
    lines: tuple[str, ...] = ()


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

    def detect(self, ctx: ScanContext, params: Any) -> Iterator[Finding]:
        """One finding per case with such a pair, as of ``ctx.as_of``."""
        events = ctx.events(lines=params.lines)
        then = later_in_case(Event.objects.filter(occurred_at__lte=ctx.as_of).filter(any_of(params.then)))
        if params.within_days is not None:
            then = then.filter(
                occurred_at__lte=ExpressionWrapper(
                    OuterRef("occurred_at") + timedelta(days=params.within_days), output_field=DateTimeField()
                )
            )
        found = set(
            events.filter(any_of(params.first)).filter(Exists(then)).values_list("case_no", flat=True)
        )
        types = {m.type for m in (*params.first, *params.then)}
        found |= set(corrections_of(ctx, types, lines=params.lines).values_list("case_no", flat=True))
        if not found:
            return
        refs = case_refs(found)
        for case_no, rows in sorted(effective_events(ctx, found, types).items()):
            pair = first_pair(rows, params)
            ref = refs.get(case_no)
            if pair is None or ref is None:
                continue
            before, after, first_count, then_count = pair
            days = (after["occurred_at"] - before["occurred_at"]).days
            yield Finding(
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
