"""Standard rule of the authority kind: a decision beyond the power list (GX03).

DATA_CONTRACT.md §3: a ``DECIDED`` by someone whose position may not take that decision under the
unit's power list (检察官权力清单). 《人民检察院组织法》第二十九条、《检察官法》第九条、
《人民检察院刑事诉讼规则》第四条.
"""

from __future__ import annotations

from lianjian.risk.catalogue.spec import RuleSpec

RULES: list[RuleSpec] = [
    RuleSpec(
        code="R-GX03",
        name="超越权力清单作出决定",
        kind="authority",
        risk_codes=("GX03",),
        params={"lines": [], "decisions": [], "exempt_levels": []},
        level="WARNING",
        recipients=("DEPT_HEAD", "LEADER", "CASE_MANAGEMENT"),
        description="作出决定的人员在决定之日的职务（依岗位变动记录），不在其所在院当日有效的权力清单"
        "（本院未规定的，适用最近上级院的清单；同一院中对某类不起诉的专门规定优先）允许的职务之列。"
        "依据《人民检察院组织法》第二十九条、《检察官法》第九条和《人民检察院刑事诉讼规则》第四条："
        "检察官在检察长领导下、在授权范围内作出决定，重大办案事项由检察长或检察委员会决定。"
        "权力清单对该决定没有任何规定的，不作预警。",
    ),
]
