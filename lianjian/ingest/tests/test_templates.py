"""XLSX import templates: headers, example row and explanation sheet, served by the command and
the import page, and a filled template imports back."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any, cast

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from lianjian.accounts.models import User
from lianjian.accounts.tests.factories import UserFactory, grant
from lianjian.audit.models import AuditEvent
from lianjian.ingest.readers import reader_for
from lianjian.ingest.registry import kind_labels
from lianjian.ingest.services import import_batch_run
from lianjian.ingest.tests.test_command import lianjian_import
from lianjian.ingest.workbooks import template_bytes
from lianjian.org.models import Department, Staff, Unit


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def values(sheet: Any, row: int) -> list[Any]:
    return [cell.value for cell in sheet[row]]


def test_staff_template_has_chinese_headers_an_example_and_an_explanation_sheet() -> None:
    book = load(template_bytes("staff"))

    assert book.sheetnames == ["人员", "说明"]
    sheet = book["人员"]
    assert values(sheet, 1) == [
        "工号",
        "姓名",
        "单位编码",
        "部门编码",
        "职务",
        "员额检察官",
        "入职日期",
        "离职日期",
    ]
    assert values(sheet, 2)[:6] == ["00123", "何平", "510903", "D2", "PROSECUTOR", "是"]
    assert values(sheet, 2)[6].date() == date(2016, 9, 1)
    assert sheet["A1"].font.color.rgb == "00C00000"  # required: red
    assert sheet["D1"].font.color is None  # optional: default colour
    assert sheet.column_dimensions["A"].number_format == "@"  # 工号 stays text: 00123 keeps its zeros
    explanation = [row for row in book["说明"].iter_rows(values_only=True) if row[0] == "人员（staff）"]
    assert explanation[0] == ("人员（staff）", "工号", "id", "是", "文本；最多 32 个字符")
    assert explanation[4] == (
        "人员（staff）",
        "职务",
        "position",
        "是",
        "取值：CHIEF 检察长；DEPUTY_CHIEF 副检察长；COMMITTEE_MEMBER 检委会专职委员；DEPT_HEAD 部门负责人；"
        "PROSECUTOR 检察官；ASSISTANT 检察官助理；CLERK 书记员；OTHER 其他",
    )
    assert explanation[5][1:4] == ("员额检察官", "is_quota_prosecutor", "否")


def test_the_all_template_has_a_sheet_per_kind_and_the_explanation_last() -> None:
    book = load(template_bytes("all"))

    assert book.sheetnames == [*kind_labels().values(), "说明"]
    assert book.active is not None and book.active.title == "单位"


def test_the_event_template_flattens_data_with_chinese_labels() -> None:
    sheet = load(template_bytes("event"))["案件事件"]

    headers = values(sheet, 1)
    assert headers[:6] == ["事件编号", "案件编号", "单位编码", "事件类型", "发生时间", "操作人"]
    assert {"业务条线", "案件类别", "在押", "承办检察官", "data.kind"} <= set(headers)


@pytest.mark.django_db
def test_a_filled_template_imports_back_and_its_untouched_example_rows_are_skipped() -> None:
    book = load(template_bytes("all"))
    book["单位"].append(["620000", "甘肃省人民检察院", "PROVINCE", None])
    book["部门"].append(["620000", "D1", "第一检察部", "CRIMINAL"])
    book["人员"].append(["00777", "王芳", "620000", "D1", "PROSECUTOR", "是", date(2018, 7, 1), None])
    book["人员"]["A3"].number_format = "@"
    buffer = io.BytesIO()
    book.save(buffer)

    result = import_batch_run(
        actor=None,
        source_name="filled.xlsx",
        lines_or_reader=reader_for("filled.xlsx", kinds=kind_labels(), data=buffer.getvalue()),
    )

    assert result.is_accepted, result.issues
    assert list(Unit.objects.values_list("code", flat=True)) == ["620000"]
    assert list(Department.objects.values_list("unit__code", "code")) == [("620000", "D1")]
    assert list(Staff.objects.values_list("staff_no", "name", "joined_on", "is_quota_prosecutor")) == [
        ("00777", "王芳", date(2018, 7, 1), True)
    ]


@pytest.mark.django_db
def test_an_untouched_template_is_an_empty_file_and_an_edited_example_row_is_imported() -> None:
    untouched = template_bytes("unit")
    book = load(untouched)
    book["单位"]["B2"] = "遂宁市船山区检察院"
    book["单位"]["D2"] = None
    buffer = io.BytesIO()
    book.save(buffer)

    empty = import_batch_run(
        actor=None,
        source_name="t.xlsx",
        lines_or_reader=reader_for("t.xlsx", kinds=kind_labels(), data=untouched),
    )
    edited = import_batch_run(
        actor=None,
        source_name="t.xlsx",
        lines_or_reader=reader_for("t.xlsx", kinds=kind_labels(), data=buffer.getvalue()),
    )

    assert [issue.code for issue in empty.issues] == ["empty_file"]
    assert edited.is_accepted, edited.issues
    assert list(Unit.objects.values_list("code", "name")) == [("510903", "遂宁市船山区检察院")]


# --- the command --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_template_writes_the_workbook(tmp_path: Path) -> None:
    out = tmp_path / "人员模板.xlsx"

    code, stdout, _err = lianjian_import("--template", "staff", "--out", str(out))

    assert code == 0
    assert stdout.strip() == f"已生成导入模板（人员）：{out}"
    assert load(out.read_bytes()).sheetnames == ["人员", "说明"]


@pytest.mark.django_db
def test_import_template_defaults_to_a_file_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    code, _out, _err = lianjian_import("--template", "all")

    assert code == 0
    assert (tmp_path / "lianjian-template-all.xlsx").is_file()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--template", "cases"], "未知的记录类型：cases（可用：all 全部记录类型、unit 单位"),
        (["--template", "unit", "x.csv"], "--template 不能与要导入的文件同时使用 [template_with_files]"),
        (["--template", "unit", "--out", "/nonexistent/dir/t.xlsx"], "无法写入 /nonexistent/dir/t.xlsx"),
        ([], "请指定要导入的文件，或用 --template 生成导入模板 [no_files]"),
    ],
)
def test_import_template_errors_are_chinese_and_exit_one(args: list[str], expected: str) -> None:
    code, _out, err = lianjian_import(*args)

    assert code == 1
    assert expected in err


# --- the import page ----------------------------------------------------------------------------


@pytest.fixture
def case_manager(org: Any) -> User:
    user = cast(User, UserFactory(username="casemgr", display_name="案管员", staff=org.colleague))
    grant(user, "CASE_MANAGEMENT", "UNIT", unit=org.county)
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_case_manager_downloads_a_template_from_the_upload_page(case_manager: User) -> None:
    client = client_for(case_manager)

    page = client.get(reverse("ingest:batch_upload")).content.decode()
    response = client.get(reverse("ingest:template_download", args=["staff"]))

    assert f'href="{reverse("ingest:template_download", args=["all"])}"' in page
    assert 'data-testid="template-staff"' in page
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF-%E4%BA%BA%E5%91%98.xlsx"
    )
    assert load(response.content).sheetnames == ["人员", "说明"]


@pytest.mark.django_db
def test_unknown_template_kind_is_not_found(case_manager: User) -> None:
    response = client_for(case_manager).get(reverse("ingest:template_download", args=["nothing"]))

    assert response.status_code == 404


@pytest.mark.django_db
def test_prosecutor_may_not_download_templates(county_prosecutor: User) -> None:
    response = client_for(county_prosecutor).get(reverse("ingest:template_download", args=["staff"]))

    assert response.status_code == 403
    assert AuditEvent.objects.count() == 0
