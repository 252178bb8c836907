"""`lianjian init` and `lianjian demo --no-serve`: generated data, an account per role, safe to rerun."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from lianjian.accounts.choices import ADMIN_ROLES, Role
from lianjian.accounts.models import RoleAssignment, User
from lianjian.audit.models import AuditEvent
from lianjian.cases.models import Case, Event
from lianjian.dashboard.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from lianjian.org.models import Department, PowerRule, Relation, Staff, StaffChange, Unit
from lianjian.org.selectors import staff_may_decide, staff_visible_to
from lianjian.risk.models import Alert

pytestmark = pytest.mark.django_db

SUPERVISORY = {"CASE_MANAGEMENT", "INSPECTION", "POLITICAL", "DISCIPLINE"}


def run_demo() -> str:
    out = StringIO()
    call_command("demo", no_serve=True, stdout=out)
    return out.getvalue()


def account(username: str) -> User:
    return User.objects.select_related("staff__unit", "staff__department").get(username=username)


def test_demo_imports_the_generated_organisation_cases_and_ground_truth() -> None:
    output = run_demo()

    assert Counter(Unit.objects.values_list("level", flat=True)) == {"PROVINCE": 1, "CITY": 2, "COUNTY": 4}
    assert set(Unit.objects.filter(level="CITY").values_list("code", flat=True)) == {"620100", "620200"}
    assert 110 <= Staff.objects.count() <= 140
    assert Staff.objects.count() == 131
    for unit in Unit.objects.all():
        kinds = set(Department.objects.filter(unit=unit).values_list("kind", flat=True))
        assert {"CRIMINAL", *SUPERVISORY} <= kinds
        for kind in SUPERVISORY:
            assert Staff.objects.filter(unit=unit, department__kind=kind, position="DEPT_HEAD").count() == 1
    assert Relation.objects.count() == 20
    assert PowerRule.objects.filter(unit__code="620000").count() == 16
    assert Case.objects.count() == 3000
    assert Event.objects.count() == 26_013
    assert "案件 3,000 件" in output
    # The ground truth beside the data: every risk code of DATA_CONTRACT.md §3 injected.
    path = Path(settings.LIANJIAN_HOME) / "demo.truth.jsonl"
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["kind"] == "meta"
    assert (lines[0]["cases"], lines[0]["counties"], lines[0]["compact"]) == (3000, 4, True)
    truth_kinds = Counter(line["kind"] for line in lines[1:])
    assert truth_kinds == {"must_raise": 284, "must_not_raise": 326}
    assert len({line["risk_code"] for line in lines[1:] if line["kind"] == "must_raise"}) == 49
    assert f"应报 284 条（49 个风险代码），不应报 326 条 → {path}" in output
    case_nos = {line["case_no"] for line in lines[1:] if line["case_no"]}
    assert Case.objects.filter(case_no__in=case_nos).count() == len(case_nos)


def test_demo_gives_one_account_per_role_to_the_people_in_post_and_prints_them() -> None:
    output = run_demo()

    roles = sorted(RoleAssignment.objects.values_list("role", flat=True))
    assert roles == sorted(Role.values)
    assert User.objects.count() == len(DEMO_ACCOUNTS) == len(Role.values)
    for user in User.objects.select_related("staff__unit"):
        assert user.check_password(DEMO_PASSWORD)
        assert user.username in output
        if user.staff is not None:
            assert f"{user.staff.name}（{user.staff.unit.name}）" in output
    # 三员分立: administrator accounts hold exactly one role each, scope ALL, and no staff link.
    for assignment in RoleAssignment.objects.filter(role__in=ADMIN_ROLES).select_related("user"):
        assert assignment.user.roles.count() == 1
        assert (assignment.scope, assignment.user.staff_id) == ("ALL", None)
    # Each business account goes to the person in its post, found in the generated organisation.
    prosecutor = account("prosecutor").staff
    assert prosecutor is not None and prosecutor.department is not None
    assert (prosecutor.unit.code, prosecutor.department.kind, prosecutor.position) == (
        "620102",
        "CRIMINAL",
        "PROSECUTOR",
    )
    handled = Counter(
        Case.objects.filter(unit=prosecutor.unit, department__kind="CRIMINAL").values_list(
            "prosecutor__staff_no", flat=True
        )
    )
    assert handled[prosecutor.staff_no] > 0
    assert handled[prosecutor.staff_no] == max(handled.values())

    def post(username: str) -> tuple[str, str, str]:
        staff = account(username).staff
        assert staff is not None and staff.department is not None
        return staff.unit.code, staff.department.kind, staff.position

    head = account("depthead").staff
    assert head is not None
    assert (head.department_id, head.position) == (prosecutor.department_id, "DEPT_HEAD")
    assert post("leader") == ("620100", "OTHER", "CHIEF")
    assert post("casemgmt") == ("620000", "CASE_MANAGEMENT", "DEPT_HEAD")
    assert post("inspector") == ("620100", "INSPECTION", "DEPT_HEAD")
    assert post("discipline") == ("620102", "DISCIPLINE", "DEPT_HEAD")
    assert post("political") == ("620000", "POLITICAL", "DEPT_HEAD")
    scopes = {
        assignment.user.username: (assignment.scope, assignment.unit.code if assignment.unit else None)
        for assignment in RoleAssignment.objects.select_related("user", "unit")
    }
    assert scopes == {
        "prosecutor": ("SELF", "620102"),
        "depthead": ("DEPARTMENT", "620102"),
        "leader": ("UNIT_AND_BELOW", "620100"),
        "casemgmt": ("UNIT_AND_BELOW", "620000"),
        "inspector": ("UNIT_AND_BELOW", "620100"),
        "discipline": ("UNIT", "620102"),
        "political": ("UNIT_AND_BELOW", "620000"),
        "sysadmin": ("ALL", None),
        "secadmin": ("ALL", None),
        "auditadmin": ("ALL", None),
    }


def test_demo_runs_again_without_changing_anything() -> None:
    run_demo()

    def state() -> tuple[object, ...]:
        return (
            Unit.objects.count(),
            Department.objects.count(),
            Staff.objects.count(),
            StaffChange.objects.count(),
            Relation.objects.count(),
            PowerRule.objects.count(),
            Event.objects.count(),
            Case.objects.count(),
            sorted(User.objects.values_list("username", "pk", "staff_id")),
            RoleAssignment.objects.count(),
            # each run of the demo scans and records that scan (risk.scan.run); nothing else
            AuditEvent.objects.exclude(action="risk.scan.run").count(),
            Alert.objects.count(),
        )

    before = state()
    output = run_demo()
    assert state() == before
    assert AuditEvent.objects.filter(action="risk.scan.run").count() == 2
    assert "本次新增 0 条记录" in output


def test_demo_accounts_see_their_scope_and_the_local_power_line() -> None:
    run_demo()

    prosecutor = account("prosecutor")
    assert list(staff_visible_to(prosecutor)) == [prosecutor.staff]
    head_user = account("depthead")
    head = head_user.staff
    assert head is not None
    assert set(staff_visible_to(head_user)) == set(Staff.objects.filter(department=head.department))
    leader = account("leader")
    assert {s.unit.code for s in staff_visible_to(leader)} == {"620100", "620102", "620103", "620104"}
    discipline = account("discipline")
    assert {s.unit.code for s in staff_visible_to(discipline)} == {"620102"}
    assert staff_visible_to(account("sysadmin")).count() == 0
    # 城关区's local power line lets its department heads decide 酌定不起诉 from 2023-07-01.
    rule = PowerRule.objects.get(unit=head.unit, decision="NON_PROSECUTE", kind="DISCRETIONARY")
    assert rule.effective_from == date(2023, 7, 1)
    assert staff_may_decide(head, "NON_PROSECUTE", date(2026, 3, 1), "DISCRETIONARY").allowed is True
    assert staff_may_decide(head, "NON_PROSECUTE", date(2023, 3, 1), "DISCRETIONARY").allowed is False
    assert staff_may_decide(head, "NON_PROSECUTE", date(2026, 3, 1), "EVIDENCE").allowed is False


def test_init_is_safe_to_run_again() -> None:
    out = StringIO()
    call_command("init", stdout=out)
    call_command("init", stdout=out)
    assert out.getvalue().count("数据库已就绪") == 2
