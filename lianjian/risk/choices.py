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
