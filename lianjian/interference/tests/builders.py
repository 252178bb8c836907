"""Builders shared by the register's tests: record input, records and the leaders' personas."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from lianjian.accounts.models import User
from lianjian.accounts.tests.factories import UserFactory, grant
from lianjian.cases.models import Case
from lianjian.interference.models import Record
from lianjian.interference.services import RecordInput, Upload, record_create
from lianjian.org.models import Staff, Unit
from lianjian.org.tests.factories import StaffFactory

SECRET_NAME = "唐秘密"  # the intervener's name in tests that grep for plaintext
SECRET_CONTENT = "请对犯罪嫌疑人王某某从轻处理，不要批捕"
CASE_NO = "甘兰城检刑诉受[2026]620102000007号"


def linked_case(org: Any, case_no: str = CASE_NO) -> Case:
    """A case of the county's prosecutor, for records that link a case."""
    return Case.objects.create(
        case_no=case_no,
        unit=org.county,
        prosecutor=org.prosecutor,
        department=org.criminal,
        last_event_at=timezone.now(),
    )


def record_input(**overrides: Any) -> RecordInput:
    values: dict[str, Any] = {
        "subject_name": SECRET_NAME,
        "subject_org": "某区政府",
        "subject_position": "副区长",
        "subject_type": "LEADER",
        "occurred_at": timezone.now() - timedelta(days=1),
        "location": "办公室",
        "channel": "PHONE",
        "matter_type": "MAJ-01",
        "matter_ref": "王某某盗窃案，审查逮捕阶段",
        "content": SECRET_CONTENT,
        "category": "RC-06",
        "violation_codes": ["LD-VIO-01"],
        "response": "REFUSED",
    }
    values.update(overrides)
    return RecordInput(**values)


def make_record(
    recorder: Staff,
    *,
    now: datetime | None = None,
    uploads: list[Upload] | None = None,
    actor: Any = None,
    **overrides: Any,
) -> Record:
    return record_create(
        recorder=recorder, data=record_input(**overrides), uploads=uploads, actor=actor, now=now
    )


def persona(username: str, staff: Any, role: str, scope: str, **anchor: Any) -> Any:
    user: Any = UserFactory(username=username, display_name=staff.name if staff else username, staff=staff)
    grant(user, role, scope, **anchor)
    return user


def chief_of(unit: Unit, *, staff_no: str = "CH01", name: str = "林正") -> User:
    """检察长 of ``unit``: a leader whose post is CHIEF."""
    staff = StaffFactory(staff_no=staff_no, name=name, unit=unit, department=None, position="CHIEF")
    return persona(f"chief_{staff_no.lower()}", staff, "LEADER", "UNIT", unit=unit)


def leader_of(unit: Unit, *, staff_no: str = "LD01", name: str = "高远") -> User:
    """A deputy chief (分管领导) of ``unit``."""
    staff = StaffFactory(staff_no=staff_no, name=name, unit=unit, department=None, position="DEPUTY_CHIEF")
    return persona(f"leader_{staff_no.lower()}", staff, "LEADER", "UNIT", unit=unit)


def discipline_colleague(org: Any) -> User:
    """A second 纪检监察 of the county (纪清), e.g. to handle a clue about the first (纪明)."""
    staff = StaffFactory(staff_no="DI02", name="纪清", department=org.criminal)
    return persona("discipline2", staff, "DISCIPLINE", "UNIT", unit=org.county)
