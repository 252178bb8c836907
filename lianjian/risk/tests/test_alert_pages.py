"""The alert list's tabs and filters, the alert page's explanation, timeline and risk points,
and the case pages — each against the personas of the root conftest and their scopes."""

from __future__ import annotations

import re
from datetime import datetime
from io import BytesIO
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lianjian.accounts.tests.factories import UserFactory, grant
from lianjian.ingest.services import import_batch_run
from lianjian.risk.choices import AlertLevel, AlertStatus
from lianjian.risk.engine import scan_run
from lianjian.risk.models import Alert
from lianjian.risk.services import risk_catalogue_install
from lianjian.risk.tests.builders import ev

AS_OF = datetime.fromisoformat("2026-06-30T18:00:00+08:00")
CASE_A = "甘兰城检刑诉受[2026]620102000001号"  # 何平 (A100), 城关区 第二检察部
CASE_B = "甘兰城检刑诉受[2026]620102000002号"  # 周敏 (A103), the same department
CASE_C = "甘兰七检刑诉受[2026]620103000001号"  # 钱进 (B200), 七里河区
CASE_X = "甘嘉城检刑诉受[2026]620201000001号"  # 孙立 (C300), another city
CASES = {
    CASE_A: ("620102", "A100"),
    CASE_B: ("620102", "A103"),
    CASE_C: ("620103", "B200"),
    CASE_X: ("620201", "C300"),
}


def _event(event_id: str, case: str, unit: str, event_type: str, day: str, data: dict[str, Any]) -> str:
    return ev(case, event_type, day, data, unit=unit, event_id=event_id)


@pytest.fixture
def alerts(org: Any) -> dict[str, Alert]:
    """Four directed cases (one per prosecutor above), scanned by R-GX01 (上级院指令, 提示)."""
    risk_catalogue_install()
    lines = []
    received = {"line": "CRIMINAL", "case_type": "PROSECUTION_REVIEW"}
    decided = {"decision": "PROSECUTE", "level": "PROSECUTOR"}
    for n, (case, (unit, prosecutor)) in enumerate(CASES.items()):
        assigned = {"prosecutor": prosecutor, "department": "D2"}
        lines += [
            _event(f"C{n}-1", case, unit, "RECEIVED", "2026-03-02", received),
            _event(f"C{n}-2", case, unit, "ASSIGNED", "2026-03-02", assigned),
            _event(f"C{n}-3", case, unit, "SUPERIOR_DIRECTIVE", "2026-03-05", {"kind": "CORRECT"}),
            _event(f"C{n}-4", case, unit, "DECIDED", "2026-03-20", decided),
        ]
    result = import_batch_run(actor=None, source_name="alerts.jsonl", lines_or_reader=lines)
    assert result.is_accepted, [(i.location.line, i.field, i.message) for i in result.issues]
    scan_run(full=True, as_of=AS_OF, rules=["R-GX01"])
    return {alert.case_no: alert for alert in Alert.objects.all()}


@pytest.fixture
def province_manager(org: Any) -> Any:
    """案件管理 of the province, without a staff record."""
    user: Any = UserFactory(username="province_cm", display_name="省案管")
    grant(user, "CASE_MANAGEMENT", "UNIT_AND_BELOW", unit=org.province)
    return user


def _get(client: Any, user: Any, url: str) -> Any:
    client.force_login(user)
    return client.get(url)


def _html(response: Any) -> str:
    return response.content.decode()


