"""Enumerations of the organisation domain; values are the codes of DATA_CONTRACT.md §1."""

from django.db import models


class UnitLevel(models.TextChoices):
    SPP = "SPP", "最高人民检察院"
    PROVINCE = "PROVINCE", "省级院"
    CITY = "CITY", "市级院"
    COUNTY = "COUNTY", "基层院"


class DepartmentKind(models.TextChoices):
    CRIMINAL = "CRIMINAL", "刑事检察"
    CIVIL = "CIVIL", "民事检察"
    ADMINISTRATIVE = "ADMINISTRATIVE", "行政检察"
    PUBLIC_INTEREST = "PUBLIC_INTEREST", "公益诉讼检察"
    ENFORCEMENT = "ENFORCEMENT", "刑事执行检察"
    COMPLAINT = "COMPLAINT", "控告申诉检察"
    CASE_MANAGEMENT = "CASE_MANAGEMENT", "案件管理"
    INSPECTION = "INSPECTION", "检务督察"
    DISCIPLINE = "DISCIPLINE", "纪检监察"
    POLITICAL = "POLITICAL", "政治部"
    OTHER = "OTHER", "其他"


class StaffPosition(models.TextChoices):
    CHIEF = "CHIEF", "检察长"
    DEPUTY_CHIEF = "DEPUTY_CHIEF", "副检察长"
    COMMITTEE_MEMBER = "COMMITTEE_MEMBER", "检委会专职委员"
    DEPT_HEAD = "DEPT_HEAD", "部门负责人"
    PROSECUTOR = "PROSECUTOR", "检察官"
    ASSISTANT = "ASSISTANT", "检察官助理"
    CLERK = "CLERK", "书记员"
    OTHER = "OTHER", "其他"


class StaffChangeKind(models.TextChoices):
    JOIN = "JOIN", "入职"
    TRANSFER = "TRANSFER", "调动"
    PROMOTE = "PROMOTE", "晋升"
    DEMOTE = "DEMOTE", "降职"
    AWARD = "AWARD", "奖励"
    PUNISH = "PUNISH", "处分"
    LEAVE = "LEAVE", "离职"
    RETIRE = "RETIRE", "退休"


class RelationOtherKind(models.TextChoices):
    LAWYER = "LAWYER", "律师"
    PERSON = "PERSON", "其他人员"
    STAFF = "STAFF", "本系统人员"


class RelationKind(models.TextChoices):
    SPOUSE = "SPOUSE", "配偶"
    PARENT = "PARENT", "父母"
    CHILD = "CHILD", "子女"
    SIBLING = "SIBLING", "兄弟姐妹"
    OTHER_RELATIVE = "OTHER_RELATIVE", "其他近亲属"
    FORMER_COLLEAGUE = "FORMER_COLLEAGUE", "原同事"
    CLASSMATE = "CLASSMATE", "同学"
    OTHER = "OTHER", "其他特殊关系"


class Decision(models.TextChoices):
    """Decision codes of DATA_CONTRACT.md §2 (PROPOSED / DECIDED)."""

    ARREST = "ARREST", "批准逮捕"
    NO_ARREST = "NO_ARREST", "不批准逮捕"
    PROSECUTE = "PROSECUTE", "起诉"
    NON_PROSECUTE = "NON_PROSECUTE", "不起诉"
    WITHDRAW_PROSECUTION = "WITHDRAW_PROSECUTION", "撤回起诉"
    CHANGE_PROSECUTION = "CHANGE_PROSECUTION", "变更起诉"
    PROTEST = "PROTEST", "抗诉"
    NOTIFY_FILE = "NOTIFY_FILE", "通知立案"
    NOTIFY_DISMISS = "NOTIFY_DISMISS", "通知撤案"
    TERMINATE_REVIEW = "TERMINATE_REVIEW", "终结审查"
    SUPPORT_SUPERVISION = "SUPPORT_SUPERVISION", "支持监督申请"
    REJECT_SUPERVISION = "REJECT_SUPERVISION", "不支持监督申请"
    RETRIAL_RECOMMENDATION = "RETRIAL_RECOMMENDATION", "再审检察建议"
    FILE_SUIT = "FILE_SUIT", "提起公益诉讼"


class NonProsecutionKind(models.TextChoices):
    STATUTORY = "STATUTORY", "法定不起诉"
    DISCRETIONARY = "DISCRETIONARY", "酌定不起诉"
    EVIDENCE = "EVIDENCE", "存疑不起诉"
    CONDITIONAL = "CONDITIONAL", "附条件不起诉"
