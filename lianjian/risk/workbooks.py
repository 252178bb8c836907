"""The risk-point catalogue as an Excel workbook, and back (F3.2: Excel export/import).

The export has one sheet, 风险点库, whose first row is the Chinese names of the point's fields
(the models' ``verbose_name``) followed by four columns for reference (所属库, 版本, 生效日期,
停用日期); list fields (相关权力 and the measures of each phase) hold one item per line; choices
are written as their Chinese labels; a 说明 sheet explains the columns. Every text cell is made
inert for Excel (``spreadsheet_safe``), and the import undoes exactly that quoting, so that an
export imported again changes nothing.

The import reads a workbook of that format into one library (the standard library or a unit's
local library): a row whose code the library lacks adds a point (unless the row says what the
library already inherits), a row that differs from the library's point revises it. It is
all-or-nothing: every row is checked first and on any error nothing is written; the writes go
through the services (``risk_point_add``, ``risk_point_revise``) in one transaction.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from lianjian.common.listing import FORMULA_STARTS, spreadsheet_safe
from lianjian.org.models import Unit
from lianjian.risk.choices import RiskCategory, RiskLine, RiskPointLevel
from lianjian.risk.models import RiskPoint
from lianjian.risk.selectors import effective_points
from lianjian.risk.services import (
    POINT_FIELDS,
    CatalogueError,
    clean_point_fields,
    risk_point_add,
    risk_point_revise,
)

SHEET = "风险点库"
EXPLANATION_SHEET = "说明"
MAX_ROWS = 5000
CHOICES: dict[str, Any] = {"line": RiskLine, "category": RiskCategory, "level": RiskPointLevel}
LIST_FIELDS = ("powers", "prevent", "monitor", "dispose")
BOOL_FIELDS = ("is_detectable",)
REQUIRED_TO_ADD = ("name", "line", "category", "level")
INFO_TITLES = ("所属库", "版本", "生效日期", "停用日期")
TRUE_TEXT = {"是", "true", "1", "y", "yes"}
FALSE_TEXT = {"否", "false", "0", "n", "no", ""}

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_INFO_FILL = PatternFill("solid", fgColor="EDEDED")
_WIDTHS = {"code": 12, "name": 28, "description": 40, "legal_basis": 30}


def _model_field(name: str) -> Any:
    return RiskPoint._meta.get_field(name)


def _title(name: str) -> str:
    return str(_model_field(name).verbose_name)


def field_titles() -> dict[str, str]:
    """English field → Chinese column title, in the workbook's order (the code first)."""
    return {name: _title(name) for name in ("code", *POINT_FIELDS)}


def _describe(name: str) -> str:
    if name == "code":
        return "必填；不超过 16 个字符，在所选库中唯一"
    if name in CHOICES:
        return "新增时必填；填中文名或编码：" + "、".join(
            f"{label}（{value}）" for value, label in CHOICES[name].choices
        )
    if name == "name":
        return "新增时必填"
    if name in LIST_FIELDS:
        return "每行一项（单元格内换行：Alt+Enter）"
    if name in BOOL_FIELDS:
        return "是 / 否"
    return "文字"


NOTES = [
    "风险点库 导入说明",
    "1. 第一行为列名，不要改动；“风险点编码”必填，其余列可以删去（删去的列在修订时保持原值）。",
    "2. 导入到所选的库（标准库或本单位本地库）：库中没有的编码新增风险点，库中已有而内容不同的修订该风险点；"
    "内容与本单位现行（含继承自上级院或标准库）风险点相同的行不作改动。",
    "3. 导入到本地库时，与标准库编码相同而内容不同的行新增一个本地风险点，"
    "在本单位及下级单位替代标准库中的该风险点。",
    "4. 所属库、版本、生效日期、停用日期列仅供参考，导入时忽略；生效日期与修订理由在导入页面填写。"
    "停用请在风险点页面操作。",
    "5. 全部行通过校验才写入，任何一行有错误都不写入任何数据；错误指明行号与列名。",
]


def _cell_value(name: str, point: RiskPoint) -> Any:
    value = getattr(point, name)
    if name in CHOICES:
        return str(dict(CHOICES[name].choices).get(value, value))
    if name in LIST_FIELDS:
        return "\n".join(str(item) for item in value or [])
    if name in BOOL_FIELDS:
        return "是" if value else "否"
    return value or ""


