"""``lianjian notify process [--json]``: send the due deliveries once (cron, tests)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lianjian.notify.services import deliveries_process


class Command(BaseCommand):
    help = "消息投递：发送到期的邮件与 Webhook（process）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        process = sub.add_parser("process", help="发送一次到期的投递")
        process.add_argument("--json", action="store_true", help="以 JSON 输出统计")
        process.add_argument("--limit", type=int, default=100, help="本次最多发送的条数")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = deliveries_process(limit=max(1, options["limit"]))
        if options["json"]:
            self.stdout.write(json.dumps(counts, ensure_ascii=False))
        else:
            self.stdout.write(
                f"取出 {counts['claimed']} 条：已发送 {counts['sent']}，失败待重试 {counts['failed']}，"
                f"已放弃 {counts['given_up']}"
            )
