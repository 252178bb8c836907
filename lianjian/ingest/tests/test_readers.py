"""Readers: CSV encodings and headers, and arbitrary text that never escapes the error list."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lianjian.ingest.readers import CsvReader, JsonLinesReader, kind_from_name, reader_for
from lianjian.ingest.registry import REGISTRY, kind_labels
from lianjian.ingest.services import import_batch_run
from lianjian.ingest.tests.conftest import table_counts
from lianjian.org.models import Unit

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
    items = list(reader_for("staff.xlsx", kinds=kind_labels(), data=b"x").read())

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
