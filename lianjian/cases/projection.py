"""The fold of a case's events into its current state: a pure function, no database.

:func:`fold` takes the events of one case in any order, sorts them by time then event id, applies
every ``CORRECTED`` event to the event it corrects (the corrected event's data with the
correction's fields replaced; a correction of a correction changes the correction first), and
folds the effective events into a :class:`Projection`. References stay in contract values
(unit codes, 工号, 执业证号); the service resolves them to rows. Only ``data`` can be corrected:
an event's type, time, unit and actor are as sent.

Stage values (case type, receipt, extensions, returns, suspensions, closing) start afresh at
every ``RECEIVED``; the latest proposal and decision are the case's latest across stages. The
case's unit is that of its first event, then of each ``RECEIVED``, and a ``JURISDICTION_CHANGED``
moves it to ``to_unit`` (events recorded by a superior unit — a directive — do not move it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from lianjian.cases.choices import CUSTODIAL_MEASURES, EventType

T = EventType


@dataclass(frozen=True)
class EventView:
    """What the fold needs of one event (from the database or from an import batch)."""

    event_id: str
    type: str
    occurred_at: datetime
    unit: str
    actor: str
    data: Mapping[str, Any]
    is_known_type: bool = True


@dataclass
class StageState:
    """One stage, begun by a ``RECEIVED``."""

    number: int
    case_type: str
    received_at: datetime
    is_detained: bool | None
    extension_count: int = 0
    extension_days: int = 0
    return_count: int = 0
    resubmitted_at: datetime | None = None
    suspended_total: timedelta = timedelta(0)
    suspended_at: datetime | None = None
    decision: str = ""
    decided_at: datetime | None = None
    closed_at: datetime | None = None


@dataclass
class LawyerState:
    """A lawyer's engagement on the case."""

    license_no: str
    firm_id: str
    role: str
    engaged_at: datetime
    withdrawn_at: datetime | None = None


@dataclass
class Projection:
    """A case's state in contract values; field names are those of ``Case`` (references by code)."""

    case_no: str
    unit: str
    last_event_at: datetime
    line: str = ""
    case_type: str = ""
    stage: int = 0
    return_round: int = 0
    cause: str = ""
    transferred_cause: str = ""
    is_detained: bool | None = None
    custody_measure: str = ""
    is_fast_track: bool | None = None
    has_plea: bool | None = None
    agency: str = ""
    prosecutor: str = ""
    department: tuple[str, str] | None = None
    assign_method: str = ""
    assigned_at: datetime | None = None
    proposal_decision: str = ""
    proposal_kind: str = ""
    proposal_by: str = ""
    proposed_at: datetime | None = None
    decision: str = ""
    decision_kind: str = ""
    decided_by: str = ""
    decision_level: str = ""
    decision_months: int | None = None
    decided_at: datetime | None = None
    extension_count: int = 0
    extension_days: int = 0
    return_count: int = 0
    returned_at: datetime | None = None
    resubmitted_at: datetime | None = None
    is_suspended: bool = False
    suspended_at: datetime | None = None
    suspended_total: timedelta = timedelta(0)
    absconded_at: datetime | None = None
    judgment_verdict: str = ""
    judgment_charges: list[str] = field(default_factory=list)
    judgment_months: int | None = None
    judged_at: datetime | None = None
    closed_at: datetime | None = None
    close_result: str = ""
    received_at: datetime | None = None
    first_received_at: datetime | None = None
    event_count: int = 0
    unknown_event_count: int = 0
    stages: list[StageState] = field(default_factory=list)
    lawyers: list[LawyerState] = field(default_factory=list)


