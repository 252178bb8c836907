"""Standard rules of the time-limit kind (GX08 超期/临期, GX04 告知诉讼权利), DOMAIN_RULES.md §1."""

from __future__ import annotations

from lianjian.risk.catalogue.spec import RuleSpec

_WATCH = ("HANDLER", "DEPT_HEAD", "CASE_MANAGEMENT")


def _is(field: str, value: object) -> dict[str, object]:
    """A condition: the data field equals ``value``."""
    return {"field": field, "value": value}


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
    RuleSpec(
        code="R-GX08-RECONSIDERATION",
        name="复议、复核、复查超期",
        kind="time_limit",
        risk_codes=("GX08",),
        params={
            "mode": "events",
            "start": {"type": "RECONSIDERATION_REQUESTED"},
            "end": [{"type": "RECONSIDERATION_DECIDED"}],
            "limits": [
                {
                    "code": "TL-CR-ARR-09",
                    "start_where": [_is("kind", "RECONSIDER"), _is("target", "NO_ARREST")],
                },
                {"code": "TL-CR-ARR-10", "start_where": [_is("kind", "REVIEW"), _is("target", "NO_ARREST")]},
                {
                    "code": "TL-CR-NP-04",
                    "start_where": [_is("kind", "RECONSIDER"), _is("target", "NON_PROSECUTE")],
                },
                {
                    "code": "TL-CR-NP-06",
                    "start_where": [_is("kind", "REVIEW"), _is("target", "NON_PROSECUTE")],
                },
                {"code": "TL-CR-NP-03", "start_where": [_is("kind", "REEXAMINE")]},
            ],
            "in_custody": False,
            "warning_days": 2,
        },
        level="WARNING",
        recipients=_WATCH,
        description="公安机关要求复议不批准逮捕的 7 日内、提请复核的 15 日内作出决定"
        "（《人民检察院刑事诉讼规则》第二百九十条、第二百九十一条）；"
        "不起诉的复议、复核 30 日内，复查 3 个月内（可延长至 6 个月）。",
    ),
    RuleSpec(
        code="R-GX08-CUSTODY",
        name="取保候审、监视居住超过最长期限",
        kind="time_limit",
        risk_codes=("GX08",),
        params={
            "mode": "events",
            "start": {
                "type": "CUSTODY_CHANGED",
                "where": [{"field": "to", "op": "in", "value": ["BAIL", "RESIDENCE"]}],
            },
            "end": [
                {"type": "CUSTODY_CHANGED"},
                {"type": "ABSCONDED"},
                {"type": "JUDGMENT"},
                {"type": "CLOSED"},
                {
                    "type": "DECIDED",
                    "where": [{"field": "decision", "op": "in", "value": ["PROSECUTE", "NON_PROSECUTE"]}],
                },
            ],
            "limits": [
                {"code": "TL-CR-CM-01", "start_where": [_is("to", "BAIL")]},
                {"code": "TL-CR-CM-02", "start_where": [_is("to", "RESIDENCE")]},
            ],
            "in_custody": False,
            "warning_days": 15,
        },
        level="WARNING",
        recipients=_WATCH,
        description="取保候审最长不得超过十二个月，监视居住最长不得超过六个月（《刑事诉讼法》第七十九条）；"
        "变更强制措施、提起公诉或不起诉、判决、办结或脱逃时止。",
    ),
    RuleSpec(
        code="R-GX08-INVESTIGATION",
        name="逮捕后侦查羁押超期",
        kind="time_limit",
        risk_codes=("GX08",),
        params={
            "mode": "events",
            "start": {"type": "DECIDED", "where": [_is("decision", "ARREST")]},
            "end": [
                {"type": "RECEIVED", "where": [_is("case_type", "PROSECUTION_REVIEW")]},
                {"type": "CUSTODY_CHANGED"},
                {"type": "CLOSED"},
            ],
            "limits": [{"code": "TL-CR-INV-01"}],
            "extension": {"type": "EXTENDED", "where": [_is("stage", "INVESTIGATION")]},
            "extension_cap_months": 5,
            "in_custody": True,
            "warning_days": 7,
        },
        level="WARNING",
        recipients=_WATCH,
        description="逮捕后的侦查羁押期限不得超过二个月；经批准可延长一个月、二个月、二个月（《刑事诉讼法》"
        "第一百五十六条、第一百五十八条、第一百五十九条），合计不超过五个月。在押的不因节假日顺延。",
    ),
    RuleSpec(
        code="R-GY03-REPLY",
        name="行政机关逾期未回复诉前检察建议",
        kind="time_limit",
        risk_codes=("GY03",),
        params={
            "mode": "events",
            "lines": ["PUBLIC_INTEREST"],
            "start": {"type": "RECOMMENDATION_ISSUED"},
            "end": [{"type": "RECOMMENDATION_REPLIED"}, {"type": "RECOMMENDATION_OBJECTED"}],
            "limits": [
                {"code": "TL-PI-04", "urgent": True, "start_where": [_is("urgent", True)]},
                {"code": "TL-PI-04"},
            ],
            "in_custody": False,
            "warning_days": 0,
        },
        level="NOTICE",
        recipients=("HANDLER", "DEPT_HEAD"),
        description="行政机关应当在收到诉前检察建议书之日起两个月内依法履职并书面回复，紧急情形十五日内"
        "（两高《关于检察公益诉讼案件适用法律若干问题的解释》第二十一条第二款；《人民检察院公益诉讼办案规则》"
        "第七十五条）；逾期未回复的，应跟进评估落实效果并依法提起诉讼。",
    ),
]
