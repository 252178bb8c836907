"""Standard rules of the conflict kind: conflicts of interest with a case's lawyers (GX07).

DATA_CONTRACT.md §3: the handling prosecutor related to a lawyer on the case, or the lawyer a
former staff member of the unit (or within two years of leaving any procuratorate), and no
granted recusal. One rule per check, so that each can be tuned, switched off or routed alone.
"""

from __future__ import annotations

from lianjian.risk.catalogue.spec import RuleSpec

_RECIPIENTS = ("DEPT_HEAD", "LEADER", "INSPECTION")

RULES: list[RuleSpec] = [
    RuleSpec(
        code="R-GX07-RELATION",
        name="承办检察官与本案律师有特殊关系未回避",
        kind="conflict",
        risk_codes=("GX07",),
        params={"checks": ["RELATION"], "relation_kinds": [], "lines": []},
        level="WARNING",
        recipients=_RECIPIENTS,
        description="承办检察官在特殊关系人登记中与本案委托的律师有登记关系（近亲属、同学、原同事等），"
        "而本案没有准许该检察官回避的决定。依据《刑事诉讼法》第二十九条第（四）项、"
        "《人民检察院刑事诉讼规则》第二十四条：与本案当事人有其他关系、可能影响公正处理案件的，"
        "应当自行回避；没有自行提出回避的，人民检察院应当决定其回避。",
    ),
    RuleSpec(
        code="R-GX07-FORMER-STAFF",
        name="离任检察人员违规担任本案律师",
        kind="conflict",
        risk_codes=("GX07",),
        params={"checks": ["FORMER_STAFF"], "years_after_leaving": 2, "lines": []},
        level="WARNING",
        recipients=_RECIPIENTS,
        description="本案委托的律师曾在本院任职，或者离开检察机关未满两年（至离任之日的两年后对应日止）。"
        "依据《检察官法》第三十七条：检察官从人民检察院离任后两年内，不得以律师身份担任诉讼代理人或者"
        "辩护人；离任后不得担任原任职检察院办理案件的诉讼代理人或者辩护人（作为当事人的监护人或者近亲属"
        "的除外）。",
    ),
]