def effective_data(events: Iterable[EventView]) -> dict[str, dict[str, Any]]:
    """Each event's data with its corrections applied (in time order; later ones win)."""
    ordered = sorted(events, key=lambda event: (event.occurred_at, event.event_id))
    corrections: dict[str, list[EventView]] = {}
    for event in ordered:
        if event.type == T.CORRECTED and isinstance(event.data.get("corrects"), str):
            corrections.setdefault(event.data["corrects"], []).append(event)
    done: dict[str, dict[str, Any]] = {}

    def resolve(event: EventView, open_ids: frozenset[str]) -> dict[str, Any]:
        if event.event_id in done:
            return done[event.event_id]
        data = dict(event.data)
        for correction in corrections.get(event.event_id, ()):
            if correction.event_id in open_ids:
                continue  # a loop of corrections: ignore the back edge
            fields = resolve(correction, open_ids | {event.event_id})
            data.update({name: value for name, value in fields.items() if name != "corrects"})
        done[event.event_id] = data
        return data

    return {event.event_id: resolve(event, frozenset({event.event_id})) for event in ordered}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def fold(case_no: str, events: Iterable[EventView]) -> Projection:
    """The state of case ``case_no`` after ``events`` (at least one)."""
    ordered = sorted(events, key=lambda event: (event.occurred_at, event.event_id))
    if not ordered:
        raise ValueError(f"case {case_no} has no events")
    effective = effective_data(ordered)
    p = Projection(case_no=case_no, unit=ordered[0].unit, last_event_at=ordered[-1].occurred_at)
    stage: StageState | None = None
    for event in ordered:
        p.event_count += 1
        if not event.is_known_type:
            p.unknown_event_count += 1
            continue
        data, at = effective[event.event_id], event.occurred_at
        kind = event.type
        if kind == T.RECEIVED:
            stage = _receive(p, event, data)
        elif kind == T.ASSIGNED:
            p.prosecutor = _text(data.get("prosecutor")) or p.prosecutor
            if data.get("department") is not None:
                p.department = (event.unit, str(data["department"]))
            p.assign_method = _text(data.get("method"))
            p.assigned_at = at
        elif kind == T.LAWYER_ENGAGED:
            _engage(p, data, at)
        elif kind == T.LAWYER_WITHDRAWN:
            for engagement in reversed(p.lawyers):
                if engagement.license_no == _text(data.get("lawyer")) and engagement.withdrawn_at is None:
                    engagement.withdrawn_at = at
                    break
        elif kind == T.PROPOSED:
            p.proposal_decision = _text(data.get("decision"))
            p.proposal_kind = _text(data.get("kind"))
            p.proposal_by = _text(data.get("by")) or event.actor
            p.proposed_at = at
        elif kind == T.DECIDED:
            p.decision = _text(data.get("decision"))
            p.decision_kind = _text(data.get("kind"))
            p.decided_by = _text(data.get("by")) or event.actor
            p.decision_level = _text(data.get("level"))
            p.decision_months = _int(data.get("months"))
            p.decided_at = at
            if stage is not None:
                stage.decision, stage.decided_at = p.decision, at
        elif kind == T.EXTENDED:
            p.extension_count += 1
            p.extension_days += _int(data.get("days")) or 0
            if stage is not None:
                stage.extension_count, stage.extension_days = p.extension_count, p.extension_days
        elif kind == T.RETURNED:
            p.return_count += 1
            p.return_round = _int(data.get("round")) or p.return_count
            p.returned_at = at
            if stage is not None:
                stage.return_count = p.return_count
        elif kind == T.RESUBMITTED:
            p.returned_at = None
            p.resubmitted_at = at
            if stage is not None:
                stage.resubmitted_at = at
        elif kind == T.SUSPENDED:
            if not p.is_suspended:
                p.is_suspended, p.suspended_at = True, at
        elif kind == T.RESUMED:
            if p.is_suspended and p.suspended_at is not None:
                p.suspended_total += at - p.suspended_at
                p.is_suspended, p.suspended_at = False, None
        elif kind == T.JURISDICTION_CHANGED:
            p.unit = _text(data.get("to_unit")) or p.unit
        elif kind == T.CUSTODY_CHANGED:
            p.custody_measure = _text(data.get("to"))
            p.is_detained = p.custody_measure in CUSTODIAL_MEASURES
        elif kind == T.ABSCONDED:
            p.absconded_at = at
        elif kind == T.JUDGMENT:
            p.judgment_verdict = _text(data.get("verdict"))
            charges = data.get("charges")
            p.judgment_charges = [str(charge) for charge in charges] if isinstance(charges, list) else []
            p.judgment_months = _int(data.get("months"))
            p.judged_at = at
        elif kind == T.CLOSED:
            p.closed_at = at
            p.close_result = _text(data.get("result"))
            if stage is not None:
                stage.closed_at = at
        if stage is not None and kind in (T.SUSPENDED, T.RESUMED):
            stage.suspended_at, stage.suspended_total = p.suspended_at, p.suspended_total
    return p


def _receive(p: Projection, event: EventView, data: Mapping[str, Any]) -> StageState:
    """A new stage: its values start afresh; the case's facts change where the event gives them."""
    at = event.occurred_at
    p.unit = event.unit
    p.stage += 1
    p.case_type = _text(data.get("case_type"))
    p.line = _text(data.get("line")) or p.line
    for name in ("cause", "transferred_cause", "agency"):
        if data.get(name) is not None:
            setattr(p, name, str(data[name]))
    if isinstance(data.get("detained"), bool):
        p.is_detained = data["detained"]
        if p.custody_measure and (p.custody_measure in CUSTODIAL_MEASURES) != p.is_detained:
            p.custody_measure = ""  # the measure on record no longer matches: unknown until changed
    if isinstance(data.get("fast_track"), bool):
        p.is_fast_track = data["fast_track"]
    if isinstance(data.get("plea"), bool):
        p.has_plea = data["plea"]
    p.received_at = at
    p.first_received_at = p.first_received_at or at
    p.return_round = p.extension_count = p.extension_days = p.return_count = 0
    p.returned_at = p.resubmitted_at = p.suspended_at = p.closed_at = None
    p.is_suspended, p.suspended_total, p.close_result = False, timedelta(0), ""
    stage = StageState(number=p.stage, case_type=p.case_type, received_at=at, is_detained=p.is_detained)
    p.stages.append(stage)
    return stage


def _engage(p: Projection, data: Mapping[str, Any], at: datetime) -> None:
    license_no = _text(data.get("lawyer"))
    for engagement in p.lawyers:
        if engagement.license_no == license_no and engagement.withdrawn_at is None:
            return  # already engaged: the earlier engagement stands
    p.lawyers.append(
        LawyerState(
            license_no=license_no,
            firm_id=_text(data.get("firm_id")),
            role=_text(data.get("role")),
            engaged_at=at,
        )
    )
