"""Claiming and running the slots of scheduled jobs (docs/jobs.md).

A slot is claimed by inserting its :class:`JobRun` row; the unique constraint on (job, slot)
lets exactly one insert succeed, on SQLite and PostgreSQL alike, however many workers try. The
claim commits before the job runs, so a job's own transactions never hold the claim open, and a
failing job is recorded FAILED and the next job still runs: nothing a target raises leaves this
module.

Job runs are not written to the audit log: the run table is their record (two minutely jobs
would otherwise add ~2,900 audit rows a day), and what a job changes is audited by the domain
service it calls (an escalation is an audit event with actor 系统). A run started by hand
(``lianjian jobs run``) is audited, being a person's action.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from lianjian.audit.services import audit_record, jsonable
from lianjian.jobs.choices import JobRunState, JobRunTrigger
from lianjian.jobs.models import JobRun
from lianjian.jobs.schedule import JOBS, Job

logger = logging.getLogger(__name__)

# A slot run later than this after its time is recorded as a catch-up (补跑).
ON_TIME = timedelta(minutes=2)
# A run still RUNNING this long after it started is taken as interrupted (the longest job, a
# province's full scan, takes minutes).
RUN_LIMIT = timedelta(hours=12)


@dataclass(frozen=True)
class Outcome:
    """What one attempt at one slot did; ``run`` is None when another worker had the claim."""

    job: str
    slot_at: datetime
    run: JobRun | None = None
    counts: dict[str, Any] = field(default_factory=dict)

    @property
    def claimed(self) -> bool:
        return self.run is not None

    @property
    def state(self) -> str | None:
        return self.run.state if self.run is not None else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "slot_at": self.slot_at.isoformat(),
            "claimed": self.claimed,
            "run": self.run.pk if self.run is not None else None,
            "state": self.state,
            "counts": self.counts,
            "error": self.run.error if self.run is not None else "",
        }


def worker_id() -> str:
    """host:pid:thread — which worker ran a slot, for the run page and for debugging."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"[:200]


def job_claim(*, job: Job, slot_at: datetime, trigger: str) -> JobRun | None:
    """Insert the run row of ``job`` at ``slot_at``; None if some worker already has it."""
    try:
        with transaction.atomic():
            return JobRun.objects.create(
                job=job.name,
                slot_at=slot_at,
                state=JobRunState.RUNNING,
                trigger=trigger,
                started_at=timezone.now(),
                worker=worker_id(),
            )
    except IntegrityError:
        return None


def _finish(run: JobRun, *, state: str, counts: dict[str, Any] | None = None, error: str = "") -> None:
    run.state = state
    run.counts = counts or {}
    run.error = error
    run.finished_at = timezone.now()
    JobRun.objects.filter(pk=run.pk).update(
        state=run.state, counts=run.counts, error=run.error, finished_at=run.finished_at
    )


def _resolve(path: str) -> Callable[..., Any] | str:
    """The target, or the Chinese reason it cannot be imported."""
    try:
        target: Callable[..., Any] = import_string(path)
    except ImportError as exc:
        return f"任务目标无法导入：{path}（{exc}），本时段跳过"
    return target


def job_execute(
    *, job: Job, slot_at: datetime, trigger: str | None = None, now: datetime | None = None
) -> Outcome:
    """Claim ``job``'s slot and, if the claim is ours, run it and record how it ended.

    ``now`` (default the clock) decides whether the run is on time or a catch-up.
    """
    if trigger is None:
        late = (now or timezone.now()) - slot_at > ON_TIME
        trigger = JobRunTrigger.CATCH_UP if late else JobRunTrigger.SCHEDULED
    run = job_claim(job=job, slot_at=slot_at, trigger=trigger)
    if run is None:
        return Outcome(job.name, slot_at)
    target = _resolve(job.target)
    if isinstance(target, str):
        _finish(run, state=JobRunState.SKIPPED, error=target)
        return Outcome(job.name, slot_at, run)
    try:
        result = target(now=slot_at)
        if not isinstance(result, Mapping):
            raise TypeError(f"任务应返回计数字典，实为 {type(result).__name__}")
        counts = jsonable(dict(result))
    except Exception as exc:
        logger.exception("job %s at %s failed", job.name, slot_at.isoformat())
        _finish(run, state=JobRunState.FAILED, error=f"{type(exc).__name__}: {exc}"[:4000])
        return Outcome(job.name, slot_at, run)
    _finish(run, state=JobRunState.SUCCEEDED, counts=counts)
    return Outcome(job.name, slot_at, run, counts)