def _rows(response: Any, testid: str = "list-table") -> list[list[str]]:
    body = (
        _html(response).split(f'data-testid="{testid}"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    )
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        rows.append([re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return [r for r in rows if len(r) > 1]


def _cases(client: Any, user: Any, query: str = "") -> list[str]:
    """The 案件编号 column of the alert list, sorted."""
    return sorted(row[6] for row in _rows(_get(client, user, f"/risk/alerts/?{query}")))


def _tabs(response: Any) -> list[tuple[str, str, bool]]:
    nav = _html(response).split('data-testid="alert-tabs"', 1)[1].split("</ul>", 1)[0]
    return [
        (view, label, "active" in css)
        for css, view, label in re.findall(
            r'class="nav-link([^"]*)" href="[^"]*" data-view="(\w+)"[^>]*>([^<]+)<', nav
        )
    ]


def _options(response: Any, name: str) -> list[str]:
    select = _html(response).split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def _summary(response: Any) -> dict[str, int]:
    html = _html(response)
    return {
        label: int(value)
        for label, value in re.findall(
            r'data-summary="([^"]+)">.*?<span class="badge [^"]*">(\d+)</span>', html, re.S
        )
    }


# --- tabs -------------------------------------------------------------------------------------


def test_the_tabs_offered_follow_the_staff_record_and_the_scope(
    client, county_prosecutor, city_supervisor, province_manager, alerts
):
    assert _tabs(_get(client, county_prosecutor, "/risk/alerts/")) == [
        ("mine", "我的预警", False),
        ("department", "本部门预警", False),
        ("unit", "本院预警", True),
    ]
    assert _tabs(_get(client, city_supervisor, "/risk/alerts/?view=mine"))[0] == ("mine", "我的预警", True)
    assert _tabs(_get(client, city_supervisor, "/risk/alerts/"))[-1] == ("unit", "本院及下级院预警", True)
    assert _tabs(_get(client, province_manager, "/risk/alerts/")) == [("unit", "本院及下级院预警", True)]


def test_mine_department_and_unit_tabs_within_scope(client, department_head, org, alerts):
    # the head handles no case himself; his department has A and B
    assert _cases(client, department_head, "view=mine") == []
    assert _cases(client, department_head, "view=department") == [CASE_A, CASE_B]
    assert _cases(client, department_head, "view=unit") == [CASE_A, CASE_B]


def test_a_prosecutors_tabs_never_leave_their_own_scope(client, county_prosecutor, alerts):
    # 本人 scope: even the department tab shows only what the prosecutor may see
    assert _cases(client, county_prosecutor, "view=mine") == [CASE_A]
    assert _cases(client, county_prosecutor, "view=department") == [CASE_A]
    assert _cases(client, county_prosecutor, "") == [CASE_A]


def test_mine_includes_alerts_about_the_person_as_subject(client, county_prosecutor, org, alerts):
    alert = alerts[CASE_B]
    Alert.objects.filter(pk=alert.pk).update(subject_staff=org.prosecutor)
    assert _cases(client, county_prosecutor, "view=mine") == [CASE_A, CASE_B]


def test_the_supervisors_unit_tab_reaches_the_subordinate_units(client, city_supervisor, alerts):
    assert _cases(client, city_supervisor, "view=unit") == sorted([CASE_A, CASE_B, CASE_C])
    assert _cases(client, city_supervisor, "view=department") == []  # 检务督察部 handles no case


def test_a_forged_view_is_refused_in_chinese_and_lists_nothing(
    client, department_head, province_manager, alerts
):
    response = _get(client, department_head, "/risk/alerts/?view=everything")
    assert response.status_code == 200
    assert "没有这个预警视图" in _html(response)
    assert _rows(response) == []
    response = _get(client, province_manager, "/risk/alerts/?view=mine")
    assert "您的账号未关联人员或部门，不能查看“我的预警”" in _html(response)
    assert _rows(response) == []


def test_counts_by_status_respect_the_tab(client, department_head, alerts):
    Alert.objects.filter(pk=alerts[CASE_B].pk).update(status=AlertStatus.RESOLVED)
    assert _summary(_get(client, department_head, "/risk/alerts/?view=department")) == {
        "待处置": 1,
        "已消除": 1,
    }
    assert _summary(_get(client, department_head, "/risk/alerts/?view=mine")) == {"待处置": 0, "已消除": 0}
    # the status links keep the tab
    html = _html(_get(client, department_head, "/risk/alerts/?view=department"))
    assert 'href="?view=department&amp;status=RESOLVED"' in html


# --- department and person filters -------------------------------------------------------------


def test_department_filter_offers_and_narrows_within_scope(client, city_supervisor, org, alerts):
    response = _get(client, city_supervisor, "/risk/alerts/")
    assert _options(response, "department") == [
        "全部",
        "兰州市人民检察院 检务督察部",
        "兰州市城关区人民检察院 第二检察部",
        "兰州市七里河区人民检察院 第二检察部",
    ]
    assert _cases(client, city_supervisor, f"department={org.criminal.pk}") == [CASE_A, CASE_B]
    assert _cases(client, city_supervisor, f"department={org.criminal_b.pk}") == [CASE_C]


def test_person_filter_offers_only_people_in_scope(client, city_supervisor, department_head, org, alerts):
    assert _options(_get(client, city_supervisor, "/risk/alerts/"), "person") == [
        "全部",
        "何平（A100）",
        "周敏（A103）",
        "钱进（B200）",
    ]
    assert _options(_get(client, department_head, "/risk/alerts/"), "person") == [
        "全部",
        "何平（A100）",
        "周敏（A103）",
    ]
    assert _cases(client, department_head, f"person={org.colleague.pk}") == [CASE_B]


def test_a_person_outside_scope_is_refused_and_lists_nothing(client, department_head, org, alerts):
    for person in (org.county_b_prosecutor, org.outsider_staff):
        response = _get(client, department_head, f"/risk/alerts/?person={person.pk}")
        assert response.status_code == 200
        assert "选择一个有效的选项" in _html(response)
        assert _rows(response) == []


def test_export_keeps_the_tab_and_the_filters(client, city_supervisor, department_head, org, alerts):
    def sheet(user: Any, query: str) -> list[list[Any]]:
        response = _get(client, user, f"/risk/alerts/?{query}&export=xlsx")
        rows = (
            load_workbook(BytesIO(response.content), read_only=True).worksheets[0].iter_rows(values_only=True)
        )
        return [list(row) for row in rows]

    rows = sheet(city_supervisor, f"view=unit&department={org.criminal.pk}")
    assert rows[0][6] == "案件编号"
    assert sorted(row[6] for row in rows[1:]) == [CASE_A, CASE_B]
    rows = sheet(department_head, f"view=department&person={org.prosecutor.pk}")
    assert [row[1:7] for row in rows[1:]] == [
        ["提示", "上级院对案件作出指令", "GX01", "R-GX01", "兰州市城关区人民检察院", CASE_A]
    ]
    assert sheet(department_head, "view=mine")[1:] == []
    html = _html(_get(client, department_head, "/risk/alerts/?view=department&person=1"))
    assert 'href="?view=department&amp;person=1&export=xlsx"' in html


def test_the_case_number_links_to_the_case_page(client, county_prosecutor, alerts):
    html = _html(_get(client, county_prosecutor, "/risk/alerts/"))
    url = reverse("risk:case_detail", args=[CASE_A])
    assert f'<a href="{url}" data-testid="case-link">{CASE_A}</a>' in html


# --- the alert page ---------------------------------------------------------------------------


def test_the_alert_page_explains_marks_the_key_event_and_shows_basis_and_measures(
    client, county_prosecutor, alerts
):
    response = _get(client, county_prosecutor, reverse("risk:alert_detail", args=[alerts[CASE_A].pk]))
    html = _html(response)
    explanation = html.split('data-testid="alert-explanation">', 1)[1].split("</div>", 1)[0]
    assert re.sub(r"<[^>]+>", "", explanation) == (
        "预警说明案件于 2026-03-05 发生“上级院指令”，属于规则“上级院对案件作出指令”关注的关键节点。"
    )
    assert [(row[0], row[3]) for row in _rows(response, "alert-events")] == [
        ("", "C0-1"),
        ("", "C0-2"),
        ("关键", "C0-3"),
        ("", "C0-4"),
    ]
    assert "本案全部事件，按发生时间排列" in html
    points = html.split('data-testid="alert-points"', 1)[1]
    assert 'data-code="GX01"' in points
    assert (
        "依据</dt>" in points
        and "《" in points.split('data-testid="point-basis">', 1)[1].split("</dd>", 1)[0]
    )
    for phase in ("前期预防", "中期监控", "后期处置"):
        measures = points.split(f'data-phase="{phase}">', 1)[1].split("</dd>", 1)[0]
        assert "<li>" in measures, phase


def test_levels_have_the_same_colour_on_list_detail_and_case_page(client, county_prosecutor, alerts):
    Alert.objects.filter(pk=alerts[CASE_A].pk).update(level=AlertLevel.SUPERVISED)
    badge = '<span class="badge text-bg-danger">督办</span>'
    assert badge in _html(_get(client, county_prosecutor, "/risk/alerts/"))
    detail = _html(_get(client, county_prosecutor, reverse("risk:alert_detail", args=[alerts[CASE_A].pk])))
    assert 'badge text-bg-danger fs-6 align-middle" data-testid="alert-level">督办' in detail
    assert badge in _html(_get(client, county_prosecutor, reverse("risk:case_detail", args=[CASE_A])))


def test_a_person_level_alert_shows_only_its_evidence_events(client, city_supervisor, org, alerts):
    alert = alerts[CASE_A]
    Alert.objects.filter(pk=alert.pk).update(case=None, case_no="", subject_staff=org.prosecutor)
    response = _get(client, city_supervisor, reverse("risk:alert_detail", args=[alert.pk]))
    assert [(row[0], row[3]) for row in _rows(response, "alert-events")] == [("关键", "C0-3")]
    assert "本预警证据所列事件" in _html(response)
    assert 'data-testid="case-link"' not in _html(response)


def test_alert_and_case_pages_outside_scope_are_404(client, outsider, county_prosecutor, alerts):
    assert _get(client, outsider, reverse("risk:alert_detail", args=[alerts[CASE_A].pk])).status_code == 404
    assert _get(client, outsider, reverse("risk:case_detail", args=[CASE_A])).status_code == 404
    # 本人 scope: a colleague's case is as absent as an unknown one
    assert _get(client, county_prosecutor, reverse("risk:case_detail", args=[CASE_B])).status_code == 404
    assert _get(client, county_prosecutor, reverse("risk:case_detail", args=["无此案件"])).status_code == 404


def test_the_case_pages_need_a_login(client, alerts):
    response = client.get(reverse("risk:case_detail", args=[CASE_A]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the case pages ---------------------------------------------------------------------------


def test_the_case_page_shows_projection_events_alerts_and_score(client, county_prosecutor, alerts):
    Alert.objects.filter(pk=alerts[CASE_A].pk).update(level=AlertLevel.WARNING)
    response = _get(client, county_prosecutor, reverse("risk:case_detail", args=[CASE_A]))
    assert response.status_code == 200
    html = _html(response)
    assert 'data-testid="case-prosecutor">何平</dd>' in html
    assert 'data-testid="case-decision">起诉' in html
    assert 'data-testid="case-score">3</span>' in html  # one open 预警 alert: weight 3
    assert [(row[0], row[3]) for row in _rows(response, "case-events")] == [
        ("", "C0-1"),
        ("", "C0-2"),
        ("关键 R-GX01", "C0-3"),
        ("", "C0-4"),
    ]
    alerts_table = _rows(response, "case-alerts")
    assert [(row[1], row[2], row[3]) for row in alerts_table] == [("预警", "上级院对案件作出指令", "R-GX01")]
    assert reverse("risk:alert_detail", args=[alerts[CASE_A].pk]) in html
    stages = _rows(response, "case-stages")
    assert [row[:3] for row in stages] == [["第 1 阶段", "兰州市城关区人民检察院", "审查起诉"]]


def test_a_resolved_alert_does_not_count_in_the_score(client, county_prosecutor, alerts):
    Alert.objects.filter(pk=alerts[CASE_A].pk).update(status=AlertStatus.RESOLVED)
    html = _html(_get(client, county_prosecutor, reverse("risk:case_detail", args=[CASE_A])))
    assert 'data-testid="case-score">0</span>' in html


def test_the_case_list_searches_within_scope(client, department_head, city_supervisor, outsider, alerts):
    def listed(user: Any, query: str = "") -> list[str]:
        return sorted(row[0] for row in _rows(_get(client, user, f"/risk/cases/?{query}")))

    assert listed(department_head) == [CASE_A, CASE_B]
    assert listed(department_head, "case_no=000002") == [CASE_B]
    assert listed(city_supervisor) == sorted([CASE_A, CASE_B, CASE_C])
    assert listed(outsider) == [CASE_X]
    assert listed(outsider, "case_no=620102") == []
    html = _html(_get(client, department_head, "/risk/cases/"))
    assert f'href="{reverse("risk:case_detail", args=[CASE_A])}"' in html


def test_the_alert_list_and_case_page_queries_do_not_grow_with_rows(client, city_supervisor, org, alerts):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(city_supervisor)
    client.get("/risk/alerts/")  # the first request of a session records it

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    one = queries(f"/risk/alerts/?department={org.criminal_b.pk}")
    three = queries("/risk/alerts/")
    assert one == three <= 25
    assert queries(reverse("risk:case_detail", args=[CASE_A])) <= 25


def test_the_search_form_keeps_the_tab_when_htmx_swaps_the_list(client, department_head, org, alerts):
    from lianjian.common.listing import LIST_REGION_ID

    client.force_login(department_head)
    response = client.get(
        f"/risk/alerts/?view=department&person={org.colleague.pk}",
        headers={"HX-Request": "true", "HX-Target": LIST_REGION_ID},
    )
    html = _html(response)
    assert 'data-testid="alert-tabs"' not in html  # only the region is swapped
    assert '<input type="hidden" name="view" value="department"' in html
    assert sorted(row[6] for row in _rows(response)) == [CASE_B]
