"""Selectors behind the organisation pages: the tree, the tree filter, the power lines in force."""

from __future__ import annotations

from datetime import date
from itertools import product

from lianjian.common.permissions import Perm
from lianjian.org import selectors
from lianjian.org.tests.factories import DepartmentFactory, PowerRuleFactory, UnitFactory


def _url(kind: str, key: str) -> str:
    return f"?{kind}={key}"


def _flatten(nodes):
    for node in nodes:
        yield node
        yield from _flatten(node.children)


def test_tree_takes_two_queries_however_many_units(city_supervisor, org, django_assert_num_queries):
    for n in range(30):
        county = UnitFactory(code=f"6201{50 + n}", level="COUNTY", parent=org.city)
        DepartmentFactory(unit=county)
    city_supervisor.scope(Perm.ORG_VIEW)  # the scope is computed once per request
    with django_assert_num_queries(2):
        tree = selectors.org_tree_for(city_supervisor, url_for=_url)
    assert [n.key for n in tree] == ["unit-620100"]
    assert len([n for n in _flatten(tree) if not n.is_department]) == 33


def test_tree_marks_the_selected_node(department_head, org):
    selected = selectors.org_filter_for(department_head, department_id=str(org.criminal.pk))
    tree = selectors.org_tree_for(department_head, url_for=_url, selected=selected)
    active = [n.key for n in _flatten(tree) if n.active]
    assert active == [f"dept-{org.criminal.pk}"]
    assert tree[0].children[0].url == f"?department={org.criminal.pk}"


def test_org_filter_outside_scope_is_unknown(city_supervisor, org):
    assert selectors.org_filter_for(city_supervisor, unit_code="620201").unknown is True
    assert selectors.org_filter_for(city_supervisor, department_id=str(org.other_criminal.pk)).unknown is True
    assert selectors.org_filter_for(city_supervisor, department_id="1 OR 1=1").unknown is True
    chosen = selectors.org_filter_for(city_supervisor, unit_code="620103")
    assert (chosen.unit, chosen.department, chosen.unknown) == (org.county_b, None, False)


def test_power_lines_in_force_agree_with_power_rule_for(org):
    PowerRuleFactory(
        unit=org.province,
        decision="NON_PROSECUTE",
        kind="",
        positions=["CHIEF"],
        effective_from=date(2019, 1, 1),
    )
    PowerRuleFactory(
        unit=org.city,
        decision="NON_PROSECUTE",
        kind="EVIDENCE",
        positions=["DEPUTY_CHIEF"],
        effective_from=date(2020, 1, 1),
    )
    PowerRuleFactory(
        unit=org.county,
        decision="NON_PROSECUTE",
        kind="DISCRETIONARY",
        positions=["PROSECUTOR"],
        effective_from=date(2026, 1, 1),
    )
    PowerRuleFactory(
        unit=org.county, decision="ARREST", kind="", positions=["DEPT_HEAD"], effective_from=date(2021, 1, 1)
    )
    PowerRuleFactory(
        unit=org.county, decision="ARREST", kind="", positions=["PROSECUTOR"], effective_from=date(2030, 1, 1)
    )
    PowerRuleFactory(
        unit=org.province, decision="ARREST", kind="", positions=["CHIEF"], effective_from=date(2019, 1, 1)
    )
    day = date(2026, 3, 25)
    lines = selectors.power_lines_in_force(org.county, day)
    expected = {
        selectors.power_rule_for(org.county, decision, day, kind)
        for decision, kind in product(
            ["ARREST", "NON_PROSECUTE"], ["", "DISCRETIONARY", "EVIDENCE", "STATUTORY"]
        )
    } - {None}
    assert {line.rule for line in lines} == expected
    assert [(line.rule.unit.code, line.rule.decision, line.rule.kind, line.inherited) for line in lines] == [
        ("620102", "ARREST", "", False),
        ("620000", "NON_PROSECUTE", "", True),
        ("620102", "NON_PROSECUTE", "DISCRETIONARY", False),
        ("620100", "NON_PROSECUTE", "EVIDENCE", True),
    ]


def test_large_tree_shows_departments_only_under_the_chosen_and_own_unit(city_supervisor, org):
    counties = [UnitFactory(code=f"6201{50 + n}", level="COUNTY", parent=org.city) for n in range(15)]
    for county in counties:
        DepartmentFactory(unit=county)
    chosen = selectors.org_filter_for(city_supervisor, unit_code=counties[3].code)
    tree = selectors.org_tree_for(city_supervisor, url_for=_url, selected=chosen)
    shown = {n.key for n in _flatten(tree) if n.is_department}
    own = city_supervisor.staff.department  # 检务督察部 of the city
    chosen_departments = {f"dept-{d.pk}" for d in counties[3].departments.all()}
    assert shown == chosen_departments | {f"dept-{own.pk}"}
    # Every visible unit is still in the tree.
    assert len([n for n in _flatten(tree) if not n.is_department]) == 3 + 15


def test_small_tree_shows_every_department(city_supervisor, org):
    tree = selectors.org_tree_for(city_supervisor, url_for=_url)
    shown = {n.label for n in _flatten(tree) if n.is_department}
    assert shown == {"第二检察部", "检务督察部"}
