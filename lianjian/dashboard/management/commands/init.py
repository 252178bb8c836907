"""`lianjian init`: create or migrate the database; safe to run again."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


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
        self.stdout.write(f"数据库已就绪：{where}")
