"""Enumerations of the background jobs."""

from django.db import models


class JobRunState(models.TextChoices):
    RUNNING = "RUNNING", "运行中"
    SUCCEEDED = "SUCCEEDED", "成功"
    FAILED = "FAILED", "失败"
    SKIPPED = "SKIPPED", "已跳过"


class JobRunTrigger(models.TextChoices):
    """Why a slot ran: at its time, late after a worker outage (catch-up), or by hand."""

    SCHEDULED = "SCHEDULED", "定时"
    CATCH_UP = "CATCH_UP", "补跑"
    MANUAL = "MANUAL", "手动"
