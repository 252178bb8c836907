"""Preparing the demo: the demo organisation through the importer, one account per role."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import transaction

from lianjian.accounts import services as accounts
from lianjian.accounts.choices import DataScope, Role
from lianjian.accounts.models import User
from lianjian.dashboard.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_records
from lianjian.ingest.services import import_batch_run
from lianjian.org.models import Department, Staff, Unit


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    scope: str
    staff: str


@dataclass(frozen=True)
class DemoResult:
    accepted: bool
    summary: str
    errors: list[str]
    accounts: list[DemoAccount]
    password: str


def _pick_staff(unit_code: str, department_code: str, position: str) -> Staff:
    """The first person (by 工号) in that post who has no account yet."""
    candidates = Staff.objects.filter(
        unit__code=unit_code, department__code=department_code, position=position, left_on__isnull=True
    ).order_by("staff_no")
    free = candidates.filter(user__isnull=True).first()
    return free or candidates.first()  # type: ignore[return-value]


@transaction.atomic
def demo_accounts_ensure() -> list[DemoAccount]:
    """Create each demo account with its role unless it exists; return them all."""
    accounts_out: list[DemoAccount] = []
    for username, role, scope, unit_code, post in DEMO_ACCOUNTS:
        user = User.objects.filter(username=username).select_related("staff").first()
        if user is None:
            staff = _pick_staff(*post) if post else None
            user = accounts.user_create(
                actor=None,
                username=username,
                display_name=staff.name if staff else str(Role(role).label),
                staff=staff,
                password=DEMO_PASSWORD,
            )
            unit = Unit.objects.get(code=unit_code) if unit_code else None
            department = staff.department if staff and scope == DataScope.DEPARTMENT else None
            accounts.role_grant_system(user=user, role=role, scope=scope, unit=unit, department=department)
        accounts_out.append(
            DemoAccount(
                username=username,
                role=str(Role(role).label),
                scope=str(DataScope(scope).label),
                staff=f"{user.staff.name}（{user.staff.unit.name}）" if user.staff else "—",
            )
        )
    return accounts_out


def demo_load() -> DemoResult:
    """Import the demo organisation (idempotent) and make sure the demo accounts exist."""
    lines = [json.dumps(record, ensure_ascii=False) for record in demo_records()]
    result = import_batch_run(actor=None, source_name="演示数据.jsonl", lines_or_reader=lines)
    if not result.is_accepted:
        errors = [f"{issue.as_dict()}" for issue in result.issues]
        return DemoResult(False, "", errors, [], DEMO_PASSWORD)
    counts = result.counts
    staff = counts.get("staff", {})
    units, departments, people = Unit.objects.count(), Department.objects.count(), Staff.objects.count()
    summary = (
        f"单位 {units} 个，部门 {departments} 个，人员 {people} 人"
        f"（本次新增 {staff.get('created', 0)}，未变 {staff.get('unchanged', 0)}）"
    )
    return DemoResult(True, summary, [], demo_accounts_ensure(), DEMO_PASSWORD)
