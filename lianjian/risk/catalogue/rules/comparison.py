"""Standard rules of the comparison kind: points that values disagreeing on a case reveal.

DATA_CONTRACT.md §3 names the comparisons; the points are those of seed 000 第十一条 (共性),
第十二条 (刑事) and 第十五条 (公益诉讼).
"""

from __future__ import annotations

from lianjian.risk.catalogue.spec import RuleSpec

# XS12: the charges watched for lenient non-prosecution of plea cases. ``contains`` so that the
# official charge name (故意伤害罪) and a short form (故意伤害) both match.
LENIENCY_WATCHED = ["故意伤害", "危险驾驶", "交通肇事"]
_QUALITY = ("HANDLER", "DEPT_HEAD", "CASE_MANAGEMENT")

RULES: list[RuleSpec] = [
    # 共性 (第十一条)
    RuleSpec(
        code="R-GX02",
        name="部门负责人、检察长或检委会决定与承办检察官意见不一致",
        kind="comparison",
        risk_codes=("GX02",),
        params={"compare": {"check": "decision_vs_proposal"}, "lines": []},
        level="WARNING",
        recipients=("HANDLER", "CASE_MANAGEMENT", "INSPECTION"),
        description="检察官提出处理意见后，部门负责人、副检察长、检察长或检察委员会作出与其不同的决定（含不起诉"
        "类别不同）。依司法责任制，改变检察官意见应有书面理由并在案卷中记录，需核查改变的理由与程序，"
        "防范不当干预。",
    ),
    # 刑事 (第十二条)
    RuleSpec(
        code="R-XS04-DEVIATION",
        name="法院判处刑期明显偏离量刑建议",
        kind="comparison",
        risk_codes=("XS04",),
        params={
            "compare": {"check": "sentence_deviation", "ratio": 0.25, "months": 2, "direction": "both"},
            "where": [{"field": "judgment_verdict", "value": "GUILTY"}],
            "lines": ["CRIMINAL"],
        },
        level="WARNING",
        recipients=_QUALITY,
        description="有罪判决的刑期与起诉时的量刑建议相差超过建议刑期的 25%，且超过 2 个月。"
        "认罪认罚案件法院一般应当采纳量刑建议（《刑事诉讼法》第二百零一条），明显偏离提示量刑建议或审判监督的问题。",
    ),
    RuleSpec(
        code="R-XS05-CAUSE",
        name="审结案由与移送案由不一致",
        kind="comparison",
        risk_codes=("XS05",),
        params={
            "compare": {"check": "fields_differ", "left": "cause", "right": "transferred_cause"},
            "lines": ["CRIMINAL"],
            "at": "decided_at",
            "current_stage": True,
            "evidence_events": ["RECEIVED", "CORRECTED", "DECIDED"],
        },
        level="WARNING",
        recipients=_QUALITY,
        description="本阶段作出决定时的案由与侦查机关移送的案由不一致（改变定性），需核查改变罪名的事实与证据依据。"
        "受理时误录、经案件管理部门更正的案由以更正后为准。",
    ),
    RuleSpec(
        code="R-XS05-CHARGES",
        name="判决认定罪名与起诉罪名不一致",
        kind="comparison",
        risk_codes=("XS05",),
        params={
            "compare": {"check": "list_differs", "items": "judgment_charges", "value": "cause"},
            "lines": ["CRIMINAL"],
            "evidence_events": ["RECEIVED", "CORRECTED", "DECIDED", "JUDGMENT"],
        },
        level="WARNING",
        recipients=_QUALITY,
        description="法院判决认定的罪名与检察机关起诉的罪名不一致，提示指控罪名的把握，需核查是否应当抗诉。",
    ),
    RuleSpec(
        code="R-XS12",
        name="认罪认罚的故意伤害、危险驾驶、交通肇事案件作不起诉",
        kind="comparison",
        risk_codes=("XS12",),
        params={
            "where": [
                {"field": "has_plea", "value": True},
                {"field": "cause", "op": "contains", "value": LENIENCY_WATCHED},
                {"field": "decision", "value": "NON_PROSECUTE"},
            ],
            "lines": ["CRIMINAL"],
            "at": "decided_at",
            "evidence_events": ["RECEIVED", "CORRECTED", "PROPOSED", "DECIDED"],
        },
        level="WARNING",
        recipients=_QUALITY,
        description="犯罪嫌疑人认罪认罚（《刑事诉讼法》第十五条）的故意伤害、危险驾驶、交通肇事案件作不起诉决定"
        "（第一百七十七条第二款），属从宽处理权力集中的环节，需核查不起诉条件、被害人意见与审批。",
    ),
    # 公益诉讼 (第十五条)
    RuleSpec(
        code="R-GY01",
        name="公益诉讼线索评估后未立案即办结",
        kind="comparison",
        risk_codes=("GY01",),
        params={
            "where": [{"field": "case_type", "value": "PIL_CLUE"}],
            "lines": ["PUBLIC_INTEREST"],
            "at": "closed_at",
            "evidence_events": ["RECEIVED", "JURISDICTION_CHANGED", "CLOSED"],
        },
        level="NOTICE",
        description="公益诉讼案件线索受理后未立案即办结（线索评估后不予立案），需核查线索评估的理由。不属本院管辖、"
        "移送有管辖权的检察院并由其受理立案的线索不在此列。",
    ),
]
