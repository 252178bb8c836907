"""Standard rules of the time-limit kind (GX08 超期/临期, GX04 告知诉讼权利), DOMAIN_RULES.md §1."""

from __future__ import annotations

from lianjian.risk.catalogue.spec import RuleSpec

_WATCH = ("HANDLER", "DEPT_HEAD", "CASE_MANAGEMENT")

RULES: list[RuleSpec] = [
    RuleSpec(
        code="R-GX08-ARREST",
        name="审查逮捕超期或临期",
        kind="time_limit",
        risk_codes=("GX08",),
        params={
            "mode": "stage",
            "case_types": ["ARREST_REVIEW"],
            "limits": [
                {"code": "TL-CR-ARR-01", "when": {"detained": True}},
                {"code": "TL-CR-ARR-02", "when": {"detained": False}},
            ],
            "warning_days": 2,
        },
        level="WARNING",
        recipients=_WATCH,
        description="已被拘留的犯罪嫌疑人 7 日内、未被拘留的 15 日内（重大复杂不超过 20 日）"
        "作出是否批准逮捕的决定"
        "（《刑事诉讼法》第九十一条第三款；《人民检察院刑事诉讼规则》第二百八十二条）。在押的不因节假日顺延。",
    ),
    RuleSpec(
        code="R-GX08-PROSECUTION",
        name="审查起诉超期或临期",
        kind="time_limit",
        risk_codes=("GX08",),
        params={
            "mode": "stage",
            "case_types": ["PROSECUTION_REVIEW"],
            "limits": [
                {"code": "TL-CR-PRO-02", "when": {"fast_track": True}},
                {"code": "TL-CR-PRO-01", "when": {}},
            ],
            "warning_days": 5,
            "restart_on_resubmission": True,
        },
        level="WARNING",
        recipients=_WATCH,
        description="审查起诉一个月内作出决定，重大复杂的可延长十五日；速裁案件十日（可能判处一年以上有期徒刑的十五日）；"
        "退回补充侦查后重新移送的，重新计算审查起诉期限；鉴定期间不计入（《刑事诉讼法》第一百七十二条、第一百七十五条、"
        "第一百四十九条）。",
    ),
    RuleSpec(
        code="R-GX08-CIVIL",
        name="民事诉讼监督案件审查超期或临期",
        kind="time_limit",
        risk_codes=("GX08",),
        params={
            "mode": "stage",
            "case_types": ["CIVIL_SUPERVISION"],
            "limits": [{"code": "TL-CV-05"}],
            "warning_days": 10,
        },
        level="WARNING",
        recipients=_WATCH,
        description="民事诉讼监督案件自受理之日起三个月内审查终结（《人民检察院民事诉讼监督规则》第五十二条）。",
    ),
    RuleSpec(
        code="R-GX08-ADMIN",
        name="行政诉讼监督案件审查超期或临期",
        kind="time_limit",
        risk_codes=("GX08",),
        params={
            "mode": "stage",
            "case_types": ["ADMIN_SUPERVISION"],
            "limits": [{"code": "TL-AD-05"}],
            "warning_days": 10,
        },
        level="WARNING",
        recipients=_WATCH,
        description="行政诉讼监督案件自受理之日起三个月内审查终结，经批准可以延长（《人民检察院行政诉讼监督规则》第五十六条）。",
    ),
    RuleSpec(
        code="R-GX04",
        name="受理审查起诉后未在 3 日内告知犯罪嫌疑人诉讼权利",
        kind="time_limit",
        risk_codes=("GX04",),
        params={
            "mode": "events",
            "limits": [{"code": "TL-CR-PRO-10"}],
            "start": {"type": "RECEIVED", "where": [{"field": "case_type", "value": "PROSECUTION_REVIEW"}]},
            "end": [{"type": "RIGHTS_NOTIFIED", "where": [{"field": "whom", "value": "SUSPECT"}]}],
            "warning_days": 0,
        },
        level="WARNING",
        recipients=_WATCH,
        description="人民检察院自收到移送起诉的案卷材料之日起三日以内，应当告知犯罪嫌疑人有权委托辩护人"
        "（《刑事诉讼法》第三十四条第二款；《人民检察院刑事诉讼规则》第四十条）。",
    ),
]
