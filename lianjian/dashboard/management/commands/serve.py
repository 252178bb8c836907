"""`lianjian serve`: the web UI and API through waitress (pure Python, no extra server).

With the embedded SQLite queue (the default) the background-job worker runs on threads of this
process, so the scheduled jobs need no other program; with a Redis queue separate
``lianjian worker`` processes run them and this one starts none (docs/jobs.md).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lianjian.jobs.queue import embedded_worker_start, embedded_worker_stop


class Command(BaseCommand):
    help = "启动 Web 界面与接口服务 / serve the web UI and API"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
        parser.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
        parser.add_argument("--threads", type=int, default=8, help="工作线程数")
        parser.add_argument("--no-worker", action="store_true", help="不在本进程内运行后台任务")
        parser.add_argument(
            "--no-catch-up", action="store_true", help="启动前错过的时段不补跑（lianjian demo 使用）"
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        threads: int,
        no_worker: bool = False,
        no_catch_up: bool = False,
        **options: Any,
    ) -> None:
        from waitress import serve

        from config.wsgi import application

        worker = None if no_worker else embedded_worker_start(catch_up=not no_catch_up)
        try:
            if worker is not None:
                self.stdout.write("后台任务：已在本进程内运行（定时检测、预警升级等）")
            self.stdout.write(f"廉检已启动：http://{host}:{port}/  （Ctrl+C 停止）")
            serve(application, host=host, port=port, threads=threads, ident="lianjian")
        finally:
            embedded_worker_stop(worker)
