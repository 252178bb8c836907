"""Event helpers shared by kinds: corrections (DATA_CONTRACT.md §1 ``CORRECTED``) applied as
the projection applies them, "later in the same case" in projection order, the scan's scope
applied to the few cases found, and the events of a set of cases read so that the plan holds
without fresh statistics.

Reading the events of given cases: ``case_no IN (…)`` with ``occurred_at <= as_of`` alone is
estimated, before ANALYZE has run on a new database, at a large share of the table (a default
selectivity per value), so PostgreSQL scans the whole table, or the ``(unit, type, occurred_at)``
index when a type is given — seconds on an incremental scan. A lower bound on ``occurred_at``
that every event meets (:data:`EARLIEST`) makes the time condition a range, which that planner
estimates as narrow, so it reads ``(case_no, occurred_at)`` as it does with statistics, where the
bound costs nothing (:func:`of_cases`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from lianjian.cases.choices import EventType
from lianjian.cases.models import Event
from lianjian.cases.projection import EventView, effective_data
from lianjian.risk.kinds.base import ScanContext, chunks

CORRECTED = EventType.CORRECTED.value
EARLIEST = datetime.min.replace(tzinfo=UTC)  # no event is earlier: a bound for the planner only


def of_cases(events: QuerySet[Event], case_nos: Collection[str]) -> QuerySet[Event]:
    """``events`` of the cases ``case_nos``, read by ``(case_no, occurred_at)`` (module docstring)."""
    return events.filter(case_no__in=case_nos, occurred_at__gte=EARLIEST)


def scan_events(ctx: ScanContext) -> QuerySet[Event]:
    """Events up to "as of" of the changed cases (an incremental scan) or of every case.

    Unlike ``ctx.events`` the scan's units and lines are not applied: apply them to the cases
    found (``ctx.cases()``), a few rows, rather than to every event read.
    """
    events: QuerySet[Event] = Event.objects.filter(occurred_at__lte=ctx.as_of)
    if ctx.case_nos is not None:
        events = of_cases(events, ctx.case_nos)
    return events


def in_scope(ctx: ScanContext, case_nos: Collection[str], *, lines: Collection[str] = ()) -> set[str]:
    """Those of ``case_nos`` (cases the scan read) in the scan's units and of ``lines`` (empty:
    all), as ``ctx.events`` would have scoped their events; a few cases, each read by its number."""
    if ctx.unit_ids is None and not lines:
        return set(case_nos)
    found: set[str] = set()
    for chunk in chunks(sorted(case_nos)):
        # The chunk as the scan's cases: one ``IN`` list (two on one column cost their product).
        cases = replace(ctx, case_nos=frozenset(chunk)).cases()
        if lines:
            cases = cases.filter(line__in=lines)
        found |= set(cases.order_by().values_list("case_no", flat=True))
    return found


def corrected_cases(ctx: ScanContext, types: Collection[str], *, lines: Collection[str] = ()) -> set[str]:
    """The cases in the scan (of ``lines``, if given) with a ``CORRECTED`` event up to "as of" that
    corrects an event of ``types``.

    A correction of a correction counts as well (it changes what the first correction says). The
    corrections are found first (few) and scoped after, so that no plan joins every case of a line
    to the events to find them.
    """
    target = Event.objects.filter(event_id=OuterRef("corrects"), type__in=[*types, CORRECTED])
    corrections = scan_events(ctx).filter(type=CORRECTED).filter(Exists(target)).order_by()
    return in_scope(ctx, set(corrections.values_list("case_no", flat=True)), lines=lines)


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
            of_cases(Event.objects.filter(occurred_at__lte=ctx.as_of), chunk)
            .filter(type__in=[*wanted, CORRECTED])
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
