"""Word documents in the layout of official documents (公文格式, after GB/T 9704), with python-docx.

A small, generic writer: title, issuing unit, document number, recipient, headings, body
paragraphs, tables with a header row, the signature block (落款: issuing unit and date) and page
numbers in the footer. It names the fonts Chinese government users have (宋体 for the title and
tables, 仿宋 for the body, 黑体 for headings); the reader's Word supplies them — nothing is embedded
or downloaded. Reused by every report that goes out as a Word file (F5.6, F12.2)::

    doc = OfficialDocument(title="…情况", issuing_unit="××人民检察院", issued_on=date(2026, 12, 3))
    doc.paragraph("本月共记录 3 件。")
    doc.table(["分类", "件数"], [["RC-01", 1]], caption="表 1 按填报分类")
    data = doc.to_bytes()
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from io import BytesIO
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

TITLE_FONT = "宋体"  # in place of 方正小标宋简体, which the reader's Word may lack
BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
TABLE_FONT = "宋体"
TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
TABLE_SIZE = Pt(12)  # 小四


def chinese_date(day: date) -> str:
    """``2026年12月3日`` (the date of a signature block, without leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"


def _font(run: Any, name: str, size: Any, *, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:ascii"), name)
    fonts.set(qn("w:hAnsi"), name)


def _page_number_field(paragraph: Any) -> None:
    """``— PAGE —`` in the footer, as a Word field (updated by Word when it lays out pages)."""
    _font(paragraph.add_run("— "), TABLE_FONT, Pt(14))
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    _font(paragraph.add_run(" —"), TABLE_FONT, Pt(14))


class OfficialDocument:
    """One document, built block by block, then :meth:`to_bytes`."""

    def __init__(
        self,
        *,
        title: str,
        issuing_unit: str,
        issued_on: date,
        doc_no: str = "",
        recipient: str = "",
        landscape: bool = False,
    ) -> None:
        self.title = title
        self.issuing_unit = issuing_unit
        self.issued_on = issued_on
        self._doc = Document()
        section = self._doc.sections[0]
        if landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = Mm(297), Mm(210)
        else:
            section.page_width, section.page_height = Mm(210), Mm(297)
        # GB/T 9704 margins: top 37 mm, bottom 35 mm, left 28 mm, right 26 mm.
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _page_number_field(footer)
        props = self._doc.core_properties
        props.title = title
        props.author = issuing_unit
        props.comments = ""
        if doc_no:
            self._line(doc_no, TABLE_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER)
        self._line(title, TITLE_FONT, TITLE_SIZE, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=Pt(18))
        if recipient:
            self._line(f"{recipient}：", BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT, indent=False)

    def _line(
        self,
        text: str,
        font: str,
        size: Any,
        *,
        bold: bool = False,
        align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY,
        indent: bool = False,
        after: Any = None,
    ) -> Any:
        paragraph = self._doc.add_paragraph()
        paragraph.alignment = align
        fmt = paragraph.paragraph_format
        fmt.line_spacing = Pt(28)  # fixed 28 pt: 22 lines a page
        if indent:
            fmt.first_line_indent = Pt(32)  # two characters of 三号
        if after is not None:
            fmt.space_after = after
        _font(paragraph.add_run(text), font, size, bold=bold)
        return paragraph

    def heading(self, text: str) -> None:
        """A first-level heading (``一、…``), 黑体."""
        self._line(text, HEADING_FONT, BODY_SIZE, indent=True)

    def paragraph(self, text: str) -> None:
        """A body paragraph, 仿宋 三号, first line indented two characters."""
        self._line(text, BODY_FONT, BODY_SIZE, indent=True)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]], *, caption: str = "") -> None:
        """A table with a bold header row (repeated on every page); numbers right-aligned."""
        if caption:
            self._line(caption, HEADING_FONT, TABLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER)
        table = self._doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        head = table.rows[0]
        head_props = head._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        head_props.append(repeat)
        for cell, label in zip(head.cells, header, strict=True):
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(cell.paragraphs[0].add_run(str(label)), TABLE_FONT, TABLE_SIZE, bold=True)
        for values in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, values, strict=True):
                paragraph = cell.paragraphs[0]
                if isinstance(value, int | float):
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                _font(paragraph.add_run("" if value is None else str(value)), TABLE_FONT, TABLE_SIZE)
        self._doc.add_paragraph()

    def signature(self) -> None:
        """The signature block: issuing unit and date, right-aligned (落款)."""
        self._doc.add_paragraph()
        self._line(self.issuing_unit, BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.RIGHT)
        self._line(chinese_date(self.issued_on), BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.RIGHT)

    def to_bytes(self) -> bytes:
        buffer = BytesIO()
        self._doc.save(buffer)
        return buffer.getvalue()
