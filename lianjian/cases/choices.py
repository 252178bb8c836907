"""Enumerations of cases; values are the codes of DATA_CONTRACT.md §2.

Decision codes and kinds of non-prosecution are the organisation's (the power list speaks of
the same decisions); they are re-exported here so that case code has one place to look.
"""

from django.db import models

from lianjian.org.choices import Decision, NonProsecutionKind

__all__ = [
    "AppealDirectedKind",
    "AssignMethod",
    "CaseLine",
    "CaseType",
    "ComplaintEscalation",
    "CustodyMeasure",
    "Decision",
    "DecisionLevel",
    "DetaineeIncidentKind",
    "DirectiveKind",
    "EventType",
    "ExecutionChangeKind",
    "InvestigationTarget",
    "LawyerRole",
    "NonProsecutionKind",
    "ReconsiderationKind",
    "RightsWhom",
    "SensitiveKind",
    "SuitWithdrawnKind",
    "Verdict",
]


class EventType(models.TextChoices):
    """Every event type of DATA_CONTRACT.md §2. Other types are stored too, flagged unknown."""

    RECEIVED = "RECEIVED", "受理"
    ASSIGNED = "ASSIGNED", "分案"
    LAWYER_ENGAGED = "LAWYER_ENGAGED", "委托律师"
    LAWYER_WITHDRAWN = "LAWYER_WITHDRAWN", "解除委托"
    RIGHTS_NOTIFIED = "RIGHTS_NOTIFIED", "告知诉讼权利"
    PROPOSED = "PROPOSED", "承办人意见"
    DECIDED = "DECIDED", "作出决定"
    EXTENDED = "EXTENDED", "延长期限"
    RETURNED = "RETURNED", "退回补充侦查"
    RESUBMITTED = "RESUBMITTED", "重新移送"
    SUSPENDED = "SUSPENDED", "期间中止"
    RESUMED = "RESUMED", "期间恢复"
    JURISDICTION_CHANGED = "JURISDICTION_CHANGED", "改变管辖"
    RECONSIDERATION_REQUESTED = "RECONSIDERATION_REQUESTED", "申请复议/复核/复查"
    RECONSIDERATION_DECIDED = "RECONSIDERATION_DECIDED", "复议/复核/复查决定"
    CUSTODY_CHANGED = "CUSTODY_CHANGED", "变更强制措施"
    ABSCONDED = "ABSCONDED", "脱逃/下落不明"
    JUDGMENT = "JUDGMENT", "法院判决"
    COMPLAINT = "COMPLAINT", "信访/申诉"
    STATE_COMPENSATION = "STATE_COMPENSATION", "国家赔偿"
    DETAINEE_INCIDENT = "DETAINEE_INCIDENT", "在押人员事故"
    EXECUTION_CHANGE = "EXECUTION_CHANGE", "减刑/假释/暂予监外执行"
    RECUSAL_APPLIED = "RECUSAL_APPLIED", "申请回避"
    RECUSAL_DECIDED = "RECUSAL_DECIDED", "回避决定"
    SUPERIOR_DIRECTIVE = "SUPERIOR_DIRECTIVE", "上级院指令"
    SENSITIVE = "SENSITIVE", "敏感案件标记"
    CONTACT = "CONTACT", "接触当事人/律师"
    PROPERTY_SEIZED = "PROPERTY_SEIZED", "查封扣押涉案财物"
    PROPERTY_DISPOSED = "PROPERTY_DISPOSED", "处置涉案财物"
    INVESTIGATION = "INVESTIGATION", "调查核实"
    SUPERVISION_EX_OFFICIO = "SUPERVISION_EX_OFFICIO", "依职权监督"
    OPINION_WITHDRAWN = "OPINION_WITHDRAWN", "撤回监督意见"
    PROTEST_REQUEST_REJECTED = "PROTEST_REQUEST_REJECTED", "不支持下级院提请抗诉"
    FOLLOW_UP_SUPERVISION = "FOLLOW_UP_SUPERVISION", "跟进监督"
    EXECUTION_SUPERVISION = "EXECUTION_SUPERVISION", "执行活动监督"
    NON_LITIGATION_ENFORCEMENT = "NON_LITIGATION_ENFORCEMENT", "行政非诉执行监督"
    COURT_WRITTEN_OBJECTION = "COURT_WRITTEN_OBJECTION", "法院认为监督违法的书面建议"
    RECOMMENDATION_ISSUED = "RECOMMENDATION_ISSUED", "制发检察建议"
    RECOMMENDATION_REPLIED = "RECOMMENDATION_REPLIED", "检察建议回复"
    RECOMMENDATION_OBJECTED = "RECOMMENDATION_OBJECTED", "检察建议异议"
    RECOMMENDATION_EFFECT_ASSESSED = "RECOMMENDATION_EFFECT_ASSESSED", "诉前检察建议落实效果评估"
    JUDICIAL_AID = "JUDICIAL_AID", "司法救助"
    SUIT_DEFERRED = "SUIT_DEFERRED", "暂缓起诉"
    CLAIM_CHANGED = "CLAIM_CHANGED", "变更诉讼请求"
    MEDIATION = "MEDIATION", "调解"
    SUIT_WITHDRAWN = "SUIT_WITHDRAWN", "撤回起诉/诉请/支持起诉"
    APPEAL_DIRECTED = "APPEAL_DIRECTED", "指令上诉/撤回上诉"
    CLOSED = "CLOSED", "审结/办结"
    CORRECTED = "CORRECTED", "更正"


