"""Standard rules of the key-node kind: points that one event on a case reveals.

DATA_CONTRACT.md §3 names the events; the points are those of seed 000 第十一条至第十六条.
"""

from __future__ import annotations

from typing import Any

from lianjian.risk.catalogue.spec import RuleSpec


def on(event_type: str, **equals: Any) -> dict[str, Any]:
    """An event match: ``type`` with each data field equal to the value given."""
    return {"type": event_type, "where": [{"field": f, "value": v} for f, v in equals.items()]}


def decided(*decisions: str) -> dict[str, Any]:
    return {"type": "DECIDED", "where": [{"field": "decision", "op": "in", "value": list(decisions)}]}


def node(
    code: str, name: str, line: str, *events: dict[str, Any], level: str = "NOTICE", **more: Any
) -> RuleSpec:
    """A rule raising ``code`` on a case of ``line`` ("" for any) with any of ``events``."""
    return RuleSpec(
        code=f"R-{code}",
        name=name,
        kind="key_node",
        risk_codes=(code,),
        params={"events": list(events), "lines": [line] if line else []},
        level=level,
        **more,
    )


_CONTACT_NO_APPROVAL = {"field": "approval_ref", "op": "empty"}
_LEADERS = ("HANDLER", "DEPT_HEAD", "LEADER")

