"""`lianjian jobs schedule|list|run`: the declared jobs, their recent runs, one slot by hand."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from lianjian.jobs.choices import JobRunState
from lianjian.jobs.management.commands.worker import outcome_line
from lianjian.jobs.models import JobRun
from lianjian.jobs.schedule import JOBS, SHANGHAI
from lianjian.jobs.selectors import job_runs_recent
from lianjian.jobs.services import UnknownJob, job_run_now


def parse_time(text: str) -> datetime:
    """An ISO 8601 time; without an offset it is Beijing time."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f"--at 不是有效的时间：{text!r}（例如 2026-12-07T01:00:00+08:00）[bad_time]", returncode=2
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)


def run_dict(run: JobRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "job": run.job,
        "slot_at": run.slot_at.isoformat(),
        "state": run.state,
        "trigger": run.trigger,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "counts": run.counts,
        "error": run.error,
        "worker": run.worker,
    }


class Command(BaseCommand):
    help = "后台任务：schedule 计划、list 运行记录、run 立即运行 / background jobs"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        schedule = sub.add_parser("schedule", help="列出计划任务及下次运行时间")
        schedule.add_argument("--json", action="store_true")
        listing = sub.add_parser("list", help="最近的运行记录")
        listing.add_argument("--job", metavar="JOB", default="")
        listing.add_argument("--limit", type=int, default=20)
        listing.add_argument("--json", action="store_true")
        run = sub.add_parser("run", help="立即运行一个任务的一个时段（记录在案）")
        run.add_argument("job", metavar="JOB")
        run.add_argument("--at", metavar="TIME", help="运行包含该时间的时段（ISO 8601，默认现在）")
        run.add_argument("--json", action="store_true")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"_{action}")(options)

    def _schedule(self, options: dict[str, Any]) -> None:
        now = timezone.now()
        if options["json"]:
            rows = [
                {
                    "job": job.name,
                    "title": job.title,
                    "cron": job.cadence.cron,
                    "cadence": job.cadence.label,
                    "next_slot": job.cadence.next(now).isoformat(),
                    "target": job.target,
                }
                for job in JOBS.values()
            ]
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{'任务':<22}{'cron（北京时间）':<18}下次运行            说明")
        for job in JOBS.values():
            self.stdout.write(
                f"{job.name:<22}{job.cadence.cron:<22}{job.cadence.next(now):%Y-%m-%d %H:%M}  "
                f"{job.title}（{job.cadence.label}）"
            )

    def _list(self, options: dict[str, Any]) -> None:
        job = options["job"]
        if job and job not in JOBS and not JobRun.objects.filter(job=job).exists():
            raise CommandError(
                f"没有名为 {job!r} 的任务，可用：{'、'.join(JOBS)} [unknown_job]", returncode=2
            )
        if options["limit"] < 1:
            raise CommandError("--limit 至少为 1 [bad_limit]", returncode=2)
        runs = list(job_runs_recent(job=job, limit=options["limit"]))
        if options["json"]:
            self.stdout.write(json.dumps([run_dict(r) for r in runs], ensure_ascii=False, indent=2))
            return
        if not runs:
            self.stdout.write("还没有运行记录")
            return
        self.stdout.write(f"{'编号':<6}{'任务':<22}{'计划时间':<14}{'状态':<6}{'用时':>8}  计数或错误")
        for run in runs:
            seconds = "" if run.seconds is None else f"{run.seconds:.1f}s"
            detail = (
                run.error.splitlines()[0]
                if run.error
                else "，".join(f"{k} {v}" for k, v in run.counts.items())
            )
            self.stdout.write(
                f"{run.pk:<8}{run.job:<22}{timezone.localtime(run.slot_at):%Y-%m-%d %H:%M}  "
                f"{JobRunState(run.state).label:<6}{seconds:>8}  {detail}"
            )

    def _run(self, options: dict[str, Any]) -> None:
        at = parse_time(options["at"]) if options["at"] else None
        try:
            outcome = job_run_now(name=options["job"], at=at)
        except UnknownJob as exc:
            raise CommandError(f"{exc} [unknown_job]", returncode=2) from None
        if options["json"]:
            self.stdout.write(json.dumps(outcome.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(outcome_line(outcome).strip())
        if outcome.run is None:
            raise CommandError("该时段已运行过（每个时段只运行一次）[slot_taken]", returncode=1)
        if outcome.run.state == JobRunState.FAILED:
            raise CommandError("任务运行失败，详见 lianjian jobs list [job_failed]", returncode=1)
