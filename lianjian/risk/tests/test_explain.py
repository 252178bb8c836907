"""The alert page's explanation (lianjian/risk/explain.py): one sentence per kind, made from the
evidence each kind writes, and the title when the evidence lacks what the sentence needs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from lianjian.risk.catalogue.rules.time_limit import RULES
from lianjian.risk.explain import EXPLAINERS, alert_explanation
from lianjian.risk.kinds import KINDS
from lianjian.risk.tests.builders import assigned, case_no, detect, load, organisation, received

TITLE = "预警标题"


def explain(kind: str, evidence: Any, rule_name: str = "") -> str:
    return alert_explanation(kind=kind, evidence=evidence, title=TITLE, rule_name=rule_name)


def test_every_registered_kind_has_an_explanation():
    assert set(EXPLAINERS) == set(KINDS)


@pytest.mark.django_db
def test_time_limit_from_a_real_finding_says_when_the_clock_ran_and_how_late():
    case = case_no()
    load(
        organisation(
            received(case, "2026-06-20", case_type="ARREST_REVIEW", detained=True),
            assigned(case, "2026-06-20"),
        )
    )
    params = {rule.code: rule.params for rule in RULES}["R-GX08-ARREST"]
    (finding,) = detect("time_limit", params, as_of=datetime.fromisoformat("2026-06-30T18:00:00+08:00"))

    text = explain("time_limit", finding.evidence)

    assert text == (
        "审查逮捕（犯罪嫌疑人已被拘留）期限自 2026-06-20 起算，法定 7 日，至 2026-06-27 届满；"
        "截至 2026-06-30 尚未办结，已超期 3 日。"
        "依据：《刑事诉讼法》第九十一条第三款；《人民检察院刑事诉讼规则》第二百八十二条。"
    )


def test_time_limit_done_late_and_warning():
    base = {
        "time_limit": {
            "code": "X",
            "name": "审查逮捕期限",
            "limit": "7日",
            "basis": "《刑事诉讼法》第九十一条",
        },
        "start": "2026-03-02",
        "deadline": "2026-03-09",
        "extension_days": 0,
        "excluded_days": 0,
        "as_of": "2026-03-11T18:00:00+08:00",
    }
    late = {**base, "state": "OVERDUE", "done_on": "2026-03-11", "days": 2}
    assert explain("time_limit", late) == (
        "审查逮捕期限自 2026-03-02 起算，法定 7 日，至 2026-03-09 届满；2026-03-11 才办结，超期 2 日。"
        "依据：《刑事诉讼法》第九十一条。"
    )
    warning = {**base, "state": "WARNING", "done_on": None, "days": 1, "extension_days": 15}
    assert explain("time_limit", warning) == (
        "审查逮捕期限自 2026-03-02 起算，法定 7 日，依法延长 15 日，至 2026-03-09 届满；"
        "截至 2026-03-11 尚未办结，剩余 1 日。依据：《刑事诉讼法》第九十一条。"
    )


def test_authority_names_the_decider_the_decision_and_who_may_decide():
    evidence = {
        "events": [],
        "decisions": [
            {
                "event_id": "E9",
                "decision": "NON_PROSECUTE",
                "kind": "DISCRETIONARY",
                "decided_on": "2026-04-01",
                "decider": "A100",
                "decider_name": "何平",
                "position": "PROSECUTOR",
                "allowed_positions": ["CHIEF", "DEPUTY_CHIEF"],
            }
        ],
        "decision_count": 2,
    }
    assert explain("authority", evidence) == (
        "何平（检察官）于 2026-04-01 作出酌定不起诉决定，而本院权力清单规定该决定由检察长、副检察长作出；"
        "本案共有 2 项超出权力清单的决定。"
    )


def test_comparison_sentence_deviation_and_decision_against_proposal():
    sentence = {
        "recommended_months": 12,
        "judged_months": 20,
        "allowed_months": 3,
        "judged_at": "2026-05-06T10:00:00+08:00",
    }
    assert explain("comparison", sentence) == (
        "检察机关量刑建议 12 个月，法院于 2026-05-06 判处 20 个月，高于建议 8 个月，"
        "超出规则允许的 3 个月偏离。"
    )
    against = {
        "events": [
            {
                "event_id": "P1",
                "type": "PROPOSED",
                "occurred_at": "2026-04-01T09:00:00+08:00",
                "data": {"decision": "PROSECUTE"},
            },
            {
                "event_id": "D1",
                "type": "DECIDED",
                "occurred_at": "2026-04-03T09:00:00+08:00",
                "data": {"decision": "NON_PROSECUTE", "kind": "DISCRETIONARY"},
            },
        ],
        "pairs": [{"proposed": "P1", "decided": "D1"}],
        "count": 1,
    }
    assert explain("comparison", against) == (
        "承办检察官于 2026-04-01 提出起诉的意见，2026-04-03 作出的决定却为酌定不起诉，与承办意见不一致。"
    )


def test_comparison_of_two_case_values_names_the_fields_in_chinese():
    evidence = {"values": {"proposal_decision": "PROSECUTE", "decision": "NON_PROSECUTE", "has_plea": None}}
    assert explain("comparison", evidence) == (
        f"案件数据比对发现：{TITLE}。比对的数据为 承办人意见：起诉；决定：不起诉；认罪认罚：（空）。"
    )


def test_conflict_relation_and_former_staff():
    relation = {
        "check": "RELATION",
        "lawyer": "15109200110001",
        "lawyer_name": "邓律",
        "role": "DEFENDER",
        "engaged_at": ["2026-03-03T09:00:00+08:00"],
        "prosecutor": "A100",
        "prosecutor_name": "何平",
        "relations": [{"relation": "CLASSMATE"}, {"relation": "SPOUSE"}],
    }
    text = explain("conflict", relation)
    assert text.startswith("本案")
    assert "邓律（15109200110001）于 2026-03-03 受委托，承办检察官何平与其登记有同学、配偶关系，" in text
    assert text.endswith("依照回避规定应当申请回避，但案件中未见回避记录。")
    former = {
        "check": "FORMER_STAFF",
        "lawyer": "15109200110001",
        "lawyer_name": "邓律",
        "role": "",
        "engaged_at": ["2026-03-03T09:00:00+08:00"],
        "former_staff": "X9",
        "former_staff_name": "邓某",
        "left_on": "2025-01-01",
        "served_here": False,
        "barred_until": "2027-01-01",
    }
    assert explain("conflict", former) == (
        "本案律师邓律（15109200110001）于 2026-03-03 受委托，其原为检察人员邓某，2025-01-01 离任，"
        "离任未满规定年限（2027-01-01 前）即担任本案律师。"
    )


def test_key_node_and_sequence_name_the_events():
    directive = {
        "events": [
            {"event_id": "E3", "type": "SUPERIOR_DIRECTIVE", "occurred_at": "2026-03-05T09:00:00+08:00"}
        ],
        "event_count": 1,
    }
    assert explain("key_node", directive, "上级院对案件作出指令") == (
        "案件于 2026-03-05 发生“上级院指令”，属于规则“上级院对案件作出指令”关注的关键节点。"
    )
    sequence = {
        "events": [
            {"event_id": "B", "type": "DECIDED", "occurred_at": "2026-03-09T09:00:00+08:00"},
            {"event_id": "A", "type": "RECEIVED", "occurred_at": "2026-03-02T09:00:00+08:00"},
        ],
        "days": 7,
        "params": {"within_days": 10},
    }
    assert explain("sequence", sequence) == (
        "案件于 2026-03-02 发生“受理”后，7 日内（2026-03-09）又发生“作出决定”，在规则设定的 10 日以内。"
    )


def test_person_level_kinds_concentration_and_peer_outlier():
    concentration = {
        "by": "lawyer",
        "prosecutor": "A100",
        "prosecutor_name": "何平",
        "lawyer": "15109200110001",
        "lawyer_name": "邓律",
        "case_count": 6,
        "total_cases": 10,
        "share": 0.6,
        "window_start": "2025-07-01T00:00:00+08:00",
        "window_end": "2026-06-30T18:00:00+08:00",
        "params": {"min_share": 0.3},
    }
    assert explain("concentration", concentration) == (
        "何平在 2025-07-01 至 2026-06-30 承办的 10 件案件中，有 6 件由律师邓律代理，"
        "占 60%，超过规则设定的 30%。"
    )
    outlier = {
        "prosecutor": "A100",
        "prosecutor_name": "何平",
        "department_name": "第二检察部",
        "numerator": 5,
        "denominator": 10,
        "rate": 0.5,
        "peer_numerator": 2,
        "peer_denominator": 20,
        "peer_rate": 0.1,
        "peer_prosecutors": 3,
        "ratio": 5.0,
        "window_start": "2025-07-01T00:00:00+08:00",
        "window_end": "2026-06-30T18:00:00+08:00",
        "params": {"label": "不起诉率"},
    }
    assert explain("peer_outlier", outlier) == (
        "何平在 2025-07-01 至 2026-06-30 不起诉率为 50%（5/10），"
        "同部门（第二检察部）其他 3 名检察官合计为 10%（2/20），是同部门的 5 倍，明显偏离同部门水平。"
    )


@pytest.mark.parametrize("kind", sorted(EXPLAINERS))
@pytest.mark.parametrize(
    "evidence",
    [
        {},
        None,
        [],
        "text",
        {"events": "x", "decisions": [1], "time_limit": "x", "days": "many", "share": "half"},
    ],
    ids=["empty", "none", "list", "text", "garbled"],
)
def test_odd_evidence_falls_back_to_the_title(kind, evidence):
    assert explain(kind, evidence) == TITLE


def test_an_unknown_kind_is_the_title():
    assert explain("no_such_kind", {"days": 1}) == TITLE
