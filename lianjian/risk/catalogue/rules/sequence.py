"""Standard rules of the sequence kind: points that one event followed by another reveals.

DATA_CONTRACT.md §3 names the sequences; the points are those of seed 000 第十二条 (刑事) and
第十三条 (民事).
"""

from __future__ import annotations

from typing import Any

from lianjian.risk.catalogue.spec import RuleSpec


def decided(*decisions: str) -> dict[str, Any]:
    """A ``DECIDED`` with one of ``decisions``."""
    return {"type": "DECIDED", "where": [{"field": "decision", "op": "in", "value": list(decisions)}]}


def on(event_type: str, **equals: Any) -> dict[str, Any]:
    """An event match: ``type`` with each data field equal to the value given."""
    return {"type": event_type, "where": [{"field": f, "value": v} for f, v in equals.items()]}


ACQUITTED_OR_EXEMPTED = {
    "type": "JUDGMENT",
    "where": [{"field": "verdict", "op": "in", "value": ["ACQUITTED", "EXEMPTED"]}],
}
_QUALITY = ("HANDLER", "DEPT_HEAD", "CASE_MANAGEMENT")

RULES: list[RuleSpec] = [
    # 刑事 (第十二条)
    RuleSpec(
        code="R-XS03",
        name="批准逮捕后不起诉或判决无罪、免予刑事处罚",
        kind="sequence",
        risk_codes=("XS03",),
        params={
            "first": [decided("ARREST")],
            "then": [decided("NON_PROSECUTE"), ACQUITTED_OR_EXEMPTED],
            "lines": ["CRIMINAL"],
        },
        level="WARNING",
        recipients=_QUALITY,
        description="批准逮捕后又作不起诉决定，或法院判决无罪、免予刑事处罚（捕后不诉、捕后判无），提示逮捕"
        "条件把握（《刑事诉讼法》第八十一条）；此类情形可能引起国家赔偿（《国家赔偿法》第二十一条）。",
    ),
    RuleSpec(
        code="R-XS04-WITHDRAW",
        name="提起公诉后撤回起诉、变更起诉或判决无罪、免予刑事处罚",
        kind="sequence",
        risk_codes=("XS04",),
        params={
            "first": [decided("PROSECUTE")],
            "then": [decided("WITHDRAW_PROSECUTION", "CHANGE_PROSECUTION"), ACQUITTED_OR_EXEMPTED],
            "lines": ["CRIMINAL"],
        },
        level="WARNING",
        recipients=_QUALITY,
        description="决定起诉后又撤回起诉或变更起诉，或法院判决无罪、免予刑事处罚，提示起诉标准与证据审查的"
        "把握，需核查撤回、变更的理由及审批。",
    ),
    RuleSpec(
        code="R-XS06",
        name="变更为非羁押强制措施后犯罪嫌疑人脱逃或下落不明",
        kind="sequence",
        risk_codes=("XS06",),
        params={
            "first": [
                {
                    "type": "CUSTODY_CHANGED",
                    "where": [{"field": "to", "op": "in", "value": ["BAIL", "RESIDENCE", "RELEASED"]}],
                }
            ],
            "then": [on("ABSCONDED")],
            "lines": ["CRIMINAL"],
        },
        level="NOTICE",
        recipients=_QUALITY,
        description="羁押必要性审查后变更为取保候审、监视居住或释放，其后犯罪嫌疑人脱逃、下落不明致诉讼中止，"
        "需核查变更强制措施的理由与审批（《刑事诉讼法》第六十七条、第七十一条）。",
    ),
    RuleSpec(
        code="R-XS10",
        name="申诉、信访未受理后越级或进京上访",
        kind="sequence",
        risk_codes=("XS10",),
        params={
            "first": [on("COMPLAINT", accepted=False)],
            "then": [
                {
                    "type": "COMPLAINT",
                    "where": [{"field": "escalation", "op": "in", "value": ["SKIP_LEVEL", "CAPITAL"]}],
                }
            ],
            "lines": [],
        },
        level="NOTICE",
        recipients=("HANDLER", "DEPT_HEAD", "LEADER"),
        description="此前的申诉、信访未予受理，其后当事人越级或进京上访，需核查不予受理是否有据、答复是否到位。",
    ),
    # 民事 (第十三条)
    RuleSpec(
        code="R-MS03",
        name="以新证据为由申请监督，不支持监督申请或终结审查",
        kind="sequence",
        risk_codes=("MS03",),
        params={
            "first": [on("RECEIVED", grounds="NEW_EVIDENCE")],
            "then": [decided("REJECT_SUPERVISION", "TERMINATE_REVIEW")],
            "lines": ["CIVIL"],
        },
        level="NOTICE",
        description="当事人以有新的证据足以推翻原判决、裁定为由申请监督（《民事诉讼法》第二百一十一条第一项），"
        "检察机关作出不支持监督申请或终结审查决定，需核查对新证据的审查意见。",
    ),
    RuleSpec(
        code="R-MS04",
        name="民事监督案件当事人和解后终结审查",
        kind="sequence",
        risk_codes=("MS04",),
        params={
            "first": [on("MEDIATION")],
            "then": [decided("TERMINATE_REVIEW")],
            "lines": ["CIVIL"],
        },
        level="NOTICE",
        description="民事诉讼监督案件中当事人调解、和解，其后以此终结审查，需核查和解的自愿性、合法性以及是否"
        "损害国家利益、社会公共利益或他人合法权益。",
    ),
]
