"""Importing events as a stream: chunk by chunk, memory bounded whatever the file's size.

The importer (``lianjian.ingest.services``) hands :class:`EventStream` the batch's valid events a
chunk at a time, inside the batch's one transaction, after the batch's reference records (units,
staff, lawyers …) have been checked and written. For each chunk the stream:

1. drops identical repeats of an ``event_id`` (a repeat with other content is an error);
2. looks the chunk's ``event_id`` up in the database in one query: the same digest is
   "unchanged" (or a repeat, when this batch wrote it from an earlier chunk), another digest an
   ``event_conflict`` (or a repeat with other content);
3. checks references against the keys of reference data (database and batch), held in memory
   (reference data is small next to events);
4. writes the new events with :mod:`lianjian.cases.rawdb` (COPY on PostgreSQL);
5. folds the projections of cases whose events it holds and that the chunk did not touch.

Projections: a case with no projection yet has all its events in memory (they were all in this
batch, and are held until a chunk passes without one), so it is folded from memory and inserted
raw. A case that already has a projection — from an earlier batch, or from an earlier chunk when
its events are spread over the file — is folded again from all its events in the database
(:func:`~lianjian.cases.services.cases_project`). Either way the result is the fold of all the
case's events, as ``lianjian cases rebuild`` computes it.

``CORRECTED`` events are held until the end (they are few): their target may come later in the
file. At :meth:`EventStream.finish` they are checked against the events now in the database (this
batch's included) and each other, written, and their cases folded again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max
from django.utils import timezone
from pydantic_core import PydanticCustomError

from lianjian.audit.services import AuditEntry, audit_record_many
from lianjian.cases import rawdb
from lianjian.cases import services as case_services
from lianjian.cases.choices import EventType
from lianjian.cases.fastparse import ParsedEvent
from lianjian.cases.models import Case, CaseLawyer, CaseStage, Event
from lianjian.cases.projection import EventView, Projection, fold
from lianjian.cases.records import _DATA_REFERENCES, _KNOWN_TYPES, _REFERENCE_LABELS, normalised_data
from lianjian.common.records import Issue, Location, RecordContext
from lianjian.org.models import Department, Lawyer, Staff, Unit

CHUNK = 20_000
"""Events per chunk (parsed, checked and written together)."""

EVENT_COLUMNS = [
    "event_id",
    "case_no",
    "unit_id",
    "type",
    "is_known_type",
    "occurred_at",
    "actor_id",
    "actor_no",
    "data",
    "corrects",
    "extra",
    "digest",
    "import_batch_id",
    "created_at",
]
"""Columns of ``cases_event`` written by the stream (all but ``id``)."""


@dataclass
class References:
    """Keys of reference data known to the batch → row id (None: in the batch, not written)."""

    units: dict[str, int | None] = field(default_factory=dict)
    staff: dict[str, int | None] = field(default_factory=dict)
    lawyers: dict[str, int | None] = field(default_factory=dict)
    departments: dict[tuple[str, str], int | None] = field(default_factory=dict)

    @classmethod
    def load(cls, ctx: RecordContext) -> References:
        """Every key in the database, then the batch's own (written already, or not at all)."""
        refs = cls(
            units=dict(Unit.objects.values_list("code", "pk")),
            staff=dict(Staff.objects.values_list("staff_no", "pk")),
            lawyers=dict(Lawyer.objects.values_list("license_no", "pk")),
            departments={
                (unit, code): pk
                for unit, code, pk in Department.objects.values_list("unit__code", "code", "pk")
            },
        )
        for key in ctx.batch("unit"):
            refs.units.setdefault(key[0], None)
        for key in ctx.batch("staff"):
            refs.staff.setdefault(key[0], None)
        for key in ctx.batch("lawyer"):
            refs.lawyers.setdefault(key[0], None)
        for key in ctx.batch("department"):
            refs.departments.setdefault((key[0], key[1]), None)
        return refs

    def known(self, kind: str, key: tuple[str, ...]) -> bool:
        if kind == "department":
            return key in self.departments
        return key[0] in {"unit": self.units, "staff": self.staff, "lawyer": self.lawyers}[kind]


@dataclass
class StreamCounts:
    records: int = 0
    duplicates: int = 0
    created: int = 0
    unchanged: int = 0
    unknown: dict[str, int] = field(default_factory=dict)
    cases_created: int = 0
    cases_updated: int = 0


