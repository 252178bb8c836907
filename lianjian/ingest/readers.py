"""Readers turn a file into ``(location, record dict)`` pairs — or ``(location, Issue)``.

A reader knows a file format and nothing about record kinds' fields: JSON Lines now, CSV (UTF-8
with or without BOM, or GB18030) too; XLSX slots in as one more subclass of
:class:`RecordReader` and one entry of :data:`READERS`. A reader never raises for bad input:
unreadable files, wrong encodings and malformed lines come out as :class:`Issue`s, and the batch
service reports them with everything else.
"""

from __future__ import annotations

import csv
import io
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from lianjian.common.records import Issue, Location

Item = tuple[Location, dict[str, Any] | Issue]

RECORD_FIELD = "record"
RECORD_HEADERS = frozenset({"record", "记录类型"})


def _reject_constant(name: str) -> Any:
    raise ValueError(f"不支持 {name}")


def unsafe_text(value: Any) -> bool:
    """Text no database column may hold: NUL characters and unpaired surrogates."""
    try:
        text = json.dumps(value, ensure_ascii=False)
        text.encode("utf-8")
    except (UnicodeEncodeError, ValueError, RecursionError):
        return True
    return "\\u0000" in text or "\x00" in text


class RecordReader(ABC):
    """One source of records: a file on disk, an upload, or lines in memory."""

    format: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]
    tabular: ClassVar[bool] = False
    """Tabular formats name fields by header (Chinese titles accepted) and give text cells."""

    def __init__(
        self,
        source: str,
        *,
        data: bytes | None = None,
        path: Path | None = None,
        kinds: Mapping[str, str] | None = None,
    ) -> None:
        self.source = source
        self._data = data
        self._path = path
        self.kinds = kinds or {}
        """Record kind → Chinese label, for formats that name the kind by file (CSV, XLSX)."""

    def issue(self, line: int, code: str, message: str, field: str = "") -> Item:
        location = Location(self.source, line)
        return location, Issue(location, field, code, message)

    def read(self) -> Iterator[Item]:
        """Every record of the source, in order, or the issues that stop it from being read."""
        try:
            raw = self._path.read_bytes() if self._path is not None else (self._data or b"")
        except OSError as exc:
            yield self.issue(0, "unreadable_file", f"文件无法读取：{_os_error_text(exc)}")
            return
        if not raw.strip():
            yield self.issue(0, "empty_file", "文件为空，没有可导入的记录")
            return
        yield from self.parse(raw)

    @abstractmethod
    def parse(self, raw: bytes) -> Iterator[Item]: ...


