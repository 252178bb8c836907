"""Readers turn a file into ``(location, record dict)`` pairs — or ``(location, Issue)``.

A reader knows a file format, not the record kinds' rules: JSON Lines (UTF-8), CSV (UTF-8 with or
without BOM, or GB18030) and XLSX (read with python-calamine). The table formats take their
columns from :mod:`lianjian.ingest.tables` (Chinese or English headers, flattened or JSON
``data``, Excel dates, numbers typed into text columns). A reader never raises for bad input:
unreadable files, unknown encodings, corrupt workbooks, bad headers and malformed lines come out
as :class:`Issue` items, and the batch service reports them with everything else.

Readers are generators: they read a file line by line (JSON Lines, CSV) or row by row (XLSX),
so that memory does not grow with the number of records read so far. (calamine holds one XLSX
sheet's cells at a time, compactly; very large imports are best given as JSON Lines or CSV.)
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from abc import ABC
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, ClassVar

import python_calamine

from lianjian.common import jsontext
from lianjian.common.records import Issue, Location
from lianjian.ingest.tables import (
    EMPTY,
    MAX_CELL_CHARS,
    CellError,
    Column,
    ColumnType,
    KindLayout,
    cell_value,
    example_cells,
    is_identifier,
    kind_names,
    layout_for,
    normalize_header,
)

Item = tuple[Location, dict[str, Any] | Issue]

RECORD_FIELD = "record"
RECORD_HEADERS = frozenset({"record", "记录类型"})
EXPLANATION_SHEETS = frozenset({"说明", "填写说明", "readme", "instructions"})
"""Sheets of a workbook that hold no records (the templates' explanation sheet)."""

MAX_LINE_BYTES = 1024 * 1024
"""The longest JSON line accepted (a record is a few hundred bytes; 1 MB leaves ample room)."""
CSV_FIELD_LIMIT = 16 * 1024 * 1024
"""The csv module's own limit, raised from its 128 KB so that an oversized field reaches our
check (:data:`~lianjian.ingest.tables.MAX_CELL_CHARS`) and gets a clear message; beyond this
the csv module stops the file, reported the same way."""
ENCODING_MESSAGE = "无法识别文件编码（支持 UTF-8 与 GB18030）"
_CHUNK = 256 * 1024

csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"不支持 {name}")


def unsafe_text(value: Any) -> bool:
    """Text no database column may hold: NUL characters and unpaired surrogates."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
        text.encode("utf-8")
    except (UnicodeEncodeError, ValueError, RecursionError):
        return True
    return "\\u0000" in text or "\x00" in text


def _maybe_unsafe(line: str) -> bool:
    """Whether a JSON line could hold what :func:`unsafe_text` refuses (a cheap, conservative
    test on the text: NUL and unpaired surrogates can only come from escapes or the raw text)."""
    if "\\u" in line and ("\\u0000" in line or "\\ud" in line or "\\uD" in line):
        return True
    if "\x00" in line:
        return True
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class RecordReader(ABC):
    """One source of records: a file on disk, an upload, or lines in memory."""

    format: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]
    tabular: ClassVar[bool] = False
    """Tabular formats name fields by header (Chinese titles accepted)."""

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
        self.skipped = 0
        self.kinds = kinds or {}
        """Record kind → Chinese label, for formats that name the kind by file (CSV, XLSX)."""

    def issue(
        self, line: int, code: str, message: str, field: str = "", *, source: str | None = None
    ) -> Item:
        location = Location(source or self.source, line)
        return location, Issue(location, field, code, message)

    def read(self) -> Iterator[Item]:
        """Every record of the source, in order, or the issues that stop it from being read."""
        try:
            stream: IO[bytes] = (
                self._path.open("rb") if self._path is not None else io.BytesIO(self._data or b"")
            )
        except OSError as exc:
            yield self.issue(0, "unreadable_file", f"文件无法读取：{_os_error_text(exc)}")
            return
        with stream:
            try:
                if _is_blank(stream):
                    yield self.issue(0, "empty_file", "文件为空，没有可导入的记录")
                    return
                yield from self.read_stream(stream)
            except OSError as exc:
                yield self.issue(0, "unreadable_file", f"文件无法读取：{_os_error_text(exc)}")

    def read_skipping(self, prefixes: tuple[str, ...]) -> Iterator[Item]:
        """:meth:`read`, except that a format able to tell cheaply may leave out the records whose
        text starts with one of ``prefixes`` (JSON Lines does; others read everything). Used by
        the importer's first pass, which wants every record but the events; ``skipped`` counts
        what was left out."""
        self.skipped = 0
        yield from self.read()

    def read_stream(self, stream: IO[bytes]) -> Iterator[Item]:
        """The records of a non-blank, seekable binary stream, read lazily (file formats)."""
        raise NotImplementedError

    def parse(self, raw: bytes) -> Iterator[Item]:
        """The records of a file's content already in memory."""
        yield from self.read_stream(io.BytesIO(raw))