def _process_gone(worker: str) -> bool:
    """Whether ``worker`` (host:pid:thread) names a process of this host that has exited."""
    host, _, rest = worker.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: alive, another user's
        return False
    return False


def runs_interrupted_close(*, now: datetime | None = None) -> int:
    """Record as FAILED the runs left RUNNING by a worker that was killed mid-job: its process
    on this host has exited, or the run started more than :data:`RUN_LIMIT` ago (a worker on
    another machine). The slot stays taken (a slot runs at most once); the next slot runs as
    usual. Called by every tick; returns how many runs it closed."""
    now = now or timezone.now()
    closed = 0
    for run in JobRun.objects.filter(state=JobRunState.RUNNING).only("pk", "worker", "started_at"):
        if _process_gone(run.worker):
            error = f"执行该任务的进程（{run.worker}）已退出，任务未完成；下一时段照常运行"
        elif run.started_at < now - RUN_LIMIT:
            error = f"运行超过 {RUN_LIMIT.total_seconds() / 3600:.0f} 小时仍未结束，视为中断"
        else:
            continue
        closed += JobRun.objects.filter(pk=run.pk, state=JobRunState.RUNNING).update(
            state=JobRunState.FAILED, error=error, finished_at=now
        )
        logger.warning("job run %s closed: %s", run.pk, error)
    return closed


def slots_due(
    *, now: datetime, jobs: Mapping[str, Job] = JOBS, not_before: datetime | None = None
) -> list[tuple[Job, datetime]]:
    """Each job's latest slot at or before ``now`` that no worker has claimed yet.

    Only the latest slot: a worker that was down at 01:00 runs that day's scan once when it
    comes back (catch-up), not once per missed day. ``not_before`` leaves out slots before it
    (the demo starts its worker after scanning its own data).
    """
    latest = [(job, job.cadence.latest(now)) for job in jobs.values()]
    latest = [(job, slot) for job, slot in latest if not_before is None or slot >= not_before]
    if not latest:
        return []
    taken = set(
        JobRun.objects.filter(
            job__in=[job.name for job, _ in latest], slot_at__in={slot for _, slot in latest}
        ).values_list("job", "slot_at")
    )
    return [(job, slot) for job, slot in latest if (job.name, slot) not in taken]


def jobs_tick(
    *, now: datetime | None = None, jobs: Mapping[str, Job] = JOBS, not_before: datetime | None = None
) -> list[Outcome]:
    """Run every due slot in this thread, one after another (``lianjian worker --once``)."""
    now = now or timezone.now()
    runs_interrupted_close(now=now)
    return [
        job_execute(job=job, slot_at=slot, now=now)
        for job, slot in slots_due(now=now, jobs=jobs, not_before=not_before)
    ]


class UnknownJob(ValueError):
    pass


def job_run_now(*, name: str, at: datetime | None = None, actor: Any | None = None) -> Outcome:
    """Run ``name``'s slot at or before ``at`` (default now) by hand; recorded and audited."""
    job = JOBS.get(name)
    if job is None:
        raise UnknownJob(f"没有名为 {name!r} 的任务，可用：{'、'.join(JOBS)}")
    slot = job.cadence.latest(at or timezone.now())
    outcome = job_execute(job=job, slot_at=slot, trigger=JobRunTrigger.MANUAL)
    if outcome.run is not None:
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="jobs.run.start",
                target=outcome.run,
                after={"job": name, "slot_at": slot.isoformat(), "state": outcome.run.state},
            )
    return outcome