def _os_error_text(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "文件不存在"
    if isinstance(exc, IsADirectoryError):
        return "这是一个目录，不是文件"
    if isinstance(exc, PermissionError):
        return "没有读取权限"
    return exc.strerror or type(exc).__name__


def _bad_utf8_line(raw: bytes, exc: UnicodeDecodeError) -> int:
    return raw[: exc.start].count(b"\n") + 1


class JsonLinesReader(RecordReader):
    """JSON Lines: one JSON object per line, UTF-8 (a leading BOM is tolerated), blank lines skipped."""

    format = "jsonl"
    extensions = (".jsonl", ".ndjson", ".json")

    def __init__(
        self,
        source: str,
        *,
        data: bytes | None = None,
        path: Path | None = None,
        kinds: Mapping[str, str] | None = None,
        lines: Iterable[str] | None = None,
    ) -> None:
        super().__init__(source, data=data, path=path, kinds=kinds)
        self._lines = lines

    @classmethod
    def from_lines(cls, source: str, lines: Iterable[str]) -> JsonLinesReader:
        return cls(source, lines=lines)

    def read(self) -> Iterator[Item]:
        if self._lines is None:
            yield from super().read()
            return
        seen = False
        for number, line in enumerate(self._lines, start=1):
            item = self._parse_line(number, line)
            if item is not None:
                seen = True
                yield item
        if not seen:
            yield self.issue(0, "empty_file", "文件为空，没有可导入的记录")

    def parse(self, raw: bytes) -> Iterator[Item]:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            yield self.issue(
                _bad_utf8_line(raw, exc),
                "bad_encoding",
                "文件编码无法识别：不是有效的 UTF-8 文本（JSON Lines 文件应为 UTF-8 编码）",
            )
            return
        # Split on "\n" only: str.splitlines() would also split on U+2028 inside JSON strings.
        for number, line in enumerate(text.split("\n"), start=1):
            item = self._parse_line(number, line)
            if item is not None:
                yield item

    def _parse_line(self, number: int, line: str) -> Item | None:
        line = line.strip().lstrip("\ufeff")
        if not line:
            return None
        try:
            value = json.loads(line, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            return self.issue(number, "invalid_json", f"JSON 格式错误：第 {exc.colno} 列附近（{exc.msg}）")
        except (ValueError, RecursionError) as exc:
            return self.issue(number, "invalid_json", f"JSON 格式错误：{exc}"[:200])
        if not isinstance(value, dict):
            return self.issue(number, "not_object", "每行应为一个 JSON 对象（{…}）")
        if unsafe_text(value):
            return self.issue(number, "invalid_character", "含有不允许的字符（空字符或不成对的代理字符）")
        return Location(self.source, number), value


class CsvReader(RecordReader):
    """CSV with a header row; one record kind per file (from a ``record`` column or the file name).

    Encoding: UTF-8 (with or without BOM), else GB18030 — the two that Excel and the unified
    business system write. Empty cells are absent fields. Rows are numbered as the file's lines,
    the header being line 1.
    """

    format = "csv"
    extensions = (".csv",)
    tabular = True

    def parse(self, raw: bytes) -> Iterator[Item]:
        text = _decode_table_text(raw)
        if text is None:
            yield self.issue(
                0, "bad_encoding", "文件编码无法识别：CSV 文件应为 UTF-8（可带 BOM）或 GB18030 编码"
            )
            return
        rows = csv.reader(io.StringIO(text, newline=""))
        try:
            header = [cell.strip().lstrip("\ufeff") for cell in next(rows, [])]
            kind = kind_from_name(self.source, self.kinds)
            has_kind_column = any(name in RECORD_HEADERS for name in header)
            if kind is None and not has_kind_column:
                yield self.issue(
                    1,
                    "unknown_record_kind",
                    "无法确定 CSV 文件的记录类型：请按记录类型命名文件"
                    "（如 staff.csv、人员.csv），或增加 record 列",
                    RECORD_FIELD,
                )
                return
            for cells in rows:
                number = rows.line_num
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) > len(header):
                    yield self.issue(
                        number, "invalid_row", f"该行有 {len(cells)} 列，多于表头的 {len(header)} 列"
                    )
                    continue
                record: dict[str, Any] = {}
                for name, cell in zip(header, cells, strict=False):
                    if cell.strip() == "" or not name:
                        continue
                    record[RECORD_FIELD if name in RECORD_HEADERS else name] = cell
                record.setdefault(RECORD_FIELD, kind)
                if unsafe_text(record):
                    yield self.issue(number, "invalid_character", "含有不允许的字符（空字符）")
                    continue
                yield Location(self.source, number), record
        except csv.Error as exc:
            yield self.issue(rows.line_num, "invalid_csv", f"CSV 格式错误：{exc}")


def _decode_table_text(raw: bytes) -> str | None:
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8")
        except UnicodeDecodeError:
            return None
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def kind_from_name(source: str, kinds: Mapping[str, str]) -> str | None:
    """The record kind a table file is named for: ``staff.csv``, ``人员.csv``, ``staff_change-2026.csv``.

    ``kinds`` maps each kind to its Chinese label; the longest matching name wins (so that
    ``staff_change.csv`` is not taken for ``staff``).
    """
    stem = Path(source).stem.strip().lower()
    names = sorted(
        [(kind, kind) for kind in kinds] + [(label, kind) for kind, label in kinds.items()],
        key=lambda pair: -len(pair[0]),
    )
    for name, kind in names:
        if stem in (name, f"{name}s"):
            return kind
        if stem.startswith(name) and stem[len(name)] in "-_. ":
            return kind
    return None


class UnsupportedReader(RecordReader):
    """Stands in for a file of a format no reader handles: reports it, reads nothing."""

    format = "unsupported"
    extensions = ()

    def read(self) -> Iterator[Item]:
        suffix = Path(self.source).suffix or "（无扩展名）"
        supported = "、".join(sorted(READERS))
        yield self.issue(0, "unsupported_format", f"不支持的文件格式：{suffix}（支持 {supported}）")

    def parse(self, raw: bytes) -> Iterator[Item]:
        return iter(())


READERS: dict[str, type[RecordReader]] = {
    extension: reader for reader in (JsonLinesReader, CsvReader) for extension in reader.extensions
}
"""File extension → reader. XLSX is the next entry."""


def reader_for(
    source: str, *, kinds: Mapping[str, str], data: bytes | None = None, path: Path | None = None
) -> RecordReader:
    """The reader for a file, chosen by its extension (``source`` is the name shown in errors)."""
    reader = READERS.get(Path(source).suffix.lower())
    if reader is None:
        return UnsupportedReader(source, data=data, path=path)
    return reader(source, data=data, path=path, kinds=kinds)
