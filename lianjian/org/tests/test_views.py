"""The organisation pages: who sees what, filters, the tree, Excel export, the two entry forms."""

from __future__ import annotations

import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lianjian.accounts.tests.factories import UserFactory, grant
from lianjian.audit.models import AuditEvent
from lianjian.org.models import PowerRule, Relation
from lianjian.org.tests.factories import (
    LawyerFactory,
    PowerRuleFactory,
    RelationFactory,
    StaffChangeFactory,
    StaffFactory,
)

LIST_URLS = [
    "org:unit_list",
    "org:department_list",
    "org:staff_list",
    "org:staff_change_list",
    "org:power_list",
    "org:relation_list",
    "org:lawyer_list",
    "org:power_rule_create",
    "org:relation_create",
]


@pytest.fixture
def city_leader(org):
    """院领导 of city 620100 over the city and its counties (权力清单维护, 关系查看)."""
    staff = StaffFactory(staff_no="CL01", name="高岚", department=org.city_inspection, position="CHIEF")
    user = UserFactory(username="city_leader", display_name="高岚", staff=staff)
    grant(user, "LEADER", "UNIT_AND_BELOW", unit=org.city)
    return user


@pytest.fixture
def county_political(org):
    """政治部 of county 620102 (关系查看 and 关系维护 within the county)."""
    staff = StaffFactory(staff_no="PD01", name="程政", department=org.criminal, position="OTHER")
    user = UserFactory(username="political", display_name="程政", staff=staff)
    grant(user, "POLITICAL", "UNIT", unit=org.county)
    return user


