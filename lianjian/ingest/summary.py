"""A batch's outcome as people read it: rows of counts, unknown event types, the error files.

Shared by the import page and ``lianjian import``, so that the screen, the console and the
downloaded files say the same thing in the same words.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lianjian.cases.records import UNKNOWN_TYPES
from lianjian.common.listing import spreadsheet_safe
from lianjian.ingest.registry import DERIVED_LABELS, kind_labels

COUNT_FIELDS = ("records", "created", "unchanged", "updated", "duplicates")
"""The per-kind counts a batch records, in the order tables show them."""

ERROR_HEADERS = ("文件", "行号", "字段", "说明", "代码")
"""Columns of the error table and of its XLSX/CSV downloads (line 0 = the file as a whole)."""


@dataclass(frozen=True)
class CountRow:
    """One record kind's counts (``None`` where the kind does not have that count)."""

    kind: str
    label: str
    records: int | None
    created: int | None
    unchanged: int | None
    updated: int | None
    duplicates: int | None

    @property
    def cells(self) -> tuple[int | None, ...]:
        return (self.records, self.created, self.unchanged, self.updated, self.duplicates)


def count_rows(counts: Mapping[str, Mapping[str, Any]] | None) -> list[CountRow]:
    """The per-kind rows of a batch's ``counts``, without the unknown event types (see below)."""
    labels = {**kind_labels(), **DERIVED_LABELS}
    rows = []
    for kind, values in (counts or {}).items():
        if kind == UNKNOWN_TYPES or not isinstance(values, Mapping):
            continue
        numbers = [values.get(name) for name in COUNT_FIELDS]
        rows.append(
            CountRow(kind, labels.get(kind, kind), *(n if isinstance(n, int) else None for n in numbers))
        )
    return rows


def unknown_event_types(counts: Mapping[str, Any] | None) -> list[tuple[str, int]]:
    """Events of types the contract does not name, per type: stored and reported, never dropped."""
    found = (counts or {}).get(UNKNOWN_TYPES) or {}
    if not isinstance(found, Mapping):
        return []
    return [(str(name), int(number)) for name, number in sorted(found.items()) if isinstance(number, int)]


def unknown_type_text(event_type: str, number: int, *, saved: bool) -> str:
    """``未知事件类型 X：N 条（已保存）`` (a dry run or a rejected batch saved nothing)."""
    return f"未知事件类型 {event_type}：{number} 条（{'已保存' if saved else '未写入'}）"


def error_rows(errors: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
    """The stored errors of a batch as rows under :data:`ERROR_HEADERS`."""
    return [
        [
            str(error.get("source", "")),
            int(error.get("line") or 0),
            str(error.get("field") or ""),
            str(error.get("message", "")),
            str(error.get("code", "")),
        ]
        for error in errors
    ]


_safe = spreadsheet_safe


def errors_csv(errors: Iterable[Mapping[str, Any]]) -> bytes:
    """The errors as CSV in UTF-8 with a BOM, so that Excel opens the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ERROR_HEADERS)
    for row in error_rows(errors):
        writer.writerow([_safe(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def errors_xlsx(errors: Iterable[Mapping[str, Any]], *, about: Iterable[tuple[str, Any]] = ()) -> bytes:
    """The errors as an Excel workbook: sheet 错误 (header and rows), sheet 批次 (``about``)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("错误")
    for letter, width in zip("ABCDE", (28, 8, 16, 80, 22), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    sheet.append(list(ERROR_HEADERS))
    for row in error_rows(errors):
        sheet.append([_safe(cell) for cell in row])
    info = workbook.create_sheet("批次")
    info.column_dimensions["A"].width = 14
    info.column_dimensions["B"].width = 60
    for name, value in about:
        info.append([name, _safe(value)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
