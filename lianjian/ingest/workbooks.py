"""Import templates: an XLSX workbook per record kind (or all kinds) with Chinese headers.

Each template has a sheet per kind, named by the kind's Chinese label (人员), whose first row is
the Chinese column names (required ones in red) and whose second row is an example (skipped on
import while left as it is), and an explanation sheet (说明) listing every column: Chinese name,
English field, whether required, and its format or allowed codes with their Chinese meanings.
Everything comes from :mod:`lianjian.ingest.tables`, that is from the record models, so a
template always matches what the importer accepts. Served by ``lianjian import --template KIND``
and by the import page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from lianjian.ingest.tables import ColumnType, KindLayout, example_cells, layouts

ALL = "all"
EXPLANATION_SHEET = "说明"
TEMPLATE_ROWS = 2000
"""Rows given the columns' formats and drop-down lists (Excel applies column styles beyond)."""

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_EXAMPLE_FONT = Font(italic=True, color="808080")
_REQUIRED_FONT = Font(bold=True, color="C00000")
_OPTIONAL_FONT = Font(bold=True)
_NUMBER_FORMATS = {
    ColumnType.TEXT: "@",
    ColumnType.LIST: "@",
    ColumnType.OBJECT: "@",
    ColumnType.DATETIME: "@",
    ColumnType.DATE: "yyyy-mm-dd",
}
NOTES = [
    "填写说明",
    "1. 每个工作表对应一种记录类型，工作表名即记录类型（中文名或英文名均可，如“人员”或 staff）；"
    "也可在一个工作表中增加“记录类型”（record）列，逐行填写记录类型。",
    "2. 第一行为表头：列名可用中文名或英文字段名；不要合并单元格，不要在表头上方加标题行；红色列名为必填。",
    "3. 第二行为示例：原样保留时导入会跳过，也可删除或直接改写为真实数据。空单元格视为未填写。",
    "4. 日期填 YYYY-MM-DD 或 Excel 日期；时间填 YYYY-MM-DD HH:MM（可带 +08:00，不带时区按北京时间）；"
    "是/否列填 是、否（或 TRUE/FALSE、1/0）；多个取值用顿号或逗号分隔；取值列填编码（见下表）。",
    "5. 工号、编码等列已设为文本格式，以免 Excel 去掉前导零（如 00123）。",
    "6. 案件事件的 data 字段可逐列填写（data.字段 或其中文名），也可在“数据”（data）列中填写一个 JSON 对象。",
    "7. 一个文件为一个批次：全部通过校验才写入，任何错误都不写入任何数据；错误会指明工作表、行与列。",
]
EXPLANATION_HEADERS = ["工作表", "列名", "字段（English）", "必填", "格式与取值"]


class UnknownTemplateKind(ValueError):
    """A template was asked for a kind the importer does not know."""


def template_kinds() -> dict[str, str]:
    """Kinds a template exists for → Chinese label, ``all`` first."""
    return {ALL: "全部记录类型", **{kind: layout.label for kind, layout in layouts().items()}}


def template_filename(kind: str) -> str:
    return f"导入模板-{template_kinds().get(kind, kind)}.xlsx"


def template_workbook(kind: str) -> Workbook:
    """The template of one kind, or of every kind (``all``). Raises :class:`UnknownTemplateKind`."""
    available = layouts()
    if kind == ALL:
        chosen = list(available.values())
    elif kind in available:
        chosen = [available[kind]]
    else:
        raise UnknownTemplateKind(kind)
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    for index, layout in enumerate(chosen):
        sheet = first if index == 0 else workbook.create_sheet()
        _kind_sheet(sheet, layout)
    _explanation_sheet(workbook.create_sheet(EXPLANATION_SHEET), chosen)
    workbook.active = 0
    return workbook


def template_bytes(kind: str) -> bytes:
    """The template as an ``.xlsx`` file's content."""
    buffer = io.BytesIO()
    template_workbook(kind).save(buffer)
    return buffer.getvalue()


def _example_cell(value: Any, column_type: ColumnType) -> Any:
    """The example as Excel shows it best: real dates in date columns."""
    if column_type is ColumnType.DATE and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime) and column_type is ColumnType.DATETIME:
        return value.isoformat()
    return value


def _kind_sheet(sheet: Worksheet, layout: KindLayout) -> None:
    sheet.title = layout.label
    columns = layout.template_columns
    examples = example_cells(layout)
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        header = sheet.cell(row=1, column=index, value=column.title)
        header.font = _REQUIRED_FONT if column.required else _OPTIONAL_FONT
        header.fill = _HEADER_FILL
        header.alignment = Alignment(horizontal="center", vertical="center")
        note = f"{column.name}{'（必填）' if column.required else ''}\n{column.describe()}"
        header.comment = Comment(note[:1000], "廉检")
        number_format = _NUMBER_FORMATS.get(column.type)
        if number_format:
            sheet.column_dimensions[letter].number_format = number_format
        sheet.column_dimensions[letter].width = max(12, min(40, len(column.title) * 2 + 6))
        if column.name in examples:
            cell = sheet.cell(row=2, column=index, value=_example_cell(examples[column.name], column.type))
            cell.font = _EXAMPLE_FONT
            if number_format:
                cell.number_format = number_format
        _add_validation(sheet, letter, column.type, [code for code, _label in column.choices])
    sheet.freeze_panes = "A2"


def _add_validation(sheet: Worksheet, letter: str, column_type: ColumnType, codes: Sequence[str]) -> None:
    """A drop-down of the allowed codes (Excel caps a list at 255 characters; longer lists are
    only explained on the 说明 sheet)."""
    if column_type is ColumnType.BOOL:
        codes = ["是", "否"]
    elif column_type is ColumnType.LIST or not codes:
        return
    formula = ",".join(codes)
    if len(formula) > 250:
        return
    validation = DataValidation(type="list", formula1=f'"{formula}"', allow_blank=True)
    validation.error = "请从下拉列表中选择"
    validation.showErrorMessage = False
    validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
    sheet.add_data_validation(validation)


def _explanation_sheet(sheet: Worksheet, chosen: Sequence[KindLayout]) -> None:
    for line in NOTES:
        sheet.append([line])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append(EXPLANATION_HEADERS)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = _OPTIONAL_FONT
        cell.fill = _HEADER_FILL
    for layout in chosen:
        for column in layout.template_columns:
            sheet.append(
                [
                    f"{layout.label}（{layout.kind}）",
                    column.title,
                    column.name,
                    "是" if column.required else "否",
                    column.describe(),
                ]
            )
        for name, column in layout.objects.items():
            if any(other.parent == name for other in layout.template_columns):
                sheet.append(
                    [
                        f"{layout.label}（{layout.kind}）",
                        column.title,
                        column.name,
                        "否",
                        f"可选：以一个 JSON 对象代替上面的 {name}.* 各列（两者同时填写时须一致）",
                    ]
                )
    for letter, width in zip("ABCDE", (18, 18, 24, 6, 90), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=header_row + 1):
        row[4].alignment = Alignment(wrap_text=True, vertical="top")
