"""`lianjian import FILE… [--json] [--no-scan] [--dry-run]`: import one batch (DATA_CONTRACT.md §4).

`lianjian import --template KIND [--out FILE]` writes the XLSX import template of a record kind
(or `all`) instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lianjian.ingest.readers import reader_for
from lianjian.ingest.registry import DERIVED_LABELS, kind_labels
from lianjian.ingest.services import BatchResult, import_batch_run
from lianjian.ingest.workbooks import template_bytes, template_kinds

STATUS_TEXT = {
    "ACCEPTED": "已写入",
    "REJECTED": "已拒绝，未写入任何数据",
    "VALIDATED": "试运行：校验通过，未写入任何数据",
}


class Command(BaseCommand):
    help = (
        "导入一个批次（JSON Lines：.jsonl/.json/.ndjson；CSV：.csv；Excel：.xlsx）。多个文件组成同一批次，"
        "全部写入或全部不写入。退出码：0 已写入（或试运行通过），1 已拒绝。"
        "--template 记录类型 [--out 文件]：生成 Excel 导入模板。"
        " / Import one batch; exit 0 when written, 1 when rejected. --template KIND writes an XLSX template."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", metavar="FILE", help="要导入的文件 / files to import")
        parser.add_argument(
            "--json", action="store_true", help="以 JSON 输出结果 / print the summary as JSON"
        )
        parser.add_argument(
            "--no-scan",
            action="store_true",
            help="导入后不运行增量检测（检测功能尚未提供，目前此选项不起作用）/ "
            "skip incremental detection (detection is not there yet: accepted, does nothing)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="只校验，不写入 / validate only, write nothing"
        )

        parser.add_argument(
            "--template",
            metavar="KIND",
            help="生成该记录类型的 Excel 导入模板（all 为全部类型）/ write the XLSX template of a kind "
            f"(or all): {', '.join(template_kinds())}",
        )
        parser.add_argument(
            "--out",
            metavar="FILE",
            help="模板的输出文件（默认 lianjian-template-KIND.xlsx）/ where to write the template",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["template"]:
            self._write_template(options["template"], options["out"], options["files"])
            return
        if not options["files"]:
            self.stderr.write("请指定要导入的文件，或用 --template 生成导入模板 [no_files]")
            raise SystemExit(1)
        kinds = kind_labels()
        readers = [reader_for(name, kinds=kinds, path=Path(name)) for name in options["files"]]
        result = import_batch_run(
            actor=None,
            source_name=", ".join(options["files"]),
            lines_or_reader=readers,
            dry_run=options["dry_run"],
        )
        if options["json"]:
            self.stdout.write(json.dumps(result.summary(), ensure_ascii=False, indent=2))
        else:
            self._print_text(result)
        if result.issues:
            raise SystemExit(1)

    def _print_text(self, result: BatchResult) -> None:
        batch = result.batch
        self.stdout.write(f"导入批次 #{batch.pk}：{STATUS_TEXT.get(str(batch.status), batch.status)}")
        self.stdout.write(f"文件：{batch.source_name}（{batch.source_format}），记录 {batch.record_count} 条")
        labels = {**kind_labels(), **DERIVED_LABELS}
        if result.counts:
            self.stdout.write(f"{'记录类型':<14}{'记录':>6}{'新增':>6}{'未变':>6}{'更新':>6}{'重复':>6}")
        for kind, counts in result.counts.items():
            name = f"{labels.get(kind, kind)} {kind}"
            cells = [
                counts.get(field, "-")
                for field in ("records", "created", "unchanged", "updated", "duplicates")
            ]
            self.stdout.write(f"{name:<16}" + "".join(f"{cell!s:>8}" for cell in cells))
        self.stdout.write(f"耗时 {batch.duration_ms} 毫秒")
        if result.issues:
            self.stderr.write(f"错误 {len(result.issues)} 条：")
            for issue in result.issues:
                self.stderr.write(
                    f"{issue.location.source}:{issue.location.line} {issue.field or '-'} "
                    f"{issue.message} [{issue.code}]"
                )

    def _write_template(self, kind: str, out: str | None, files: list[str]) -> None:
        kinds = template_kinds()
        if files:
            self.stderr.write("--template 不能与要导入的文件同时使用 [template_with_files]")
            raise SystemExit(1)
        if kind not in kinds:
            self.stderr.write(
                f"未知的记录类型：{kind}（可用：{'、'.join(f'{k} {label}' for k, label in kinds.items())}）"
                " [unknown_record_kind]"
            )
            raise SystemExit(1)
        path = Path(out or f"lianjian-template-{kind}.xlsx")
        try:
            path.write_bytes(template_bytes(kind))
        except OSError as exc:
            self.stderr.write(f"无法写入 {path}：{exc.strerror or type(exc).__name__} [unwritable_file]")
            raise SystemExit(1) from None
        self.stdout.write(f"已生成导入模板（{kinds[kind]}）：{path}")
