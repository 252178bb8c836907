"""Conditions on a model's fields, shared by the comparison and peer-outlier kinds."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from lianjian.cases.models import Case, CaseStage
from lianjian.risk.kinds.fields import CASE_FIELDS, STAGE_FIELDS, CaseCondition, StageCondition
from lianjian.risk.tests.builders import case_no, load, organisation, received

CASE_WHITELIST = {
    **dict.fromkeys(
        [
            "line",
            "case_type",
            "cause",
            "transferred_cause",
            "custody_measure",
            "agency",
            "assign_method",
            "proposal_decision",
            "proposal_kind",
            "decision",
            "decision_kind",
            "decision_level",
            "judgment_verdict",
            "close_result",
        ],
        "text",
    ),
    **dict.fromkeys(["is_detained", "is_fast_track", "has_plea", "is_suspended"], "bool"),
    **dict.fromkeys(
        [
            "stage",
            "return_round",
            "return_count",
            "extension_count",
            "extension_days",
            "decision_months",
            "judgment_months",
        ],
        "int",
    ),
    **dict.fromkeys(
        [
            "received_at",
            "first_received_at",
            "assigned_at",
            "proposed_at",
            "decided_at",
            "judged_at",
            "closed_at",
            "absconded_at",
            "returned_at",
            "resubmitted_at",
            "suspended_at",
            "last_event_at",
        ],
        "time",
    ),
}


def messages(
    condition: dict[str, Any], model: type[CaseCondition | StageCondition] = CaseCondition
) -> list[str]:
    """The validation messages of ``condition`` (none if it is valid)."""
    try:
        model.model_validate(condition)
    except ValidationError as error:
        return [str(e["msg"]).removeprefix("Value error, ") for e in error.errors()]
    return []


def test_the_whitelists_name_every_field_either_kind_tested_with_its_kind() -> None:
    assert CASE_FIELDS == CASE_WHITELIST
    assert STAGE_FIELDS == {
        "case_type": "text",
        "decision": "text",
        "is_detained": "bool",
        "number": "int",
        "extension_count": "int",
        "return_count": "int",
        "decided_at": "time",
        "closed_at": "time",
    }
    assert CaseCondition.model_json_schema()["properties"]["field"]["enum"] == list(CASE_WHITELIST)
    assert StageCondition.model_json_schema()["properties"]["field"]["enum"] == list(STAGE_FIELDS)


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "has_plea", "value": True},
        {"field": "has_plea", "value": None},
        {"field": "decision", "op": "ne", "value": "PROSECUTE"},
        {"field": "decision", "value": ["NON_PROSECUTE", "PROSECUTE"]},  # eq with a list: as in
        {"field": "cause", "op": "contains", "value": ["故意伤害", "危险驾驶"]},
        {"field": "cause", "op": "contains", "value": "故意伤害"},
        {"field": "judgment_verdict", "op": "in", "value": ["ACQUITTED", "EXEMPTED"]},
        {"field": "decision_months", "op": "not_in", "value": [7, None]},
        {"field": "stage", "op": "gte", "value": 2},
        {"field": "last_event_at", "op": "not_empty"},
        {"field": "resubmitted_at", "op": "empty"},
    ],
)
def test_conditions_that_fit_their_field_are_accepted(condition: dict[str, Any]) -> None:
    assert messages(condition) == []


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"field": "stage", "value": True}, "字段 stage 的比较值类型不符（应为整数或 null）"),
        ({"field": "stage", "value": 2.0}, "字段 stage 的比较值类型不符（应为整数或 null）"),
        (
            {"field": "has_plea", "value": "yes"},
            "字段 has_plea 的比较值类型不符（应为布尔值（true / false）或 null）",
        ),
        ({"field": "cause", "value": None}, "字段 cause 的比较值类型不符（应为文字）"),
        ({"field": "cause", "op": "in", "value": []}, "至少给出一个比较值"),
        ({"field": "decision", "op": "in", "value": "NON_PROSECUTE"}, "in 的比较值须为列表"),
        ({"field": "decision", "op": "not_in", "value": "ARREST"}, "not_in 的比较值须为列表"),
        (
            {"field": "has_plea", "op": "contains", "value": [True]},
            "contains 只适用于文本字段，has_plea 是布尔字段",
        ),
        ({"field": "decision", "op": "gte", "value": 1}, "gte 只用于整数字段，且比较值须为一个整数"),
        ({"field": "return_count", "op": "gt", "value": "1"}, "gt 只用于整数字段，且比较值须为一个整数"),
        ({"field": "return_count", "op": "lt", "value": None}, "lt 只用于整数字段，且比较值须为一个整数"),
        (
            {"field": "decided_at", "value": "2026-01-01"},
            "时间字段 decided_at 只能判断有无（empty / not_empty）",
        ),
    ],
)
def test_conditions_that_do_not_fit_their_field_are_refused_in_chinese(
    condition: dict[str, Any], message: str
) -> None:
    assert messages(condition) == [message]


def test_a_field_outside_the_whitelist_is_refused_with_the_fields_it_may_name() -> None:
    assert messages({"field": "number", "value": 1}) == [
        f"不能按字段 number 筛选（可用：{'、'.join(CASE_WHITELIST)}）"
    ]
    assert messages({"field": "has_plea", "value": True}, StageCondition) == [
        f"不能按字段 has_plea 筛选（可用：{'、'.join(STAGE_FIELDS)}）"
    ]
    assert messages({"field": "decision", "op": "like", "value": "NON%"}) != []


@pytest.mark.django_db
def test_conditions_compile_to_lookups_with_null_asked_for_explicitly() -> None:
    plain, fast, unknown = case_no(), case_no(), case_no()
    load(
        organisation(
            received(plain, "2026-01-05", cause="盗窃罪", fast_track=False),
            received(fast, "2026-01-05", cause="故意伤害罪", fast_track=True),
            received(unknown, "2026-01-05", cause="危险驾驶罪"),
        )
    )

    def found(**condition: Any) -> list[str]:
        query = CaseCondition.model_validate(condition).q()
        return list(Case.objects.filter(query).order_by("case_no").values_list("case_no", flat=True))

    everyone = sorted([plain, fast, unknown])
    assert found(field="is_fast_track", value=True) == [fast]
    assert found(field="is_fast_track", value=None) == [unknown]
    assert found(field="is_fast_track", op="ne", value=True) == sorted([plain, unknown])
    assert found(field="is_fast_track", op="ne", value=None) == sorted([plain, fast])
    assert found(field="is_fast_track", op="in", value=[False, None]) == sorted([plain, unknown])
    assert found(field="is_fast_track", op="not_in", value=[True, None]) == [plain]
    assert found(field="is_fast_track", op="empty") == [unknown]
    assert found(field="cause", op="contains", value=["伤害", "驾驶"]) == sorted([fast, unknown])
    assert found(field="cause", op="not_in", value=["盗窃罪"]) == sorted([fast, unknown])
    assert found(field="cause", op="ne", value="") == everyone
    assert found(field="agency", op="empty") == everyone
    assert found(field="stage", op="gte", value=1) == everyone
    assert found(field="stage", op="gt", value=1) == []
    assert found(field="decided_at", op="not_empty") == []


@pytest.mark.django_db
def test_a_prefix_applies_a_condition_to_a_related_model() -> None:
    plain, fast = case_no(), case_no()
    load(
        organisation(
            received(plain, "2026-01-05", fast_track=False),
            received(fast, "2026-01-05", fast_track=True),
            received(fast, "2026-02-05", case_type="PUBLIC_PROSECUTION", fast_track=True),
        )
    )

    second = StageCondition(field="number", op="gte", value=2).q(prefix="stages__")
    assert list(Case.objects.filter(second).values_list("case_no", flat=True)) == [fast]
    on_fast_cases = CaseCondition(field="is_fast_track", value=True).q(prefix="case__")
    assert list(
        CaseStage.objects.filter(on_fast_cases).order_by("number").values_list("number", flat=True)
    ) == [
        1,
        2,
    ]
