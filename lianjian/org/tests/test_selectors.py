from datetime import date

import pytest

from lianjian.org import selectors
from lianjian.org.tests.factories import PowerRuleFactory, StaffChangeFactory, StaffFactory


def test_county_prosecutor_sees_only_self(county_prosecutor, org):
    staff = list(selectors.staff_visible_to(county_prosecutor).values_list("staff_no", flat=True))
    assert staff == ["A100"]


def test_department_head_sees_department_not_other_county(department_head, org):
    staff = set(selectors.staff_visible_to(department_head).values_list("staff_no", flat=True))
    assert staff == {"A100", "A101", "A103"}


def test_city_supervisor_sees_city_and_its_counties_only(city_supervisor, org):
    units = set(selectors.units_visible_to(city_supervisor).values_list("code", flat=True))
    assert units == {"620100", "620102", "620103"}
    staff = set(selectors.staff_visible_to(city_supervisor).values_list("staff_no", flat=True))
    assert "C300" not in staff
    assert {"A100", "B200", "CS01"} <= staff


def test_admin_roles_read_no_business_data(system_admin, security_admin, audit_admin, org):
    for admin in (system_admin, security_admin, audit_admin):
        assert selectors.staff_visible_to(admin).count() == 0
        assert selectors.units_visible_to(admin).count() == 0
        assert selectors.relations_visible_to(admin).count() == 0


def test_power_inherited_from_superior_and_overridden_locally(org):
    chief = StaffFactory(department=org.criminal, position="CHIEF")
    prosecutor = org.prosecutor
    PowerRuleFactory(
        unit=org.city, decision="NON_PROSECUTE", positions=["CHIEF"], effective_from=date(2021, 1, 1)
    )
    assert selectors.staff_may_decide(chief, "NON_PROSECUTE", date(2026, 3, 25)).allowed is True
    assert selectors.staff_may_decide(prosecutor, "NON_PROSECUTE", date(2026, 3, 25)).allowed is False
    # The county overrides from 2026-01-01: prosecutors may decide relative non-prosecution.
    PowerRuleFactory(
        unit=org.county,
        decision="NON_PROSECUTE",
        kind="DISCRETIONARY",
        positions=["PROSECUTOR"],
        effective_from=date(2026, 1, 1),
    )
    assert selectors.staff_may_decide(prosecutor, "NON_PROSECUTE", date(2026, 3, 25), "DISCRETIONARY").allowed
    assert not selectors.staff_may_decide(
        prosecutor, "NON_PROSECUTE", date(2025, 12, 31), "DISCRETIONARY"
    ).allowed
    assert not selectors.staff_may_decide(prosecutor, "NON_PROSECUTE", date(2026, 3, 25), "EVIDENCE").allowed


def test_no_power_line_anywhere_means_not_allowed(org):
    answer = selectors.staff_may_decide(org.prosecutor, "PROTEST", date(2026, 1, 1))
    assert answer.allowed is False
    assert answer.rule is None


def test_position_on_a_date_follows_post_history(org):
    staff = StaffFactory(department=org.criminal, position="DEPT_HEAD")
    StaffChangeFactory(staff=staff, change="JOIN", effective_on=date(2015, 1, 1), position="PROSECUTOR")
    StaffChangeFactory(staff=staff, change="PROMOTE", effective_on=date(2024, 6, 1), position="DEPT_HEAD")
    assert selectors.staff_post_on(staff, date(2023, 1, 1))[2] == "PROSECUTOR"
    assert selectors.staff_post_on(staff, date(2024, 6, 1))[2] == "DEPT_HEAD"


@pytest.mark.parametrize("scope_user", ["county_prosecutor", "outsider"])
def test_power_list_visible_includes_inherited_lines(scope_user, request, org):
    user = request.getfixturevalue(scope_user)
    PowerRuleFactory(unit=org.province, decision="ARREST", positions=["CHIEF"])
    PowerRuleFactory(unit=org.other_city, decision="ARREST", positions=["CHIEF"])
    codes = set(selectors.power_rules_visible_to(user).values_list("unit__code", flat=True))
    expected = {"620000"} if scope_user == "county_prosecutor" else {"620000", "620200"}
    assert codes == expected
