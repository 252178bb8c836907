"""Standard rules of the peer-outlier kind: a prosecutor's rate far above the rest of the department.

- R-XS03-PEER: 捕后不诉、判无罪或免刑的比例 (《兰州市人民检察院司法办案廉政风险防控工作实施细则》
  第十二条第（三）项; DOMAIN_RULES.md §4.4 IND-04 捕后不诉率: the denominator is the arrested
  suspects whose prosecution review has been decided, not those arrested in the period).
- R-XS12-PEER: 认罪认罚案件不起诉的比例 (第十二条第（十二）项: 认罪认罚从宽案件的从宽处理; IND-03 不起诉率
  restricted to plea cases).

Both count the cases decided in the 12 months before "as of" and compare each prosecutor with the
other prosecutors of the handling department.
"""

from __future__ import annotations

from lianjian.risk.catalogue.spec import RuleSpec

RECIPIENTS = ("DEPT_HEAD", "LEADER")
DECIDED_IN_PROSECUTION_REVIEW = [
    {"field": "case_type", "value": "PROSECUTION_REVIEW"},
    {"field": "decision", "op": "not_empty"},
    {"field": "decision", "op": "not_in", "value": ["ARREST", "NO_ARREST"]},
]
OUTLIER_TEST = {"window_months": 12, "min_cases": 10, "min_peer_cases": 10, "factor": 2.0, "min_gap": 0.15}

RULES: list[RuleSpec] = [
    RuleSpec(
        code="R-XS03-PEER",
        name="捕后不诉、判无罪或免刑比例明显高于本部门",
        kind="peer_outlier",
        risk_codes=("XS03",),
        params={
            "denominator": {
                "where": DECIDED_IN_PROSECUTION_REVIEW,
                "stages": [
                    {
                        "where": [
                            {"field": "case_type", "value": "ARREST_REVIEW"},
                            {"field": "decision", "value": "ARREST"},
                        ]
                    }
                ],
            },
            "numerator": {
                "any_of": [
                    {"field": "decision", "value": "NON_PROSECUTE"},
                    {"field": "judgment_verdict", "op": "in", "value": ["ACQUITTED", "EXEMPTED"]},
                ]
            },
            "date_field": "decided_at",
            "label": "捕后不诉、判无罪或免刑比例",
            **OUTLIER_TEST,
        },
        level="NOTICE",
        recipients=RECIPIENTS,
        description=(
            "近 12 个月经批准逮捕、审查起诉已作决定的案件中，检察官作不起诉或法院判决无罪、免予刑事处罚的比例"
            "达到本部门其他检察官的 2 倍以上且高出 15 个百分点以上（本人不少于 10 件，其他检察官合计不少于 "
            "10 件）。"
        ),
    ),
    RuleSpec(
        code="R-XS12-PEER",
        name="认罪认罚案件不起诉比例明显高于本部门",
        kind="peer_outlier",
        risk_codes=("XS12",),
        params={
            "denominator": {"where": [*DECIDED_IN_PROSECUTION_REVIEW, {"field": "has_plea", "value": True}]},
            "numerator": {"where": [{"field": "decision", "value": "NON_PROSECUTE"}]},
            "date_field": "decided_at",
            "label": "认罪认罚案件不起诉比例",
            **OUTLIER_TEST,
        },
        level="NOTICE",
        recipients=RECIPIENTS,
        description=(
            "近 12 个月审查起诉已作决定的认罪认罚案件中，检察官决定不起诉的比例达到本部门其他检察官的 "
            "2 倍以上且高出 15 个百分点以上（本人不少于 10 件，其他检察官合计不少于 10 件）。"
        ),
    ),
]
