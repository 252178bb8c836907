"""`lianjian worker --once` and `lianjian jobs schedule|list|run`: output and exit codes."""

from __future__ import annotations

import json
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lianjian.audit.models import AuditEvent
from lianjian.jobs.models import JobRun
from lianjian.jobs.schedule import SHANGHAI

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_worker_once_runs_every_due_slot_then_nothing() -> None:
    first = json.loads(run("worker", "--once", "--json"))
    assert sorted(o["job"] for o in first) == [
        "alerts.escalate",
        "alerts.route",
        "deliveries.process",
        "periodic.reports",
        "scan.daily",
    ]
    assert all(o["claimed"] for o in first)
    states = {o["job"]: o["state"] for o in first}
    assert states["scan.daily"] == "SUCCEEDED"
    assert states["alerts.escalate"] == "SUCCEEDED"
    assert JobRun.objects.count() == 5

    second = run("worker", "--once")
    # A minutely slot may have turned over between the two calls; the daily and hourly may not.
    assert "scan.daily" not in second and "alerts.escalate" not in second
    assert JobRun.objects.filter(job="scan.daily").count() == 1


def test_worker_once_prints_chinese_lines() -> None:
    out = run("worker", "--once")
    assert out.startswith("运行了 5 个到期时段：")
    assert "scan.daily" in out and "成功" in out


def test_worker_rejects_bad_options_with_exit_code_2() -> None:
    with pytest.raises(CommandError, match="--threads 至少为 1") as bad_threads:
        run("worker", "--threads", "0")
    with pytest.raises(CommandError, match="--json 只能与 --once 一起使用") as bad_json:
        run("worker", "--json")
    assert (bad_threads.value.returncode, bad_json.value.returncode) == (2, 2)


def test_schedule_lists_the_jobs_with_cron_and_next_slot() -> None:
    rows = json.loads(run("jobs", "schedule", "--json"))
    assert [(r["job"], r["cron"]) for r in rows] == [
        ("scan.daily", "0 1 * * *"),
        ("alerts.escalate", "0 * * * *"),
        ("alerts.route", "* * * * *"),
        ("deliveries.process", "* * * * *"),
        ("periodic.reports", "0 8 * * *"),
    ]
    daily = datetime.fromisoformat(rows[0]["next_slot"]).astimezone(SHANGHAI)
    assert (daily.hour, daily.minute, daily.second) == (1, 0, 0)
    text = run("jobs", "schedule")
    assert "每日全量检测" in text and "每天 01:00（北京时间）" in text


def test_run_a_slot_by_hand_then_list_it() -> None:
    out = run("jobs", "run", "alerts.escalate", "--at", "2026-12-07T05:30:00")
    assert out.startswith("alerts.escalate     2026-12-07 05:00  成功：escalated 0")
    run_row = JobRun.objects.get()
    assert (run_row.trigger, run_row.slot_at) == ("MANUAL", datetime(2026, 12, 7, 5, 0, tzinfo=SHANGHAI))

    listed = json.loads(run("jobs", "list", "--job", "alerts.escalate", "--json"))
    assert [(r["id"], r["state"], r["trigger"]) for r in listed] == [(run_row.pk, "SUCCEEDED", "MANUAL")]
    assert run("jobs", "list", "--job", "scan.daily") == "还没有运行记录\n"
    assert "alerts.escalate" in run("jobs", "list")


def test_running_a_taken_slot_again_says_so_with_exit_code_1() -> None:
    run("jobs", "run", "alerts.escalate", "--at", "2026-12-07T05:30:00")
    with pytest.raises(CommandError, match="该时段已运行过") as taken:
        run("jobs", "run", "alerts.escalate", "--at", "2026-12-07T05:59:00")
    assert taken.value.returncode == 1
    assert JobRun.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("jobs", "run", "scan.hourly"), "没有名为 'scan.hourly' 的任务"),
        (("jobs", "run", "scan.daily", "--at", "昨天"), "--at 不是有效的时间"),
        (("jobs", "list", "--job", "scan.hourly"), "没有名为 'scan.hourly' 的任务"),
        (("jobs", "list", "--limit", "0"), "--limit 至少为 1"),
    ],
)
def test_bad_input_exits_2_and_changes_nothing(args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message) as error:
        run(*args)
    assert error.value.returncode == 2
    assert JobRun.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_the_periodic_reports_job_runs_at_08_00_beijing() -> None:
    # “三个规定”定期报告 (docs/interference/reports.md): reminders and late flags, daily at 08:00.
    out = run("jobs", "run", "periodic.reports", "--at", "2026-04-04T08:30:00")
    assert out.startswith("periodic.reports    2026-04-04 08:00  成功：reminded 0，flagged 0，notices 0")
    assert JobRun.objects.get(job="periodic.reports").state == "SUCCEEDED"
