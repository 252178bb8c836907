"""Writes of the cases app: maintaining and rebuilding the projections of cases from their events.

Events are written only by the importer (``lianjian.cases.stream.EventStream``); these services
keep :class:`~lianjian.cases.models.Case`, ``CaseStage`` and ``CaseLawyer`` equal to the fold of
each case's events (:func:`lianjian.cases.projection.fold`). The import calls
:func:`cases_project` for exactly the cases its new events touch, in its own transaction; the
``lianjian cases rebuild`` command calls :func:`cases_rebuild`, which folds every case again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from lianjian.audit.services import audit_record
from lianjian.cases.models import Case, CaseLawyer, CaseStage, Event
from lianjian.cases.projection import EventView, Projection, fold
from lianjian.org.models import Department, Lawyer, Staff, Unit

CHUNK = 1000
"""Cases per round of loading and writing; keys per ``IN (...)`` query."""

CASE_FIELDS = [
    "unit",
    "line",
    "case_type",
    "stage",
    "return_round",
    "cause",
    "transferred_cause",
    "is_detained",
    "custody_measure",
    "is_fast_track",
    "has_plea",
    "agency",
    "prosecutor",
    "department",
    "assign_method",
    "assigned_at",
    "proposal_decision",
    "proposal_kind",
    "proposal_by",
    "proposed_at",
    "decision",
    "decision_kind",
    "decided_by",
    "decision_level",
    "decision_months",
    "decided_at",
    "extension_count",
    "extension_days",
    "return_count",
    "returned_at",
    "resubmitted_at",
    "is_suspended",
    "suspended_at",
    "suspended_total",
    "absconded_at",
    "judgment_verdict",
    "judgment_charges",
    "judgment_months",
    "judged_at",
    "closed_at",
    "close_result",
    "received_at",
    "first_received_at",
    "last_event_at",
    "event_count",
    "unknown_event_count",
]
"""Every projected field of :class:`Case` (all but ``case_no``)."""

_REFERENCE_FIELDS = {"unit", "prosecutor", "department", "proposal_by", "decided_by"}


@dataclass(frozen=True)
class ProjectionCounts:
    """How many case projections a run created and updated."""

    created: int = 0
    updated: int = 0


def _chunks(items: Collection[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    items = sorted(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def existing_case_nos(case_nos: Collection[str]) -> set[str]:
    """Which of these case numbers already have a projection."""
    found: set[str] = set()
    for chunk in _chunks(case_nos):
        found.update(Case.objects.filter(case_no__in=chunk).values_list("case_no", flat=True))
    return found


def _load_events(case_nos: Collection[str]) -> dict[str, list[EventView]]:
    events: dict[str, list[EventView]] = {}
    for chunk in _chunks(case_nos):
        rows = Event.objects.filter(case_no__in=chunk).values_list(
            "case_no", "event_id", "type", "occurred_at", "unit__code", "actor_no", "data", "is_known_type"
        )
        for case_no, event_id, event_type, occurred_at, unit, actor, data, known in rows:
            events.setdefault(case_no, []).append(
                EventView(event_id, event_type, occurred_at, unit, actor, data or {}, known)
            )
    return events


class _References:
    """Contract values → row ids for every reference the projections name (a few bulk queries)."""

    def __init__(self, projections: Collection[Projection]) -> None:
        units: set[str] = set()
        staff: set[str] = set()
        departments: set[tuple[str, str]] = set()
        lawyers: set[str] = set()
        for p in projections:
            units.add(p.unit)
            staff.update(value for value in (p.prosecutor, p.proposal_by, p.decided_by) if value)
            if p.department is not None:
                departments.add(p.department)
                units.add(p.department[0])
            lawyers.update(engagement.license_no for engagement in p.lawyers)
        self.units = self._ids(Unit, "code", units)
        self.staff = self._ids(Staff, "staff_no", staff)
        self.lawyers = self._ids(Lawyer, "license_no", lawyers)
        self.departments: dict[tuple[str, str], int] = {}
        codes = {code for _unit, code in departments}
        for chunk in _chunks(codes):
            rows = Department.objects.filter(code__in=chunk, unit__code__in={u for u, _c in departments})
            for unit_code, code, pk in rows.values_list("unit__code", "code", "pk"):
                if (unit_code, code) in departments:
                    self.departments[(unit_code, code)] = pk

    @staticmethod
    def _ids(model: Any, field: str, values: set[str]) -> dict[str, int]:
        ids: dict[str, int] = {}
        for chunk in _chunks(values):
            ids.update(model._default_manager.filter(**{f"{field}__in": chunk}).values_list(field, "pk"))
        return ids

    def staff_id(self, staff_no: str) -> int | None:
        return self.staff.get(staff_no) if staff_no else None


def _assign(case: Case, p: Projection, refs: _References) -> None:
    for name in CASE_FIELDS:
        if name not in _REFERENCE_FIELDS:
            setattr(case, name, getattr(p, name))
    case.unit_id = refs.units[p.unit]
    case.prosecutor_id = refs.staff_id(p.prosecutor)
    case.department_id = refs.departments.get(p.department) if p.department is not None else None
    case.proposal_by_id = refs.staff_id(p.proposal_by)
    case.decided_by_id = refs.staff_id(p.decided_by)


@transaction.atomic
def cases_project(
    *, case_nos: Collection[str], fresh: Mapping[str, list[EventView]] | None = None
) -> ProjectionCounts:
    """Recompute the projections of exactly ``case_nos`` from their events.

    ``fresh`` may give the events of cases that had no events before (a new case in an import):
    they are folded from memory instead of being read back. Every other case's events are read
    from the database. Case rows are updated in place (their ids stay); stages and lawyers are
    replaced.
    """
    fresh = fresh or {}
    existing: dict[str, Case] = {}
    for chunk in _chunks(case_nos):
        existing.update((case.case_no, case) for case in Case.objects.filter(case_no__in=chunk))
    events = _load_events([no for no in case_nos if no in existing or no not in fresh])
    events.update((no, fresh[no]) for no in case_nos if no not in existing and no in fresh)
    projections = {no: fold(no, evs) for no, evs in events.items() if evs}
    refs = _References(projections.values())
    created: list[Case] = []
    updated: list[Case] = []
    for no, p in projections.items():
        case = existing.get(no)
        if case is None:
            case = Case(case_no=no)
            created.append(case)
        else:
            updated.append(case)
        _assign(case, p, refs)
    Case.objects.bulk_create(created, batch_size=CHUNK)
    if any(case.pk is None for case in created):  # a backend without RETURNING
        ids = dict(Case.objects.filter(case_no__in=[c.case_no for c in created]).values_list("case_no", "pk"))
        for case in created:
            case.pk = ids[case.case_no]
    if updated:
        Case.objects.bulk_update(updated, CASE_FIELDS, batch_size=200)
        for chunk in _chunks([case.pk for case in updated]):
            CaseStage.objects.filter(case_id__in=chunk).delete()
            CaseLawyer.objects.filter(case_id__in=chunk).delete()
    stages: list[CaseStage] = []
    lawyers: list[CaseLawyer] = []
    for case in [*created, *updated]:
        p = projections[case.case_no]
        stages.extend(
            CaseStage(
                case_id=case.pk,
                unit_id=case.unit_id,
                number=s.number,
                case_type=s.case_type,
                received_at=s.received_at,
                is_detained=s.is_detained,
                extension_count=s.extension_count,
                extension_days=s.extension_days,
                return_count=s.return_count,
                resubmitted_at=s.resubmitted_at,
                suspended_total=s.suspended_total,
                suspended_at=s.suspended_at,
                decision=s.decision,
                decided_at=s.decided_at,
                closed_at=s.closed_at,
            )
            for s in p.stages
        )
        lawyers.extend(
            CaseLawyer(
                case_id=case.pk,
                unit_id=case.unit_id,
                lawyer_id=refs.lawyers[engagement.license_no],
                license_no=engagement.license_no,
                firm_id=engagement.firm_id,
                role=engagement.role,
                engaged_at=engagement.engaged_at,
                withdrawn_at=engagement.withdrawn_at,
            )
            for engagement in p.lawyers
        )
    CaseStage.objects.bulk_create(stages, batch_size=CHUNK)
    CaseLawyer.objects.bulk_create(lawyers, batch_size=CHUNK)
    return ProjectionCounts(created=len(created), updated=len(updated))


def _case_nos_from(unit: Unit | None) -> Iterator[list[str]]:
    """Every case number with events (of ``unit`` and its subordinates), ``CHUNK`` at a time."""
    events = Event.objects.all()
    if unit is not None:
        events = events.filter(unit__path__startswith=unit.path)
    last = ""
    while True:
        chunk = list(
            events.filter(case_no__gt=last)
            .order_by("case_no")
            .values_list("case_no", flat=True)
            .distinct()[:CHUNK]
        )
        if not chunk:
            return
        yield chunk
        last = chunk[-1]


def cases_rebuild(*, actor: Any | None, unit: Unit | None = None) -> ProjectionCounts:
    """Fold every case (with events in ``unit`` or below, if given) again from its events.

    Runs in chunks of :data:`CHUNK` cases, each in its own transaction, so that a rebuild of
    millions of events holds no long lock and can be interrupted; run again, it finishes the job.
    One audit event records the run.
    """
    created = updated = 0
    for chunk in _case_nos_from(unit):
        counts = cases_project(case_nos=chunk)
        created += counts.created
        updated += counts.updated
    audit_record(
        actor=actor,
        action="cases.case.rebuild",
        target=unit,
        after={"unit": unit.code if unit else None, "cases_created": created, "cases_updated": updated},
    )
    return ProjectionCounts(created=created, updated=updated)
