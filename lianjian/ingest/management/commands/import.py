"""`lianjian import FILE… [--json] [--no-scan] [--dry-run] [--progress]`: import one batch
(DATA_CONTRACT.md §4).

A progress bar is drawn on stderr when stderr is a terminal (or with ``--progress``), fed by the
importer's ``progress(done, total)`` callback; stdout keeps only the summary, so ``--json``
output stays pure JSON.

`lianjian import --template KIND [--out FILE]` writes the XLSX import template of a record kind
(or `all`) instead.
"""

from __future__ import annotations

import inspect
import json
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser, OutputWrapper

from lianjian.ingest.readers import reader_for
from lianjian.ingest.registry import kind_labels
from lianjian.ingest.services import (
    BatchResult,
    case_statistics_refresh,
    created_events,
    detection_after_import,
    import_batch_run,
    scan_text,
)
from lianjian.ingest.summary import count_rows, unknown_event_types, unknown_type_text
from lianjian.ingest.workbooks import template_bytes, template_kinds

STATUS_TEXT = {
    "ACCEPTED": "已写入",
    "REJECTED": "已拒绝，未写入任何数据",
    "VALIDATED": "试运行：校验通过，未写入任何数据",
}


def display_width(text: str) -> int:
    """Columns the text takes on a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, width: int, *, right: bool = False) -> str:
    space = " " * max(0, width - display_width(text))
    return f"{space}{text}" if right else f"{text}{space}"


def accepts_keyword(function: Callable[..., Any], name: str) -> bool:
    """Whether ``function`` takes the keyword argument ``name`` (or any keyword at all)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        parameter.name == name or parameter.kind is inspect.Parameter.VAR_KEYWORD for parameter in parameters
    )


class ProgressBar:
    """A one-line progress bar on a stream, redrawn in place at most every ``interval`` seconds.

    Called as ``bar(done, total)``; ``total`` may be unknown (None or 0), then only the count is
    shown. The last call (``done >= total``) is always drawn; :meth:`finish` ends the line.
    """

    def __init__(
        self,
        stream: OutputWrapper,
        *,
        width: int = 30,
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.width = width
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self.drawn_at: float | None = None
        self.shown = 0

    def __call__(self, done: int, total: int | None = None) -> None:
        now = self.clock()
        final = bool(total) and done >= (total or 0)
        if not final and self.drawn_at is not None and now - self.drawn_at < self.interval:
            return
        self.drawn_at = now
        self._draw(self.render(done, total, now - self.started))

    def render(self, done: int, total: int | None, elapsed: float) -> str:
        if total and total > 0:
            share = min(1.0, max(0.0, done / total))
            filled = int(share * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            return f"导入进度 [{bar}] {share * 100:5.1f}% {done:,}/{total:,} 用时 {elapsed:.1f} 秒"
        return f"导入进度 已处理 {done:,} 用时 {elapsed:.1f} 秒"

    def _draw(self, text: str) -> None:
        width = display_width(text)
        self.stream.write("\r" + text + " " * max(0, self.shown - width), ending="", style_func=str)
        self.stream.flush()
        self.shown = width

    def finish(self) -> None:
        if self.shown:
            self.stream.write("", style_func=str)
            self.shown = 0


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
            help="导入后不运行增量检测 / skip the incremental detection after the import",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="只校验，不写入 / validate only, write nothing"
        )
        parser.add_argument(
            "--progress",
            action="store_true",
            help="在标准错误上显示进度条（终端中默认显示）/ draw a progress bar on stderr "
            "(the default when stderr is a terminal)",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="不显示进度条 / never draw the progress bar"
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
        bar = self._progress_bar(options)
        extra: dict[str, Any] = {"progress": bar} if bar is not None else {}
        try:
            result = import_batch_run(
                actor=None,
                source_name=", ".join(options["files"]),
                lines_or_reader=readers,
                dry_run=options["dry_run"],
                **extra,
            )
        finally:
            if bar is not None:
                bar.finish()
        scan = None
        if result.is_accepted and not options["dry_run"]:
            case_statistics_refresh(events_created=created_events(result))
            if not options["no_scan"]:
                scan = detection_after_import(actor=None)
        if options["json"]:
            summary = result.summary()
            if scan is not None:
                summary["scan"] = scan
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
        else:
            self._print_text(result)
            if scan is not None:
                self.stdout.write(scan_text(scan))
        if result.issues:
            raise SystemExit(1)

    def _progress_bar(self, options: dict[str, Any]) -> ProgressBar | None:
        """A bar when asked for (or stderr is a terminal), if the importer reports progress."""
        if options["no_progress"] or not (options["progress"] or self.stderr.isatty()):
            return None
        if not accepts_keyword(import_batch_run, "progress"):
            return None
        return ProgressBar(self.stderr)

    def _print_text(self, result: BatchResult) -> None:
        batch = result.batch
        self.stdout.write(f"导入批次 #{batch.pk}：{STATUS_TEXT.get(str(batch.status), batch.status)}")
        self.stdout.write(f"文件：{batch.source_name}（{batch.source_format}），记录 {batch.record_count} 条")
        rows = count_rows(result.counts)
        if rows:
            headers = ("记录", "新增", "未变", "更新", "重复")
            self.stdout.write(pad("记录类型", 24) + "".join(pad(h, 8, right=True) for h in headers))
        for row in rows:
            cells = ["-" if cell is None else str(cell) for cell in row.cells]
            self.stdout.write(
                pad(f"{row.label} {row.kind}", 24) + "".join(pad(c, 8, right=True) for c in cells)
            )
        for name, number in unknown_event_types(result.counts):
            self.stdout.write(unknown_type_text(name, number, saved=result.is_accepted))
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
