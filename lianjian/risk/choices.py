"""Enumerations of the risk catalogue, rules and alerts."""

from django.db import models


class RiskLine(models.TextChoices):
    """The business line of a risk point (seed 000 第十一条至第十六条, DOMAIN_RULES.md §2, §6)."""

    COMMON = "COMMON", "共性"
    CRIMINAL = "CRIMINAL", "刑事检察"
    CIVIL = "CIVIL", "民事检察"
    ADMINISTRATIVE = "ADMINISTRATIVE", "行政检察"
    PUBLIC_INTEREST = "PUBLIC_INTEREST", "公益诉讼"
    COMPREHENSIVE = "COMPREHENSIVE", "综合业务"
    INTERFERENCE = "INTERFERENCE", "三个规定"
    CONDUCT = "CONDUCT", "违法行使职权"


class RiskCategory(models.TextChoices):
    MORAL = "MORAL", "思想道德"
    INSTITUTIONAL = "INSTITUTIONAL", "制度机制"
    POST_DUTY = "POST_DUTY", "岗位职责"


class RiskPointLevel(models.TextChoices):
    HIGH = "HIGH", "高"
    MEDIUM = "MEDIUM", "中"
    LOW = "LOW", "低"


class AlertLevel(models.TextChoices):
    """提示 < 预警 < 督办 (glossary). The order of the members is the order of severity."""

    NOTICE = "NOTICE", "提示"
    WARNING = "WARNING", "预警"
    SUPERVISED = "SUPERVISED", "督办"


ALERT_LEVEL_ORDER = {level: index for index, level in enumerate(AlertLevel)}


class AlertStatus(models.TextChoices):
    """Where an alert stands. The engine opens and clears; the disposal workflow adds steps."""

    OPEN = "OPEN", "待处置"
    RESOLVED = "RESOLVED", "已消除"


class Recipient(models.TextChoices):
    """Who receives a rule's alerts, relative to the case or person (issue 5 resolves them)."""

    HANDLER = "HANDLER", "承办检察官"
    DEPT_HEAD = "DEPT_HEAD", "部门负责人"
    LEADER = "LEADER", "分管院领导"
    CASE_MANAGEMENT = "CASE_MANAGEMENT", "案件管理"
    INSPECTION = "INSPECTION", "检务督察"
    DISCIPLINE = "DISCIPLINE", "纪检监察"


class ScanMode(models.TextChoices):
    FULL = "FULL", "全量"
    INCREMENTAL = "INCREMENTAL", "增量"
    DRY_RUN = "DRY_RUN", "回测（不写入）"


class ScanStatus(models.TextChoices):
    RUNNING = "RUNNING", "运行中"
    SUCCEEDED = "SUCCEEDED", "完成"
    PARTIAL = "PARTIAL", "部分规则失败"
    FAILED = "FAILED", "失败"


class DisposalState(models.TextChoices):
    """Where an alert stands in its disposal (F4.5), apart from the engine's :class:`AlertStatus`.

    ``status`` says whether detection still sees the finding; ``disposal_state`` says what people
    have done about it. The order of the members is the order of the workflow.
    """

    PENDING = "PENDING", "待签收"
    SIGNED = "SIGNED", "核查中"
    PROPOSED = "PROPOSED", "待审核"
    CLOSED = "CLOSED", "已办结"
    TRANSFERRED = "TRANSFERRED", "已移送线索"


class DisposalStepKind(models.TextChoices):
    """One step of the disposal workflow, as recorded in the alert's history (``AlertStep``)."""

    SIGN = "SIGN", "签收"
    VERIFY = "VERIFY", "核查"
    PROPOSE = "PROPOSE", "提出处置意见"
    APPROVE = "APPROVE", "审核通过（办结）"
    RETURN = "RETURN", "退回核查"
    REOPEN = "REOPEN", "重新打开"
    TRANSFER = "TRANSFER", "线索移送"
    ESCALATE = "ESCALATE", "逾期升级"


class DisposalOpinion(models.TextChoices):
    """处置意见 of the handling prosecutor, approved by the reviewer (F4.5)."""

    TRUE = "TRUE", "属实"
    PARTLY_TRUE = "PARTLY_TRUE", "部分属实"
    UNFOUNDED = "UNFOUNDED", "不属实"
    CORRECTED = "CORRECTED", "已纠正"


class ClueRecipient(models.TextChoices):
    """Where an alert may be transferred as a clue (线索移送)."""

    INSPECTION = "INSPECTION", "检务督察部门"
    DISCIPLINE = "DISCIPLINE", "派驻纪检监察组"