class CaseLine(models.TextChoices):
    """The four lines of procuratorial work (四大检察), and other."""

    CRIMINAL = "CRIMINAL", "刑事检察"
    CIVIL = "CIVIL", "民事检察"
    ADMINISTRATIVE = "ADMINISTRATIVE", "行政检察"
    PUBLIC_INTEREST = "PUBLIC_INTEREST", "公益诉讼检察"
    OTHER = "OTHER", "其他"


class CaseType(models.TextChoices):
    """Case types the contract names. The list is open ("…"): other codes are accepted as text."""

    ARREST_REVIEW = "ARREST_REVIEW", "审查逮捕"
    PROSECUTION_REVIEW = "PROSECUTION_REVIEW", "审查起诉"
    CIVIL_SUPERVISION = "CIVIL_SUPERVISION", "民事诉讼监督"
    ADMIN_SUPERVISION = "ADMIN_SUPERVISION", "行政诉讼监督"
    PIL_CLUE = "PIL_CLUE", "公益诉讼线索"


class DecisionLevel(models.TextChoices):
    """Who took a decision: the prosecutor, or a level above (DATA_CONTRACT.md §2)."""

    PROSECUTOR = "PROSECUTOR", "检察官"
    DEPT_HEAD = "DEPT_HEAD", "部门负责人"
    DEPUTY_CHIEF = "DEPUTY_CHIEF", "副检察长"
    CHIEF = "CHIEF", "检察长"
    COMMITTEE = "COMMITTEE", "检察委员会"


class CustodyMeasure(models.TextChoices):
    """Compulsory measures (强制措施); DETENTION and ARREST keep the suspect in custody."""

    DETENTION = "DETENTION", "拘留"
    ARREST = "ARREST", "逮捕"
    BAIL = "BAIL", "取保候审"
    RESIDENCE = "RESIDENCE", "监视居住"
    RELEASED = "RELEASED", "释放"


CUSTODIAL_MEASURES = frozenset({CustodyMeasure.DETENTION.value, CustodyMeasure.ARREST.value})


class AssignMethod(models.TextChoices):
    RANDOM = "RANDOM", "随机分案"
    DESIGNATED = "DESIGNATED", "指定分案"


class LawyerRole(models.TextChoices):
    DEFENDER = "DEFENDER", "辩护人"
    AGENT = "AGENT", "诉讼代理人"


class RightsWhom(models.TextChoices):
    SUSPECT = "SUSPECT", "犯罪嫌疑人"
    VICTIM = "VICTIM", "被害人"


class ReconsiderationKind(models.TextChoices):
    RECONSIDER = "RECONSIDER", "复议"
    REVIEW = "REVIEW", "复核"
    REEXAMINE = "REEXAMINE", "复查"


class Verdict(models.TextChoices):
    GUILTY = "GUILTY", "有罪"
    ACQUITTED = "ACQUITTED", "无罪"
    EXEMPTED = "EXEMPTED", "免予刑事处罚"


class ComplaintEscalation(models.TextChoices):
    NONE = "NONE", "无"
    SKIP_LEVEL = "SKIP_LEVEL", "越级"
    CAPITAL = "CAPITAL", "进京"


class DetaineeIncidentKind(models.TextChoices):
    ESCAPE = "ESCAPE", "脱逃"
    ABNORMAL_DEATH = "ABNORMAL_DEATH", "非正常死亡"


class ExecutionChangeKind(models.TextChoices):
    COMMUTATION = "COMMUTATION", "减刑"
    PAROLE = "PAROLE", "假释"
    TEMPORARY_OUTSIDE = "TEMPORARY_OUTSIDE", "暂予监外执行"


class DirectiveKind(models.TextChoices):
    CORRECT = "CORRECT", "纠正"
    REVOKE = "REVOKE", "撤销"
    CHANGE = "CHANGE", "变更"
    DESIGNATE_JURISDICTION = "DESIGNATE_JURISDICTION", "指定管辖"


class SensitiveKind(models.TextChoices):
    PETITION_RISK = "PETITION_RISK", "涉访风险"
    PUBLIC_OPINION = "PUBLIC_OPINION", "舆情"


class InvestigationTarget(models.TextChoices):
    PARTY = "PARTY", "当事人"
    OUTSIDER = "OUTSIDER", "案外人"


class SuitWithdrawnKind(models.TextChoices):
    FULL = "FULL", "撤回起诉"
    PARTIAL = "PARTIAL", "撤回部分诉请"
    SUPPORT = "SUPPORT", "撤回支持起诉"


class AppealDirectedKind(models.TextChoices):
    APPEAL = "APPEAL", "指令上诉"
    WITHDRAW = "WITHDRAW", "指令撤回上诉"
