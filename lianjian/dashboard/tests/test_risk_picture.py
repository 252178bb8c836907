"""The risk picture (F4.6, docs/dashboard.md): figures per persona, scope, who sees rankings, the
drill-down fragments (forged ids outside the scope are 404) and the fallback without ECharts."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any, cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianjian.accounts.models import User
from lianjian.accounts.tests.factories import UserFactory, grant
from lianjian.dashboard import selectors
from lianjian.org.tests.factories import StaffFactory
from lianjian.risk.choices import AlertLevel, AlertStatus, DisposalState
from lianjian.risk.models import Alert
from lianjian.risk.tests.workflow import alert_on, case_of

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 9)  # a Wednesday; the alerts are raised on Monday 2026-12-07 unless told


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}T10:00:00+08:00")


def with_codes(alert: Alert, *codes: str) -> Alert:
    Alert.objects.filter(pk=alert.pk).update(risk_codes=list(codes), codes_key=f"|{'|'.join(codes)}|")
    return alert


@pytest.fixture
def alerts(org: Any) -> dict[str, Alert]:
    """Pending in county 620102: 1 + 5 + 3 + 1 = 10; in county 620103: 3; in the other city: 5."""
    own = case_of(org)
    built = {
        "notice": alert_on(own),
        "supervised": with_codes(alert_on(case_of(org), level=AlertLevel.SUPERVISED), "GX02", "XS03"),
        "colleague": alert_on(
            case_of(org, prosecutor=org.colleague), level=AlertLevel.WARNING, raised_at=at("2026-10-15")
        ),
        "about_me": alert_on(None, subject=org.prosecutor),
        "county_b": alert_on(
            case_of(org, prosecutor=org.county_b_prosecutor),
            level=AlertLevel.WARNING,
            raised_at=at("2026-01-05"),
        ),
        "other_city": alert_on(
            case_of(org, prosecutor=org.outsider_staff),
            level=AlertLevel.SUPERVISED,
            raised_at=at("2025-12-31"),
        ),
        "resolved": alert_on(own, level=AlertLevel.SUPERVISED, status=AlertStatus.RESOLVED),
        "closed": alert_on(own, level=AlertLevel.WARNING),
    }
    Alert.objects.filter(pk=built["closed"].pk).update(disposal_state=DisposalState.CLOSED)
    return built


def persona(username: str, role: str, scope: str, **anchor: Any) -> User:
    user: Any = UserFactory(username=username, display_name=username)
    grant(user, role, scope, **anchor)
    return cast(User, user)


@pytest.fixture
def county_leader(org: Any) -> User:
    return persona("county_leader", "LEADER", "UNIT_AND_BELOW", unit=org.county)


@pytest.fixture
def case_manager(org: Any) -> User:
    return persona("case_manager", "CASE_MANAGEMENT", "UNIT_AND_BELOW", unit=org.city)


def scores(nodes: list[selectors.UnitNode]) -> dict[str, tuple[int, int, str]]:
    found: dict[str, tuple[int, int, str]] = {}
    for node in nodes:
        found[node.code] = (node.score, node.total_score, node.band)
        found.update(scores(node.children))
    return found


def test_the_city_supervisor_sees_the_city_and_its_counties(alerts: Any, city_supervisor: User) -> None:
    picture = selectors.risk_picture(city_supervisor, today=TODAY)

    assert picture is not None
    assert picture.pending == 5
    assert [(row["level"], row["count"]) for row in picture.by_level] == [
        ("NOTICE", 2),
        ("WARNING", 2),
        ("SUPERVISED", 1),
    ]
    assert {row["line"]: row["count"] for row in picture.by_line} == {
        "CRIMINAL": 4,
        "CIVIL": 0,
        "ADMINISTRATIVE": 0,
        "PUBLIC_INTEREST": 0,
        "OTHER": 0,
        "": 1,
    }
    assert [(p["code"], p["count"]) for p in picture.top_points] == [("GX01", 4), ("GX02", 1), ("XS03", 1)]
    assert picture.top_points[0]["url"] == "/risk/alerts/?risk_code=GX01&status=OPEN"
    assert [node.code for node in picture.tree] == ["620100"]
    assert scores(picture.tree) == {
        "620100": (0, 13, "none"),
        "620102": (10, 10, "high"),
        "620103": (3, 3, "low"),
    }


def test_the_trend_counts_every_alert_raised_in_the_last_twelve_months(
    alerts: Any, city_supervisor: User
) -> None:
    trend = selectors.risk_picture(city_supervisor, today=TODAY)
    assert trend is not None
    months = trend.trend.months
    assert (months[0], months[-1], len(months)) == ("2026-01", "2026-12", 12)
    counts = trend.trend.counts
    # December: notice, supervised, about_me, resolved, closed (resolved and closed count: raised then).
    assert [counts[level][-1] for level in AlertLevel] == [2, 1, 2]
    assert counts["WARNING"][months.index("2026-10")] == 1
    assert counts["WARNING"][0] == 1  # county_b, 2026-01-05; other_city (2025-12) is out of scope anyway
    assert sum(sum(row) for row in counts.values()) == 7


def test_a_county_leader_sees_only_their_county(alerts: Any, county_leader: User, client: Any) -> None:
    picture = selectors.risk_picture(county_leader, today=TODAY)

    assert picture is not None
    assert scores(picture.tree) == {"620102": (10, 10, "high")}
    assert picture.pending == 4
    client.force_login(county_leader)
    assert client.get("/dashboard/units/620102/").status_code == 200
    for code in ("620103", "620100", "620201", "999999"):
        assert client.get(f"/dashboard/units/{code}/").status_code == 404


def test_the_unit_drill_lists_departments_by_score(
    alerts: Any, org: Any, city_supervisor: User, client: Any
) -> None:
    client.force_login(city_supervisor)
    response = client.get("/dashboard/units/620102/")

    assert response.status_code == 200
    drill = response.context["drill"]
    assert drill.kind == "departments"
    assert [(row.label, row.score, row.alerts) for row in drill.rows] == [("第二检察部", 10, 4)]
    assert drill.pending == 4
    assert drill.list_url == "/risk/alerts/?unit=620102&status=OPEN"
    assert f'hx-get="/dashboard/departments/{org.criminal.pk}/"' in response.content.decode()


def test_the_department_drill_ranks_its_people_for_those_entitled(
    alerts: Any, org: Any, city_supervisor: User, client: Any
) -> None:
    client.force_login(city_supervisor)
    drill = client.get(f"/dashboard/departments/{org.criminal.pk}/").context["drill"]

    assert drill.kind == "people"
    assert [(row.label, row.score, row.alerts) for row in drill.rows] == [("何平", 7, 3), ("周敏", 3, 1)]
    assert drill.rows[0].drill_url == f"/dashboard/people/{org.prosecutor.pk}/"
    assert f"department={org.criminal.pk}" in drill.list_url
    listed = client.get(drill.list_url)
    assert listed.status_code == 200
    # The list shows the department's open alerts, also those already closed by disposal (办结),
    # which the dashboard no longer counts as pending.
    assert listed.context["page_obj"].paginator.count >= sum(row.alerts for row in drill.rows)


def test_the_person_drill_lists_their_cases_and_the_alerts_about_them(
    alerts: Any, org: Any, city_supervisor: User, client: Any
) -> None:
    client.force_login(city_supervisor)
    drill = client.get(f"/dashboard/people/{org.prosecutor.pk}/").context["drill"]

    assert drill.kind == "cases"
    assert [(row.label, row.score) for row in drill.rows] == [
        (alerts["supervised"].case_no, 5),
        (alerts["notice"].case_no, 1),
    ]
    assert drill.rows[0].url == reverse("risk:case_detail", args=[alerts["supervised"].case_no])
    assert client.get(drill.rows[0].url).status_code == 200
    assert [alert.pk for alert in drill.loose] == [alerts["about_me"].pk]
    assert drill.pending == 3


def test_forged_ids_outside_the_scope_are_404(
    alerts: Any, org: Any, city_supervisor: User, client: Any
) -> None:
    client.force_login(city_supervisor)

    assert client.get(f"/dashboard/departments/{org.other_criminal.pk}/").status_code == 404
    assert client.get("/dashboard/departments/999999/").status_code == 404
    assert client.get(f"/dashboard/people/{org.outsider_staff.pk}/").status_code == 404
    assert client.get("/dashboard/people/999999/").status_code == 404
    assert client.get("/dashboard/units/620201/").status_code == 404


def test_rankings_by_role(
    alerts: Any,
    org: Any,
    city_supervisor: User,
    county_leader: User,
    department_head: User,
    discipline_inspector: User,
    case_manager: User,
    county_prosecutor: User,
) -> None:
    def ranking(user: User) -> list[tuple[str, int]] | None:
        rows = selectors.prosecutor_ranking(user)
        return None if rows is None else [(row.label, row.score) for row in rows]

    assert ranking(city_supervisor) == [("何平", 7), ("周敏", 3), ("钱进", 3)]
    assert ranking(county_leader) == [("何平", 7), ("周敏", 3)]
    assert ranking(discipline_inspector) == [("何平", 7), ("周敏", 3)]
    # 部门负责人: only within their own department.
    assert ranking(department_head) == [("何平", 7), ("周敏", 3)]
    assert ranking(case_manager) is None
    assert ranking(county_prosecutor) is None


def test_a_department_head_ranks_nobody_outside_their_department(
    alerts: Any, org: Any, department_head: User, client: Any
) -> None:
    outside: Any = StaffFactory(staff_no="A900", name="别部", department=org.criminal_b)
    alert_on(case_of(org, prosecutor=outside), level=AlertLevel.SUPERVISED)
    client.force_login(department_head)

    picture = client.get("/").context["picture"]
    assert picture.tree == []  # no unit-wide scope: the picture starts at the department
    assert [(row.label, row.score) for row in picture.departments] == [
        ("兰州市城关区人民检察院 · 第二检察部", 10)
    ]
    assert client.get(f"/dashboard/departments/{org.criminal.pk}/").context["drill"].kind == "people"
    assert client.get(f"/dashboard/departments/{org.criminal_b.pk}/").status_code == 404
    assert client.get(f"/dashboard/people/{outside.pk}/").status_code == 404
    assert client.get("/dashboard/units/620102/").status_code == 404


def test_case_management_drills_to_cases_not_people(
    alerts: Any, org: Any, case_manager: User, client: Any
) -> None:
    client.force_login(case_manager)
    page = client.get("/")
    assert page.context["picture"].ranking is None
    assert 'data-testid="ranking"' not in page.content.decode()

    drill = client.get(f"/dashboard/departments/{org.criminal.pk}/").context["drill"]
    assert drill.kind == "cases"
    assert [row.score for row in drill.rows] == [5, 3, 1]
    assert client.get(f"/dashboard/people/{org.prosecutor.pk}/").status_code == 403


def test_the_prosecutor_sees_their_alerts_by_deadline(alerts: Any, county_prosecutor: User) -> None:
    mine = selectors.my_alerts(county_prosecutor, today=TODAY)

    assert mine is not None
    rows, total = mine
    assert total == 3  # resolved-and-unsigned and closed alerts await nothing
    assert [(row.alert.pk, row.due_on, row.is_overdue) for row in rows] == [
        (alerts["supervised"].pk, date(2026, 12, 8), True),  # 督办: 1 working day to sign
        (alerts["notice"].pk, date(2026, 12, 10), False),  # 提示: 3 working days
        (alerts["about_me"].pk, date(2026, 12, 10), False),
    ]
    assert selectors.risk_picture(county_prosecutor, today=TODAY) is None


def test_the_prosecutor_dashboard_page(alerts: Any, county_prosecutor: User, client: Any) -> None:
    client.force_login(county_prosecutor)
    html = client.get("/").content.decode()

    assert 'data-testid="my-alerts-total">3<' in html
    assert html.count('data-testid="my-alert"') == 3
    assert 'data-testid="risk-picture"' not in html
    assert 'data-testid="dashboard-panels"' in html  # the existing panels stay


def test_leaders_page_embeds_the_chart_data(
    alerts: Any, city_supervisor: User, client: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(selectors, "chart_library_installed", lambda: True)
    client.force_login(city_supervisor)
    html = client.get("/").content.decode()

    embedded = re.search(r'<script id="dash-charts" type="application/json">(.*?)</script>', html, re.S)
    assert embedded is not None
    charts = json.loads(embedded.group(1))
    assert charts["levels"]["labels"] == ["提示", "预警", "督办"]
    assert charts["levels"]["values"] == [2, 2, 1]
    assert [s["name"] for s in charts["trend"]["series"]] == ["提示", "预警", "督办"]
    assert 'src="/static/vendor/echarts/echarts.min.js"' in html
    assert 'src="/static/dashboard/charts.js"' in html
    assert 'data-chart="trend"' in html
    assert 'data-testid="charts-fallback"' not in html


def test_without_echarts_the_figures_are_tables(
    alerts: Any, city_supervisor: User, client: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(selectors, "ECHARTS_STATIC", "vendor/echarts/absent.min.js")
    assert selectors.chart_library_installed() is False
    client.force_login(city_supervisor)
    response = client.get("/")
    html = response.content.decode()

    assert response.status_code == 200
    assert 'data-testid="charts-fallback"' in html
    assert "echarts" not in html.replace("图表组件（ECharts）", "")
    assert 'data-chart="' not in html
    assert re.search(r'data-level="SUPERVISED"><td>督办</td><td class="text-end"><a [^>]+>1</a>', html)
    assert 'data-testid="table-trend"' in html


def test_the_page_counts_in_the_database_whatever_the_number_of_alerts(
    alerts: Any, org: Any, city_supervisor: User, client: Any
) -> None:
    client.force_login(city_supervisor)
    client.get("/")
    with CaptureQueriesContext(connection) as before:
        client.get("/")
    for _ in range(15):
        alert_on(case_of(org, prosecutor=org.colleague), level=AlertLevel.WARNING)
    with CaptureQueriesContext(connection) as after:
        response = client.get("/")

    assert len(after) == len(before)
    assert response.context["picture"].pending == 20


def test_an_approved_disposal_leaves_the_picture(alerts: Any, city_supervisor: User) -> None:
    Alert.objects.filter(pk=alerts["supervised"].pk).update(disposal_state=DisposalState.CLOSED)

    picture = selectors.risk_picture(city_supervisor, today=TODAY)
    assert picture is not None
    assert picture.pending == 4
    assert scores(picture.tree)["620102"] == (5, 5, "high")


def test_administrators_get_no_risk_picture(alerts: Any, system_admin: User, client: Any) -> None:
    client.force_login(system_admin)
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["picture"] is None
    assert response.context["my_alerts"] is None
    assert client.get("/dashboard/units/620102/").status_code == 403


def test_the_prosecutor_page_reads_their_alerts_in_a_fixed_number_of_queries(
    alerts: Any, org: Any, county_prosecutor: User, client: Any
) -> None:
    client.force_login(county_prosecutor)
    client.get("/")
    with CaptureQueriesContext(connection) as before:
        client.get("/")
    for _ in range(10):
        alert_on(case_of(org), level=AlertLevel.WARNING)
    with CaptureQueriesContext(connection) as after:
        response = client.get("/")

    assert len(after) == len(before)
    assert response.context["my_alerts_total"] == 13


@pytest.mark.parametrize("path", ["dashboard/charts.js", "dashboard/dashboard.css"])
def test_the_dashboard_assets_are_local(path: str) -> None:
    from django.contrib.staticfiles import finders

    assert finders.find(path) is not None
