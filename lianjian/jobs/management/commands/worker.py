"""`lianjian worker [--threads N] [--once] [--json]`: the consumer of the background-job queue.

Run one (or several, on several machines) in production with ``LIANJIAN_QUEUE_URL=redis://…``;
the embedded default needs none, ``lianjian serve`` runs its own. ``--once`` runs the slots due
now in this process and exits: for cron, for a check after deployment, and for tests.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianjian.jobs.choices import JobRunState
from lianjian.jobs.services import Outcome, jobs_tick


def outcome_line(outcome: Outcome) -> str:
    slot = f"{outcome.slot_at:%Y-%m-%d %H:%M}"
    if outcome.run is None:
        return f"  {outcome.job:<20}{slot}  已由其他执行者认领，未运行"
    text = f"  {outcome.job:<20}{slot}  {JobRunState(outcome.run.state).label}"
    if outcome.counts:
        text += "：" + "，".join(f"{key} {value}" for key, value in outcome.counts.items())
    if outcome.run.error:
        text += f"：{outcome.run.error.splitlines()[0]}"
    return text


class Command(BaseCommand):
    help = "运行后台任务执行者（huey 消费者）；--once 只运行当前到期的任务 / run the job worker"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threads", type=int, default=2, help="工作线程数（默认 2）")
        parser.add_argument("--once", action="store_true", help="只运行当前到期的任务后退出")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出（与 --once 一起）")

    def handle(self, *args: Any, threads: int, once: bool, **options: Any) -> None:
        if threads < 1:
            raise CommandError("--threads 至少为 1 [bad_threads]", returncode=2)
        if once:
            outcomes = jobs_tick()
            if options["json"]:
                self.stdout.write(json.dumps([o.as_dict() for o in outcomes], ensure_ascii=False, indent=2))
                return
            if not outcomes:
                self.stdout.write("没有到期的任务")
                return
            self.stdout.write(f"运行了 {sum(o.claimed for o in outcomes)} 个到期时段：")
            for outcome in outcomes:
                self.stdout.write(outcome_line(outcome))
            return
        if options["json"]:
            raise CommandError("--json 只能与 --once 一起使用 [json_without_once]", returncode=2)
        from lianjian.jobs.queue import huey

        self.stdout.write(f"后台任务执行者已启动（{threads} 个线程，Ctrl+C 停止）")
        huey().create_consumer(workers=threads, worker_type="thread").run()