class EventStream:
    """One batch's events, fed in chunks (see the module's docstring)."""

    def __init__(self, *, ctx: RecordContext, batch_id: int, writing: bool) -> None:
        self.ctx = ctx
        self.batch_id = batch_id
        self.writing = writing
        """False when the batch is rejected already (its reference records could not be written):
        events are still checked, to report their errors, but nothing more is written."""
        self.projecting = writing
        self.refs = References.load(ctx)
        self.issues: list[Issue] = []
        self.counts = StreamCounts()
        self._corrections: dict[str, tuple[Location, ParsedEvent]] = {}
        self._pending: dict[str, list[EventView]] = {}
        self._updated: set[int] = set()
        self._case_floor = Case.objects.aggregate(top=Max("id"))["top"] or 0
        """Cases with a larger id were created by this batch (not counted as updated)."""
        self._now = rawdb.time_value(timezone.now())

    def stop_projecting(self) -> None:
        """The batch will be rolled back: skip the projections (events are still checked)."""
        self.projecting = False
        self._pending.clear()

    # -- checking

    def _report(self, location: Location, field_name: str, code: str, message: str) -> None:
        self.issues.append(Issue(location, field_name, code, message))
        if self.projecting:
            self.stop_projecting()

    def _references_ok(
        self, location: Location, event: ParsedEvent, event_type: str, data: Mapping[str, Any]
    ) -> bool:
        ok = True
        wanted: list[tuple[str, str, tuple[str, ...]]] = [("unit", "unit", (event.unit,))]
        if event.actor is not None:
            wanted.append(("actor", "staff", (event.actor,)))
        for name, kind in _DATA_REFERENCES.get(event_type, ()):
            value = data.get(name)
            if value is not None:
                wanted.append(
                    (
                        f"data.{name}",
                        kind,
                        (event.unit, str(value)) if kind == "department" else (str(value),),
                    )
                )
        for field_name, kind, key in wanted:
            if not self.refs.known(kind, key):
                ok = False
                self._report(
                    location,
                    field_name,
                    "unknown_reference",
                    f"引用的{_REFERENCE_LABELS[kind]}不存在：{'/'.join(key)}（数据库和本批次中均未找到）",
                )
        return ok

    def _repeat(
        self, location: Location, event: ParsedEvent, first: tuple[Location, ParsedEvent] | None
    ) -> None:
        """An ``event_id`` seen before in this batch (``first``: where, when still in memory)."""
        if first is None:
            self._report(
                location,
                "event_id",
                "duplicate_conflict",
                f"案件事件 {event.event_id} 在本批次前面已出现，内容不同",
            )
            return
        name = next(
            (
                name
                for name in ("extra", "event_id", "case_no", "unit", "type", "occurred_at", "actor", "data")
                if first[1].value(name) != event.value(name)
            ),
            "",
        )
        titles = {
            "event_id": "事件编号",
            "case_no": "案件编号",
            "unit": "单位编码",
            "type": "事件类型",
            "occurred_at": "发生时间",
            "actor": "操作人",
            "data": "事件数据",
            "extra": "extra",
        }
        self._report(
            location,
            name,
            "duplicate_conflict",
            f"案件事件 {event.event_id} 在 {first[0]} 已出现，内容不同（{titles.get(name, name)}："
            f"{_show(first[1].value(name))} 与 {_show(event.value(name))}）",
        )

    # -- the chunk

    def feed(self, events: Iterable[tuple[Location, ParsedEvent]]) -> None:
        """Check and write one chunk of valid events (counted in ``records`` by the caller)."""
        chunk: dict[str, tuple[Location, ParsedEvent]] = {}
        for location, event in events:
            first = chunk.get(event.event_id) or self._corrections.get(event.event_id)
            if first is not None:
                if first[1].digest == event.digest:
                    self.counts.duplicates += 1
                else:
                    self._repeat(location, event, first)
                continue
            chunk[event.event_id] = (location, event)
        stored = {
            row[0]: row[1:]
            for row in rawdb.select_in(
                "SELECT event_id, digest, import_batch_id FROM cases_event WHERE event_id {op}", list(chunk)
            )
        }
        rows: list[tuple[Any, ...]] = []
        touched: set[str] = set()
        postgres = rawdb.is_postgresql()
        for event_id, (location, event) in chunk.items():
            found = stored.get(event_id)
            if found is not None:
                digest, batch_id = found
                if digest == event.digest:
                    if batch_id == self.batch_id:
                        self.counts.duplicates += 1
                    else:
                        self.counts.unchanged += 1
                elif batch_id == self.batch_id:
                    self._repeat(location, event, None)
                else:
                    self._report(
                        location,
                        "event_id",
                        "event_conflict",
                        "事件已存在且内容不同（事件不可修改，更正请用 CORRECTED 事件）",
                    )
                continue
            if event.type == EventType.CORRECTED:
                self._corrections[event_id] = (location, event)
                continue
            if not self._references_ok(location, event, event.type, event.data):
                continue
            self.counts.created += 1
            if not event.is_known_type:
                self.counts.unknown[event.type] = self.counts.unknown.get(event.type, 0) + 1
            if self.writing:
                rows.append(self._row(event, event.data, "", postgres))
            if self.projecting:
                touched.add(event.case_no)
                self._pending.setdefault(event.case_no, []).append(_view(event, event.data))
        if self.writing:
            rawdb.insert_tuples(Event, EVENT_COLUMNS, rows)
        if self.projecting:
            self._flush([case_no for case_no in self._pending if case_no not in touched])

    def _row(
        self, event: ParsedEvent, data: Mapping[str, Any], corrects: str, postgres: bool
    ) -> tuple[Any, ...]:
        return (
            event.event_id,
            event.case_no,
            self.refs.units[event.unit],
            event.type,
            event.is_known_type,
            event.occurred_at.isoformat() if postgres else rawdb.sqlite_time(event.occurred_at),
            self.refs.staff[event.actor] if event.actor is not None else None,
            event.actor or "",
            rawdb.json_value(data),
            corrects,
            rawdb.json_value(event.extra),
            event.digest,
            self.batch_id,
            self._now,
        )

    # -- projections

    def _flush(self, case_nos: list[str]) -> None:
        """Fold and write the projections of these held cases."""
        if not case_nos:
            return
        existing = dict(rawdb.select_in("SELECT case_no, id FROM cases_case WHERE case_no {op}", case_nos))
        fresh = [no for no in case_nos if no not in existing]
        ids = rawdb.allocate_ids(Case, len(fresh))
        cases, stages, lawyers = [], [], []
        for case_id, case_no in zip(ids, fresh, strict=True):
            p = fold(case_no, self._pending.pop(case_no))
            case, case_stages, case_lawyers = self._projection_rows(case_id, p)
            cases.append(case)
            stages.extend(case_stages)
            lawyers.extend(case_lawyers)
        rawdb.insert_dicts(Case, cases, with_pk=True)
        rawdb.insert_dicts(CaseStage, stages)
        rawdb.insert_dicts(CaseLawyer, lawyers)
        self.counts.cases_created += len(fresh)
        again = [no for no in case_nos if no in existing]
        for no in again:
            self._pending.pop(no, None)
        self._refold(again, existing)

    def _refold(self, case_nos: list[str], existing: Mapping[str, int]) -> None:
        """Fold cases that have a projection again from all their events in the database."""
        if not case_nos:
            return
        case_services.cases_project(case_nos=case_nos)
        self._updated.update(existing[no] for no in case_nos if existing[no] <= self._case_floor)

    def _projection_rows(
        self, case_id: int, p: Projection
    ) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        refs = self.refs
        unit_id = refs.units[p.unit]
        case = {name: getattr(p, name) for name in case_services.CASE_FIELDS if name not in _CASE_REFERENCES}
        case.update(
            id=case_id,
            case_no=p.case_no,
            unit_id=unit_id,
            prosecutor_id=refs.staff.get(p.prosecutor) if p.prosecutor else None,
            department_id=refs.departments.get(p.department) if p.department is not None else None,
            proposal_by_id=refs.staff.get(p.proposal_by) if p.proposal_by else None,
            decided_by_id=refs.staff.get(p.decided_by) if p.decided_by else None,
        )
        stages = [
            {
                "case_id": case_id,
                "unit_id": unit_id,
                "number": s.number,
                "case_type": s.case_type,
                "received_at": s.received_at,
                "is_detained": s.is_detained,
                "extension_count": s.extension_count,
                "extension_days": s.extension_days,
                "return_count": s.return_count,
                "resubmitted_at": s.resubmitted_at,
                "suspended_total": s.suspended_total,
                "suspended_at": s.suspended_at,
                "decision": s.decision,
                "decided_at": s.decided_at,
                "closed_at": s.closed_at,
            }
            for s in p.stages
        ]
        lawyers = [
            {
                "case_id": case_id,
                "unit_id": unit_id,
                "lawyer_id": refs.lawyers[e.license_no],
                "license_no": e.license_no,
                "firm_id": e.firm_id,
                "role": e.role,
                "engaged_at": e.engaged_at,
                "withdrawn_at": e.withdrawn_at,
            }
            for e in p.lawyers
        ]
        return case, stages, lawyers

    # -- the end

    def finish(self) -> None:
        """Fold the held cases, then check, write and fold the held corrections."""
        if self.projecting:
            self._flush(list(self._pending))
        if self._corrections:
            self._finish_corrections()
        self.counts.cases_updated = len(self._updated)

    def _target(self, event_id: str, stored: dict[str, tuple[str, str, str]]) -> tuple[str, str, str] | None:
        """(case_no, type, corrects) of an event held or in the database."""
        held = self._corrections.get(event_id)
        if held is not None:
            return held[1].case_no, held[1].type, held[1].corrects or ""
        if event_id not in stored:
            for row in rawdb.select_in(
                "SELECT event_id, case_no, type, corrects FROM cases_event WHERE event_id {op}", [event_id]
            ):
                stored[row[0]] = row[1:]
        return stored.get(event_id)

    def _corrected_type(self, event_id: str, stored: dict[str, tuple[str, str, str]]) -> str | None:
        seen: set[str] = set()
        while event_id not in seen:
            seen.add(event_id)
            target = self._target(event_id, stored)
            if target is None:
                return None
            if target[1] != EventType.CORRECTED:
                return target[1]
            event_id = target[2]
        return None

    def _finish_corrections(self) -> None:
        held = sorted(self._corrections.values(), key=lambda item: item[0])
        targets = [event.corrects or "" for _location, event in held]
        stored: dict[str, tuple[str, str, str]] = {
            row[0]: row[1:]
            for row in rawdb.select_in(
                "SELECT event_id, case_no, type, corrects FROM cases_event WHERE event_id {op}", targets
            )
        }
        postgres = rawdb.is_postgresql()
        rows: list[tuple[Any, ...]] = []
        cases: set[str] = set()
        for location, event in held:
            target_id = event.corrects or ""
            target = self._target(target_id, stored)
            if target is None:
                if self.writing:  # otherwise the target may be among this batch's unwritten events
                    self._report(
                        location,
                        "data.corrects",
                        "unknown_event",
                        f"被更正的事件不存在：{target_id}（数据库和本批次中均未找到）",
                    )
                continue
            if target_id == event.event_id:
                self._report(location, "data.corrects", "invalid_value", "更正事件不能更正自身")
                continue
            if target[0] != event.case_no:
                self._report(
                    location,
                    "data.corrects",
                    "case_mismatch",
                    f"被更正的事件 {target_id} 属于案件 {target[0]}，与本事件的案件编号不一致",
                )
                continue
            corrected_type = self._corrected_type(target_id, stored)
            if corrected_type is None:
                self._report(
                    location, "data.corrects", "invalid_value", f"更正链无法解析（循环更正）：{target_id}"
                )
                continue
            fields = {name: value for name, value in event.data.items() if name != "corrects"}
            if corrected_type in _KNOWN_TYPES:
                try:
                    fields = normalised_data(corrected_type, fields, partial=True)
                except PydanticCustomError as exc:
                    context = exc.context or {}
                    self._report(
                        location,
                        str(context.get("field", "data")),
                        str(context["code"]),
                        str(context["message"]),
                    )
                    continue
            data = {"corrects": target_id, **fields}
            if not self._references_ok(location, event, corrected_type, data):
                continue
            self.counts.created += 1
            if self.writing:
                rows.append(self._row(event, data, target_id, postgres))
                cases.add(event.case_no)
        if self.writing:
            rawdb.insert_tuples(Event, EVENT_COLUMNS, rows)
        if self.projecting and cases:
            ordered = sorted(cases)
            for start in range(0, len(ordered), case_services.CHUNK):
                part = ordered[start : start + case_services.CHUNK]
                existing = dict(
                    rawdb.select_in("SELECT case_no, id FROM cases_case WHERE case_no {op}", part)
                )
                self._refold(part, existing)
                self.counts.cases_created += sum(1 for no in part if no not in existing)

    def audit(self, actor: Any) -> None:
        """One audit event for the batch's events (when it wrote any)."""
        if not self.counts.created:
            return
        batch_id = self.batch_id
        audit_record_many(
            actor=actor,
            entries=[
                AuditEntry(
                    action="cases.event.import",
                    target_type="ingest.importbatch",
                    target_id=str(batch_id),
                    target_repr=f"导入批次 #{batch_id} 的案件事件",
                    after={
                        "events_created": self.counts.created,
                        "events_unchanged": self.counts.unchanged,
                        "unknown_types": dict(sorted(self.counts.unknown.items())),
                        "cases_created": self.counts.cases_created,
                        "cases_updated": self.counts.cases_updated,
                    },
                )
            ],
        )


_CASE_REFERENCES = {"unit", "prosecutor", "department", "proposal_by", "decided_by"}


def _view(event: ParsedEvent, data: Mapping[str, Any]) -> EventView:
    return EventView(
        event.event_id,
        event.type,
        event.occurred_at,
        event.unit,
        event.actor or "",
        data,
        event.is_known_type,
    )


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else f"{text[:57]}…"
