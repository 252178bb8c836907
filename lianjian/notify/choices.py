"""Enumerations of notifications and their deliveries."""

from django.db import models


class NotificationKind(models.TextChoices):
    """Why a user is told something. Set by the caller (risk routing, escalation …)."""

    ALERT_RAISED = "ALERT_RAISED", "新预警"
    ALERT_ESCALATED = "ALERT_ESCALATED", "预警升级"
    ALERT_OVERDUE = "ALERT_OVERDUE", "督办逾期"
    OTHER = "OTHER", "其他"


class DeliveryChannel(models.TextChoices):
    EMAIL = "EMAIL", "电子邮件"
    WEBHOOK = "WEBHOOK", "Webhook"


class DeliveryState(models.TextChoices):
    """Where a delivery stands. ``FAILED`` is retried at ``next_attempt_at``; ``GIVEN_UP`` is not."""

    PENDING = "PENDING", "待发送"
    SENT = "SENT", "已发送"
    FAILED = "FAILED", "发送失败（待重试）"
    GIVEN_UP = "GIVEN_UP", "已放弃"


DUE_STATES = (DeliveryState.PENDING, DeliveryState.FAILED)
