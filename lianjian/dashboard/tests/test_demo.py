"""`lianjian init` and `lianjian demo --no-serve`: safe to run again, one account per role."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from lianjian.accounts.choices import ADMIN_ROLES, Role
from lianjian.accounts.models import RoleAssignment, User
from lianjian.audit.models import AuditEvent
from lianjian.dashboard.demo import DEMO_PASSWORD
from lianjian.org.models import PowerRule, Relation, Staff, Unit
from lianjian.org.selectors import staff_may_decide, staff_visible_to

pytestmark = pytest.mark.django_db


def run_demo() -> str:
    out = StringIO()
    call_command("demo", no_serve=True, stdout=out)
    return out.getvalue()


def test_demo_loads_the_organisation_and_one_account_per_role() -> None:
    output = run_demo()
    assert sorted(Unit.objects.values_list("level", flat=True)) == ["CITY"] * 2 + ["COUNTY"] * 4 + [
        "PROVINCE"
    ]
    assert 110 <= Staff.objects.count() <= 140
    assert Relation.objects.count() > 0
    assert PowerRule.objects.filter(unit__code="620000").count() == 14
    roles = sorted(RoleAssignment.objects.values_list("role", flat=True))
    assert roles == sorted(Role.values)
    for user in User.objects.all():
        assert user.check_password(DEMO_PASSWORD)
        assert user.username in output
    # 三员分立: administrator accounts hold exactly one role each and no staff link.
    for assignment in RoleAssignment.objects.filter(role__in=ADMIN_ROLES):
        assert assignment.user.roles.count() == 1


def test_demo_runs_again_without_changing_anything() -> None:
    run_demo()
    counts = (
        Staff.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        AuditEvent.objects.count(),
    )
    output = run_demo()
    assert (
        Staff.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
    assert "本次新增 0" in output


def test_demo_accounts_see_their_scope() -> None:
    run_demo()
    prosecutor = User.objects.get(username="prosecutor")
    assert list(staff_visible_to(prosecutor)) == [prosecutor.staff]
    head = User.objects.get(username="depthead")
    assert head.staff is not None
    department = head.staff.department
    assert set(staff_visible_to(head)) == set(Staff.objects.filter(department=department))
    leader = User.objects.get(username="leader")
    assert {s.unit.code for s in staff_visible_to(leader)} == {"620100", "620102", "620103"}
    assert staff_visible_to(User.objects.get(username="sysadmin")).count() == 0


def test_demo_power_list_override_applies_to_the_city_and_its_counties() -> None:
    from datetime import date

    run_demo()
    head = User.objects.get(username="depthead").staff  # 兰州市城关区, 部门负责人
    assert head is not None
    assert staff_may_decide(head, "NON_PROSECUTE", date(2026, 3, 1), "DISCRETIONARY").allowed is True
    assert staff_may_decide(head, "NON_PROSECUTE", date(2023, 3, 1), "DISCRETIONARY").allowed is False
    assert staff_may_decide(head, "NON_PROSECUTE", date(2026, 3, 1), "EVIDENCE").allowed is False


def test_init_is_safe_to_run_again() -> None:
    out = StringIO()
    call_command("init", stdout=out)
    call_command("init", stdout=out)
    assert out.getvalue().count("数据库已就绪") == 2
