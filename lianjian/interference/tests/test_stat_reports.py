"""月报告 / 季分析 / 年总结: the expected numbers in Word and Excel, and no secret anywhere."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO
from zipfile import ZipFile

import pytest
from django.core.management import call_command
from docx import Document
from openpyxl import load_workbook

from lianjian.audit.models import AuditEvent
from lianjian.interference import stat_reports
from lianjian.interference import statistics as st
from lianjian.interference.models import Record
from lianjian.interference.tests.builders import SECRET_CONTENT, SECRET_NAME, make_record

pytestmark = pytest.mark.django_db

NOV = datetime.fromisoformat("2026-11-10T10:00:00+08:00")
AUG = datetime.fromisoformat("2026-08-05T10:00:00+08:00")


@pytest.fixture
def records(org):
    make_record(org.prosecutor, now=NOV, occurred_at=NOV)  # RC-06 LEADER LD-VIO-01
    make_record(
        org.colleague,
        now=NOV,
        occurred_at=NOV,
        subject_type="INTERNAL_OWN",
        category="RC-04",
        violation_codes=["IN-VIO-01"],
    )
    make_record(org.county_b_prosecutor, now=AUG, occurred_at=AUG, category="RC-01", violation_codes=[])
    make_record(org.outsider_staff, now=NOV, occurred_at=NOV)  # another city: never in 620100's reports
    return org


def _data(org, key, unit=None):
    return stat_reports.report_data(
        Record.objects.all(), unit=unit or org.city, period=st.parse_period(key), issued_on=date(2026, 12, 3)
    )


def _tables(data):
    return {t.caption: t.rows for t in data.tables}


def _xml(blob: bytes) -> str:
    with ZipFile(BytesIO(blob)) as archive:
        return "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())


def _no_secret(blob: bytes) -> None:
    for secret in (SECRET_NAME, SECRET_CONTENT, "副区长", "某区政府", "王某某"):
        assert secret.encode() not in blob
        assert secret not in _xml(blob)


def test_monthly_report_title_and_tables(records) -> None:
    data = _data(records, "2026-11")
    assert data.title == "兰州市人民检察院2026年11月过问或干预、插手检察办案等重大事项记录报告情况"
    tables = _tables(data)
    assert tables["按填报分类"][3] == ["RC-04", "检察机关人员过问", 1]
    assert tables["按填报分类"][5] == ["RC-06", "不当过问或干预、插手检察办案", 1]
    assert tables["按填报分类"][-1] == ["合计", "", 2]
    assert tables["按过问人身份（最高检通报口径）"] == [["检察人员", 1], ["非检察机关人员", 1], ["合计", 2]]
    assert tables["按单位"] == [["兰州市人民检察院", 0, 2], ["　兰州市城关区人民检察院", 2, 2]]
    assert "与上季度（2026年第三季度）比较" not in tables


def test_quarterly_analysis_compares_with_the_previous_quarter(records) -> None:
    data = _data(records, "2026Q4")
    assert data.title.endswith("记录报告情况分析")
    tables = _tables(data)
    comparison = tables["与上季度（2026年第三季度）比较"]
    assert comparison[0] == ["RC-01", "反映检察履职情况", 0, 1, -1]
    assert comparison[-1] == ["合计", "", 2, 1, 1]
    assert tables["按重大事项类别"][0] == ["MAJ-01", "司法办案", 2]
    assert any("增加 1 件" in line for line in data.summary)
    # County 620103 recorded in August only: in the fourth quarter it is a unit without records.
    assert tables["零记录单位（期间内本院人员无记录，按同期分案数排序）"] == [
        ["兰州市七里河区人民检察院", 1, 0]
    ]
    assert "没有任何记录的单位 1 个" in data.summary[-1]
    third = _tables(_data(records, "2026Q3"))["零记录单位（期间内本院人员无记录，按同期分案数排序）"]
    assert [row[0] for row in third] == ["兰州市城关区人民检察院"]
    unasked = stat_reports.report_data(
        Record.objects.all(),
        unit=records.city,
        period=st.parse_period("2026Q4"),
        issued_on=date(2026, 12, 3),
        zero_units=False,
    )
    assert not any(t.caption.startswith("零记录单位") for t in unasked.tables)


def test_annual_summary_has_months_and_violation_codes(records) -> None:
    data = _data(records, "2026")
    tables = _tables(data)
    months = dict((row[0], row[1]) for row in tables["按月份"])
    assert (months["2026年8月"], months["2026年11月"], months["合计"]) == (1, 2, 3)
    assert len(tables["按月份"]) == 13
    assert tables["按违规情形"] == [
        ["LD-VIO-01", "领导干部：为案件当事人请托说情", 1],
        ["IN-VIO-01", "内部人员：为案件当事人请托说情", 1],
    ]


def test_word_holds_the_numbers_and_no_secret(records) -> None:
    blob = stat_reports.report_docx(_data(records, "2026Q4"))
    document = Document(BytesIO(blob))
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts[0] == "兰州市人民检察院2026年第四季度过问或干预、插手检察办案等重大事项记录报告情况分析"
    assert texts[-1] == "2026年12月3日"
    category = document.tables[0]
    assert [c.text for c in category.rows[0].cells] == ["分类代码", "填报分类", "件数"]
    assert [c.text for c in category.rows[6].cells] == ["RC-06", "不当过问或干预、插手检察办案", "1"]
    _no_secret(blob)


def test_excel_holds_the_numbers_and_no_secret(records) -> None:
    blob = stat_reports.report_xlsx(_data(records, "2026-11"))
    sheet = load_workbook(BytesIO(blob)).active
    rows = [tuple(c for c in row if c is not None) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ("兰州市人民检察院2026年11月过问或干预、插手检察办案等重大事项记录报告情况",)
    assert ("RC-06", "不当过问或干预、插手检察办案", 1) in rows
    assert ("兰州市人民检察院", 0, 2) in rows
    _no_secret(blob)


def test_the_command_writes_the_report_and_audits_it(records, tmp_path) -> None:
    out = tmp_path / "r.xlsx"
    call_command(
        "interference",
        "report",
        "--unit",
        "620102",
        "--period",
        "2026-11",
        "--format",
        "xlsx",
        "--out",
        str(out),
    )
    sheet = load_workbook(out).active
    assert ("RC-04", "检察机关人员过问", 1) in [
        tuple(c for c in r if c is not None) for r in sheet.iter_rows(values_only=True)
    ]
    event = AuditEvent.objects.get(action="interference.report.export")
    assert event.after == {"period": "2026-11", "kind": "MONTH", "format": "xlsx"}


def test_the_command_refuses_a_bad_period_in_chinese(records, tmp_path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="期间格式"):
        call_command(
            "interference", "report", "--unit", "620102", "--period", "11-2026", "--out", str(tmp_path / "x")
        )
    assert not (tmp_path / "x").exists()


def test_the_command_rekeys(records, capsys) -> None:
    call_command("interference", "rekey")
    assert "记录版本 0 条" in capsys.readouterr().out