def catalogue_workbook(points: Iterable[RiskPoint]) -> bytes:
    """The points as an ``.xlsx`` file in the import's format."""
    titles = field_titles()
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append([*titles.values(), *INFO_TITLES])
    for index, cell in enumerate(sheet[1], start=1):
        cell.font = Font(bold=True, color="C00000" if index == 1 else "000000")
        cell.fill = _HEADER_FILL if index <= len(titles) else _INFO_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for point in points:
        cells = [spreadsheet_safe(_cell_value(name, point)) for name in titles]
        library = point.unit.name if point.unit is not None else "标准库"
        cells += [spreadsheet_safe(library), point.version, point.effective_from, point.retired_on]
        sheet.append(cells)
    for index, name in enumerate([*titles, *INFO_TITLES], start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = _WIDTHS.get(name, 18)
        if name in CHOICES:
            labels = ",".join(label for _, label in CHOICES[name].choices)
            validation = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True)
            validation.showErrorMessage = False
            validation.add(f"{letter}2:{letter}{MAX_ROWS}")
            sheet.add_data_validation(validation)
    sheet.column_dimensions["A"].number_format = "@"
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        row[len(titles) + 2].number_format = "yyyy-mm-dd"
        row[len(titles) + 3].number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "B2"
    notes = workbook.create_sheet(EXPLANATION_SHEET)
    for line in NOTES:
        notes.append([line])
    notes["A1"].font = Font(bold=True, size=13)
    notes.append([])
    notes.append(["列名", "字段（English）", "格式与取值"])
    for cell in notes[notes.max_row]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    for name, title in titles.items():
        notes.append([title, name, _describe(name)])
    for title in INFO_TITLES:
        notes.append([title, "", "仅供参考，导入时忽略"])
    for letter, width in zip("ABC", (18, 26, 90), strict=True):
        notes.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem of the workbook: its row (0: the whole file), column and a Chinese message."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row else "文件"
        return f"{where}{f' {self.column}' if self.column else ''}：{self.message}"


@dataclass(frozen=True)
class PointRow:
    """A row of the workbook: the code, and the fields whose columns the sheet has."""

    row: int
    code: str
    fields: dict[str, Any]


def _unquote(text: str) -> str:
    """Undo ``spreadsheet_safe``: ``'=…`` back to ``=…``."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _unquote(str(value)).strip()


def _parse(name: str, value: Any) -> Any:
    """A cell as the field's value; :class:`ValueError` with a Chinese message if it is not one."""
    if name in CHOICES:
        text = _text(value)
        if not text:
            raise ValueError("不能为空")
        by_label = {str(label): code for code, label in CHOICES[name].choices}
        if text in by_label:
            return by_label[text]
        if text.upper() in CHOICES[name].values:
            return text.upper()
        raise ValueError(f"“{text}”无效，应为 {'、'.join(by_label)} 之一")
    if name in LIST_FIELDS:
        return [line.strip() for line in _unquote(str(value or "")).splitlines() if line.strip()]
    if name in BOOL_FIELDS:
        if isinstance(value, bool):
            return value
        text = _text(value).lower()
        if text in TRUE_TEXT:
            return True
        if text in FALSE_TEXT:
            return False
        raise ValueError(f"“{text}”无效，应填 是 或 否")
    text = _text(value)
    if name == "name" and not text:
        raise ValueError("不能为空")
    limit = _model_field(name).max_length
    if limit and len(text) > limit:
        raise ValueError(f"不超过 {limit} 个字符")
    return text


