"""The XLSX reader: sheets named by kind, Chinese or English headers, Excel dates and numbers,
and every malformed workbook reported in Chinese with file, sheet and row — nothing written."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from lianjian.common.records import Issue
from lianjian.ingest.readers import XlsxReader, column_letter, reader_for
from lianjian.ingest.registry import kind_labels
from lianjian.ingest.services import BatchResult, import_batch_run
from lianjian.ingest.tests.conftest import table_counts
from lianjian.org.models import Department, Staff, Unit

UNITS: list[list[Any]] = [
    ["单位编码", "单位名称", "层级", "上级单位编码"],
    ["510000", "四川省人民检察院", "PROVINCE", None],
]
DEPARTMENTS: list[list[Any]] = [
    ["单位编码", "部门编码", "部门名称", "部门类别"],
    ["510000", "D2", "第二检察部", "CRIMINAL"],
]
STAFF_HEADER: list[Any] = [
    "工号",
    "姓名",
    "单位编码",
    "部门编码",
    "职务",
    "员额检察官",
    "入职日期",
    "离职日期",
]


def workbook(sheets: dict[str, list[list[Any]]], merges: dict[str, list[str]] | None = None) -> bytes:
    """An .xlsx file's content: one sheet per entry, rows as given (openpyxl, in memory)."""
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cells in (merges or {}).get(name, []):
            sheet.merge_cells(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read(data: bytes, name: str = "人员.xlsx") -> list[tuple[str, int, Any]]:
    return [
        (location.source, location.line, item)
        for location, item in XlsxReader(name, data=data, kinds=kind_labels()).read()
    ]


def issues(data: bytes, name: str = "x.xlsx") -> list[tuple[str, int, str, str, str]]:
    return [
        (source, line, item.field, item.code, item.message)
        for source, line, item in read(data, name)
        if isinstance(item, Issue)
    ]


def run(data: bytes, name: str = "x.xlsx") -> BatchResult:
    return import_batch_run(
        actor=None, source_name=name, lines_or_reader=reader_for(name, kinds=kind_labels(), data=data)
    )


@pytest.mark.django_db
def test_workbook_with_chinese_headers_excel_dates_and_numeric_staff_numbers_imports() -> None:
    data = workbook(
        {
            "单位": UNITS,
            "部门": DEPARTMENTS,
            "人员": [
                STAFF_HEADER,
                [123, "何平", 510000, "D2", "PROSECUTOR", True, date(2016, 9, 1), None],
                ["00124", "罗兰", "510000", "D2", "DEPT_HEAD", "是", datetime(2010, 9, 1), None],
                [125.0, "唐川", "510000", "D2", "CHIEF", 0, "2008/9/1", "2024年1月31日"],
                ["A126", "李明", "510000", None, "CLERK", "FALSE", "2019-03-04", None],
            ],
        }
    )

    result = run(data)

    assert result.is_accepted, result.issues
    assert result.batch.source_format == "xlsx"
    rows = Staff.objects.order_by("staff_no").values_list(
        "staff_no", "is_quota_prosecutor", "joined_on", "left_on"
    )
    assert list(rows) == [
        ("00124", True, date(2010, 9, 1), None),
        ("123", True, date(2016, 9, 1), None),
        ("125", False, date(2008, 9, 1), date(2024, 1, 31)),
        ("A126", False, date(2019, 3, 4), None),
    ]
    assert Unit.objects.get().code == "510000"
    assert result.counts["staff"]["created"] == 4


@pytest.mark.django_db
def test_workbook_with_english_headers_and_sheet_named_by_the_english_kind_imports() -> None:
    data = workbook(
        {
            "units": [["code", "name", "level", "parent"], ["510000", "四川省人民检察院", "PROVINCE", None]],
            "department": [["unit", "code", "name", "kind"], ["510000", "D2", "第二检察部", "CRIMINAL"]],
        }
    )

    result = run(data)

    assert result.is_accepted, result.issues
    assert list(Department.objects.values_list("code", "unit__code")) == [("D2", "510000")]


@pytest.mark.django_db
def test_a_record_column_names_the_kind_row_by_row_in_a_sheet_of_any_name() -> None:
    data = workbook(
        {
            "Sheet1": [
                ["记录类型", "code", "name", "level", "parent"],
                ["单位", "510000", "四川省人民检察院", "PROVINCE", None],
                ["unit", "510900", "遂宁市人民检察院", "CITY", "510000"],
            ]
        }
    )

    result = run(data)

    assert result.is_accepted, result.issues
    assert sorted(Unit.objects.values_list("code", flat=True)) == ["510000", "510900"]


def test_rows_are_numbered_as_excel_numbers_them_even_below_blank_rows_and_beside_blank_columns() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "单位"
    for offset, row in enumerate([["单位编码", "单位名称", "层级"], ["510000", "四川", "STATE"]]):
        for column, value in enumerate(row):
            sheet.cell(row=4 + offset, column=3 + column, value=value)
    sheet.cell(row=5, column=6, value="多余")
    buffer = io.BytesIO()
    book.save(buffer)

    found = issues(buffer.getvalue())

    assert found == [
        (
            "x.xlsx 工作表 单位",
            5,
            "",
            "missing_header",
            "文件 x.xlsx 工作表 单位 第 5 行：F 列有数据但没有表头（列名）",
        )
    ]


def test_the_template_explanation_sheet_and_empty_sheets_are_skipped() -> None:
    data = workbook({"说明": [["填写说明"], ["随便写"]], "Sheet1": [], "单位": UNITS})

    items = read(data, "x.xlsx")

    assert [(source, line, item) for source, line, item in items] == [
        (
            "x.xlsx 工作表 单位",
            2,
            {"code": "510000", "name": "四川省人民检察院", "level": "PROVINCE", "record": "unit"},
        )
    ]


def test_cells_read_as_their_fields_types() -> None:
    data = workbook(
        {
            "人员": [
                STAFF_HEADER,
                [
                    1.0e5,
                    42,
                    510000,
                    7,
                    "PROSECUTOR",
                    1,
                    datetime(2016, 9, 1, 0, 0),
                    datetime(2020, 1, 2, 8, 30),
                ],
            ]
        }
    )

    [(_source, _line, record)] = read(data)

    assert record == {
        "id": "100000",
        "name": "42",
        "unit": "510000",
        "department": "7",
        "position": "PROSECUTOR",
        "is_quota_prosecutor": True,
        "joined_on": "2016-09-01",
        "left_on": "2020-01-02T08:30:00",
        "record": "staff",
    }


@pytest.mark.django_db
def test_a_datetime_in_a_date_column_is_an_invalid_date() -> None:
    data = workbook(
        {
            "人员": [
                STAFF_HEADER,
                ["A1", "何平", "510000", None, "PROSECUTOR", "否", datetime(2016, 9, 1, 8, 30)],
            ]
        }
    )

    result = run(data)

    assert [(i.location.source, i.location.line, i.field, i.code) for i in result.issues] == [
        ("x.xlsx 工作表 人员", 2, "joined_on", "invalid_date")
    ]


# --- bad workbooks ------------------------------------------------------------------------------


def _zip_without(data: bytes, member: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            if info.filename != member:
                target.writestr(info, source.read(info.filename))
    return buffer.getvalue()


def _bad_workbooks() -> list[Any]:
    good = workbook({"单位": UNITS})
    return [
        pytest.param(
            workbook({"单位": [["四川省检察机关单位表"], *UNITS]}, {"单位": ["A1:D1"]}),
            [
                (
                    "x.xlsx 工作表 单位",
                    1,
                    "",
                    "merged_header",
                    "文件 x.xlsx 工作表 单位 第 1 行：表头含合并单元格 A1:D1："
                    "表头应只占一行，每列一个列名，不要合并单元格或在表头上方加标题",
                )
            ],
            id="merged-title-above-header",
        ),
        pytest.param(
            workbook(
                {"单位": [["单位编码", None, "层级"], ["510000", "四川省人民检察院", "PROVINCE"]]},
                {"单位": ["A1:B1"]},
            ),
            [
                (
                    "x.xlsx 工作表 单位",
                    1,
                    "",
                    "merged_header",
                    "文件 x.xlsx 工作表 单位 第 1 行：表头含合并单元格 A1:B1："
                    "表头应只占一行，每列一个列名，不要合并单元格或在表头上方加标题",
                )
            ],
            id="merged-header-cells",
        ),
        pytest.param(
            workbook(
                {"单位": [["510000", "四川省人民检察院", "PROVINCE"], ["510900", "遂宁市人民检察院", "CITY"]]}
            ),
            [
                (
                    "x.xlsx 工作表 单位",
                    1,
                    "",
                    "missing_header",
                    "文件 x.xlsx 工作表 单位 第 1 行：缺少表头：第一行应为列名"
                    "（如 单位编码、单位名称、层级），未找到任何已知列名",
                )
            ],
            id="missing-header-row",
        ),
        pytest.param(
            workbook({"单位": [["单位编码", "单位名称"], ["510000", "四川省人民检察院"]]}),
            [
                (
                    "x.xlsx 工作表 单位",
                    1,
                    "level",
                    "missing_column",
                    "文件 x.xlsx 工作表 单位 第 1 行：缺少必填列：层级（level）",
                )
            ],
            id="missing-required-column",
        ),
        pytest.param(
            workbook({"单位": [["单位编码", "单位名", "层级"], ["510000", "四川省人民检察院", "PROVINCE"]]}),
            [
                (
                    "x.xlsx 工作表 单位",
                    1,
                    "单位名",
                    "unknown_column",
                    "文件 x.xlsx 工作表 单位 第 1 行：B 列“单位名”不是单位的字段，"
                    "是否应为“单位名称”或“单位编码”",
                ),
                (
                    "x.xlsx 工作表 单位",
                    1,
                    "name",
                    "missing_column",
                    "文件 x.xlsx 工作表 单位 第 1 行：缺少必填列：单位名称（name）",
                ),
            ],
            id="unknown-column",
        ),
        pytest.param(
            workbook({"单位": [["单位编码", "code", "层级"], ["510000", "510000", "PROVINCE"]]}),
            [
                (
                    "x.xlsx 工作表 单位",
                    1,
                    "code",
                    "duplicate_column",
                    "文件 x.xlsx 工作表 单位 第 1 行：B 列“code”与 A 列重复（都对应字段 code）",
                ),
                (
                    "x.xlsx 工作表 单位",
                    1,
                    "name",
                    "missing_column",
                    "文件 x.xlsx 工作表 单位 第 1 行：缺少必填列：单位名称（name）",
                ),
            ],
            id="duplicate-column",
        ),
        pytest.param(
            workbook({"花名册": [["工号", "姓名"], ["A1", "何平"]]}),
            [
                (
                    "x.xlsx 工作表 花名册",
                    1,
                    "record",
                    "unknown_sheet",
                    "文件 x.xlsx 工作表 花名册 第 1 行：工作表“花名册”不对应任何记录类型："
                    "请将工作表命名为记录类型（如 单位、部门、人员 或 staff），或增加 record 列",
                )
            ],
            id="sheet-names-no-kind",
        ),
        pytest.param(
            workbook(
                {
                    "单位": [
                        *UNITS,
                        ["510900", "遂宁市人民检察院", "CITY", "510000"],
                        ["510901", "x", "COUNTY", "510900"],
                    ]
                },
                {"单位": ["A3:A4"]},
            ),
            [
                (
                    "x.xlsx 工作表 单位",
                    3,
                    "",
                    "merged_cell",
                    "文件 x.xlsx 工作表 单位 第 3 行：合并单元格 A3:A4：请取消合并，并在每一行填写完整的值",
                ),
                ("x.xlsx 工作表 单位", 4, "code", "required", "缺少必填字段：单位编码（code）"),
            ],
            id="merged-data-cells",
        ),
        pytest.param(
            workbook({"Sheet1": []}),
            [("x.xlsx", 0, "", "empty_file", "文件 x.xlsx：工作簿中没有可导入的记录")],
            id="empty-workbook",
        ),
        pytest.param(
            workbook({"单位": [UNITS[0]]}),
            [("x.xlsx", 0, "", "empty_file", "文件 x.xlsx：工作簿中没有可导入的记录")],
            id="header-only",
        ),
        pytest.param(b"", [("x.xlsx", 0, "", "empty_file", "文件为空，没有可导入的记录")], id="zero-bytes"),
        pytest.param(
            good[: len(good) // 2],
            [
                (
                    "x.xlsx",
                    0,
                    "",
                    "invalid_xlsx",
                    "文件 x.xlsx：无法作为 Excel 工作簿（.xlsx）读取，文件可能已损坏或不是 Excel 文件",
                )
            ],
            id="truncated",
        ),
        pytest.param(
            "单位编码,单位名称\n510000,四川\n".encode(),
            [
                (
                    "x.xlsx",
                    0,
                    "",
                    "invalid_xlsx",
                    "文件 x.xlsx：无法作为 Excel 工作簿（.xlsx）读取，文件可能已损坏或不是 Excel 文件",
                )
            ],
            id="csv-named-xlsx",
        ),
        pytest.param(
            _zip_without(good, "xl/worksheets/sheet1.xml"),
            [
                (
                    "x.xlsx 工作表 单位",
                    0,
                    "",
                    "invalid_xlsx",
                    "文件 x.xlsx 工作表 单位：工作表无法读取，文件可能已损坏",
                )
            ],
            id="sheet-missing-from-zip",
        ),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "expected"), _bad_workbooks())
def test_bad_workbooks_are_reported_in_chinese_and_write_nothing(data: bytes, expected: list[Any]) -> None:
    before = table_counts()

    result = run(data)

    assert [
        (i.location.source, i.location.line, i.field, i.code, i.message) for i in result.issues
    ] == expected
    assert result.batch.status == "REJECTED"
    assert table_counts() == before


def test_column_letters_follow_excel() -> None:
    assert [column_letter(index) for index in (0, 25, 26, 27, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]


def test_a_workbook_on_disk_is_read_from_its_path(tmp_path: Path) -> None:
    path = tmp_path / "units.xlsx"
    path.write_bytes(workbook({"单位": UNITS}))

    items = list(reader_for(path.name, kinds=kind_labels(), path=path).read())

    assert [item for _location, item in items] == [
        {"code": "510000", "name": "四川省人民检察院", "level": "PROVINCE", "record": "unit"}
    ]


# --- events: flattened data columns or one JSON data column -------------------------------------


def test_event_data_is_read_from_flattened_columns_chinese_labels_and_a_json_column() -> None:
    data = workbook(
        {
            "案件事件": [
                [
                    "事件编号",
                    "案件编号",
                    "单位编码",
                    "事件类型",
                    "发生时间",
                    "操作人",
                    "业务条线",
                    "data.case_type",
                    "在押",
                    "数据",
                ],
                [
                    "E1",
                    "C1",
                    "510000",
                    "RECEIVED",
                    datetime(2026, 3, 2, 9, 30),
                    None,
                    "CRIMINAL",
                    "PROSECUTION_REVIEW",
                    "否",
                    '{"cause": "故意伤害罪", "plea": true}',
                ],
                [
                    "E2",
                    "C1",
                    "510000",
                    "ASSIGNED",
                    "2026/3/2 10:00",
                    "A100",
                    None,
                    None,
                    None,
                    '{"prosecutor": "A100", "method": "RANDOM"}',
                ],
            ]
        }
    )

    records = [item for _source, _line, item in read(data, "events.xlsx")]

    assert records == [
        {
            "event_id": "E1",
            "case_no": "C1",
            "unit": "510000",
            "type": "RECEIVED",
            "occurred_at": "2026-03-02T09:30:00",
            "data": {
                "cause": "故意伤害罪",
                "plea": True,
                "line": "CRIMINAL",
                "case_type": "PROSECUTION_REVIEW",
                "detained": "否",
            },
            "record": "event",
        },
        {
            "event_id": "E2",
            "case_no": "C1",
            "unit": "510000",
            "type": "ASSIGNED",
            "occurred_at": "2026-03-02T10:00:00",
            "actor": "A100",
            "data": {"prosecutor": "A100", "method": "RANDOM"},
            "record": "event",
        },
    ]


def test_event_data_given_twice_with_different_values_is_an_error() -> None:
    data = workbook(
        {
            "event": [
                ["event_id", "case_no", "unit", "type", "occurred_at", "data.line", "data"],
                [
                    "E1",
                    "C1",
                    "510000",
                    "RECEIVED",
                    "2026-03-02T09:30:00+08:00",
                    "CIVIL",
                    '{"line": "CRIMINAL"}',
                ],
            ]
        }
    )

    assert [(field, code) for _source, _line, field, code, _message in issues(data)] == [
        ("data.line", "conflicting_value")
    ]


def test_a_json_data_cell_that_is_not_an_object_is_an_error() -> None:
    data = workbook(
        {
            "event": [
                ["event_id", "case_no", "unit", "type", "occurred_at", "data"],
                ["E1", "C1", "5", "X", "2026-03-02", "[1"],
            ]
        }
    )

    assert [(line, field, code) for _source, line, field, code, _message in issues(data)] == [
        (2, "data", "invalid_json")
    ]
