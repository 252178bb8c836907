"""The shared list page's Excel export never turns data into formulas."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from lianjian.common.listing import Column, spreadsheet_safe, xlsx_response


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM", "'@SUM"),
        ("张三", "张三"),
        (3, 3),
    ],
)
def test_spreadsheet_safe_quotes_formula_starts(value, shown):
    assert spreadsheet_safe(value) == shown


def test_excel_export_writes_formula_like_text_as_text():
    response = xlsx_response(
        filename="人员",
        columns=[Column("姓名", lambda o: o["name"]), Column("备注", lambda o: o["note"])],
        objects=[{"name": "=1+1", "note": "正常"}],
    )
    sheet = load_workbook(BytesIO(response.content)).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["姓名", "备注"],
        ["'=1+1", "正常"],
    ]
    assert sheet.cell(2, 1).data_type == "s"
