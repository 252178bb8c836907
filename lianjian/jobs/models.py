"""The record of every scheduled job run (ARCHITECTURE.md: start, end, counts, errors)."""

from __future__ import annotations

from django.db import models

from lianjian.jobs.choices import JobRunState, JobRunTrigger


class JobRun(models.Model):
    """One run of one scheduled job for one slot.

    The unique (job, slot_at) pair is the claim: a worker claims a slot by inserting this row,
    and a worker whose insert fails leaves the slot alone, so a slot runs at most once however
    many workers on however many machines tick at the same minute (docs/jobs.md).
    """

    job = models.CharField("任务", max_length=64)
    slot_at = models.DateTimeField("计划时间")
    state = models.CharField("状态", max_length=16, choices=JobRunState.choices)
    trigger = models.CharField(
        "触发方式", max_length=16, choices=JobRunTrigger.choices, default=JobRunTrigger.SCHEDULED
    )
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    counts = models.JSONField("计数", default=dict, blank=True)
    error = models.TextField("错误信息", blank=True)
    worker = models.CharField("执行者", max_length=200)

    class Meta:
        verbose_name = "任务运行"
        verbose_name_plural = "任务运行"
        constraints = [models.UniqueConstraint(fields=["job", "slot_at"], name="jobs_run_one_per_slot")]
        indexes = [models.Index(fields=["-started_at"], name="jobs_run_started")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot_at.isoformat()}"

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
