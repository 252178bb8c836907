"""Readers: CSV encodings and headers, and arbitrary text that never escapes the error list."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lianjian.common.records import Issue
from lianjian.ingest.readers import (
    MAX_LINE_BYTES,
    CsvReader,
    JsonLinesReader,
    RecordReader,
    kind_from_name,
    reader_for,
)
from lianjian.ingest.registry import REGISTRY, kind_labels
from lianjian.ingest.services import import_batch_run
from lianjian.ingest.tests.conftest import table_counts
from lianjian.org.models import Staff, Unit

UNITS_CSV = (
    "单位编码,单位名称,层级,上级单位编码\n"
    "510000,四川省人民检察院,PROVINCE,\n"
    "510900,遂宁市人民检察院,CITY,510000\n"
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        UNITS_CSV.encode("utf-8"),
        b"\xef\xbb\xbf" + UNITS_CSV.encode("utf-8"),
        UNITS_CSV.encode("gb18030"),
        "code,name,level,parent\n510000,四川省人民检察院,PROVINCE,\n510900,遂宁市人民检察院,CITY,510000\n".encode(),
    ],
    ids=["utf-8", "utf-8-bom", "gb18030", "english-headers"],
)
def test_csv_units_import_in_each_encoding(data: bytes) -> None:
    reader = reader_for("单位.csv", kinds=kind_labels(), data=data)

    result = import_batch_run(actor=None, source_name="单位.csv", lines_or_reader=reader)

    assert result.is_accepted, result.issues
    assert dict(Unit.objects.values_list("code", "path")) == {
        "510000": "/510000/",
        "510900": "/510000/510900/",
    }
    assert result.batch.source_format == "csv"


@pytest.mark.django_db
def test_csv_errors_name_the_row_and_field() -> None:
    data = "code,name,level\n510000,四川省人民检察院,STATE\n".encode()
    reader = CsvReader("unit.csv", data=data, kinds=kind_labels())

    result = import_batch_run(actor=None, source_name="unit.csv", lines_or_reader=reader)

    assert [(i.location.line, i.field, i.code) for i in result.issues] == [(2, "level", "invalid_choice")]


def test_csv_kind_comes_from_the_file_name() -> None:
    labels = kind_labels()
    assert kind_from_name("staff.csv", labels) == "staff"
    assert kind_from_name("staff_change-2026.csv", labels) == "staff_change"
    assert kind_from_name("人员.csv", labels) == "staff"
    assert kind_from_name("units.csv", labels) == "unit"
    assert kind_from_name("data.csv", labels) is None


def test_csv_of_unknown_kind_is_an_error() -> None:
    items = list(CsvReader("data.csv", data=b"a,b\n1,2\n", kinds=kind_labels()).read())

    assert [(loc.line, item.code) for loc, item in items] == [(1, "unknown_record_kind")]  # type: ignore[union-attr]


def test_unknown_extension_is_reported() -> None:
    items = list(reader_for("staff.xls", kinds=kind_labels(), data=b"x").read())

    assert [item.code for _loc, item in items] == ["unsupported_format"]  # type: ignore[union-attr]


def test_json_lines_reader_keeps_line_numbers_over_blank_lines() -> None:
    items = list(JsonLinesReader("a.jsonl", data=b'\n{"record": "unit"}\n\n[1]\n').read())

    assert [(loc.line, type(item).__name__) for loc, item in items] == [(2, "dict"), (4, "Issue")]


records = st.fixed_dictionaries(
    {"record": st.sampled_from([*REGISTRY, "event", "x"])},
    optional={
        name: st.one_of(
            st.none(), st.text(max_size=12), st.integers(), st.booleans(), st.lists(st.text(max_size=5))
        )
        for name in (
            "code",
            "id",
            "name",
            "unit",
            "level",
            "parent",
            "positions",
            "joined_on",
            "staff",
            "kind",
        )
    },
).map(lambda record: json.dumps(record, ensure_ascii=False))
lines = st.lists(st.one_of(st.text(max_size=40), records), max_size=8)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=lines)
def test_arbitrary_lines_never_raise_outside_the_error_list(lines: list[str]) -> None:
    before = table_counts()

    result = import_batch_run(actor=None, source_name="fuzz.jsonl", lines_or_reader=lines, dry_run=True)

    assert result.batch.status in {"REJECTED", "VALIDATED"}
    assert all(issue.code and issue.message for issue in result.issues)
    assert table_counts() == before


# --- CSV: encodings, Excel's text dates, headers, oversized fields ------------------------------


def csv_issues(data: bytes, name: str = "单位.csv") -> list[tuple[int, str, str, str]]:
    return [
        (location.line, item.field, item.code, item.message)
        for location, item in CsvReader(name, data=data, kinds=kind_labels()).read()
        if isinstance(item, Issue)
    ]


@pytest.mark.parametrize(
    "data",
    [
        UNITS_CSV.encode("utf-16"),
        "code,name,level\n510000,Café,PROVINCE\n".encode("latin-1"),
        b"code,name,level\n510000,\xff\xfe\xfd,PROVINCE\n",
        b"code,name\n510000,x\n".replace(b"x", b"\x00"),
    ],
    ids=["utf-16", "latin-1", "invalid-bytes", "nul-bytes"],
)
def test_csv_in_an_unknown_encoding_is_refused(data: bytes) -> None:
    assert csv_issues(data) == [
        (0, "", "bad_encoding", "文件 单位.csv：无法识别文件编码（支持 UTF-8 与 GB18030）")
    ]


@pytest.mark.django_db
def test_csv_with_text_dates_as_excel_writes_them_imports() -> None:
    data = (
        "code,name,level\n510000,四川省人民检察院,PROVINCE\n".encode(),
        "工号,姓名,单位编码,职务,员额检察官,入职日期,离职日期\n"
        "00123,何平,510000,PROSECUTOR,是,2016/9/1,2024年1月31日\n"
        "A2,罗兰,510000,CLERK,0,2016.09.02,\n".encode("gb18030"),
    )
    readers = [
        CsvReader("unit.csv", data=data[0], kinds=kind_labels()),
        CsvReader("人员.csv", data=data[1], kinds=kind_labels()),
    ]

    result = import_batch_run(actor=None, source_name="x", lines_or_reader=readers)

    assert result.is_accepted, result.issues
    assert list(Staff.objects.order_by("staff_no").values_list("staff_no", "joined_on", "left_on")) == [
        ("00123", date(2016, 9, 1), date(2024, 1, 31)),
        ("A2", date(2016, 9, 2), None),
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            "单位编码,名称,层级\n510000,四川,PROVINCE\n",
            [
                (
                    1,
                    "名称",
                    "unknown_column",
                    "文件 单位.csv 第 1 行：B 列“名称”不是单位的字段，是否应为“单位名称”",
                ),
                (1, "name", "missing_column", "文件 单位.csv 第 1 行：缺少必填列：单位名称（name）"),
            ],
        ),
        (
            "单位编码,单位名称,,层级\n510000,四川,备注,PROVINCE\n510900,遂宁,备注,CITY\n",
            [(2, "", "missing_header", "文件 单位.csv 第 2 行：C 列有数据但没有表头（列名）")],
        ),
        ("单位编码,单位名称,层级\n", [(0, "", "empty_file", "文件 单位.csv 只有表头，没有可导入的记录")]),
        ("", [(0, "", "empty_file", "文件为空，没有可导入的记录")]),
        (" \r\n\n", [(0, "", "empty_file", "文件为空，没有可导入的记录")]),
    ],
    ids=["unknown-column", "data-without-header", "header-only", "zero-bytes", "blank"],
)
def test_csv_header_problems_are_reported_once(data: str, expected: list[Any]) -> None:
    assert csv_issues(data.encode()) == expected


@pytest.mark.django_db
def test_csv_unknown_english_column_is_kept_as_an_extra_field() -> None:
    data = b"code,name,level,remark\n510000,x,PROVINCE,from HR\n"

    [(_location, record)] = list(CsvReader("unit.csv", data=data, kinds=kind_labels()).read())
    result = import_batch_run(
        actor=None,
        source_name="unit.csv",
        lines_or_reader=CsvReader("unit.csv", data=data, kinds=kind_labels()),
    )

    assert record == {
        "code": "510000",
        "name": "x",
        "level": "PROVINCE",
        "remark": "from HR",
        "record": "unit",
    }
    assert result.is_accepted, result.issues


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("size", "line", "message"),
    [
        (
            10 * 1024 * 1024,
            2,
            "文件 单位.csv 第 2 行：单位名称：内容过长：约 10.5 百万字符，单元格上限 1 百万字符",
        ),
        (17 * 1024 * 1024, 2, "文件 单位.csv 第 2 行：字段过长（超过 16 MB），单元格上限 1 百万字符"),
    ],
    ids=["10MB", "17MB"],
)
def test_csv_with_an_oversized_field_is_rejected_clearly(size: int, line: int, message: str) -> None:
    before = table_counts()
    data = b"code,name,level\n510000," + b"x" * size + b",PROVINCE\n510900,y,CITY\n"
    reader = CsvReader("单位.csv", data=data, kinds=kind_labels())

    result = import_batch_run(actor=None, source_name="单位.csv", lines_or_reader=reader)

    assert [(i.location.line, i.code, i.message) for i in result.issues] == [
        (line, "field_too_large", message)
    ]
    assert table_counts() == before


def test_json_line_over_the_limit_is_rejected_and_the_next_lines_still_read() -> None:
    data = b'{"record": "unit", "name": "' + b"x" * (MAX_LINE_BYTES + 10) + b'"}\n{"record": "unit"}\n'

    items = list(JsonLinesReader("a.jsonl", data=data).read())

    assert [(loc.line, getattr(item, "code", item)) for loc, item in items] == [
        (1, "line_too_long"),
        (2, {"record": "unit"}),
    ]
    assert items[0][1].message == "该行过长（1.0 MB），每行最多 1 MB"  # type: ignore[union-attr]


def test_csv_events_take_flattened_data_columns_and_a_json_data_column() -> None:
    data = (
        "事件编号,案件编号,单位编码,事件类型,发生时间,操作人,业务条线,data.case_type,认罪认罚,判决罪名,数据\n"
        'E1,C1,510903,RECEIVED,2026/3/2 9:30,,CRIMINAL,PROSECUTION_REVIEW,是,,"{""cause"": ""盗窃罪""}"\n'
        "E2,C1,510903,JUDGMENT,2026-09-01T10:00:00+08:00,A100,,,,盗窃罪、诈骗罪,\n"
    ).encode("gb18030")

    records = [item for _loc, item in CsvReader("案件事件.csv", data=data, kinds=kind_labels()).read()]

    assert records == [
        {
            "event_id": "E1",
            "case_no": "C1",
            "unit": "510903",
            "type": "RECEIVED",
            "occurred_at": "2026-03-02T09:30:00",
            "data": {"cause": "盗窃罪", "line": "CRIMINAL", "case_type": "PROSECUTION_REVIEW", "plea": "是"},
            "record": "event",
        },
        {
            "event_id": "E2",
            "case_no": "C1",
            "unit": "510903",
            "type": "JUDGMENT",
            "occurred_at": "2026-09-01T10:00:00+08:00",
            "actor": "A100",
            "data": {"charges": ["盗窃罪", "诈骗罪"]},
            "record": "event",
        },
    ]


@pytest.mark.parametrize("reader_class", [CsvReader, JsonLinesReader])
def test_readers_stream_a_large_file_in_bounded_memory(
    tmp_path: Path, reader_class: type[RecordReader]
) -> None:
    path = tmp_path / "staff.big"
    padding = "备注" * 40
    with path.open("w", encoding="utf-8") as out:
        if reader_class is CsvReader:
            out.write("工号,姓名,单位编码,职务,入职日期,remark\n")
            for number in range(25_000):
                out.write(f"A{number:06d},何平{number},510903,PROSECUTOR,2016/9/1,{padding}\n")
        else:
            for number in range(25_000):
                out.write(
                    f'{{"record": "staff", "id": "A{number:06d}", "name": "何平", "remark": "{padding}"}}\n'
                )
    reader = reader_class("staff.csv", path=path, kinds=kind_labels())

    tracemalloc.start()
    try:
        count = sum(1 for _item in reader.read())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count == 25_000
    assert path.stat().st_size > 2_500_000
    assert peak < 1_500_000  # a fraction of the file: memory does not grow with the rows read


table_text = st.lists(
    st.lists(
        st.one_of(
            st.text(max_size=12),
            st.sampled_from(["510000", "是", "2016/9/1", "PROVINCE", '{"a": 1}', "[1", '"', "\r\n", ","]),
        ),
        max_size=6,
    ),
    max_size=6,
)
headers = st.lists(
    st.sampled_from(
        [
            "code",
            "name",
            "level",
            "parent",
            "单位编码",
            "单位名称",
            "层级",
            "record",
            "记录类型",
            "",
            "x",
            "名",
        ]
    ),
    max_size=6,
)


@pytest.mark.django_db
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(["单位.csv", "unit.csv", "data.csv", "staff.csv", "event.csv"]),
    header=headers,
    rows=table_text,
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"]),
    raw=st.binary(max_size=60),
    use_raw=st.booleans(),
)
def test_arbitrary_csv_never_raises_outside_the_error_list(
    name: str, header: list[str], rows: list[list[str]], encoding: str, raw: bytes, use_raw: bool
) -> None:
    before = table_counts()
    if use_raw:
        data = raw
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        data = buffer.getvalue().encode(encoding, errors="replace")

    result = import_batch_run(
        actor=None,
        source_name=name,
        lines_or_reader=CsvReader(name, data=data, kinds=kind_labels()),
        dry_run=True,
    )

    assert result.batch.status in {"REJECTED", "VALIDATED"}
    assert all(issue.code and issue.message for issue in result.issues)
    assert table_counts() == before
