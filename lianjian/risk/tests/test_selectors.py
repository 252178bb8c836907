"""Reads of alerts within scope, risk scores, filters and the effective catalogue of a unit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from lianjian.accounts.models import User
from lianjian.cases.models import Case
from lianjian.org.models import Staff, Unit
from lianjian.risk.engine import codes_key
from lianjian.risk.models import Alert, RiskPoint, Rule
from lianjian.risk.selectors import alerts_filtered, alerts_visible_to, effective_points, risk_scores
from lianjian.risk.services import risk_catalogue_install, risk_point_add

pytestmark = pytest.mark.django_db

NOW = datetime.fromisoformat("2026-06-30T18:00:00+08:00")


def make_case(no: str, unit: Unit, prosecutor: Staff | None) -> Case:
    return Case.objects.create(
        case_no=no,
        unit=unit,
        prosecutor=prosecutor,
        department=prosecutor.department if prosecutor else None,
        last_event_at=NOW,
    )


def alert(
    rule: Rule,
    fp: str,
    *,
    unit: Unit,
    case: Case | None = None,
    staff: Staff | None = None,
    level: str = "NOTICE",
    codes: tuple[str, ...] = ("GX01",),
    status: str = "OPEN",
) -> Alert:
    return Alert.objects.create(
        rule=rule,
        fingerprint=fp,
        risk_codes=list(codes),
        codes_key=codes_key(codes),
        level=level,
        status=status,
        unit=unit,
        case=case,
        case_no=case.case_no if case else "",
        subject_staff=staff,
        title=fp,
        raised_at=NOW,
        last_seen_at=NOW,
    )


@pytest.fixture
def alerts(org: Any) -> dict[str, Alert]:
    risk_catalogue_install()
    rule = Rule.objects.get(code="R-GX01")
    own = make_case("C-OWN", org.county, org.prosecutor)
    colleague = make_case("C-COL", org.county, org.colleague)
    county_b = make_case("C-B", org.county_b, org.county_b_prosecutor)
    other = make_case("C-OTHER", org.other_county, org.outsider_staff)
    return {
        "own": alert(rule, "own", unit=org.county, case=own, level="SUPERVISED", codes=("GX01", "XS03")),
        "colleague": alert(rule, "colleague", unit=org.county, case=colleague, level="WARNING"),
        "about_me": alert(rule, "about_me", unit=org.county, staff=org.prosecutor),
        "county_b": alert(rule, "county_b", unit=org.county_b, case=county_b),
        "other": alert(rule, "other", unit=org.other_county, case=other),
        "resolved": alert(rule, "resolved", unit=org.county, case=own, status="RESOLVED", level="SUPERVISED"),
    }


def visible(user: User) -> list[str]:
    return sorted(alerts_visible_to(user).values_list("fingerprint", flat=True))


def test_each_persona_sees_the_alerts_of_their_scope(
    alerts: dict[str, Alert],
    county_prosecutor: User,
    department_head: User,
    city_supervisor: User,
    outsider: User,
    system_admin: User,
) -> None:
    assert visible(county_prosecutor) == ["about_me", "own", "resolved"]
    # 本部门 reaches the department's cases and the alerts about its staff (about_me: A100).
    assert visible(department_head) == ["about_me", "colleague", "own", "resolved"]
    assert visible(city_supervisor) == ["about_me", "colleague", "county_b", "own", "resolved"]
    assert visible(outsider) == ["other"]
    assert visible(system_admin) == []  # 三员分立: administrators see no business data


def test_filters_by_risk_code_status_and_case(alerts: dict[str, Alert], city_supervisor: User) -> None:
    mine = alerts_visible_to(city_supervisor)

    assert sorted(alerts_filtered(mine, risk_code="xs03").values_list("fingerprint", flat=True)) == ["own"]
    assert sorted(alerts_filtered(mine, status="RESOLVED").values_list("fingerprint", flat=True)) == [
        "resolved"
    ]
    assert sorted(alerts_filtered(mine, case_no="C-B").values_list("fingerprint", flat=True)) == ["county_b"]
    assert alerts_filtered(mine, risk_code="GX0").count() == 0  # a code, not a prefix


def test_risk_scores_weigh_open_alerts_by_level(alerts: dict[str, Alert], org: Any) -> None:
    everything = Alert.objects.all()

    by_unit = {row["key"]: row["score"] for row in risk_scores(everything, by="unit")}
    by_prosecutor = {row["key"]: row["score"] for row in risk_scores(everything, by="prosecutor")}

    # county: 督办 5 + 预警 3 + 提示 1 (the resolved 督办 does not count)
    assert by_unit == {org.county.pk: 9, org.county_b.pk: 1, org.other_county.pk: 1}
    # the prosecutor: 督办 5 on their case + 提示 1 about them
    assert by_prosecutor == {
        org.prosecutor.pk: 6,
        org.colleague.pk: 3,
        org.county_b_prosecutor.pk: 1,
        org.outsider_staff.pk: 1,
    }
    assert [row["key"] for row in risk_scores(everything, by="case")][:2] == ["C-OWN", "C-COL"]


def test_a_local_point_replaces_the_standard_one_below_its_unit(org: Any) -> None:
    risk_catalogue_install()
    fields = {"name": "本地：上级院指令", "line": "COMMON", "category": "INSTITUTIONAL", "level": "HIGH"}
    risk_point_add(
        unit=org.city, actor=None, code="GX01", fields=fields, effective_from=date(2026, 1, 1), reason="本地"
    )

    county = {p.code: p for p in effective_points(org.county, day=date(2026, 6, 1))}
    other = {p.code: p for p in effective_points(org.other_county, day=date(2026, 6, 1))}
    before = {p.code: p for p in effective_points(org.county, day=date(2025, 6, 1))}

    assert county["GX01"].name == "本地：上级院指令" and county["GX01"].unit == org.city
    assert other["GX01"].unit is None
    assert before["GX01"].unit is None
    assert len(county) == RiskPoint.objects.filter(unit__isnull=True).count()
