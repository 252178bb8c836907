"""Enumerations of the importer."""

from django.db import models


class ImportBatchStatus(models.TextChoices):
    ACCEPTED = "ACCEPTED", "已写入"
    REJECTED = "REJECTED", "已拒绝（未写入）"
    VALIDATED = "VALIDATED", "试运行通过（未写入）"
