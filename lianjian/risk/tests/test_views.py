"""The 廉政风险 pages: the catalogue, the rules and their back-test, alerts, detection runs.

Who sees what, what each edit changes (exactly), and that a refused or invalid edit changes
nothing and writes no audit row.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from io import BytesIO
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lianjian.accounts.tests.factories import UserFactory, grant
from lianjian.audit.models import AuditEvent
from lianjian.ingest.services import import_batch_run
from lianjian.org.tests.factories import StaffFactory
from lianjian.risk.engine import scan_run
from lianjian.risk.models import (
    Alert,
    RiskPoint,
    RiskPointRevision,
    Rule,
    RuleOverride,
    RuleRevision,
    ScanRuleResult,
    ScanRun,
)
from lianjian.risk.services import risk_catalogue_install, risk_point_add

AS_OF = datetime.fromisoformat("2026-06-30T18:00:00+08:00")
CASE = "甘兰城检刑诉受[2026]620102000001号"
OTHER_CASE = "甘嘉城检刑诉受[2026]620201000001号"
LOCAL_FIELDS = {
    "name": "本院看守所提讯登记不全",
    "line": "CRIMINAL",
    "category": "POST_DUTY",
    "level": "LOW",
    "powers": ["提讯权"],
    "legal_basis": "",
    "responsible_department": "第二检察部",
    "description": "提讯未逐次登记",
    "prevent": ["提讯逐次登记"],
    "monitor": ["每月核对提讯记录"],
    "dispose": ["未登记的提讯通报"],
    "is_detectable": False,
}


@pytest.fixture(autouse=True)
def installed(db: None) -> None:
    risk_catalogue_install()


@pytest.fixture
def county_manager(org: Any) -> Any:
    """案件管理 of county 620102 (风险维护 of the county's local library)."""
    staff = StaffFactory(staff_no="CM01", name="严管", department=org.criminal, position="OTHER")
    user: Any = UserFactory(username="county_cm", display_name="严管", staff=staff)
    grant(user, "CASE_MANAGEMENT", "UNIT", unit=org.county)
    return user


@pytest.fixture
def province_manager(org: Any) -> Any:
    """案件管理 of the province 620000, the top unit: maintains the standard library and rules."""
    user: Any = UserFactory(username="province_cm", display_name="省案管")
    grant(user, "CASE_MANAGEMENT", "UNIT_AND_BELOW", unit=org.province)
    return user


def local_point(unit: Any, code: str, **fields: Any) -> RiskPoint:
    """A point of ``unit``'s local library, in force since 2024-01-01."""
    return risk_point_add(
        unit=unit,
        actor=None,
        code=code,
        fields={**LOCAL_FIELDS, **fields},
        effective_from=date(2024, 1, 1),
        reason="本院新增",
    )


@pytest.fixture
def county_point(org: Any) -> RiskPoint:
    return local_point(org.county, "BD01")


def _event(event_id: str, case: str, unit: str, event_type: str, day: str, data: dict[str, Any]) -> str:
    return json.dumps(
        {
            "record": "event",
            "event_id": event_id,
            "case_no": case,
            "unit": unit,
            "type": event_type,
            "occurred_at": f"{day}T09:00:00+08:00",
            "actor": None,
            "data": data,
        },
        ensure_ascii=False,
    )


def directive_cases() -> None:
    """A directed case of A100 in 620102 and one of C300 in 620201, scanned by R-GX01."""
    received = {"line": "CRIMINAL", "case_type": "PROSECUTION_REVIEW"}
    lines = [
        _event("E1", CASE, "620102", "RECEIVED", "2026-03-02", received),
        _event("E2", CASE, "620102", "ASSIGNED", "2026-03-02", {"prosecutor": "A100", "department": "D2"}),
        _event("E3", CASE, "620102", "SUPERIOR_DIRECTIVE", "2026-03-05", {"kind": "CORRECT"}),
        _event("E4", OTHER_CASE, "620201", "RECEIVED", "2026-03-02", received),
        _event(
            "E5", OTHER_CASE, "620201", "ASSIGNED", "2026-03-02", {"prosecutor": "C300", "department": "D2"}
        ),
        _event("E6", OTHER_CASE, "620201", "SUPERIOR_DIRECTIVE", "2026-03-09", {"kind": "CHANGE"}),
    ]
    result = import_batch_run(actor=None, source_name="risk.jsonl", lines_or_reader=lines)
    assert result.is_accepted, [(i.location.line, i.field, i.message) for i in result.issues]
    scan_run(full=True, as_of=AS_OF, rules=["R-GX01"])


@pytest.fixture
def alerts(org: Any) -> None:
    directive_cases()


def _html(response: Any) -> str:
    return response.content.decode()


def _rows(response: Any, testid: str = "list-table") -> list[list[str]]:
    """The table body's cells, as text."""
    body = (
        _html(response).split(f'data-testid="{testid}"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    )
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        rows.append([re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return [r for r in rows if r != ["暂无数据"]]


def _column(response: Any, index: int) -> list[str]:
    return [row[index] for row in _rows(response)]


def _get(client: Any, user: Any, url: str, **headers: Any) -> Any:
    client.force_login(user)
    return client.get(url, **headers)


def _sheet(response: Any) -> list[list[Any]]:
    sheet = load_workbook(BytesIO(response.content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _audit(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# --- 风险点库: the list ---------------------------------------------------------------------


def test_the_catalogue_is_the_standard_library_with_the_units_local_points(
    client, county_prosecutor, outsider, county_point
):
    mine = _get(client, county_prosecutor, "/risk/points/?text=BD01")
    theirs = _get(client, outsider, "/risk/points/?text=BD01")

    assert _rows(mine) == [
        [
            "BD01",
            "本院看守所提讯登记不全",
            "刑事检察",
            "岗位职责",
            "低",
            "第二检察部",
            "兰州市城关区人民检察院",
            "1",
            "有效",
        ]
    ]
    assert _rows(theirs) == []
    everything = _get(client, county_prosecutor, "/risk/points/?line=COMMON")
    assert _column(everything, 0) == [f"GX{n:02d}" for n in range(1, 11)]
    assert set(_column(everything, 6)) == {"标准库"}


def test_a_local_point_with_a_standard_code_replaces_it_in_that_unit_and_below(
    client, city_supervisor, county_prosecutor, outsider, org
):
    local_point(org.city, "GX01", line="COMMON", name="市院指令须书面")

    county = _get(client, county_prosecutor, "/risk/points/?text=GX01")
    other_city = _get(client, outsider, "/risk/points/?text=GX01")

    assert [(r[0], r[1], r[6]) for r in _rows(county)] == [("GX01", "市院指令须书面", "兰州市人民检察院")]
    assert [(r[0], r[6]) for r in _rows(other_city)] == [("GX01", "标准库")]
    # The city supervisor looks at each unit of their reach.
    assert _column(_get(client, city_supervisor, "/risk/points/?unit=620103&text=GX01"), 1) == [
        "市院指令须书面"
    ]


def test_the_unit_filter_offers_only_the_units_in_reach(client, city_supervisor, county_prosecutor):
    html = _html(_get(client, city_supervisor, "/risk/points/"))
    options = re.findall(r'<option value="(\d+)"', html.split('name="unit"', 1)[1].split("</select>", 1)[0])
    assert options == ["620100", "620102", "620103"]
    assert _rows(_get(client, county_prosecutor, "/risk/points/?unit=620201")) == []


def test_filters_by_line_category_level_and_keyword(client, county_prosecutor):
    rows = _rows(_get(client, county_prosecutor, "/risk/points/?line=CRIMINAL&level=HIGH&category=MORAL"))
    assert rows and {(r[2], r[3], r[4]) for r in rows} == {("刑事检察", "思想道德", "高")}
    zh01 = RiskPoint.objects.get(unit=None, code="ZH01")
    assert _column(_get(client, county_prosecutor, f"/risk/points/?text={zh01.name}"), 0) == ["ZH01"]


def test_a_retired_point_shows_only_when_asked(client, county_manager, county_point):
    client.force_login(county_manager)
    client.post(
        reverse("risk:point_retire", args=[county_point.pk]),
        {"retired_on": date.today().isoformat(), "reason": "并入标准库"},
    )

    assert _rows(client.get("/risk/points/?text=BD01")) == []
    retired = _rows(client.get("/risk/points/?text=BD01&include_retired=on"))
    assert [(r[0], r[7], r[8]) for r in retired] == [("BD01", "2", f"已停用（{date.today():%Y-%m-%d}）")]


def test_level_is_shown_as_a_coloured_badge(client, county_prosecutor):
    html = _html(_get(client, county_prosecutor, "/risk/points/?text=GX03"))
    assert '<span class="badge text-bg-danger">高</span>' in html


def test_managers_see_the_add_and_import_buttons_others_do_not(client, county_manager, county_prosecutor):
    assert "新增风险点" in _html(_get(client, county_manager, "/risk/points/"))
    assert "导入 Excel" in _html(_get(client, county_manager, "/risk/points/"))
    assert "新增风险点" not in _html(_get(client, county_prosecutor, "/risk/points/"))


def test_the_htmx_search_gets_only_the_list_region(client, county_prosecutor):
    response = _get(
        client, county_prosecutor, "/risk/points/?text=GX01", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="lj-list"
    )
    assert _html(response).lstrip().startswith('<div class="row g-3" id="lj-list"')
    assert "<html" not in _html(response)
    assert _column(response, 0) == ["GX01"]


def test_export_is_the_filtered_catalogue_in_the_import_format(client, county_prosecutor, county_point):
    response = _get(client, county_prosecutor, "/risk/points/?text=BD01&export=xlsx")

    rows = _sheet(response)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert rows[0][:4] == ["风险点编码", "风险点名称", "业务条线", "风险类别"]
    assert rows[1][:13] == [
        "BD01",
        "本院看守所提讯登记不全",
        "刑事检察",
        "岗位职责",
        "低",
        "提讯权",
        None,
        "第二检察部",
        "提讯未逐次登记",
        "提讯逐次登记",
        "每月核对提讯记录",
        "未登记的提讯通报",
        "否",
    ]
    assert len(rows) == 2


def test_export_never_writes_a_formula(client, county_prosecutor, org):
    local_point(org.county, "BD02", name='=HYPERLINK("http://x")', prevent=["-1+1"])
    rows = _sheet(_get(client, county_prosecutor, "/risk/points/?text=BD02&export=xlsx"))
    assert rows[1][1] == '\'=HYPERLINK("http://x")'
    assert rows[1][9] == "'-1+1"


# --- 风险点库: the detail page ---------------------------------------------------------------


def test_the_detail_page_shows_fields_measures_rules_and_history(client, county_prosecutor):
    point = RiskPoint.objects.get(unit=None, code="GX01")
    html = _html(_get(client, county_prosecutor, reverse("risk:point_detail", args=[point.pk])))

    assert 'data-testid="point-library">标准库' in html
    assert point.prevent[0] in html and point.monitor[0] in html and point.dispose[0] in html
    assert _rows(
        _get(client, county_prosecutor, reverse("risk:point_detail", args=[point.pk])), "point-rules"
    ) == [["R-GX01", "上级院对案件作出指令", "提示", "是", "1"]]
    history = _rows(
        _get(client, county_prosecutor, reverse("risk:point_detail", args=[point.pk])), "point-revisions"
    )
    assert [row[:5] for row in history] == [["1", "新增", "2020-01-01", "—", "预置标准库"]]
    assert "point-revise" not in html


def test_a_local_point_outside_reach_is_404_like_an_absent_one(client, outsider, county_point):
    client.force_login(outsider)
    assert client.get(reverse("risk:point_detail", args=[county_point.pk])).status_code == 404
    assert client.get(reverse("risk:point_detail", args=[999999])).status_code == 404


def test_a_city_point_is_visible_to_its_counties(client, county_prosecutor, org):
    point = local_point(org.city, "SD01")
    assert _get(client, county_prosecutor, reverse("risk:point_detail", args=[point.pk])).status_code == 200


# --- 风险点库: add, revise, retire ------------------------------------------------------------


def _point_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "新增风险点",
        "line": "CRIMINAL",
        "category": "POST_DUTY",
        "level": "MEDIUM",
        "powers": "审查权\n决定权",
        "legal_basis": "",
        "responsible_department": "案件管理部门",
        "description": "说明",
        "prevent": "措施一\n\n措施二",
        "monitor": "",
        "dispose": "处置一",
        "effective_from": "2026-07-01",
    }
    return {**data, **overrides}


def test_a_county_manager_adds_a_point_to_the_county_library(client, county_manager, org):
    client.force_login(county_manager)
    audits = AuditEvent.objects.count()

    response = client.post(
        reverse("risk:point_create"), _point_post(library="620102", code="bd09", reason="本院细化")
    )

    point = RiskPoint.objects.get(code="BD09")
    assert response.status_code == 302 and response["Location"] == reverse(
        "risk:point_detail", args=[point.pk]
    )
    assert (point.unit, point.version, point.effective_from) == (org.county, 1, date(2026, 7, 1))
    assert (point.powers, point.prevent, point.monitor, point.dispose) == (
        ["审查权", "决定权"],
        ["措施一", "措施二"],
        [],
        ["处置一"],
    )
    assert list(point.revisions.values_list("version", "action", "reason")) == [(1, "ADD", "本院细化")]
    assert AuditEvent.objects.count() == audits + 1 and _audit("risk.point.add") == 1


def test_a_county_manager_may_not_add_to_the_standard_library(client, county_manager):
    client.force_login(county_manager)
    form = _html(client.get(reverse("risk:point_create")))
    assert "__standard__" not in form and 'value="620102"' in form
    before = (RiskPoint.objects.count(), AuditEvent.objects.count())

    response = client.post(reverse("risk:point_create"), _point_post(library="__standard__", code="BD09"))

    assert response.status_code == 200
    assert "选择一个有效的选项" in _html(response)
    assert (RiskPoint.objects.count(), AuditEvent.objects.count()) == before


def test_the_top_units_manager_adds_to_the_standard_library(client, province_manager):
    client.force_login(province_manager)
    assert "标准库（全部单位适用）" in _html(client.get(reverse("risk:point_create")))

    client.post(reverse("risk:point_create"), _point_post(library="__standard__", code="GX11"))

    assert RiskPoint.objects.get(code="GX11").unit is None


def test_an_existing_code_is_refused_with_a_chinese_message(client, county_manager, county_point):
    client.force_login(county_manager)
    before = (RiskPoint.objects.count(), AuditEvent.objects.count())

    response = client.post(reverse("risk:point_create"), _point_post(library="620102", code="BD01"))

    assert "风险点 BD01 已存在" in _html(response)
    assert (RiskPoint.objects.count(), AuditEvent.objects.count()) == before


def test_add_from_a_standard_point_prefills_its_content(client, county_manager):
    point = RiskPoint.objects.get(unit=None, code="GX05")
    client.force_login(county_manager)
    html = _html(client.get(f"{reverse('risk:point_create')}?from={point.pk}"))
    assert 'value="GX05"' in html and point.name in html


def _revise_post(point: RiskPoint, **overrides: Any) -> dict[str, Any]:
    data = {name: getattr(point, name) for name in ("name", "line", "category", "level")}
    data.update(
        powers="\n".join(point.powers),
        legal_basis=point.legal_basis,
        responsible_department=point.responsible_department,
        description=point.description,
        prevent="\n".join(point.prevent),
        monitor="\n".join(point.monitor),
        dispose="\n".join(point.dispose),
        effective_from="2026-08-01",
        reason="细化措施",
    )
    if point.is_detectable:
        data["is_detectable"] = "on"
    return {**data, **overrides}


def test_a_revision_changes_exactly_the_fields_edited(client, county_manager, county_point):
    client.force_login(county_manager)
    before = {name: getattr(county_point, name) for name in LOCAL_FIELDS}

    response = client.post(
        reverse("risk:point_revise", args=[county_point.pk]),
        _revise_post(county_point, level="HIGH", monitor="每月核对提讯记录\n每季度抽查录像"),
    )

    county_point.refresh_from_db()
    assert response.status_code == 302
    after = {name: getattr(county_point, name) for name in LOCAL_FIELDS}
    assert {k: v for k, v in after.items() if before[k] != v} == {
        "level": "HIGH",
        "monitor": ["每月核对提讯记录", "每季度抽查录像"],
    }
    revision = county_point.revisions.get(version=2)
    assert (revision.action, revision.effective_from, revision.reason) == (
        "CHANGE",
        date(2026, 8, 1),
        "细化措施",
    )
    assert _audit("risk.point.revise") == 1
    history = _rows(client.get(reverse("risk:point_detail", args=[county_point.pk])), "point-revisions")
    assert [row[:5] for row in history] == [
        ["2", "修订", "2026-08-01", "风险等级、中期监控措施", "细化措施"],
        ["1", "新增", "2024-01-01", "—", "本院新增"],
    ]


def test_a_revision_without_reason_changes_nothing(client, county_manager, county_point):
    client.force_login(county_manager)
    audits = AuditEvent.objects.count()

    response = client.post(
        reverse("risk:point_revise", args=[county_point.pk]),
        _revise_post(county_point, level="HIGH", reason=""),
    )

    county_point.refresh_from_db()
    assert response.status_code == 200 and "请填写修订理由" in _html(response)
    assert (county_point.level, county_point.version) == ("LOW", 1)
    assert AuditEvent.objects.count() == audits


def test_a_revision_that_changes_nothing_is_refused(client, county_manager, county_point):
    client.force_login(county_manager)
    response = client.post(reverse("risk:point_revise", args=[county_point.pk]), _revise_post(county_point))
    assert "没有任何修改" in _html(response)
    assert RiskPointRevision.objects.filter(point=county_point).count() == 1


def test_a_county_manager_may_not_revise_a_standard_point(client, county_manager):
    point = RiskPoint.objects.get(unit=None, code="GX01")
    level = point.level
    client.force_login(county_manager)
    audits = AuditEvent.objects.count()

    assert client.get(reverse("risk:point_revise", args=[point.pk])).status_code == 404
    response = client.post(reverse("risk:point_revise", args=[point.pk]), _revise_post(point, level="LOW"))

    point.refresh_from_db()
    assert response.status_code == 404
    assert (point.level, point.version) == (level, 1)
    assert AuditEvent.objects.count() == audits


def test_another_countys_manager_gets_404_on_the_county_point(client, org, county_point):
    staff = StaffFactory(staff_no="CM02", name="钱管", department=org.criminal_b, position="OTHER")
    other = UserFactory(username="county_b_cm", staff=staff)
    grant(other, "CASE_MANAGEMENT", "UNIT", unit=org.county_b)
    client.force_login(other)
    response = client.post(
        reverse("risk:point_retire", args=[county_point.pk]), {"retired_on": "2026-07-01", "reason": "x"}
    )
    county_point.refresh_from_db()
    assert response.status_code == 404 and county_point.retired_on is None


def test_a_prosecutor_may_not_edit_the_catalogue(client, county_prosecutor, county_point):
    client.force_login(county_prosecutor)
    audits = AuditEvent.objects.count()

    responses = [
        client.post(
            reverse("risk:point_revise", args=[county_point.pk]), _revise_post(county_point, level="HIGH")
        ),
        client.post(
            reverse("risk:point_retire", args=[county_point.pk]), {"retired_on": "2026-07-01", "reason": "x"}
        ),
        client.post(reverse("risk:point_create"), _point_post(library="620102", code="BD09")),
    ]

    county_point.refresh_from_db()
    assert [r.status_code for r in responses] == [403, 403, 403]
    assert (county_point.level, county_point.version, county_point.retired_on) == ("LOW", 1, None)
    assert not RiskPoint.objects.filter(code="BD09").exists()
    assert AuditEvent.objects.count() == audits


def test_retiring_needs_a_reason_and_then_records_the_date(client, county_manager, county_point):
    client.force_login(county_manager)
    url = reverse("risk:point_retire", args=[county_point.pk])

    refused = client.post(url, {"retired_on": "2026-07-01", "reason": ""})
    county_point.refresh_from_db()
    assert "请填写停用理由" in _html(refused) and county_point.retired_on is None

    client.post(url, {"retired_on": "2026-07-01", "reason": "并入标准库"})
    county_point.refresh_from_db()
    assert (county_point.retired_on, county_point.version) == (date(2026, 7, 1), 2)
    assert list(county_point.revisions.filter(version=2).values_list("action", "reason")) == [
        ("RETIRE", "并入标准库")
    ]
    assert _audit("risk.point.retire") == 1


# --- 检测规则 --------------------------------------------------------------------------------


def test_the_rule_list_shows_kind_codes_level_and_open_alerts_in_scope(
    client, county_prosecutor, outsider, province_manager, alerts
):
    def gx01(user: Any) -> list[str]:
        return _rows(_get(client, user, "/risk/rules/?text=R-GX01"))[0]

    assert gx01(county_prosecutor) == [
        "R-GX01",
        "上级院对案件作出指令",
        "关键节点",
        "GX01",
        "提示",
        "是",
        "1",
        "1",
    ]
    assert gx01(outsider)[-1] == "1"
    assert gx01(province_manager)[-1] == "2"
    html = _html(_get(client, county_prosecutor, "/risk/rules/?text=R-XS09"))
    assert '<span class="badge text-bg-danger">督办</span>' in html


def test_the_rule_list_filters_by_level_and_switch(client, county_prosecutor):
    supervised = _column(_get(client, county_prosecutor, "/risk/rules/?level=SUPERVISED&kind=key_node"), 0)
    assert "R-XS09" in supervised and "R-GX01" not in supervised
    assert _rows(_get(client, county_prosecutor, "/risk/rules/?enabled=no")) == []


def test_the_rule_page_shows_parameters_schema_and_history(client, county_prosecutor, alerts):
    response = _get(client, county_prosecutor, reverse("risk:rule_detail", args=["R-GX01"]))
    html = _html(response)

    assert '"type": "SUPERIOR_DIRECTIVE"' in html.replace("&quot;", '"')
    schema = _rows(response, "schema-1")
    assert [row[:4] for row in schema] == [
        ["events", "EventMatch 的列表", "是", ""],
        ["lines", "文字 的列表", "否", "[]"],
    ]
    revisions = _rows(response, "rule-revisions")
    assert len(revisions) == 1
    assert revisions[0][0] == "1"
    assert revisions[0][2:7] == ["系统", "提示", "承办检察官、部门负责人、分管院领导", "是", "预置标准规则"]
    assert "rule-change" not in html and "rule-override" not in html
    # A run's counts cover every unit: only those who run detection see them.
    assert 'data-testid="rule-results"' not in html


def test_the_rule_page_shows_the_latest_results_to_those_who_run_detection(client, city_supervisor, alerts):
    response = _get(client, city_supervisor, reverse("risk:rule_detail", args=["R-GX01"]))
    results = _rows(response, "rule-results")
    assert [row[1] for row in results] == ["全量"]
    assert results[0][3:7] == ["2", "2", "0", "0"]
    assert 'data-testid="rule-override"' in _html(response)
    assert 'data-testid="rule-change"' not in _html(response)


def test_an_unknown_rule_is_404(client, county_prosecutor):
    assert _get(client, county_prosecutor, reverse("risk:rule_detail", args=["R-NONE"])).status_code == 404


def _rule_post(rule: Rule, **overrides: Any) -> dict[str, Any]:
    data = {
        "params": json.dumps(rule.params, ensure_ascii=False),
        "level": rule.level,
        "recipients": list(rule.recipients),
        "reason": "调整",
    }
    if rule.is_enabled:
        data["is_enabled"] = "on"
    return {**data, **overrides}


CRIMINAL_ONLY = {"events": [{"type": "SUPERIOR_DIRECTIVE"}], "lines": ["CRIMINAL"]}


def test_the_standard_maintainer_changes_a_rule(client, province_manager):
    rule = Rule.objects.get(code="R-GX01")
    client.force_login(province_manager)

    response = client.post(
        reverse("risk:rule_change", args=[rule.code]),
        _rule_post(
            rule,
            params=json.dumps(CRIMINAL_ONLY),
            level="WARNING",
            recipients=["DEPT_HEAD", "INSPECTION"],
            reason="只看刑事案件",
        ),
    )

    rule.refresh_from_db()
    assert response.status_code == 302
    assert (rule.params, rule.level, rule.recipients, rule.is_enabled, rule.version) == (
        CRIMINAL_ONLY,
        "WARNING",
        ["DEPT_HEAD", "INSPECTION"],
        True,
        2,
    )
    revision = RuleRevision.objects.get(rule=rule, version=2)
    assert (revision.reason, revision.changed_by) == ("只看刑事案件", province_manager)
    assert _audit("risk.rule.change") == 1


def test_switching_a_rule_off_keeps_everything_else(client, province_manager):
    rule = Rule.objects.get(code="R-GX01")
    before = (dict(rule.params), rule.level, list(rule.recipients))
    client.force_login(province_manager)
    data = _rule_post(rule)
    del data["is_enabled"]

    client.post(reverse("risk:rule_change", args=[rule.code]), data)

    rule.refresh_from_db()
    assert (rule.is_enabled, rule.version) == (False, 2)
    assert (rule.params, rule.level, rule.recipients) == before


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ('{"events": [', "参数不是有效的 JSON（第 1 行第 13 列附近有误）"),
        ("[1, 2]", "参数应为一个 JSON 对象"),
        (
            '{"events": [{"type": "SUPERIOR_DIRECTIVE"}], "window": 3}',
            "window：不允许的参数（未知字段，请检查拼写）",
        ),
        ('{"events": []}', "events：至少需要 1 项"),
        ('{"lines": []}', "events：缺少必填项"),
        ('{"events": [{"type": "x"}]}', "events[0].type：格式不符"),
        (
            '{"events": [{"type": "A", "where": [{"field": "Bad Name"}]}]}',
            "字段名只能由小写字母、数字和下划线组成",
        ),
    ],
)
def test_parameters_that_do_not_fit_the_kind_are_refused_in_chinese(
    client, province_manager, params, message
):
    rule = Rule.objects.get(code="R-GX01")
    client.force_login(province_manager)
    audits = AuditEvent.objects.count()

    response = client.post(reverse("risk:rule_change", args=[rule.code]), _rule_post(rule, params=params))

    rule.refresh_from_db()
    assert response.status_code == 200
    assert message in _html(response)
    assert (rule.version, rule.params) == (
        1,
        {"events": [{"type": "SUPERIOR_DIRECTIVE", "where": []}], "lines": []},
    )
    assert AuditEvent.objects.count() == audits


def test_a_change_needs_a_reason_and_a_recipient(client, province_manager):
    rule = Rule.objects.get(code="R-GX01")
    client.force_login(province_manager)
    data = _rule_post(rule, level="WARNING", reason="")
    del data["recipients"]

    html = _html(client.post(reverse("risk:rule_change", args=[rule.code]), data))

    rule.refresh_from_db()
    assert "请填写修改理由" in html and "请至少选择一类接收人" in html
    assert (rule.level, rule.version) == ("NOTICE", 1)


def test_a_unit_level_manager_may_not_change_a_standard_rule(client, city_supervisor):
    rule = Rule.objects.get(code="R-GX01")
    client.force_login(city_supervisor)
    audits = AuditEvent.objects.count()

    assert client.get(reverse("risk:rule_change", args=[rule.code])).status_code == 403
    response = client.post(reverse("risk:rule_change", args=[rule.code]), _rule_post(rule, level="WARNING"))

    rule.refresh_from_db()
    assert response.status_code == 403
    assert (rule.level, rule.version) == ("NOTICE", 1)
    assert AuditEvent.objects.count() == audits


def _nothing_written() -> tuple[int, ...]:
    return (
        Alert.objects.count(),
        ScanRun.objects.count(),
        ScanRuleResult.objects.count(),
        AuditEvent.objects.count(),
        RuleRevision.objects.count(),
        sum(Rule.objects.values_list("version", flat=True)),
    )


def test_the_back_test_compares_proposed_and_current_and_writes_nothing(client, province_manager, alerts):
    client.force_login(province_manager)
    before = _nothing_written()
    proposed = {"events": [{"type": "SUPERIOR_DIRECTIVE", "where": [{"field": "kind", "value": "CHANGE"}]}]}

    response = client.post(
        reverse("risk:rule_backtest", args=["R-GX01"]),
        {"params": json.dumps(proposed)},
        HTTP_HX_REQUEST="true",
    )

    html = _html(response)
    assert "<html" not in html
    assert _rows(response, "backtest-counts")[0][:4] == ["2", "1", "0", "1"]
    assert re.findall(
        r"<li>([^<]+)</li>", html.split('data-testid="backtest-gone-examples"')[1].split("</ul>")[0]
    ) == [CASE]
    assert _nothing_written() == before


def test_the_back_test_shows_parameter_errors_and_writes_nothing(client, province_manager, alerts):
    client.force_login(province_manager)
    before = _nothing_written()

    response = client.post(
        reverse("risk:rule_backtest", args=["R-GX01"]), {"params": '{"events": "x"}'}, HTTP_HX_REQUEST="true"
    )

    assert 'data-testid="backtest-errors"' in _html(response)
    assert "events：应为列表" in _html(response)
    assert _nothing_written() == before


def test_the_back_test_without_htmx_is_a_whole_page_and_get_is_refused(client, province_manager):
    client.force_login(province_manager)
    page = client.post(reverse("risk:rule_backtest", args=["R-GX01"]), {"params": json.dumps(CRIMINAL_ONLY)})
    assert "<html" in _html(page) and 'data-testid="backtest-counts"' in _html(page)
    assert client.get(reverse("risk:rule_backtest", args=["R-GX01"])).status_code == 405


def test_the_back_test_is_refused_to_others(client, city_supervisor, county_prosecutor, alerts):
    before = _nothing_written()
    for user in (city_supervisor, county_prosecutor):
        client.force_login(user)
        response = client.post(
            reverse("risk:rule_backtest", args=["R-GX01"]), {"params": json.dumps(CRIMINAL_ONLY)}
        )
        assert response.status_code == 403
    assert _nothing_written() == before


def test_a_unit_manager_sets_local_parameters_for_a_rule(client, city_supervisor, org):
    client.force_login(city_supervisor)
    assert 'value="620103"' in _html(client.get(reverse("risk:rule_override", args=["R-GX01"])))

    response = client.post(
        reverse("risk:rule_override", args=["R-GX01"]),
        {
            "unit": "620102",
            "params": '{"lines": ["CRIMINAL"]}',
            "is_enabled": "off",
            "reason": "本院只看刑事",
        },
    )

    override = RuleOverride.objects.get()
    assert response.status_code == 302
    assert (override.rule.code, override.unit, override.params, override.is_enabled) == (
        "R-GX01",
        org.county,
        {"lines": ["CRIMINAL"]},
        False,
    )
    assert Rule.objects.get(code="R-GX01").version == 1
    assert _audit("risk.rule.override") == 1
    page = _get(client, city_supervisor, reverse("risk:rule_detail", args=["R-GX01"]))
    assert [row[0] for row in _rows(page, "rule-overrides")] == ["兰州市城关区人民检察院"]


def test_local_parameters_are_checked_merged_over_the_rules(client, city_supervisor):
    client.force_login(city_supervisor)
    response = client.post(
        reverse("risk:rule_override", args=["R-GX01"]),
        {"unit": "620102", "params": '{"lines": "CRIMINAL"}', "reason": "x"},
    )
    assert "lines：应为列表" in _html(response)
    assert not RuleOverride.objects.exists()


def test_local_parameters_only_for_units_managed(client, city_supervisor, county_prosecutor):
    client.force_login(city_supervisor)
    refused = client.post(
        reverse("risk:rule_override", args=["R-GX01"]), {"unit": "620201", "params": "{}", "reason": "x"}
    )
    assert "选择一个有效的选项" in _html(refused)
    client.force_login(county_prosecutor)
    assert client.post(reverse("risk:rule_override", args=["R-GX01"]), {"unit": "620102"}).status_code == 403
    assert not RuleOverride.objects.exists()


# --- 预警 ------------------------------------------------------------------------------------


def test_alerts_are_listed_within_scope(
    client, county_prosecutor, department_head, city_supervisor, outsider, alerts
):
    def cases(user: Any) -> list[str]:
        return _column(_get(client, user, "/risk/alerts/"), 6)

    assert cases(county_prosecutor) == [CASE]
    assert cases(department_head) == [CASE]
    assert cases(city_supervisor) == [CASE]
    assert cases(outsider) == [OTHER_CASE]


def test_an_alert_row_shows_level_codes_rule_unit_and_status(client, county_prosecutor, alerts):
    response = _get(client, county_prosecutor, "/risk/alerts/")
    row = _rows(response)[0]
    assert row[1:] == [
        "提示",
        "上级院对案件作出指令",
        "GX01",
        "R-GX01",
        "兰州市城关区人民检察院",
        CASE,
        "",
        "待处置",
        "待签收",
    ]
    assert '<span class="badge text-bg-info">提示</span>' in _html(response)


def test_alert_filters_and_counts_by_status(client, province_manager, alerts):
    client.force_login(province_manager)

    def count(query: str) -> int:
        return len(_rows(client.get(f"/risk/alerts/?{query}")))

    assert count("") == 2
    assert count("risk_code=gx01") == 2 and count("risk_code=GX02") == 0
    assert count("rule=R-GX01") == 2 and count("rule=R-GX04") == 0
    assert count("level=NOTICE") == 2 and count("level=SUPERVISED") == 0
    assert count("unit=620100") == 1 and count("unit=620201") == 1
    today = timezone.localdate()
    assert count(f"since={today}&until={today}") == 2
    assert count(f"since={today + timedelta(days=1)}") == 0
    assert count("status=RESOLVED") == 0
    summary = _html(client.get("/risk/alerts/?status=RESOLVED"))
    assert re.search(r'data-summary="待处置">.*?<span class="badge text-bg-danger">2</span>', summary, re.S)
    assert re.search(
        r'data-summary="已消除">.*?<span class="badge text-bg-secondary">0</span>', summary, re.S
    )


def test_an_end_date_before_the_start_is_an_error(client, province_manager, alerts):
    html = _html(_get(client, province_manager, "/risk/alerts/?since=2026-07-02&until=2026-07-01"))
    assert "结束日期不能早于开始日期" in html


def test_alerts_export_to_excel_within_scope(client, county_prosecutor, alerts):
    rows = _sheet(_get(client, county_prosecutor, "/risk/alerts/?export=xlsx"))
    assert rows[0] == [
        "预警时间",
        "预警等级",
        "预警内容",
        "风险点编码",
        "规则",
        "单位",
        "案件编号",
        "涉及人员",
        "状态",
        "处置状态",
    ]
    assert [row[1:7] for row in rows[1:]] == [
        ["提示", "上级院对案件作出指令", "GX01", "R-GX01", "兰州市城关区人民检察院", CASE]
    ]


def test_the_alert_page_shows_the_evidence_timeline_and_parameters(client, county_prosecutor, alerts):
    alert = Alert.objects.get(case_no=CASE)
    response = _get(client, county_prosecutor, reverse("risk:alert_detail", args=[alert.pk]))

    assert _rows(response, "alert-events") == [
        ["", "2026-03-02 09:00:00", "受理 RECEIVED", "E1", "case_type PROSECUTION_REVIEWline CRIMINAL"],
        ["", "2026-03-02 09:00:00", "分案 ASSIGNED", "E2", "department D2prosecutor A100"],
        ["关键", "2026-03-05 09:00:00", "上级院指令 SUPERIOR_DIRECTIVE", "E3", "kind CORRECT"],
    ]
    html = _html(response)
    case_url = reverse("risk:case_detail", args=[CASE])
    assert f'data-testid="alert-case"><a href="{case_url}" data-testid="case-link">{CASE}</a>' in html
    assert "检出时的规则参数" in html and "&quot;SUPERIOR_DIRECTIVE&quot;" in html
    assert "何平" in html


def test_an_alert_outside_scope_is_404(client, county_prosecutor, outsider, alerts):
    alert = Alert.objects.get(case_no=CASE)
    assert _get(client, outsider, reverse("risk:alert_detail", args=[alert.pk])).status_code == 404
    assert _get(client, county_prosecutor, reverse("risk:alert_detail", args=[999999])).status_code == 404


# --- 检测运行 --------------------------------------------------------------------------------


def test_the_run_list_is_for_those_who_run_detection(client, city_supervisor, county_prosecutor, alerts):
    rows = _rows(_get(client, city_supervisor, "/risk/runs/"))
    assert [(r[1], r[5], r[6], r[9], r[10]) for r in rows] == [("全量", "全部", "2", "完成", "系统")]
    assert _get(client, county_prosecutor, "/risk/runs/").status_code == 403


def test_starting_a_full_scan_runs_it_and_shows_the_result(client, city_supervisor, alerts):
    client.force_login(city_supervisor)
    runs = ScanRun.objects.count()

    response = client.post(reverse("risk:scan_start"))

    run = ScanRun.objects.latest("id")
    assert ScanRun.objects.count() == runs + 1
    assert (run.mode, run.actor, run.status) == ("FULL", city_supervisor, "SUCCEEDED")
    assert response["Location"] == reverse("risk:run_detail", args=[run.pk])
    page = client.get(response["Location"])
    assert "全量检测完成" in _html(page)
    results = {row[0]: row for row in _rows(page, "run-results")}
    # 检务督察 see every rule's result except those whose alerts only 纪检监察 see (the watch).
    shown = Rule.objects.exclude(audience="clue.handle").values_list("code", flat=True)
    assert set(results) == set(shown) and Rule.objects.filter(audience="clue.handle").exists()
    assert results["R-GX01"][2:6] == ["2", "0", "2", "0"]


def test_starting_a_scan_is_post_only_and_refused_to_others(client, city_supervisor, county_prosecutor):
    client.force_login(city_supervisor)
    assert client.get(reverse("risk:scan_start")).status_code == 405
    client.force_login(county_prosecutor)
    audits = AuditEvent.objects.count()
    assert client.post(reverse("risk:scan_start")).status_code == 403
    assert ScanRun.objects.count() == 0 and AuditEvent.objects.count() == audits


def test_a_failing_rule_shows_its_error_in_the_run(client, city_supervisor):
    Rule.objects.filter(code="R-GX01").update(params={"events": "broken"})  # bypasses the service on purpose
    client.force_login(city_supervisor)

    page = client.get(client.post(reverse("risk:scan_start"))["Location"])

    html = _html(page)
    assert 'data-testid="run-status">部分规则失败' in html
    failed = re.search(r'data-rule="R-GX01">(.*?)</tr>', html, re.S)
    assert failed is not None and "规则 R-GX01 的参数无效" in failed.group(1)


def test_a_run_detail_outside_the_permission_is_403_and_absent_is_404(
    client, city_supervisor, county_prosecutor, alerts
):
    run = ScanRun.objects.get()
    assert _get(client, county_prosecutor, reverse("risk:run_detail", args=[run.pk])).status_code == 403
    assert _get(client, city_supervisor, reverse("risk:run_detail", args=[999999])).status_code == 404


# --- the menu ----------------------------------------------------------------------------------


def test_the_menu_shows_the_risk_group_by_permission(
    client, county_prosecutor, city_supervisor, system_admin
):
    def items(user: Any) -> list[str]:
        page = _html(_get(client, user, "/"))
        return re.findall(r'data-menu="((?:risk_|alerts|cases|scan_)[a-z_]*)"', page)

    assert items(county_prosecutor) == ["risk_points", "risk_rules", "alerts", "cases"]
    assert items(city_supervisor) == ["risk_points", "risk_rules", "alerts", "cases", "scan_runs"]
    assert items(system_admin) == []


# --- query budgets -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "budget"),
    [("/risk/points/", 20), ("/risk/rules/", 14), ("/risk/alerts/", 16), ("/risk/runs/", 9)],
)
def test_list_pages_stay_within_a_query_budget(
    client, province_manager, alerts, org, url, budget, django_assert_max_num_queries
):
    for n in range(20):  # a full page of local points, each with its own unit to show
        local_point(org.county if n % 2 else org.city, f"BD{n + 10}")
    client.force_login(province_manager)
    client.get("/")  # the session row is written on the first request
    with django_assert_max_num_queries(budget):
        assert client.get(f"{url}?unit=620102" if "points" in url else url).status_code == 200


def test_a_rule_with_an_audience_is_changed_only_by_its_audience(client, province_manager, org):
    """The compliance watch (纪检监察 only) cannot be tuned or switched off by the standard
    maintainer, who may be among those it watches; 检务督察 maintaining the standard library may
    tune the register's GX05 rule, whose alerts they see."""
    from lianjian.accounts.tests.factories import UserFactory, grant

    watch = Rule.objects.get(code="R-3G-RETALIATION")
    client.force_login(province_manager)
    before = watch.version
    response = client.post(reverse("risk:rule_change", args=[watch.code]), _rule_post(watch, reason="停用"))
    watch.refresh_from_db()
    assert response.status_code == 403 and watch.version == before and watch.is_enabled
    assert client.get(reverse("risk:rule_override", args=[watch.code])).status_code == 403
    assert (
        'href="' + reverse("risk:rule_change", args=[watch.code])
        not in client.get(reverse("risk:rule_detail", args=[watch.code])).content.decode()
    )

    inspector: Any = UserFactory(username="province_inspector")
    grant(inspector, "INSPECTION", "UNIT_AND_BELOW", unit=org.province)
    gx05 = Rule.objects.get(code="R-GX05-RECORD")
    client.force_login(inspector)
    response = client.post(reverse("risk:rule_change", args=[gx05.code]), _rule_post(gx05, level="WARNING"))
    gx05.refresh_from_db()
    assert response.status_code == 302 and gx05.level == "WARNING"
