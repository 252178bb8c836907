"""Local power-list lines and relation entries: scope, validation, audit."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from lianjian.accounts.tests.factories import UserFactory, grant
from lianjian.audit.models import AuditEvent
from lianjian.org.models import PowerRule, Relation
from lianjian.org.services import power_rule_create, relation_create
from lianjian.org.tests.factories import LawyerFactory, PowerRuleFactory, RelationFactory


@pytest.fixture
def city_leader(org):
    user = UserFactory(username="city_leader")
    grant(user, "LEADER", "UNIT_AND_BELOW", unit=org.city)
    return user


@pytest.fixture
def county_political(org):
    user = UserFactory(username="political")
    grant(user, "POLITICAL", "UNIT", unit=org.county)
    return user


def _power(actor, unit, **overrides):
    values = {
        "decision": "NON_PROSECUTE",
        "kind": "",
        "effective_from": date(2026, 1, 1),
        "positions": ["PROSECUTOR"],
    }
    values.update(overrides)
    return power_rule_create(actor=actor, unit=unit, **values)


def _assert_nothing_written(power_rules: int = 0, relations: int = 0) -> None:
    assert PowerRule.objects.count() == power_rules
    assert Relation.objects.count() == relations
    assert AuditEvent.objects.count() == 0


# --- power_rule_create ------------------------------------------------------------------------


def test_power_rule_create_within_scope_writes_line_and_audit(city_leader, org):
    rule = _power(city_leader, org.county, kind="DISCRETIONARY", positions=["PROSECUTOR", "CHIEF", "CHIEF"])
    assert (rule.unit, rule.decision, rule.kind, rule.effective_from, rule.positions) == (
        org.county,
        "NON_PROSECUTE",
        "DISCRETIONARY",
        date(2026, 1, 1),
        ["CHIEF", "PROSECUTOR"],
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.target_type, event.target_id) == (
        "org.power_rule.create",
        city_leader.pk,
        "org.powerrule",
        str(rule.pk),
    )
    assert event.after == {
        "unit": "620102",
        "decision": "NON_PROSECUTE",
        "kind": "DISCRETIONARY",
        "effective_from": "2026-01-01",
        "positions": ["CHIEF", "PROSECUTOR"],
    }


def test_power_rule_create_on_the_scope_root_unit_is_allowed(city_leader, org):
    assert _power(city_leader, org.city).unit == org.city


@pytest.mark.parametrize("unit_name", ["other_county", "other_city", "province"])
def test_power_rule_create_outside_scope_is_refused_and_writes_nothing(city_leader, org, unit_name):
    with pytest.raises(ValidationError, match="您无权调整该单位的权力清单"):
        _power(city_leader, getattr(org, unit_name))
    _assert_nothing_written()


def test_power_rule_create_without_power_manage_is_refused(city_supervisor, org):
    with pytest.raises(ValidationError, match="您无权调整该单位的权力清单"):
        _power(city_supervisor, org.county)
    _assert_nothing_written()


def test_power_rule_create_refuses_a_duplicate_key(city_leader, org):
    PowerRuleFactory(unit=org.county, decision="NON_PROSECUTE", kind="", effective_from=date(2026, 1, 1))
    with pytest.raises(ValidationError, match="已有同一决定类型"):
        _power(city_leader, org.county)
    _assert_nothing_written(power_rules=1)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"positions": []}, "请至少选择一个有权职务"),
        ({"positions": ["PROSECUTOR", "JANITOR"]}, "职务编码无效：JANITOR"),
        ({"decision": "PARDON"}, "决定类型无效"),
        ({"kind": "LENIENT"}, "不起诉类别无效"),
        ({"decision": "ARREST", "kind": "DISCRETIONARY"}, "只有“不起诉”决定可以指定不起诉类别"),
    ],
)
def test_power_rule_create_refuses_invalid_values(city_leader, org, overrides, message):
    with pytest.raises(ValidationError, match=message):
        _power(city_leader, org.county, **overrides)
    _assert_nothing_written()


# --- relation_create --------------------------------------------------------------------------


def test_relation_create_person_is_numbered_locally_and_audited(county_political, org):
    relation = relation_create(
        actor=county_political,
        staff=org.prosecutor,
        other_kind="PERSON",
        other=" 6201XXXX ",
        other_name="何母",
        relation="PARENT",
    )
    assert relation.relation_no == f"RL-LOCAL-{relation.pk}"
    assert (relation.other, relation.other_name, relation.other_lawyer, relation.other_staff) == (
        "6201XXXX",
        "何母",
        None,
        None,
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.target_id) == (
        "org.relation.create",
        county_political.pk,
        str(relation.pk),
    )
    assert event.after == {
        "relation_no": relation.relation_no,
        "staff": "A100",
        "other_kind": "PERSON",
        "other": "6201XXXX",
        "other_name": "何母",
        "relation": "PARENT",
    }


def test_relation_numbers_stay_unique_when_an_import_took_the_number(county_political, org):
    first = relation_create(
        actor=county_political,
        staff=org.prosecutor,
        other_kind="PERSON",
        other="P1",
        other_name="甲",
        relation="SPOUSE",
    )
    RelationFactory(relation_no=f"RL-LOCAL-{first.pk + 2}", staff=org.colleague)
    second = relation_create(
        actor=county_political,
        staff=org.prosecutor,
        other_kind="PERSON",
        other="P2",
        other_name="乙",
        relation="CHILD",
    )
    assert second.relation_no.startswith(f"RL-LOCAL-{second.pk}-")
    assert Relation.objects.filter(relation_no__startswith="RL-LOCAL-").count() == 3


def test_relation_create_lawyer_resolves_the_lawyer(county_political, org):
    lawyer = LawyerFactory(license_no="15109200110001", name="吴律")
    relation = relation_create(
        actor=county_political,
        staff=org.prosecutor,
        other_kind="LAWYER",
        other="15109200110001",
        other_name="",
        relation="CLASSMATE",
    )
    assert (relation.other_lawyer, relation.other_name) == (lawyer, "吴律")


def test_relation_create_staff_resolves_the_staff_even_in_another_unit(county_political, org):
    relation = relation_create(
        actor=county_political,
        staff=org.prosecutor,
        other_kind="STAFF",
        other="C300",
        other_name="",
        relation="SIBLING",
    )
    assert (relation.other_staff, relation.other_name) == (org.outsider_staff, "孙立")


@pytest.mark.parametrize(
    ("other_kind", "other", "other_name", "relation", "message"),
    [
        ("LAWYER", "NOPE", "", "CLASSMATE", "未找到执业证号为 NOPE 的律师"),
        ("STAFF", "ZZ999", "", "SIBLING", "未找到工号为 ZZ999 的人员"),
        ("STAFF", "A100", "", "SIBLING", "不能登记与本人的关系"),
        ("PERSON", "P1", "", "SPOUSE", "请填写对方姓名"),
        ("PERSON", "  ", "某", "SPOUSE", "请填写对方标识"),
        ("ALIEN", "P1", "某", "SPOUSE", "对方类别无效"),
        ("PERSON", "P1", "某", "ENEMY", "关系类型无效"),
    ],
)
def test_relation_create_refuses_invalid_values(
    county_political, org, other_kind, other, other_name, relation, message
):
    with pytest.raises(ValidationError, match=message):
        relation_create(
            actor=county_political,
            staff=org.prosecutor,
            other_kind=other_kind,
            other=other,
            other_name=other_name,
            relation=relation,
        )
    _assert_nothing_written()


def test_relation_create_for_staff_outside_scope_is_refused(county_political, org):
    with pytest.raises(ValidationError, match="您无权为该人员登记特殊关系"):
        relation_create(
            actor=county_political,
            staff=org.county_b_prosecutor,
            other_kind="PERSON",
            other="P1",
            other_name="某",
            relation="SPOUSE",
        )
    _assert_nothing_written()


def test_relation_create_without_relation_manage_is_refused(department_head, org):
    with pytest.raises(ValidationError, match="您无权为该人员登记特殊关系"):
        relation_create(
            actor=department_head,
            staff=org.prosecutor,
            other_kind="PERSON",
            other="P1",
            other_name="某",
            relation="SPOUSE",
        )
    _assert_nothing_written()
