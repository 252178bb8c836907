"""The register's periodic reports (F5.6): 月报告, 季分析, 年总结, as Word and Excel.

One :class:`ReportData` (title, tables) is built from counts only (:mod:`.statistics`) and
rendered twice: Word through :mod:`lianjian.common.officedoc`, Excel through openpyxl. A report
holds no content, no intervener, no recorder: numbers by category, subject type, unit — the
quarterly analysis adds the previous quarter and matter types, the annual summary months and
violation codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from typing import Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from lianjian.common.officedoc import OfficialDocument
from lianjian.interference import statistics as st
from lianjian.interference.models import Record
from lianjian.org.models import Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("docx", "xlsx")
KIND_NAMES = {"MONTH": "月报告", "QUARTER": "季分析", "YEAR": "年总结"}
MATTER = "过问或干预、插手检察办案等重大事项记录报告情况"


@dataclass(frozen=True)
class Table:
    caption: str
    header: list[str]
    rows: list[list[Any]]


@dataclass
class ReportData:
    title: str
    issuing_unit: str
    issued_on: date
    period: st.Period
    kind_name: str
    summary: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def filename(self, fmt: str) -> str:
        return f"{self.issuing_unit}{self.period.label}{self.kind_name}.{fmt}"


def report_title(unit: Unit, period: st.Period) -> str:
    """``××人民检察院2026年11月过问或干预、插手检察办案等重大事项记录报告情况`` (+ 分析 / 总结)."""
    suffix = {"MONTH": "", "QUARTER": "分析", "YEAR": "总结"}[period.kind]
    return f"{unit.name}{period.label}{MATTER}{suffix}"


def _rows(rows: list[st.Row], *, with_code: bool = True) -> list[list[Any]]:
    body = [[r.code, r.label, r.count] if with_code else [r.label, r.count] for r in rows]
    total = sum(r.count for r in rows)
    body.append(["合计", "", total] if with_code else ["合计", total])
    return body


def report_data(
    records: QuerySet[Record],
    *,
    unit: Unit,
    period: st.Period,
    issued_on: date,
    zero_units: bool = True,
) -> ReportData:
    """The report of ``unit`` (and its subordinate units) for ``period`` over ``records``, which
    the caller has already narrowed to what the reader may count. ``zero_units``: the quarterly
    analysis and the annual summary list the units without records (not for a reader who counts
    departments only: for them a unit's zero would not be the unit's)."""
    scoped = st.in_unit(records, unit)
    current = st.in_period(scoped, start=period.start, end=period.end)
    total = current.count()
    split = st.procuratorate_split(current)
    categories = st.by_category(current)
    rc06 = next(r.count for r in categories if r.code == "RC-06")
    data = ReportData(
        title=report_title(unit, period),
        issuing_unit=unit.name,
        issued_on=issued_on,
        period=period,
        kind_name=KIND_NAMES[period.kind],
    )
    data.summary.append(
        f"{period.label}（{period.start:%Y-%m-%d} 至 {period.end:%Y-%m-%d}），本院及下级院共记录过问或干预、"
        f"插手检察办案等重大事项 {total} 件，其中过问人为检察人员的 {split[0].count} 件、"
        f"非检察机关人员的 {split[1].count} 件；不当过问或干预、插手检察办案（RC-06）{rc06} 件。"
    )
    data.tables.append(Table("按填报分类", ["分类代码", "填报分类", "件数"], _rows(categories)))
    data.tables.append(
        Table("按过问人类别", ["类别", "件数"], _rows(st.by_subject_type(current), with_code=False))
    )
    data.tables.append(
        Table("按过问人身份（最高检通报口径）", ["身份", "件数"], _rows(split, with_code=False))
    )
    units = st.by_unit(current, st.Reach(paths=(unit.path,)))
    data.tables.append(
        Table(
            "按单位",
            ["单位", "本院", "含下级院"],
            [["　" * r.depth + r.unit.name, r.own, r.total] for r in units] or [[unit.name, 0, 0]],
        )
    )
    if period.kind == "QUARTER":
        previous = period.previous()
        before = st.by_category(st.in_period(scoped, start=previous.start, end=previous.end))
        rows = [
            [now.code, now.label, now.count, old.count, now.count - old.count]
            for now, old in zip(categories, before, strict=True)
        ]
        rows.append(["合计", "", total, sum(r.count for r in before), total - sum(r.count for r in before)])
        data.tables.append(
            Table(
                f"与上季度（{previous.label}）比较",
                ["分类代码", "填报分类", "本季度", "上季度", "增减"],
                rows,
            )
        )
        data.summary.append(f"与上季度相比，记录总数{_change(total - sum(r.count for r in before))}。")
    if period.kind in ("QUARTER", "YEAR"):
        data.tables.append(
            Table("按重大事项类别", ["类别代码", "事项类别", "件数"], _rows(st.by_matter_type(current)))
        )
        if zero_units:
            silent = st.zero_units(current, st.Reach(paths=(unit.path,)), start=period.start, end=period.end)
            data.tables.append(
                Table(
                    "零记录单位（期间内本院人员无记录，按同期分案数排序）",
                    ["单位", "在岗人数", "同期分案数"],
                    [[z.unit.name, z.staff, z.cases] for z in silent] or [["各单位期间内均有记录", "—", "—"]],
                )
            )
            if silent:
                data.summary.append(f"期间内没有任何记录的单位 {len(silent)} 个（见“零记录单位”表）。")
    if period.kind == "YEAR":
        months = st.by_month(scoped, first=period.start, last=period.end)
        data.tables.append(Table("按月份", ["月份", "件数"], _rows(months, with_code=False)))
        violations = [r for r in st.by_violation(current) if r.count]
        data.tables.append(
            Table(
                "按违规情形",
                ["代码", "违规情形", "件数"],
                [[r.code, r.label, r.count] for r in violations] or [["—", "本年度无标注违规情形的记录", 0]],
            )
        )
    return data


def _change(delta: int) -> str:
    if delta > 0:
        return f"增加 {delta} 件"
    if delta < 0:
        return f"减少 {-delta} 件"
    return "持平"


def report_docx(data: ReportData) -> bytes:
    doc = OfficialDocument(title=data.title, issuing_unit=data.issuing_unit, issued_on=data.issued_on)
    numerals = "一二三四五六七八九十"
    doc.heading("一、总体情况")
    for text in data.summary:
        doc.paragraph(text)
    for index, table in enumerate(data.tables, start=2):
        doc.heading(f"{numerals[index - 1]}、{table.caption}")
        doc.table(table.header, table.rows)
    doc.paragraph("本报告仅含统计数字，不含记录内容及过问人、记录人信息。")
    doc.signature()
    return doc.to_bytes()


def report_xlsx(data: ReportData) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = data.kind_name
    bold = Font(bold=True)
    sheet.append([data.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"报送单位：{data.issuing_unit}", "", f"日期：{data.issued_on:%Y-%m-%d}"])
    for text in data.summary:
        sheet.append([text])
    for table in data.tables:
        sheet.append([])
        sheet.append([table.caption])
        sheet.cell(row=sheet.max_row, column=1).font = bold
        sheet.append(table.header)
        for cell in sheet[sheet.max_row]:
            cell.font = bold
            cell.alignment = Alignment(horizontal="center")
        for row in table.rows:
            sheet.append(row)
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 40
    for letter in "CDE":
        sheet.column_dimensions[letter].width = 12
    workbook.properties.title = data.title
    workbook.properties.creator = data.issuing_unit
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(data: ReportData, fmt: str) -> bytes:
    if fmt == "docx":
        return report_docx(data)
    if fmt == "xlsx":
        return report_xlsx(data)
    raise ValueError("格式应为 docx 或 xlsx")
