"""The page of background job runs (系统管理 → 后台任务)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from lianjian.common.listing import Column, render_list
from lianjian.common.permissions import Perm
from lianjian.common.views import require_perm
from lianjian.jobs.forms import JobRunFilterForm
from lianjian.jobs.models import JobRun
from lianjian.jobs.schedule import JOBS
from lianjian.jobs.selectors import job_runs_filtered, job_runs_visible_to


def _title(run: JobRun) -> str:
    job = JOBS.get(run.job)
    return f"{job.title}（{run.job}）" if job else run.job


def _counts(run: JobRun) -> str:
    return "，".join(f"{key} {value}" for key, value in run.counts.items())


COLUMNS = [
    Column("任务", _title),
    Column("计划时间", lambda r: r.slot_at),
    Column("触发方式", lambda r: r.get_trigger_display()),
    Column("状态", lambda r: r.get_state_display()),
    Column("开始时间", lambda r: r.started_at),
    Column("结束时间", lambda r: r.finished_at),
    Column("用时（秒）", lambda r: "" if r.seconds is None else f"{r.seconds:.1f}"),
    Column("计数", _counts),
    Column("错误信息", lambda r: r.error),
    Column("执行者", lambda r: r.worker),
]


@require_perm(Perm.JOB_VIEW)
def run_list(request: HttpRequest) -> HttpResponse:
    form = JobRunFilterForm(request.GET or None)
    runs = job_runs_visible_to(request.user)
    if form.is_bound:
        runs = job_runs_filtered(runs, **form.filters()) if form.is_valid() else runs.none()
    return render_list(request, title="后台任务", queryset=runs, columns=COLUMNS, filter_form=form)
