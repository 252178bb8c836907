"""`lianjian init`: create or migrate the database; safe to run again."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from lianjian.risk.services import risk_catalogue_install


class Command(BaseCommand):
    help = "创建或升级数据库（可重复执行）/ create or migrate the database (idempotent)"

    def handle(self, *args: Any, **options: Any) -> None:
        database = settings.DATABASES["default"]
        where = (
            database["NAME"]
            if database["ENGINE"].endswith("sqlite3")
            else f"{database.get('HOST')}/{database['NAME']}"
        )
        call_command("migrate", interactive=False, verbosity=0)
        installed = risk_catalogue_install()
        self.stdout.write(f"数据库已就绪：{where}")
        if installed.points_created or installed.rules_created:
            self.stdout.write(
                f"已预置风险点 {installed.points_created} 个、检测规则 {installed.rules_created} 条"
            )
