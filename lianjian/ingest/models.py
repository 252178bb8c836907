"""The import history: one :class:`ImportBatch` per run of the importer, accepted or not."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lianjian.ingest.choices import ImportBatchStatus

ERROR_LIMIT = 1000
"""Errors kept on a batch row; ``error_count`` holds the total."""


class ImportBatch(models.Model):
    """A batch (one import of one or more files): who ran it, what it found, what it wrote.

    Every run is recorded. An accepted batch is saved in the same transaction as the records it
    writes; a rejected one (or a dry run) is saved alone, and is then the run's only write.
    ``counts`` maps each record kind to ``records``/``duplicates``/``created``/``updated``/
    ``unchanged``; ``errors`` holds up to :data:`ERROR_LIMIT` errors as
    ``{source, line, field, code, message}``.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField("操作人名称", max_length=150, blank=True)
    started_at = models.DateTimeField("开始时间", db_index=True)
    source_name = models.CharField("文件", max_length=500)
    source_format = models.CharField("格式", max_length=32)
    status = models.CharField("状态", max_length=16, choices=ImportBatchStatus.choices)
    is_dry_run = models.BooleanField("试运行", default=False)
    record_count = models.PositiveIntegerField("记录数", default=0)
    counts = models.JSONField("分类统计", default=dict, blank=True)
    errors = models.JSONField("错误", default=list, blank=True)
    error_count = models.PositiveIntegerField("错误数", default=0)
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"导入批次 #{self.pk}（{self.source_name}）"

    @property
    def is_accepted(self) -> bool:
        return self.status == ImportBatchStatus.ACCEPTED
