"""Claiming and running slots, on a controlled clock."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from lianjian.audit.models import AuditEvent
from lianjian.jobs import services
from lianjian.jobs.models import JobRun
from lianjian.jobs.schedule import SHANGHAI, Cadence, Job, Period
from lianjian.jobs.tests import targets

pytestmark = pytest.mark.django_db

COUNTED = Job("test.counted", "计数", Cadence(Period.HOUR), "lianjian.jobs.tests.targets.counted")
FAILING = Job("test.failing", "失败", Cadence(Period.HOUR), "lianjian.jobs.tests.targets.failing")
MISSING = Job("test.missing", "未安装", Cadence(Period.MINUTE), "lianjian.absent.process")
NOT_COUNTS = Job(
    "test.not_counts", "坏结果", Cadence(Period.DAY, hour=1), "lianjian.jobs.tests.targets.not_counts"
)


def bj(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _clear_calls() -> None:
    targets.calls.clear()


def test_a_second_claim_of_the_same_slot_gets_nothing() -> None:
    slot = bj("2026-12-07T10:00:00")
    first = services.job_claim(job=COUNTED, slot_at=slot, trigger="SCHEDULED")
    second = services.job_claim(job=COUNTED, slot_at=slot, trigger="SCHEDULED")

    assert first is not None and first.state == "RUNNING"
    assert second is None
    assert JobRun.objects.filter(job="test.counted").count() == 1


def test_executing_a_slot_twice_runs_the_job_once() -> None:
    slot = bj("2026-12-07T10:00:00")
    one = services.job_execute(job=COUNTED, slot_at=slot)
    two = services.job_execute(job=COUNTED, slot_at=slot)

    assert (one.claimed, two.claimed) == (True, False)
    assert targets.calls == [slot]
    run = JobRun.objects.get()
    assert (run.state, run.counts, run.error, run.slot_at) == ("SUCCEEDED", {"calls": 1}, "", slot)
    assert run.finished_at is not None and run.finished_at >= run.started_at
    host, pid, thread = run.worker.split(":")
    assert host and pid.isdigit() and thread == "MainThread"


def test_a_failing_job_is_recorded_failed_and_the_next_job_still_runs() -> None:
    now = bj("2026-12-07T10:00:30")
    outcomes = services.jobs_tick(now=now, jobs={j.name: j for j in (FAILING, COUNTED)})

    assert [(o.job, o.state) for o in outcomes] == [("test.failing", "FAILED"), ("test.counted", "SUCCEEDED")]
    failed = JobRun.objects.get(job="test.failing")
    assert failed.error == "RuntimeError: 磁盘已满"
    assert failed.counts == {}
    assert failed.finished_at is not None
    assert targets.calls == [bj("2026-12-07T10:00:00")]


def test_a_target_that_returns_no_counts_is_a_failure() -> None:
    outcome = services.job_execute(job=NOT_COUNTS, slot_at=bj("2026-12-07T01:00:00"))
    assert outcome.state == "FAILED"
    assert JobRun.objects.get().error == "TypeError: 任务应返回计数字典，实为 int"


def test_an_unimportable_target_is_skipped_with_a_reason() -> None:
    outcome = services.job_execute(job=MISSING, slot_at=bj("2026-12-07T10:01:00"))

    run = JobRun.objects.get()
    assert outcome.state == run.state == "SKIPPED"
    assert run.error == (
        "任务目标无法导入：lianjian.absent.process（No module named 'lianjian.absent'），本时段跳过"
    )


def test_the_real_route_and_delivery_jobs_run_and_record_their_counts() -> None:
    for name in ("alerts.route", "deliveries.process"):
        outcome = services.job_run_now(name=name, at=bj("2026-12-07T10:01:10"))
        assert outcome.state == "SUCCEEDED", outcome
        assert outcome.slot_at == bj("2026-12-07T10:01:00")
    runs = dict(JobRun.objects.values_list("job", "state"))
    assert runs == {"alerts.route": "SUCCEEDED", "deliveries.process": "SUCCEEDED"}
    assert all(isinstance(c, dict) for c in JobRun.objects.values_list("counts", flat=True))


def test_only_the_latest_missed_slot_is_caught_up_and_only_once() -> None:
    jobs = {COUNTED.name: COUNTED}
    # The worker was down from 06:00 to 10:20: the 10:00 slot runs late, 07:00–09:00 do not.
    outcomes = services.jobs_tick(now=bj("2026-12-07T10:20:00"), jobs=jobs)
    assert [(o.slot_at, o.state) for o in outcomes] == [(bj("2026-12-07T10:00:00"), "SUCCEEDED")]
    assert JobRun.objects.get().trigger == "CATCH_UP"

    assert services.jobs_tick(now=bj("2026-12-07T10:21:00"), jobs=jobs) == []
    assert services.jobs_tick(now=bj("2026-12-07T10:59:59"), jobs=jobs) == []
    on_time = services.jobs_tick(now=bj("2026-12-07T11:00:05"), jobs=jobs)
    assert [(o.slot_at, o.run.trigger if o.run else None) for o in on_time] == [
        (bj("2026-12-07T11:00:00"), "SCHEDULED")
    ]
    assert targets.calls == [bj("2026-12-07T10:00:00"), bj("2026-12-07T11:00:00")]


def test_slots_before_the_floor_are_not_caught_up() -> None:
    jobs = {COUNTED.name: COUNTED}
    started = bj("2026-12-07T10:20:00")
    assert services.slots_due(now=started, jobs=jobs, not_before=started) == []
    assert [
        slot for _, slot in services.slots_due(now=bj("2026-12-07T11:00:01"), jobs=jobs, not_before=started)
    ] == [bj("2026-12-07T11:00:00")]


def test_a_manual_run_is_recorded_and_audited() -> None:
    outcome = services.job_run_now(name="alerts.escalate", at=bj("2026-12-07T05:30:00"))

    run = JobRun.objects.get()
    assert (run.job, run.slot_at, run.trigger, run.state) == (
        "alerts.escalate",
        bj("2026-12-07T05:00:00"),
        "MANUAL",
        "SUCCEEDED",
    )
    assert outcome.counts == {"escalated": 0, "to_warning": 0, "to_supervised": 0, "overdue_supervised": 0}
    event = AuditEvent.objects.get(action="jobs.run.start")
    assert (event.target_type, event.target_id) == ("jobs.jobrun", str(run.pk))
    assert event.after == {
        "job": "alerts.escalate",
        "slot_at": "2026-12-07T05:00:00+08:00",
        "state": "SUCCEEDED",
    }


def test_an_unknown_job_changes_nothing() -> None:
    with pytest.raises(services.UnknownJob, match=re.escape("没有名为 'scan.hourly' 的任务")):
        services.job_run_now(name="scan.hourly")
    assert JobRun.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_the_escalation_job_escalates_an_overdue_alert(org) -> None:
    from lianjian.risk.tests.workflow import alert_on, case_of

    # Raised Monday 2026-12-07, unsigned: overdue from Friday the 11th (three working days).
    alert = alert_on(case_of(org), raised_at=bj("2026-12-07T10:00:00"))
    jobs = {"alerts.escalate": services.JOBS["alerts.escalate"]}

    outcomes = services.jobs_tick(now=bj("2026-12-11T01:00:20"), jobs=jobs)

    assert [(o.job, o.slot_at, o.state) for o in outcomes] == [
        ("alerts.escalate", bj("2026-12-11T01:00:00"), "SUCCEEDED")
    ]
    assert outcomes[0].counts == {
        "escalated": 1,
        "to_warning": 1,
        "to_supervised": 0,
        "overdue_supervised": 0,
    }
    alert.refresh_from_db()
    assert (alert.level, alert.step_started_at) == ("WARNING", bj("2026-12-11T01:00:00"))
    assert JobRun.objects.get().counts["escalated"] == 1


def test_the_daily_scan_job_runs_a_full_scan_as_of_its_slot() -> None:
    from lianjian.risk.models import ScanRun

    outcome = services.job_execute(job=services.JOBS["scan.daily"], slot_at=bj("2026-12-07T01:00:00"))

    scan = ScanRun.objects.get()
    assert (scan.mode, scan.as_of, scan.note) == ("FULL", bj("2026-12-07T01:00:00"), "每日定时全量检测")
    assert outcome.counts["scan_run"] == scan.pk
    assert outcome.counts["failed_rules"] == 0


def _exited_pid() -> int:
    """The pid of a child that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_runs_left_running_by_a_killed_worker_are_closed_and_their_slot_stays_taken() -> None:
    now = bj("2026-12-07T10:00:30")
    host = socket.gethostname()
    started = {
        "dead": (f"{host}:{_exited_pid()}:MainThread", now - timedelta(minutes=5)),
        "alive": (f"{host}:{os.getpid()}:Thread-1", now - timedelta(minutes=5)),
        "elsewhere-old": ("other-host:123:MainThread", now - timedelta(hours=13)),
        "elsewhere-recent": ("other-host:123:MainThread", now - timedelta(hours=1)),
    }
    for name, (worker, at) in started.items():
        JobRun.objects.create(
            job=f"test.{name}",
            slot_at=bj("2026-12-07T10:00:00"),
            state="RUNNING",
            started_at=at,
            worker=worker,
        )

    assert services.runs_interrupted_close(now=now) == 2
    assert services.runs_interrupted_close(now=now) == 0

    states = dict(JobRun.objects.values_list("job", "state"))
    assert states == {
        "test.dead": "FAILED",
        "test.alive": "RUNNING",
        "test.elsewhere-old": "FAILED",
        "test.elsewhere-recent": "RUNNING",
    }
    dead = JobRun.objects.get(job="test.dead")
    assert "已退出" in dead.error and dead.finished_at == now
    assert "12 小时" in JobRun.objects.get(job="test.elsewhere-old").error
    interrupted = Job("test.dead", "中断", Cadence(Period.HOUR), "lianjian.jobs.tests.targets.counted")
    assert services.slots_due(now=now, jobs={interrupted.name: interrupted}) == []


def test_a_tick_closes_interrupted_runs_first() -> None:
    now = bj("2026-12-07T10:00:30")
    JobRun.objects.create(
        job="test.other",
        slot_at=bj("2026-12-07T09:00:00"),
        state="RUNNING",
        started_at=now - timedelta(hours=20),
        worker="other-host:1:MainThread",
    )

    services.jobs_tick(now=now, jobs={COUNTED.name: COUNTED})

    assert JobRun.objects.get(job="test.other").state == "FAILED"
    assert JobRun.objects.get(job="test.counted").state == "SUCCEEDED"
