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

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.db.models import DateTimeField, Exists, ExpressionWrapper, OuterRef
from pydantic import Field

from lianjian.cases.models import Event
from lianjian.risk.kinds.base import (
    DetectorKind,
    EventMatch,
    Finding,
    ScanContext,
    StrictModel,
    any_of,
    case_refs,
    event_evidence,
)
from lianjian.risk.kinds.events import corrections_of, effective_events, later_in_case


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
