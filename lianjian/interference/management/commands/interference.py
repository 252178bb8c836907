"""``lianjian interference report`` (月报告/季分析/年总结 as Word or Excel) and ``rekey`` (data keys
and the blind-index key)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lianjian.audit.services import audit_read
from lianjian.common.sealing import SealError
from lianjian.interference import clues, services, stat_reports
from lianjian.interference import statistics as st
from lianjian.interference.models import Record
from lianjian.org.models import Unit


class Command(BaseCommand):
    help = (
        "“三个规定”记录报告：report 生成某单位（含下级院）某期间的月报告、季度分析或年度总结"
        "（Word 或 Excel，只含统计数字）；rekey 在新增数据密钥或盲索引密钥后用当前密钥重新加密全部记录、"
        "重新计算全部回避标记。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{report,rekey}")
        report = actions.add_parser("report", help="生成月报告 / 季度分析 / 年度总结")
        report.add_argument("--unit", required=True, help="单位编码，如 620102")
        report.add_argument("--period", required=True, help="2026-11（月）、2026Q4（季度）或 2026（年）")
        report.add_argument("--format", choices=stat_reports.FORMATS, default="docx", help="docx 或 xlsx")
        report.add_argument("--out", required=True, help="输出文件路径")
        rekey = actions.add_parser(
            "rekey", help="用当前数据密钥重新加密全部记录内容与附件，用当前盲索引密钥重新计算回避标记"
        )
        rekey.add_argument("--batch", type=int, default=500, help="每批读取的行数")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "report":
            self._report(options)
        else:
            self._rekey(options["batch"])

    def _report(self, options: dict[str, Any]) -> None:
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"单位不存在：{options['unit']}")
        try:
            period = st.parse_period(options["period"])
        except st.PeriodError as exc:
            raise CommandError(str(exc)) from exc
        # Run on the server by its operator: every record of the unit and below is counted.
        data = stat_reports.report_data(Record.objects.all(), unit=unit, period=period, issued_on=st.today())
        body = stat_reports.render(data, options["format"])
        out = Path(options["out"])
        try:
            out.write_bytes(body)
        except OSError as exc:
            raise CommandError(f"无法写入 {out}：{exc}") from exc
        audit_read(
            actor=None,
            action="interference.report.export",
            target=unit,
            period=period.key,
            kind=period.kind,
            format=options["format"],
        )
        self.stdout.write(f"已生成 {data.title}（{options['format']}）→ {out}")

    def _rekey(self, batch: int) -> None:
        try:
            counts = services.rekey(batch=batch)
            clue_counts = clues.clues_rekey(batch=batch)
            tag_counts = services.retag(batch=batch)
        except SealError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"已用当前密钥重新加密：记录版本 {counts['versions']} 条，附件 {counts['attachments']} 个，"
            f"问题线索 {clue_counts['clues']} 条，线索办理环节 {clue_counts['clue_steps']} 条。"
        )
        self.stdout.write(
            f"已用当前盲索引密钥重新计算回避标记：记录 {tag_counts['records']} 条，"
            f"问题线索 {tag_counts['clues']} 条，预警 {tag_counts['alerts']} 条；"
            f"无法换算的标记 {tag_counts['unmapped']} 个（已保留原样）。"
        )
