"""Builders for the compliance watch's tests: cases, contact events, post changes, and running a
kind or a rule as the engine does."""

from __future__ import annotations

from datetime import datetime
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from lianjian.cases.models import Case, Event
from lianjian.org.models import Staff, StaffChange
from lianjian.risk.kinds import KINDS
from lianjian.risk.kinds.base import Finding, ScanContext

BEIJING = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2026, 6, 30, 12, 0, tzinfo=BEIJING)
_serial = count(1)


def at(text: str) -> datetime:
    """``"2026-03-02 20:00"`` in Beijing time."""
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def cases_for(staff: Staff, n: int, *, assigned: datetime, prefix: str = "") -> list[Case]:
    """``n`` cases of ``staff``'s unit and department assigned to them on ``assigned``."""
    made = []
    for _ in range(n):
        serial = next(_serial)
        made.append(
            Case.objects.create(
                case_no=f"{prefix or staff.unit.code}-W{serial:05d}",
                unit=staff.unit,
                line="CRIMINAL",
                prosecutor=staff,
                department=staff.department,
                assigned_at=assigned,
                last_event_at=assigned,
            )
        )
    return made


def contact(case: Case, staff: Staff, when: datetime, **data: Any) -> Event:
    """A ``CONTACT`` event (DATA_CONTRACT.md §2) by ``staff`` on ``case``; outside office by default."""
    values = {"with_kind": "LAWYER", "with": "15109200110001", "in_office": False, "in_hours": True}
    values.update(data)
    return Event.objects.create(
        event_id=f"EV-W{next(_serial):06d}",
        case_no=case.case_no,
        unit=case.unit,
        type="CONTACT",
        occurred_at=when,
        actor=staff,
        actor_no=staff.staff_no,
        data=values,
        digest="0" * 64,
        created_at=timezone.now(),
    )


def change(staff: Staff, kind: str, on: str) -> StaffChange:
    return StaffChange.objects.create(
        change_no=f"SC-W{next(_serial):05d}",
        staff=staff,
        change=kind,
        effective_on=datetime.fromisoformat(on).date(),
    )


def detect(
    kind: str, params: dict[str, Any] | None = None, *, as_of: datetime = AS_OF, **scope: Any
) -> list[Finding]:
    detector = KINDS[kind]
    parsed = detector.parse_params(params or {})
    return sorted(detector.detect(ScanContext(as_of=as_of, **scope), parsed), key=lambda f: f.fingerprint)
