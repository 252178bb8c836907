"""``lianjian cases rebuild [--unit CODE]``: fold the projections of cases again from their events."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lianjian.cases.services import cases_rebuild
from lianjian.org.models import Unit


class Command(BaseCommand):
    help = (
        "案件投影：rebuild 从案件事件重新计算全部案件（或 --unit 指定单位及其下级单位的案件）的当前状态，"
        "分块提交，可重复运行。 / Rebuild case projections from their events."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{rebuild}")
        rebuild = actions.add_parser("rebuild", help="从事件重建案件投影 / rebuild projections from events")
        rebuild.add_argument(
            "--unit", metavar="CODE", help="只重建该单位及其下级单位的案件 / one unit's subtree"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        unit = None
        if options.get("unit"):
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"单位不存在：{options['unit']} [unknown_unit]")
        counts = cases_rebuild(actor=None, unit=unit)
        scope = f"{unit.name}（{unit.code}）及下级单位" if unit else "全部单位"
        self.stdout.write(f"已重建{scope}的案件投影：新建 {counts.created} 件，更新 {counts.updated} 件")
