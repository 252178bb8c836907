"""Reads of the job runs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from lianjian.common.permissions import Perm
from lianjian.jobs.models import JobRun


def job_runs_visible_to(user: Any) -> QuerySet[JobRun]:
    """Every run for 系统管理员 (runs belong to no unit), none for anyone else."""
    if not user.has_lianjian_perm(Perm.JOB_VIEW):
        return JobRun.objects.none()
    return JobRun.objects.order_by("-started_at", "-id")


def job_runs_filtered(runs: QuerySet[JobRun], *, job: str = "", state: str = "") -> QuerySet[JobRun]:
    if job:
        runs = runs.filter(job=job)
    if state:
        runs = runs.filter(state=state)
    return runs


def job_runs_recent(*, job: str = "", limit: int = 20) -> QuerySet[JobRun]:
    """The latest runs, for the console (``lianjian jobs list``), which has no user."""
    return job_runs_filtered(JobRun.objects.order_by("-started_at", "-id"), job=job)[:limit]
