"""Event helpers shared by kinds: corrections (DATA_CONTRACT.md §1 ``CORRECTED``) applied as
the projection applies them, and "later in the same case" in projection order."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from lianjian.cases.choices import EventType
from lianjian.cases.models import Event
from lianjian.cases.projection import EventView, effective_data
from lianjian.risk.kinds.base import ScanContext, chunks

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