RULES: list[RuleSpec] = [
    # 共性 (第十一条)
    node("GX01", "上级院对案件作出指令", "", on("SUPERIOR_DIRECTIVE"), recipients=_LEADERS),
    RuleSpec(
        code="R-GX05-CONTACT",
        name="在办公场所或工作时间以外接触当事人、律师且无审批",
        kind="key_node",
        risk_codes=("GX05", "CT-PRC-02"),
        params={
            "events": [
                {"type": "CONTACT", "where": [{"field": "in_office", "value": False}, _CONTACT_NO_APPROVAL]},
                {"type": "CONTACT", "where": [{"field": "in_hours", "value": False}, _CONTACT_NO_APPROVAL]},
            ],
            "lines": [],
        },
        level="WARNING",
        recipients=("DEPT_HEAD", "INSPECTION"),
        description="“三个规定”及司法人员与当事人、律师接触交往的规定：不得在工作场所、工作时间以外接触当事人及其"
        "律师；确因办案需要的，应事先经审批并记录。",
    ),
    RuleSpec(
        code="R-CT-PRC-01",
        name="在工作场所、工作时间以外与当事人、律师接触（应记录报告）",
        kind="key_node",
        risk_codes=("CT-PRC-01", "RC-05"),
        params={
            "events": [
                {"type": "CONTACT", "where": [{"field": "in_office", "value": False}]},
                {"type": "CONTACT", "where": [{"field": "in_hours", "value": False}]},
            ],
            "lines": [],
        },
        level="NOTICE",
        recipients=("INSPECTION", "DISCIPLINE"),
        description="经审批的工作外接触同样属于应当记录报告的情形（DOMAIN_RULES.md §2.3 RC-05），"
        "提示督察、纪检部门核对是否已记录。",
    ),
    node(
        "GX10",
        "敏感案件或越级、进京信访",
        "",
        on("SENSITIVE"),
        {"type": "COMPLAINT", "where": [{"field": "escalation", "op": "not_in", "value": ["NONE"]}]},
        recipients=_LEADERS,
    ),
    # 刑事 (第十二条)
    node("XS01", "通知公安机关立案或撤案", "CRIMINAL", decided("NOTIFY_FILE", "NOTIFY_DISMISS")),
    node(
        "XS02",
        "不批准逮捕、不起诉经复议复核后改变原决定",
        "CRIMINAL",
        {
            "type": "RECONSIDERATION_DECIDED",
            "where": [
                {"field": "changed", "value": True},
                {"field": "target", "op": "in", "value": ["NO_ARREST", "NON_PROSECUTE"]},
            ],
        },
        level="WARNING",
    ),
    node("XS08", "减刑、假释、暂予监外执行", "", on("EXECUTION_CHANGE"), level="WARNING"),
    node(
        "XS09",
        "在押人员脱逃或非正常死亡",
        "",
        on("DETAINEE_INCIDENT"),
        level="SUPERVISED",
        recipients=_LEADERS,
    ),
    node("XS11", "作出国家赔偿", "", on("STATE_COMPENSATION"), level="WARNING", recipients=_LEADERS),
    # 综合 (第十六条)
    node(
        "ZH01",
        "指定分案",
        "",
        on("ASSIGNED", method="DESIGNATED"),
        recipients=("DEPT_HEAD", "CASE_MANAGEMENT"),
    ),
    node(
        "ZH03",
        "涉案财物处置未经审批",
        "",
        on("PROPERTY_DISPOSED", approved=False),
        level="WARNING",
        recipients=("DEPT_HEAD", "CASE_MANAGEMENT"),
    ),
    # 民事 (第十三条)
    node("MS01", "依职权启动民事诉讼监督", "CIVIL", on("SUPERVISION_EX_OFFICIO")),
    node("MS02", "民事监督中调查核实", "CIVIL", on("INVESTIGATION")),
    node("MS05", "民事执行活动监督", "CIVIL", on("EXECUTION_SUPERVISION")),
    node("MS06", "撤回民事监督意见", "CIVIL", on("OPINION_WITHDRAWN")),
    node("MS07", "不支持下级院提请民事抗诉", "CIVIL", on("PROTEST_REQUEST_REJECTED")),
    node("MS08", "民事跟进监督", "CIVIL", on("FOLLOW_UP_SUPERVISION")),
    # 行政 (第十四条)
    node("XZ01", "依职权启动行政诉讼监督", "ADMINISTRATIVE", on("SUPERVISION_EX_OFFICIO")),
    node("XZ02", "行政监督中调查核实", "ADMINISTRATIVE", on("INVESTIGATION")),
    node("XZ03", "行政监督案件终结审查", "ADMINISTRATIVE", decided("TERMINATE_REVIEW")),
    node("XZ04", "不支持下级院提请行政抗诉", "ADMINISTRATIVE", on("PROTEST_REQUEST_REJECTED")),
    node("XZ05", "撤回行政监督意见", "ADMINISTRATIVE", on("OPINION_WITHDRAWN")),
    node(
        "XZ06",
        "法院认为监督行为违法提出书面建议",
        "ADMINISTRATIVE",
        on("COURT_WRITTEN_OBJECTION"),
        level="WARNING",
    ),
    node("XZ07", "被建议单位对检察建议提出异议", "ADMINISTRATIVE", on("RECOMMENDATION_OBJECTED")),
    node("XZ08", "行政非诉执行监督", "ADMINISTRATIVE", on("NON_LITIGATION_ENFORCEMENT")),
    node("XZ09", "行政检察中给予司法救助", "ADMINISTRATIVE", on("JUDICIAL_AID")),
    # 公益诉讼 (第十五条)
    node("GY02", "公益诉讼调查收集证据", "PUBLIC_INTEREST", on("INVESTIGATION")),
    node("GY03", "评估诉前检察建议落实效果", "PUBLIC_INTEREST", on("RECOMMENDATION_EFFECT_ASSESSED")),
    node("GY04", "公益诉讼案件终结审查", "PUBLIC_INTEREST", decided("TERMINATE_REVIEW")),
    node("GY05", "公益诉讼暂缓起诉", "PUBLIC_INTEREST", on("SUIT_DEFERRED")),
    node("GY06", "公益诉讼变更诉讼请求", "PUBLIC_INTEREST", on("CLAIM_CHANGED")),
    node("GY07", "公益诉讼案件调解", "PUBLIC_INTEREST", on("MEDIATION")),
    node("GY08", "公益诉讼撤回起诉或部分诉讼请求", "PUBLIC_INTEREST", on("SUIT_WITHDRAWN"), level="WARNING"),
    node("GY09", "指令下级院上诉或撤回上诉", "PUBLIC_INTEREST", on("APPEAL_DIRECTED")),
    node("GY10", "公益诉讼案件提出抗诉", "PUBLIC_INTEREST", decided("PROTEST")),
]