def _is_blank(stream: IO[bytes]) -> bool:
    """Whether the stream holds only whitespace (reads up to the first other byte, then rewinds)."""
    try:
        while chunk := stream.read(_CHUNK):
            if chunk.strip(b" \t\r\n\x0b\x0c"):
                return False
        return True
    finally:
        stream.seek(0)


def _os_error_text(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "文件不存在"
    if isinstance(exc, IsADirectoryError):
        return "这是一个目录，不是文件"
    if isinstance(exc, PermissionError):
        return "没有读取权限"
    return exc.strerror or type(exc).__name__


def _size_text(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


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

    _skip: tuple[str, ...] = ()

    def read_skipping(self, prefixes: tuple[str, ...]) -> Iterator[Item]:
        self.skipped = 0
        self._skip = prefixes
        try:
            yield from self.read()
        finally:
            self._skip = ()

    @classmethod
    def from_lines(cls, source: str, lines: Iterable[str]) -> JsonLinesReader:
        return cls(source, lines=lines)

    def read(self) -> Iterator[Item]:
        if self._lines is None:
            yield from super().read()
            return
        seen = False
        for number, line in enumerate(self._lines, start=1):
            if len(line) > MAX_LINE_BYTES:
                seen = True
                yield self._too_long(number, len(line.encode("utf-8", "surrogatepass")))
                continue
            item = self._parse_line(number, line)
            if item is not None:
                seen = True
                yield item
        if not seen:
            yield self.issue(0, "empty_file", "文件为空，没有可导入的记录")

    def read_stream(self, stream: IO[bytes]) -> Iterator[Item]:
        # Lines end at b"\n" only: str.splitlines() would also split on U+2028 inside JSON strings.
        number = 0
        while raw := stream.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                size = len(raw)
                while (rest := stream.readline(_CHUNK)) and not rest.endswith(b"\n"):
                    size += len(rest)
                yield self._too_long(number, size + len(rest))
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield self.issue(
                    number,
                    "bad_encoding",
                    "文件编码无法识别：不是有效的 UTF-8 文本（JSON Lines 文件应为 UTF-8 编码）",
                )
                return
            item = self._parse_line(number, line)
            if item is not None:
                yield item

    def _too_long(self, number: int, size: int) -> Item:
        return self.issue(
            number,
            "line_too_long",
            f"该行过长（{_size_text(size)}），每行最多 {MAX_LINE_BYTES // (1024 * 1024)} MB",
        )

    def _parse_line(self, number: int, line: str) -> Item | None:
        line = line.strip().lstrip("\ufeff")
        if not line:
            return None
        if self._skip and line.startswith(self._skip):
            self.skipped += 1
            return None
        try:
            value = jsontext.loads(line, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            return self.issue(number, "invalid_json", f"JSON 格式错误：第 {exc.colno} 列附近（{exc.msg}）")
        except (ValueError, RecursionError) as exc:
            return self.issue(number, "invalid_json", f"JSON 格式错误：{exc}"[:200])
        if not isinstance(value, dict):
            return self.issue(number, "not_object", "每行应为一个 JSON 对象（{…}）")
        if _maybe_unsafe(line) and unsafe_text(value):
            return self.issue(number, "invalid_character", "含有不允许的字符（空字符或不成对的代理字符）")
        return Location(self.source, number), value


# --- tables -------------------------------------------------------------------------------------


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (as Excel names columns)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


class Table:
    """One CSV file or XLSX sheet: its header row read once, then its rows turned into records.

    ``where`` starts every message of the table's own errors (``文件 x.xlsx 工作表 人员``);
    ``source`` names it in locations. The kind comes from the file or sheet name, or row by row
    from a ``record`` column (its value the kind or its Chinese label).
    """

    def __init__(
        self,
        reader: RecordReader,
        *,
        source: str,
        where: str,
        kind: str | None,
        header: Sequence[Any],
        header_line: int,
        first_column: int = 0,
    ) -> None:
        self.reader = reader
        self.source = source
        self.where = where
        self.kind = kind
        self.header_line = header_line
        self.first_column = first_column
        self.headers = ["" if cell is None else str(cell).replace("\ufeff", "").strip() for cell in header]
        self.record_index = next(
            (index for index, name in enumerate(self.headers) if normalize_header(name) in RECORD_HEADERS),
            None,
        )
        self.names = kind_names(reader.kinds)
        self._mappings: dict[str, list[Column | str | None]] = {}
        self._examples: dict[str, dict[str, Any]] = {}
        self._headerless: set[int] = set()
        self.count = 0
        """Records read (the reader reports an empty file when no record and no error came)."""
        self.problems = 0

    def issue(self, line: int, code: str, message: str, field: str = "") -> Item:
        return self.reader.issue(
            line, code, f"{self.where} 第 {line} 行：{message}", field, source=self.source
        )

    def letter(self, index: int) -> str:
        return column_letter(index + self.first_column)

    def header_issues(self) -> list[Item]:
        """What is wrong with the header row; rows are not read when it is wrong."""
        layout = layout_for(self.kind) if self.kind else None
        if self.kind is None or layout is None:
            return self._mixed_header_issues() if self.record_index is not None else []
        issues: list[Item] = []
        mapping = self.mapping(self.kind)
        known = [target for target in mapping if isinstance(target, Column)]
        if not known:
            examples = "、".join(column.title for column in layout.template_columns[:3])
            return [
                self.issue(
                    self.header_line,
                    "missing_header",
                    f"缺少表头：第一行应为列名（如 {examples}），未找到任何已知列名",
                )
            ]
        seen: dict[str, int] = {}
        for index, target in enumerate(mapping):
            header = self.headers[index] if index < len(self.headers) else ""
            if isinstance(target, Column):
                if target.name in seen:
                    issues.append(
                        self.issue(
                            self.header_line,
                            "duplicate_column",
                            f"{self.letter(index)} 列“{header}”与 {self.letter(seen[target.name])} 列重复"
                            f"（都对应字段 {target.name}）",
                            target.name,
                        )
                    )
                seen.setdefault(target.name, index)
            elif target is None and header and index != self.record_index:
                hint = layout.suggestions(header)
                issues.append(
                    self.issue(
                        self.header_line,
                        "unknown_column",
                        f"{self.letter(index)} 列“{header}”不是{layout.label}的字段"
                        + (f"，是否应为“{'”或“'.join(hint)}”" if hint else ""),
                        header,
                    )
                )
        present = set(seen) | {target.parent for target in known if target.parent}
        for column in layout.required_columns():
            if column.name not in present:
                issues.append(
                    self.issue(
                        self.header_line,
                        "missing_column",
                        f"缺少必填列：{column.title}（{column.name}）",
                        column.name,
                    )
                )
        return issues

    def _mixed_header_issues(self) -> list[Item]:
        layouts = [layout for kind in self.reader.kinds if (layout := layout_for(kind)) is not None]
        issues = []
        for index, header in enumerate(self.headers):
            if not header or index == self.record_index or is_identifier(header):
                continue
            if not any(layout.column(header) for layout in layouts):
                issues.append(
                    self.issue(
                        self.header_line,
                        "unknown_column",
                        f"{self.letter(index)} 列“{header}”不是任何记录类型的字段",
                        header,
                    )
                )
        return issues

    def mapping(self, kind: str) -> list[Column | str | None]:
        """Each column's target for a kind: a field's column, an extra field's name, or None
        (an empty header, the ``record`` column, or a header that is no field of the kind)."""
        found = self._mappings.get(kind)
        if found is None:
            layout = layout_for(kind)
            found = []
            for index, header in enumerate(self.headers):
                column = layout.column(header) if layout is not None and header else None
                if index == self.record_index or not header:
                    found.append(None)
                elif column is not None:
                    found.append(column)
                elif is_identifier(header) or layout is None:
                    found.append(header)
                else:
                    found.append(None)
            self._mappings[kind] = found
        return found

    def example(self, kind: str) -> dict[str, Any]:
        """The record the template's example row of ``kind`` reads as (skipped when found)."""
        found = self._examples.get(kind)
        if found is None:
            layout = layout_for(kind)
            found = {}
            if layout is not None:
                columns = {column.name: column for column in layout.template_columns}
                cells = example_cells(layout)
                found = self._build(layout, [(columns[name], value) for name, value in cells.items()], 0, [])
            self._examples[kind] = found
        return found

    def rows(self, rows: Iterable[tuple[int, Sequence[Any]]]) -> Iterator[Item]:
        """The records of the rows after the header: ``(line, cells)`` pairs."""
        for line, cells in rows:
            if not any(_filled(cell) for cell in cells):
                continue
            if len(cells) > len(self.headers) and any(_filled(cell) for cell in cells[len(self.headers) :]):
                self.problems += 1
                yield self.issue(
                    line, "invalid_row", f"该行有 {len(cells)} 列，多于表头的 {len(self.headers)} 列"
                )
                continue
            kind = self.kind
            if (
                self.record_index is not None
                and self.record_index < len(cells)
                and _filled(cells[self.record_index])
            ):
                value = str(cells[self.record_index]).strip()
                kind = self.names.get(normalize_header(value), value)
            issues: list[Item] = []
            if kind is None:
                record: dict[str, Any] = {}
            else:
                record = self._row(kind, line, cells, issues)
            if issues:
                self.problems += len(issues)
                yield from issues
                continue
            if kind is not None and record and record == self.example(kind):
                continue
            record[RECORD_FIELD] = kind
            if unsafe_text(record):
                self.problems += 1
                yield self.issue(line, "invalid_character", "含有不允许的字符（空字符或不成对的代理字符）")
                continue
            self.count += 1
            yield Location(self.source, line), record

    def _row(self, kind: str, line: int, cells: Sequence[Any], issues: list[Item]) -> dict[str, Any]:
        mapping = self.mapping(kind)
        layout = layout_for(kind)
        pairs: list[tuple[Column | str, Any]] = []
        for index, cell in enumerate(cells):
            if not _filled(cell) or index == self.record_index:
                continue
            target = mapping[index] if index < len(mapping) else None
            if target is None:
                header = self.headers[index] if index < len(self.headers) else ""
                if not header and index not in self._headerless:
                    self._headerless.add(index)
                    issues.append(
                        self.issue(line, "missing_header", f"{self.letter(index)} 列有数据但没有表头（列名）")
                    )
                elif header:
                    issues.append(
                        self.issue(
                            line,
                            "unknown_column",
                            f"{self.letter(index)} 列“{header}”不是该记录类型的字段",
                            header,
                        )
                    )
                continue
            pairs.append((target, cell))
        if layout is None:
            return {str(target): _plain_cell(cell) for target, cell in pairs}
        return self._build(layout, pairs, line, issues)

    def _build(
        self, layout: KindLayout, pairs: Sequence[tuple[Column | str, Any]], line: int, issues: list[Item]
    ) -> dict[str, Any]:
        record: dict[str, Any] = {}
        flattened: dict[str, dict[str, Any]] = {}
        whole: dict[str, dict[str, Any]] = {}
        for target, cell in pairs:
            column = target if isinstance(target, Column) else Column(target, target, ColumnType.ANY)
            try:
                value = cell_value(cell, column.type)
            except CellError as exc:
                issues.append(self.issue(line, exc.code, f"{column.title}：{exc.message}", column.name))
                continue
            if value is EMPTY:
                continue
            if column.parent is not None and column.parent in layout.objects:
                flattened.setdefault(column.parent, {})[column.leaf] = value
            elif column.name in layout.objects:
                whole[column.name] = value
            else:
                record[column.name] = value
        for name in {*flattened, *whole}:
            merged = dict(whole.get(name, {}))
            for key, value in flattened.get(name, {}).items():
                if key in merged and merged[key] != value:
                    issues.append(
                        self.issue(
                            line,
                            "conflicting_value",
                            f"{name}.{key} 在 JSON 列与单独的列中取值不同（{merged[key]!r} 与 {value!r}）",
                            f"{name}.{key}",
                        )
                    )
                merged[key] = value
            record[name] = merged
        return record


def _filled(cell: Any) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _plain_cell(cell: Any) -> Any:
    value = cell_value(cell, ColumnType.ANY)
    return None if value is EMPTY else value


class CsvReader(RecordReader):
    """CSV with a header row; one record kind per file (from the file name or a ``record`` column).

    Encoding: UTF-8 (with or without BOM), else GB18030 — the two that Excel and the unified
    business system write; anything else is refused. Empty cells are absent fields. Rows are
    numbered as the file's lines, the header being line 1.
    """

    format = "csv"
    extensions = (".csv",)
    tabular = True

    def read_stream(self, stream: IO[bytes]) -> Iterator[Item]:
        encoding = detect_encoding(stream)
        if encoding is None:
            yield self.issue(0, "bad_encoding", f"文件 {self.source}：{ENCODING_MESSAGE}")
            return
        text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        rows = csv.reader(text)
        failure: list[Item] = []

        def numbered() -> Iterator[tuple[int, list[str]]]:
            try:
                for cells in rows:
                    yield rows.line_num, cells
            except csv.Error as exc:
                failure.append(self._csv_error(max(rows.line_num, 1), exc))

        lines = numbered()
        header = next(lines, None)
        if header is None:
            yield from failure or [self.issue(0, "empty_file", "文件为空，没有可导入的记录")]
            return
        kind = kind_from_name(self.source, self.kinds)
        table = Table(
            self, source=self.source, where=f"文件 {self.source}", kind=kind, header=header[1], header_line=1
        )
        if kind is None and table.record_index is None:
            yield self.issue(
                1,
                "unknown_record_kind",
                "无法确定 CSV 文件的记录类型：请按记录类型命名文件"
                "（如 staff.csv、人员.csv），或增加 record 列",
                RECORD_FIELD,
            )
            return
        header_issues = table.header_issues()
        if header_issues:
            yield from header_issues
            return
        yield from table.rows(lines)
        yield from failure
        if table.count == 0 and table.problems == 0 and not failure:
            yield self.issue(0, "empty_file", f"文件 {self.source} 只有表头，没有可导入的记录")
        text.detach()

    def _csv_error(self, line: int, exc: csv.Error) -> Item:
        if "field limit" in str(exc):
            return self.issue(
                line,
                "field_too_large",
                f"文件 {self.source} 第 {line} 行：字段过长（超过 {CSV_FIELD_LIMIT // (1024 * 1024)} MB），"
                f"单元格上限 {MAX_CELL_CHARS // 1_000_000} 百万字符",
            )
        return self.issue(line, "invalid_csv", f"CSV 格式错误：{exc}")


def detect_encoding(stream: IO[bytes]) -> str | None:
    """``utf-8-sig``, ``utf-8`` or ``gb18030`` — the first that decodes the whole stream — or None.

    Reads the stream in chunks (memory stays bounded), then rewinds it. UTF-16/32 (their byte
    order marks) and NUL bytes are refused: GB18030 would decode them, into nonsense.
    """
    try:
        head = stream.read(4)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return None
        candidates = ("utf-8-sig",) if head.startswith(codecs.BOM_UTF8) else ("utf-8", "gb18030")
        for encoding in candidates:
            stream.seek(0)
            decoder = codecs.getincrementaldecoder(encoding)()
            try:
                while chunk := stream.read(_CHUNK):
                    if b"\x00" in chunk:
                        return None
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            return encoding
        return None
    finally:
        stream.seek(0)


class XlsxReader(RecordReader):
    """An Excel workbook: one sheet per record kind, named by the kind (``staff``, ``人员``) or with
    a ``record`` column; the header in the sheet's first non-empty row; rows numbered as Excel
    numbers them. The explanation sheet of the templates (说明) and empty sheets are skipped."""

    format = "xlsx"
    extensions = (".xlsx", ".xlsm")
    tabular = True

    def read_stream(self, stream: IO[bytes]) -> Iterator[Item]:
        where = f"文件 {self.source}"
        try:
            workbook = python_calamine.CalamineWorkbook.from_filelike(stream)
        except python_calamine.PasswordError:
            yield self.issue(0, "invalid_xlsx", f"{where}：工作簿有密码保护，请去除密码后再导入")
            return
        except Exception:
            yield self.issue(
                0,
                "invalid_xlsx",
                f"{where}：无法作为 Excel 工作簿（.xlsx）读取，文件可能已损坏或不是 Excel 文件",
            )
            return
        count = 0
        try:
            for name in workbook.sheet_names:
                if normalize_header(name) in EXPLANATION_SHEETS:
                    continue
                for item in self._sheet(workbook, name):
                    count += 1
                    yield item
        finally:
            workbook.close()
        if count == 0:
            yield self.issue(0, "empty_file", f"{where}：工作簿中没有可导入的记录")

    def _sheet(self, workbook: python_calamine.CalamineWorkbook, name: str) -> Iterator[Item]:
        source = f"{self.source} 工作表 {name}"
        where = f"文件 {self.source} 工作表 {name}"
        try:
            sheet = workbook.get_sheet_by_name(name)
            start = sheet.start
            merged = list(sheet.merged_cell_ranges or [])
            cells = sheet.iter_rows()
        except Exception:
            yield self.issue(0, "invalid_xlsx", f"{where}：工作表无法读取，文件可能已损坏", source=source)
            return
        if start is None:
            return
        failure: list[Item] = []

        def numbered() -> Iterator[tuple[int, list[Any]]]:
            # iter_rows() starts at the sheet's first row and at its first used column.
            line = 0
            while True:
                try:
                    row = next(cells)
                except StopIteration:
                    return
                except Exception:
                    failure.append(
                        self.issue(
                            line + 1,
                            "invalid_xlsx",
                            f"{where} 第 {line + 1} 行：单元格无法读取",
                            source=source,
                        )
                    )
                    return
                line += 1
                yield line, row

        rows = numbered()
        header = next((row for row in rows if any(_filled(cell) for cell in row[1])), None)
        if header is None:
            yield from failure
            return
        header_line, header_cells = header
        kind = kind_from_name(name, self.kinds)
        table = Table(
            self,
            source=source,
            where=where,
            kind=kind,
            header=header_cells,
            header_line=header_line,
            first_column=start[1],
        )
        if kind is None and table.record_index is None:
            yield table.issue(
                header_line,
                "unknown_sheet",
                f"工作表“{name}”不对应任何记录类型：请将工作表命名为记录类型"
                f"（如 {'、'.join(list(self.kinds.values())[:3]) or '人员'} 或 staff），或增加 record 列",
                RECORD_FIELD,
            )
            return
        problems = []
        for (top, left), (bottom, right) in merged:
            span = f"{column_letter(left)}{top + 1}:{column_letter(right)}{bottom + 1}"
            if top + 1 <= header_line <= bottom + 1:
                problems.append(
                    table.issue(
                        top + 1,
                        "merged_header",
                        f"表头含合并单元格 {span}：表头应只占一行，每列一个列名，"
                        "不要合并单元格或在表头上方加标题",
                    )
                )
            elif top + 1 > header_line:
                problems.append(
                    table.issue(
                        top + 1, "merged_cell", f"合并单元格 {span}：请取消合并，并在每一行填写完整的值"
                    )
                )
        header_problems = [item for item in problems if item[1].code == "merged_header"]  # type: ignore[union-attr]
        if header_problems:
            yield from header_problems
            return
        header_issues = table.header_issues()
        if header_issues:
            yield from header_issues
            return
        yield from problems
        yield from table.rows(rows)
        yield from failure


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

    def read_stream(self, stream: IO[bytes]) -> Iterator[Item]:
        return iter(())


READERS: dict[str, type[RecordReader]] = {
    extension: reader
    for reader in (JsonLinesReader, CsvReader, XlsxReader)
    for extension in reader.extensions
}
"""File extension → reader."""


def reader_for(
    source: str, *, kinds: Mapping[str, str], data: bytes | None = None, path: Path | None = None
) -> RecordReader:
    """The reader for a file, chosen by its extension (``source`` is the name shown in errors)."""
    reader = READERS.get(Path(source).suffix.lower())
    if reader is None:
        return UnsupportedReader(source, data=data, path=path)
    return reader(source, data=data, path=path, kinds=kinds)