def read_catalogue(data: bytes) -> tuple[list[PointRow], list[RowError]]:
    """The rows of a catalogue workbook, and every problem found reading them."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
        return [], [RowError(0, "", "无法读取文件，请上传由本页面导出的 Excel 工作簿（.xlsx）")]
    try:
        names = [n for n in workbook.sheetnames if n != EXPLANATION_SHEET]
        if not names:
            return [], [RowError(0, "", f"没有“{SHEET}”工作表")]
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook[names[0]]
        return _read_rows(sheet.iter_rows())
    finally:
        workbook.close()


def _read_rows(rows: Iterable[Sequence[Any]]) -> tuple[list[PointRow], list[RowError]]:
    by_title = {title: name for name, title in field_titles().items()}
    by_title.update({name: name for name in by_title.values()})  # English names are accepted too
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None:
        return [], [RowError(0, "", "工作表为空")]
    columns: dict[int, str] = {}
    errors: list[RowError] = []
    for index, cell in enumerate(header):
        title = _text(cell.value).rstrip("*")
        if not title or title in INFO_TITLES:
            continue
        name = by_title.get(title)
        if name is None:
            errors.append(RowError(1, title, "不认识的列名"))
        elif name in columns.values():
            errors.append(RowError(1, title, "列名重复"))
        else:
            columns[index] = name
    if "code" not in columns.values():
        errors.append(RowError(1, "风险点编码", "缺少此列"))
    if errors:
        return [], errors
    titles = field_titles()
    found: list[PointRow] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(iterator, start=2):
        cells = {columns[i]: cell for i, cell in enumerate(row) if i in columns}
        if all(_text(cell.value) == "" for cell in cells.values()):
            continue
        if len(found) >= MAX_ROWS:
            errors.append(RowError(number, "", f"行数超过上限 {MAX_ROWS}"))
            break
        fields: dict[str, Any] = {}
        row_errors = []
        for name, cell in cells.items():
            if getattr(cell, "data_type", "") == "f":
                row_errors.append(RowError(number, titles[name], "不接受公式，请填写文字"))
                continue
            try:
                fields[name] = _parse(name, cell.value) if name != "code" else _text(cell.value).upper()
            except ValueError as exc:
                row_errors.append(RowError(number, titles[name], str(exc)))
        code = fields.pop("code", "")
        if not row_errors and not code:
            row_errors.append(RowError(number, titles["code"], "不能为空"))
        elif len(code) > 16:
            row_errors.append(RowError(number, titles["code"], "不超过 16 个字符"))
        elif code in seen:
            row_errors.append(RowError(number, titles["code"], f"{code} 与第 {seen[code]} 行重复"))
        if code:
            seen.setdefault(code, number)
        errors += row_errors
        if not row_errors:
            found.append(PointRow(row=number, code=code, fields=fields))
    return found, errors


# --- the import --------------------------------------------------------------------------------


@dataclass
class ImportPlan:
    """What an import would do: points to add, revisions, rows that change nothing, problems."""

    adds: list[tuple[PointRow, dict[str, Any]]] = field(default_factory=list)
    revisions: list[tuple[PointRow, RiskPoint, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class ImportResult:
    added: int
    revised: int
    unchanged: int
    errors: list[RowError]

    @property
    def is_accepted(self) -> bool:
        return not self.errors


def _differs(fields: dict[str, Any], point: RiskPoint) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if getattr(point, name) != value}


def import_plan(rows: Sequence[PointRow], *, library: Unit | None, day: date) -> ImportPlan:
    """Compare the rows with ``library`` (``None``: the standard library) on ``day``."""
    plan = ImportPlan()
    own = {p.code: p for p in RiskPoint.objects.filter(unit=library, code__in=[r.code for r in rows])}
    inherited = {p.code: p for p in effective_points(library, day=day)} if library is not None else {}
    titles = field_titles()
    for row in rows:
        point = own.get(row.code)
        try:
            if point is not None:
                changes = _differs(row.fields, point)
                if not changes:
                    plan.unchanged += 1
                    continue
                if point.retired_on is not None and point.retired_on <= day:
                    raise CatalogueError(f"风险点 {row.code} 已于 {point.retired_on} 停用，不能通过导入修订")
                plan.revisions.append((row, point, clean_point_fields(changes)))
                continue
            base = inherited.get(row.code)
            if base is not None and not _differs(row.fields, base):
                plan.unchanged += 1
                continue
            fields = {name: getattr(base, name) for name in POINT_FIELDS} if base is not None else {}
            fields.update(row.fields)
            missing = [titles[name] for name in REQUIRED_TO_ADD if not fields.get(name)]
            if missing:
                raise CatalogueError(f"新增风险点 {row.code} 缺少必填项：{'、'.join(missing)}")
            plan.adds.append((row, clean_point_fields(fields)))
        except CatalogueError as exc:
            plan.errors.append(RowError(row.row, "", str(exc)))
    return plan


def catalogue_import(
    *, actor: Any, data: bytes, library: Unit | None, effective_from: date, reason: str
) -> ImportResult:
    """Import a catalogue workbook into ``library``: all rows, or nothing when any row is wrong."""
    rows, errors = read_catalogue(data)
    if errors:
        return ImportResult(0, 0, 0, errors)
    plan = import_plan(rows, library=library, day=effective_from)
    if plan.errors:
        return ImportResult(0, 0, 0, plan.errors)
    current = 0
    try:
        with transaction.atomic():
            for row, fields in plan.adds:
                current = row.row
                risk_point_add(
                    unit=library,
                    actor=actor,
                    code=row.code,
                    fields=fields,
                    effective_from=effective_from,
                    reason=reason,
                )
            for row, point, changes in plan.revisions:
                current = row.row
                risk_point_revise(
                    point=point, actor=actor, changes=changes, effective_from=effective_from, reason=reason
                )
    except CatalogueError as exc:
        return ImportResult(0, 0, 0, [RowError(current, "", str(exc))])
    return ImportResult(len(plan.adds), len(plan.revisions), plan.unchanged, [])
