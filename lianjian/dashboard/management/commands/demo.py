"""`lianjian demo`: database, generated demo data (organisation and cases), demo accounts, then the web UI."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianjian.dashboard.demo import DEMO_AS_OF
from lianjian.dashboard.services import demo_load
from lianjian.risk.engine import scan_run


class Command(BaseCommand):
    help = "建库、加载演示数据、创建演示账号并启动 Web 界面 / set up the demo and serve it"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="不在本进程内运行后台任务")

    def handle(
        self, *args: Any, no_serve: bool, host: str, port: int, no_worker: bool = False, **options: Any
    ) -> None:
        call_command("init", stdout=self.stdout)
        result = demo_load()
        if not result.accepted:
            raise CommandError("演示数据导入失败：" + "；".join(result.errors[:5]))
        self.stdout.write(f"演示数据：{result.summary}")
        scan = scan_run(full=True, as_of=DEMO_AS_OF, note="演示数据全量检测")
        totals = scan.totals()
        self.stdout.write(
            f"风险检测（基准时间 {DEMO_AS_OF:%Y-%m-%d %H:%M}）：{len(scan.outcomes)} 条规则，"
            f"在办预警 {totals['new'] + totals['still_open']:,} 条，用时 {scan.seconds:.1f} 秒"
        )
        if result.truth is not None:
            self.stdout.write(
                f"标准答案：应报 {result.truth.must_raise} 条（{len(result.truth.codes)} 个风险代码），"
                f"不应报 {result.truth.must_not_raise} 条 → {result.truth.path}"
            )
        self.stdout.write(f"\n演示账号（密码均为 {result.password}）：")
        self.stdout.write(f"  {'用户名':<12}{'角色':<10}{'数据范围':<10}对应人员")
        for account in result.accounts:
            self.stdout.write(f"  {account.username:<14}{account.role:<8}{account.scope:<10}{account.staff}")
        if not no_serve:
            self.stdout.write("")
            # The demo has just scanned its data: its worker runs the slots from now on and does not
            # catch up today's 01:00 full scan (nor the last hourly escalation) on top of it.
            call_command(
                "serve", host=host, port=port, no_worker=no_worker, no_catch_up=True, stdout=self.stdout
            )
