"""The official-document writer: the produced bytes open in python-docx with what was put in."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from zipfile import ZipFile

from docx import Document

from lianjian.common.officedoc import OfficialDocument, chinese_date


def _built() -> bytes:
    doc = OfficialDocument(
        title="某院2026年11月情况",
        issuing_unit="兰州市城关区人民检察院",
        issued_on=date(2026, 12, 3),
        doc_no="城检统〔2026〕11号",
        recipient="兰州市人民检察院",
    )
    doc.heading("一、总体情况")
    doc.paragraph("本月共记录 3 件。")
    doc.table(["分类", "件数"], [["RC-01 反映检察履职情况", 2], ["RC-06 不当过问", 1]], caption="表 1")
    doc.signature()
    return doc.to_bytes()


def test_title_paragraphs_and_signature_are_in_order() -> None:
    texts = [p.text for p in Document(BytesIO(_built())).paragraphs if p.text]
    assert texts[:4] == ["城检统〔2026〕11号", "某院2026年11月情况", "兰州市人民检察院：", "一、总体情况"]
    assert "本月共记录 3 件。" in texts
    assert texts[-2:] == ["兰州市城关区人民检察院", "2026年12月3日"]


def test_table_has_a_header_row_and_cells() -> None:
    document = Document(BytesIO(_built()))
    (table,) = document.tables
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    assert cells == [["分类", "件数"], ["RC-01 反映检察履职情况", "2"], ["RC-06 不当过问", "1"]]
    assert table.rows[0].cells[0].paragraphs[0].runs[0].bold is True


def test_fonts_are_named_not_embedded_and_page_numbers_are_a_field() -> None:
    data = _built()
    with ZipFile(BytesIO(data)) as archive:
        names = archive.namelist()
        body = archive.read("word/document.xml").decode()
        footers = "".join(archive.read(n).decode() for n in names if n.startswith("word/footer"))
    assert 'w:eastAsia="宋体"' in body and 'w:eastAsia="仿宋"' in body
    assert not [n for n in names if n.startswith("word/fonts/")]
    assert 'w:instr="PAGE"' in footers
    assert Document(BytesIO(data)).core_properties.title == "某院2026年11月情况"


def test_chinese_date_has_no_leading_zeros() -> None:
    assert chinese_date(date(2026, 1, 5)) == "2026年1月5日"