def _rows(response) -> list[list[str]]:
    """The table body's cells, as text, from a list page."""
    html = response.content.decode()
    body = html.split('data-testid="list-table"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        rows.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells])
    return [r for r in rows if r != ["暂无数据"]]


def _column(response, index: int) -> list[str]:
    return [row[index] for row in _rows(response)]


def _xlsx(response) -> list[list[str | None]]:
    sheet = load_workbook(BytesIO(response.content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _get(client, user, name: str, query: str = "", **headers):
    client.force_login(user)
    return client.get(f"{reverse(name)}{query}", **headers)


# --- access by persona ------------------------------------------------------------------------


def test_county_prosecutor_sees_only_self_in_the_staff_list(client, county_prosecutor):
    response = _get(client, county_prosecutor, "org:staff_list")
    assert response.status_code == 200
    assert _column(response, 0) == ["A100"]


def test_department_head_sees_their_department_in_the_staff_list(client, department_head):
    response = _get(client, department_head, "org:staff_list")
    assert sorted(_column(response, 0)) == ["A100", "A101", "A103"]


def test_city_supervisor_sees_the_city_and_its_counties_but_not_620201(client, city_supervisor):
    response = _get(client, city_supervisor, "org:staff_list")
    assert sorted(_column(response, 0)) == ["A100", "A101", "A103", "B200", "CS01"]
    units = _get(client, city_supervisor, "org:unit_list")
    assert _column(units, 0) == ["620100", "620102", "620103"]


def test_outsider_cannot_open_a_staff_page_of_620102(client, outsider, org):
    client.force_login(outsider)
    response = client.get(reverse("org:staff_detail", args=[org.prosecutor.pk]))
    assert response.status_code == 404
    assert "何平" not in response.content.decode()


def test_outsider_cannot_open_unit_or_department_pages_of_620102(client, outsider, org):
    client.force_login(outsider)
    assert client.get(reverse("org:unit_detail", args=["620102"])).status_code == 404
    assert client.get(reverse("org:department_detail", args=[org.criminal.pk])).status_code == 404
    assert client.get(reverse("org:unit_detail", args=["620201"])).status_code == 200


def test_absent_and_forbidden_objects_give_the_same_404(client, county_prosecutor, org):
    client.force_login(county_prosecutor)
    forbidden = client.get(reverse("org:staff_detail", args=[org.colleague.pk]))
    absent = client.get(reverse("org:staff_detail", args=[999999]))
    assert forbidden.status_code == absent.status_code == 404
    token = re.compile(r'"X-CSRFToken": "[^"]*"')  # differs per response, nothing else may
    assert token.sub("", forbidden.content.decode()) == token.sub("", absent.content.decode())


@pytest.mark.parametrize("persona", ["system_admin", "security_admin", "audit_admin"])
def test_administrators_get_403_on_every_org_page(client, persona, request, org):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    urls = [reverse(name) for name in LIST_URLS] + [
        reverse("org:unit_detail", args=["620102"]),
        reverse("org:department_detail", args=[org.criminal.pk]),
        reverse("org:staff_detail", args=[org.prosecutor.pk]),
        reverse("org:staff_list") + "?export=xlsx",
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert AuditEvent.objects.count() == 0


def test_anonymous_users_are_sent_to_the_login_page(client, org):
    response = client.get(reverse("org:staff_list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# --- the tree and its filters -------------------------------------------------------------------


def test_tree_shows_only_the_units_and_departments_in_scope(client, department_head, org):
    response = _get(client, department_head, "org:staff_list")
    nodes = re.findall(r'data-node="([^"]+)"', response.content.decode())
    assert nodes == ["unit-620102", f"dept-{org.criminal.pk}"]


def test_tree_of_city_supervisor_nests_counties_under_the_city(client, city_supervisor, org):
    response = _get(client, city_supervisor, "org:staff_list")
    nodes = re.findall(r'data-node="([^"]+)"', response.content.decode())
    assert nodes == [
        "unit-620100",
        f"dept-{org.city_inspection.pk}",
        "unit-620102",
        f"dept-{org.criminal.pk}",
        "unit-620103",
        f"dept-{org.criminal_b.pk}",
    ]


def test_unit_filter_takes_the_unit_and_its_subordinates(client, city_supervisor):
    city = _get(client, city_supervisor, "org:staff_list", "?unit=620100")
    assert sorted(_column(city, 0)) == ["A100", "A101", "A103", "B200", "CS01"]
    county = _get(client, city_supervisor, "org:staff_list", "?unit=620103")
    assert _column(county, 0) == ["B200"]


def test_department_filter_takes_that_department(client, city_supervisor, org):
    response = _get(client, city_supervisor, "org:staff_list", f"?department={org.criminal.pk}")
    assert sorted(_column(response, 0)) == ["A100", "A101", "A103"]
    assert f'data-node="dept-{org.criminal.pk}"' in response.content.decode()
    assert 'class="active ' in response.content.decode()


@pytest.mark.parametrize("query", ["?unit=620201", "?unit=620000", "?unit=nonsense", "?department=abc"])
def test_a_unit_or_department_outside_scope_yields_nothing(client, city_supervisor, query):
    response = _get(client, city_supervisor, "org:staff_list", query)
    assert response.status_code == 200
    assert _rows(response) == []


def test_a_department_of_another_city_yields_nothing(client, city_supervisor, org):
    response = _get(client, city_supervisor, "org:staff_list", f"?department={org.other_criminal.pk}")
    assert _rows(response) == []
    export = _get(
        client, city_supervisor, "org:staff_list", f"?department={org.other_criminal.pk}&export=xlsx"
    )
    assert _xlsx(export)[1:] == []


def test_tree_links_keep_the_search_and_replace_the_unit(client, city_supervisor, org):
    response = _get(client, city_supervisor, "org:staff_list", "?text=%E4%BD%95&unit=620103")
    html = response.content.decode()
    assert f'href="/org/staff/?text=%E4%BD%95&amp;department={org.criminal.pk}"' in html
    assert '<input type="hidden" name="unit" value="620103">' in html


def test_htmx_request_for_the_list_region_gets_only_the_region(client, department_head, org):
    response = _get(
        client,
        department_head,
        "org:staff_list",
        f"?department={org.criminal.pk}",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="lj-list",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div class="row g-3" id="lj-list"')
    assert "<html" not in html
    assert sorted(_column(response, 0)) == ["A100", "A101", "A103"]
    assert "HX-Target" in response["Vary"]


def test_department_head_reaches_a_staff_page_through_the_tree(client, department_head, org):
    client.force_login(department_head)
    staff_list = client.get(reverse("org:staff_list")).content.decode()
    department_link = re.search(rf'href="([^"]+)"[^>]*data-node="dept-{org.criminal.pk}"', staff_list)
    assert department_link is not None
    listed = client.get(department_link.group(1).replace("&amp;", "&")).content.decode()
    staff_link = re.search(r'<a href="([^"]+)" data-testid="staff-link">周敏</a>', listed)
    assert staff_link is not None
    page = client.get(staff_link.group(1))
    assert page.status_code == 200
    assert 'data-testid="staff-name">周敏' in page.content.decode()


# --- the lists: filters, counts, export ---------------------------------------------------------


def test_staff_filters_by_text_position_quota_and_active_today(client, city_supervisor, org):
    StaffFactory(staff_no="A190", name="何离", department=org.criminal, left_on=date(2020, 1, 1))
    StaffFactory(
        staff_no="A191", name="马助", department=org.criminal, position="ASSISTANT", is_quota_prosecutor=False
    )
    assert sorted(_column(_get(client, city_supervisor, "org:staff_list", "?text=何"), 0)) == ["A100", "A190"]
    assert _column(_get(client, city_supervisor, "org:staff_list", "?text=A19"), 0) == ["A190", "A191"]
    assert _column(_get(client, city_supervisor, "org:staff_list", "?position=ASSISTANT"), 0) == ["A191"]
    assert _column(_get(client, city_supervisor, "org:staff_list", "?quota=no"), 0) == ["A191"]
    active = _column(_get(client, city_supervisor, "org:staff_list", "?text=何&active=on"), 0)
    assert active == ["A100"]


def test_an_invalid_filter_value_shows_a_message_and_no_rows(client, city_supervisor):
    response = _get(client, city_supervisor, "org:staff_list", "?position=BOGUS")
    assert response.status_code == 200
    assert _rows(response) == []
    assert "选择一个有效的选项" in response.content.decode()


def test_staff_list_shows_the_columns_of_a_person(client, department_head, org):
    response = _get(client, department_head, "org:staff_list", "?text=A101")
    assert _rows(response) == [
        ["A101", "罗兰", "兰州市城关区人民检察院", "第二检察部", "部门负责人", "是", "2015-09-01", ""]
    ]


def test_staff_list_exports_the_filtered_rows_to_excel(client, city_supervisor):
    response = _get(client, city_supervisor, "org:staff_list", "?unit=620102&export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _xlsx(response)
    assert rows[0] == ["工号", "姓名", "单位", "部门", "职务", "员额检察官", "入职日期", "离职日期"]
    assert sorted(r[0] for r in rows[1:]) == ["A100", "A101", "A103"]


def test_staff_list_query_count_does_not_grow_with_rows(
    client, department_head, org, django_assert_max_num_queries
):
    for n in range(50):
        StaffFactory(staff_no=f"Q{n:03d}", department=org.criminal)
    client.force_login(department_head)
    url = reverse("org:staff_list")
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.status_code == 200
    with django_assert_max_num_queries(20):
        export = client.get(reverse("org:staff_list") + "?export=xlsx")
    assert len(_xlsx(export)) == 1 + 53


def test_unit_list_counts_only_visible_staff_in_post(client, department_head, city_supervisor, org):
    StaffFactory(staff_no="B290", department=org.criminal_b, left_on=date(2020, 1, 1))
    rows = _rows(_get(client, city_supervisor, "org:unit_list"))
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        ("620100", "市级院", "甘肃省人民检察院", "1"),
        ("620102", "基层院", "兰州市人民检察院", "3"),
        ("620103", "基层院", "兰州市人民检察院", "1"),
    ]
    head_rows = _rows(_get(client, department_head, "org:unit_list"))
    assert [(r[0], r[4]) for r in head_rows] == [("620102", "3")]


def test_unit_list_filters_by_level_and_exports(client, city_supervisor):
    response = _get(client, city_supervisor, "org:unit_list", "?level=COUNTY")
    assert _column(response, 0) == ["620102", "620103"]
    rows = _xlsx(_get(client, city_supervisor, "org:unit_list", "?level=CITY&export=xlsx"))
    assert rows == [
        ["单位编码", "单位名称", "层级", "上级院", "在职人数"],
        ["620100", "兰州市人民检察院", "市级院", "甘肃省人民检察院", "1"],
    ]


def test_department_list_shows_visible_departments_with_counts(client, city_supervisor, org):
    rows = _rows(_get(client, city_supervisor, "org:department_list"))
    assert [(r[0], r[1], r[3], r[4]) for r in rows] == [
        ("兰州市人民检察院", "DC", "检务督察", "1"),
        ("兰州市城关区人民检察院", "D2", "刑事检察", "3"),
        ("兰州市七里河区人民检察院", "D2", "刑事检察", "1"),
    ]
    county = _rows(_get(client, city_supervisor, "org:department_list", "?unit=620103"))
    assert [r[0] for r in county] == ["兰州市七里河区人民检察院"]
    rows = _xlsx(_get(client, city_supervisor, "org:department_list", "?kind=INSPECTION&export=xlsx"))
    assert rows[1:] == [["兰州市人民检察院", "DC", "检务督察部", "检务督察", "1"]]


def test_staff_change_list_in_scope_and_filtered(client, department_head, org):
    StaffChangeFactory(
        change_no="SC-1",
        staff=org.colleague,
        change="PROMOTE",
        effective_on=date(2024, 6, 1),
        position="DEPT_HEAD",
    )
    StaffChangeFactory(change_no="SC-2", staff=org.county_b_prosecutor, change="TRANSFER")
    StaffChangeFactory(change_no="SC-3", staff=org.prosecutor, change="AWARD", effective_on=date(2023, 1, 1))
    response = _get(client, department_head, "org:staff_change_list")
    assert _column(response, 0) == ["SC-1", "SC-3"]
    assert _rows(response)[0][1:] == ["A103", "周敏", "2024-06-01", "晋升", "", "", "部门负责人"]
    assert _column(_get(client, department_head, "org:staff_change_list", "?change=AWARD"), 0) == ["SC-3"]
    since = _get(client, department_head, "org:staff_change_list", "?since=2024-01-01")
    assert _column(since, 0) == ["SC-1"]
    rows = _xlsx(_get(client, department_head, "org:staff_change_list", "?export=xlsx"))
    assert [r[0] for r in rows[1:]] == ["SC-1", "SC-3"]


def test_lawyer_list_filters_and_exports(client, county_prosecutor, org):
    LawyerFactory(license_no="L1", name="钟律", former_staff=org.colleague)
    LawyerFactory(license_no="L2", name="陆律")
    assert _column(_get(client, county_prosecutor, "org:lawyer_list"), 0) == ["L1", "L2"]
    former = _rows(_get(client, county_prosecutor, "org:lawyer_list", "?former_staff=on"))
    assert [(r[0], r[3]) for r in former] == [("L1", "周敏（A103）")]
    rows = _xlsx(_get(client, county_prosecutor, "org:lawyer_list", "?text=陆&export=xlsx"))
    assert [r[:2] for r in rows[1:]] == [["L2", "陆律"]]


# --- detail pages ----------------------------------------------------------------------------


def test_unit_page_shows_departments_counts_and_power_lines_in_force(client, city_supervisor, org):
    PowerRuleFactory(unit=org.province, decision="ARREST", positions=["CHIEF"])
    PowerRuleFactory(unit=org.county, decision="NON_PROSECUTE", positions=["PROSECUTOR"])
    PowerRuleFactory(unit=org.other_city, decision="PROTEST", positions=["CHIEF"])
    client.force_login(city_supervisor)
    html = client.get(reverse("org:unit_detail", args=["620102"])).content.decode()
    assert 'data-testid="staff-here">3<' in html
    assert "第二检察部" in html
    powers = html.split('data-testid="unit-powers"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'data-inherited="(\w+)"><td>([^<]+)</td>', powers) == [
        ("yes", "批准逮捕"),
        ("no", "不起诉"),
    ]
    assert "继承自甘肃省人民检察院" in powers
    assert "抗诉" not in powers
    city = client.get(reverse("org:unit_detail", args=["620100"])).content.decode()
    assert 'data-testid="staff-subtree">5<' in city
    assert "兰州市七里河区人民检察院" in city


def test_department_page_lists_its_visible_staff(client, department_head, org):
    client.force_login(department_head)
    html = client.get(reverse("org:department_detail", args=[org.criminal.pk])).content.decode()
    assert re.findall(r'data-testid="staff-link">([^<]+)<', html) == ["何平", "罗兰", "周敏"]
    assert client.get(reverse("org:department_detail", args=[org.criminal_b.pk])).status_code == 404


def test_staff_page_shows_fields_and_post_history(client, county_prosecutor, org):
    StaffChangeFactory(
        change_no="SC-9",
        staff=org.prosecutor,
        change="JOIN",
        effective_on=date(2015, 9, 1),
        position="ASSISTANT",
    )
    client.force_login(county_prosecutor)
    response = client.get(reverse("org:staff_detail", args=[org.prosecutor.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "何平" in html and "A100" in html and "第二检察部" in html
    assert "SC-9" in html and "检察官助理" in html
    assert 'data-testid="staff-relations"' not in html  # 承办检察官 holds no 关系查看
    assert AuditEvent.objects.count() == 0


def test_staff_page_shows_relations_and_audits_the_read(client, department_head, org):
    RelationFactory(relation_no="RL-1", staff=org.colleague, other_name="周父", relation="PARENT")
    client.force_login(department_head)
    html = client.get(reverse("org:staff_detail", args=[org.colleague.pk])).content.decode()
    assert "RL-1" in html and "周父" in html
    events = list(AuditEvent.objects.filter(action="org.relation.view"))
    assert len(events) == 1
    assert events[0].actor_id == department_head.pk
    assert events[0].target_type == "org.staff"
    assert events[0].target_id == str(org.colleague.pk)
    assert events[0].after == {"rows": 1}


# --- relations list: audited reads ------------------------------------------------------------


def test_relation_list_in_scope_and_each_search_is_audited(client, department_head, org):
    RelationFactory(relation_no="RL-1", staff=org.colleague, other_name="周父", relation="PARENT")
    RelationFactory(relation_no="RL-2", staff=org.county_b_prosecutor, other_name="钱母", relation="PARENT")
    response = _get(client, department_head, "org:relation_list", "?relation=PARENT")
    assert _column(response, 0) == ["RL-1"]
    events = list(AuditEvent.objects.filter(action="org.relation.search"))
    assert len(events) == 1
    assert events[0].after == {"filters": {"relation": "PARENT"}}


def test_relation_export_is_audited_with_its_row_count(client, department_head, org):
    RelationFactory(relation_no="RL-1", staff=org.colleague, other_name="周父")
    response = _get(client, department_head, "org:relation_list", "?export=xlsx")
    rows = _xlsx(response)
    assert [r[0] for r in rows[1:]] == ["RL-1"]
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["org.relation.export"]
    assert AuditEvent.objects.get().after == {"filters": {}, "rows": 1}


def test_county_prosecutor_cannot_open_the_relation_register(client, county_prosecutor, org):
    RelationFactory(staff=org.prosecutor)
    assert _get(client, county_prosecutor, "org:relation_list").status_code == 403
    assert AuditEvent.objects.count() == 0


# --- the power list and the power checker -----------------------------------------------------


def test_power_list_marks_lines_inherited_for_the_selected_unit(client, city_supervisor, org):
    PowerRuleFactory(
        unit=org.province, decision="NON_PROSECUTE", positions=["CHIEF"], effective_from=date(2020, 1, 1)
    )
    PowerRuleFactory(
        unit=org.county, decision="NON_PROSECUTE", positions=["PROSECUTOR"], effective_from=date(2021, 1, 1)
    )
    PowerRuleFactory(unit=org.county_b, decision="ARREST", positions=["CHIEF"])
    PowerRuleFactory(unit=org.other_city, decision="ARREST", positions=["CHIEF"])
    everything = _rows(_get(client, city_supervisor, "org:power_list"))
    assert [r[0] for r in everything] == [
        "甘肃省人民检察院",
        "兰州市城关区人民检察院",
        "兰州市七里河区人民检察院",
    ]
    county = _rows(_get(client, city_supervisor, "org:power_list", "?unit=620102"))
    assert [(r[0], r[5], r[6]) for r in county] == [
        ("甘肃省人民检察院", "继承自甘肃省人民检察院", "否"),
        ("兰州市城关区人民检察院", "本院", "是"),
    ]
    arrest = _rows(_get(client, city_supervisor, "org:power_list", "?decision=ARREST"))
    assert [r[0] for r in arrest] == ["兰州市七里河区人民检察院"]
    assert _rows(_get(client, city_supervisor, "org:power_list", "?unit=620201")) == []


def test_power_checker_answers_with_position_rule_and_source(client, city_supervisor, org):
    PowerRuleFactory(
        unit=org.city,
        decision="NON_PROSECUTE",
        positions=["DEPT_HEAD", "CHIEF"],
        effective_from=date(2021, 1, 1),
    )
    html = _get(
        client,
        city_supervisor,
        "org:power_list",
        "?check-staff_no=A101&check-decision=NON_PROSECUTE&check-kind=&check-day=2026-03-25",
    ).content.decode()
    answer = html.split('data-testid="power-answer"', 1)[1]
    assert 'data-allowed="yes"' in answer
    assert "有权决定：罗兰（A101）" in answer
    assert 'data-testid="power-answer-position">部门负责人<' in answer
    assert "兰州市人民检察院 · 不起诉" in answer
    assert "继承自上级院" in answer
    denied = _get(
        client,
        city_supervisor,
        "org:power_list",
        "?check-staff_no=A100&check-decision=NON_PROSECUTE&check-day=2026-03-25",
    ).content.decode()
    assert 'data-allowed="no"' in denied
    assert "无权决定：何平（A100）" in denied


def test_power_checker_does_not_look_up_staff_outside_scope(client, city_supervisor, org):
    html = _get(
        client,
        city_supervisor,
        "org:power_list",
        "?check-staff_no=C300&check-decision=ARREST&check-day=2026-03-25",
    ).content.decode()
    assert "未找到该工号的人员，或您无权查看" in html
    assert 'data-testid="power-answer"' not in html


def test_power_checker_rejects_a_bad_date_with_a_message(client, city_supervisor, org):
    response = _get(
        client,
        city_supervisor,
        "org:power_list",
        "?check-staff_no=A100&check-decision=ARREST&check-day=2026-13-45",
    )
    assert response.status_code == 200
    assert "输入一个有效的日期" in response.content.decode()


# --- the two entry forms ----------------------------------------------------------------------


def test_power_toolbar_button_shows_only_to_holders(client, city_leader, city_supervisor, org):
    assert "新增本院权力条目" in _get(client, city_leader, "org:power_list").content.decode()
    assert "新增本院权力条目" not in _get(client, city_supervisor, "org:power_list").content.decode()


def test_power_rule_create_within_scope_writes_the_line_and_its_audit(client, city_leader, org):
    client.force_login(city_leader)
    response = client.post(
        reverse("org:power_rule_create"),
        {
            "unit": "620103",
            "decision": "NON_PROSECUTE",
            "kind": "DISCRETIONARY",
            "effective_from": "2026-01-01",
            "positions": ["PROSECUTOR", "DEPT_HEAD"],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("org:power_list") + "?unit=620103"
    rule = PowerRule.objects.get()
    assert (rule.unit, rule.decision, rule.kind, rule.effective_from, rule.positions) == (
        org.county_b,
        "NON_PROSECUTE",
        "DISCRETIONARY",
        date(2026, 1, 1),
        ["DEPT_HEAD", "PROSECUTOR"],
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.target_id) == (
        "org.power_rule.create",
        city_leader.pk,
        str(rule.pk),
    )


def test_power_rule_create_outside_scope_writes_nothing(client, city_leader, org):
    client.force_login(city_leader)
    response = client.post(
        reverse("org:power_rule_create"),
        {"unit": "620201", "decision": "ARREST", "effective_from": "2026-01-01", "positions": ["CHIEF"]},
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert PowerRule.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_power_rule_create_duplicate_shows_the_service_message(client, city_leader, org):
    PowerRuleFactory(unit=org.county, decision="ARREST", kind="", effective_from=date(2026, 1, 1))
    client.force_login(city_leader)
    response = client.post(
        reverse("org:power_rule_create"),
        {"unit": "620102", "decision": "ARREST", "effective_from": "2026-01-01", "positions": ["CHIEF"]},
    )
    assert response.status_code == 200
    assert "已有同一决定类型、不起诉类别和生效日期的权力清单条目" in response.content.decode()
    assert PowerRule.objects.count() == 1
    assert AuditEvent.objects.count() == 0


def test_power_rule_create_by_a_non_holder_is_403_and_writes_nothing(client, city_supervisor, org):
    client.force_login(city_supervisor)
    response = client.post(
        reverse("org:power_rule_create"),
        {"unit": "620102", "decision": "ARREST", "effective_from": "2026-01-01", "positions": ["CHIEF"]},
    )
    assert response.status_code == 403
    assert PowerRule.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_relation_create_registers_the_entry_and_its_audit(client, county_political, org):
    lawyer = LawyerFactory(license_no="L7", name="吴律")
    assert "登记特殊关系" in _get(client, county_political, "org:relation_list").content.decode()
    response = client.post(
        reverse("org:relation_create"),
        {
            "staff_no": "A100",
            "relation": "CLASSMATE",
            "other_kind": "LAWYER",
            "other": "L7",
            "other_name": "",
        },
    )
    assert response.status_code == 302
    relation = Relation.objects.get()
    assert relation.relation_no == f"RL-LOCAL-{relation.pk}"
    assert (relation.staff, relation.other_lawyer, relation.other_name) == (org.prosecutor, lawyer, "吴律")
    event = AuditEvent.objects.get(action="org.relation.create")
    assert event.after["relation_no"] == relation.relation_no


def test_relation_create_with_an_unknown_lawyer_writes_nothing(client, county_political, org):
    client.force_login(county_political)
    response = client.post(
        reverse("org:relation_create"),
        {"staff_no": "A100", "relation": "CLASSMATE", "other_kind": "LAWYER", "other": "NOPE"},
    )
    assert response.status_code == 200
    assert "未找到执业证号为 NOPE 的律师" in response.content.decode()
    assert Relation.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_relation_create_for_staff_outside_scope_writes_nothing(client, county_political, org):
    client.force_login(county_political)
    response = client.post(
        reverse("org:relation_create"),
        {
            "staff_no": "B200",
            "relation": "SPOUSE",
            "other_kind": "PERSON",
            "other": "P1",
            "other_name": "某某",
        },
    )
    assert response.status_code == 200
    assert "未找到该工号的人员，或您无权查看" in response.content.decode()
    assert Relation.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_relation_create_by_a_non_holder_is_403_and_writes_nothing(client, department_head, org):
    client.force_login(department_head)
    assert "登记特殊关系" not in client.get(reverse("org:relation_list")).content.decode()
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("org:relation_create"),
        {
            "staff_no": "A100",
            "relation": "SPOUSE",
            "other_kind": "PERSON",
            "other": "P1",
            "other_name": "某某",
        },
    )
    assert response.status_code == 403
    assert Relation.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_pages_use_today_for_active_staff(client, department_head, org):
    StaffFactory(staff_no="A150", department=org.criminal, joined_on=date.today() + timedelta(days=1))
    active = _column(_get(client, department_head, "org:staff_list", "?active=on"), 0)
    assert "A150" not in active
    assert "A150" in _column(_get(client, department_head, "org:staff_list"), 0)
