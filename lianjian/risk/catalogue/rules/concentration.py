"""Standard rules of the concentration kind: GX06, the same lawyer or firm on one prosecutor's cases.

《兰州市人民检察院司法办案廉政风险防控工作实施细则》第十一条第（六）项: 同一检察官办理的案件长期由
同一名律师或者同一个律师事务所代理. Two rules: the same lawyer, and the same firm through two or more
of its lawyers (one lawyer alone is the first rule's finding, not raised twice).
"""

from __future__ import annotations

from lianjian.risk.catalogue.spec import RuleSpec

RECIPIENTS = ("DEPT_HEAD", "CASE_MANAGEMENT", "INSPECTION")

RULES: list[RuleSpec] = [
    RuleSpec(
        code="R-GX06-LAWYER",
        name="同一律师集中代理同一检察官案件",
        kind="concentration",
        risk_codes=("GX06",),
        params={"by": "lawyer", "min_cases": 5, "min_share": 0.30, "window_months": 12},
        level="WARNING",
        recipients=RECIPIENTS,
        description=(
            "同一名律师在任意连续 12 个月内代理同一检察官承办的案件达 5 件以上，且占该检察官同期承办案件的 "
            "30% 以上（以分案时间计，窗口截至每一次该律师代理的案件）。"
        ),
    ),
    RuleSpec(
        code="R-GX06-FIRM",
        name="同一律师事务所集中代理同一检察官案件",
        kind="concentration",
        risk_codes=("GX06",),
        params={"by": "firm", "min_cases": 5, "min_share": 0.30, "window_months": 12, "min_lawyers": 2},
        level="WARNING",
        recipients=RECIPIENTS,
        description=(
            "同一律师事务所的两名以上律师在任意连续 12 个月内代理同一检察官承办的案件合计达 5 件以上，"
            "且占该检察官同期承办案件的 30% 以上（只由一名律师代理的，由“同一律师集中代理”规则提示，"
            "不重复提示）。"
        ),
    ),
]
