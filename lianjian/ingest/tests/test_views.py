"""The import pages: who may upload, who sees which batches, and the upload itself."""

from __future__ import annotations

import codecs
import csv
import json
import re
from datetime import datetime
from io import BytesIO, StringIO
from typing import Any, cast

import openpyxl
import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from lianjian.accounts.models import User
from lianjian.accounts.tests.factories import UserFactory, grant
from lianjian.audit.models import AuditEvent
from lianjian.ingest.models import ImportBatch
from lianjian.ingest.services import import_batch_run
from lianjian.ingest.summary import errors_csv, errors_xlsx
from lianjian.ingest.tests.conftest import run, sample_lines, table_counts
from lianjian.org.models import Staff, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_manager(org: Any) -> User:
    user = cast(User, UserFactory(username="casemgr", display_name="案管员", staff=org.colleague))
    grant(user, "CASE_MANAGEMENT", "UNIT", unit=org.county)
    return user


@pytest.fixture
def import_admin(org: Any) -> User:
    user = cast(User, UserFactory(username="importall", display_name="省院案管"))
    grant(user, "CASE_MANAGEMENT", "ALL")
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, lines: list[str], name: str = "ref.jsonl") -> Any:
    data = ("\n".join(lines) + "\n").encode()
    return client.post(reverse("ingest:batch_upload"), {"file": SimpleUploadedFile(name, data)})


def test_case_manager_uploads_and_sees_the_result(case_manager: User, reference_lines: list[str]) -> None:
    client = client_for(case_manager)

    response = upload(client, reference_lines)

    batch = ImportBatch.objects.get(source_name="ref.jsonl")
    assert response.status_code == 302
    assert response["Location"] == reverse("ingest:batch_detail", args=[batch.pk])
    assert (batch.status, batch.created_by) == ("ACCEPTED", case_manager)
    assert Staff.objects.filter(staff_no__in=["A100", "A101", "A102"]).count() == 3
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "已写入" in page.content.decode()


def test_rejected_upload_shows_its_errors(case_manager: User) -> None:
    client = client_for(case_manager)

    response = upload(client, ['{"record": "unit", "code": "510000", "name": "省院", "level": "STATE"}'])

    page = client.get(response["Location"]).content.decode()
    assert "层级取值无效" in page
    assert "invalid_choice" in page


def test_prosecutor_may_not_upload(county_prosecutor: User, reference_lines: list[str]) -> None:
    before = table_counts()
    client = client_for(county_prosecutor)

    response = upload(client, reference_lines)

    assert response.status_code == 403
    assert client.get(reverse("ingest:batch_list")).status_code == 403
    assert table_counts() == before
    assert ImportBatch.objects.count() == 0


def test_upload_of_unsupported_format_is_refused_by_the_form(case_manager: User) -> None:
    response = upload(client_for(case_manager), ["x"], name="units.xls")

    assert response.status_code == 200
    assert "不支持的文件格式" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_batches_are_visible_to_their_author_and_to_scope_all(
    case_manager: User, import_admin: User, reference_lines: list[str]
) -> None:
    own = run(reference_lines, actor=case_manager).batch
    other = run(reference_lines, actor=import_admin).batch

    manager = client_for(case_manager)
    admin = client_for(import_admin)
    listing = manager.get(reverse("ingest:batch_list")).content.decode()

    assert f"#{own.pk}<" in listing
    assert f"#{other.pk}<" not in listing
    assert manager.get(reverse("ingest:batch_detail", args=[other.pk])).status_code == 404
    assert admin.get(reverse("ingest:batch_detail", args=[own.pk])).status_code == 200
    assert f"#{own.pk}<" in admin.get(reverse("ingest:batch_list")).content.decode()


# The import page: formats, several files, the result, error downloads, dry runs, the history.

# Records of their own: the fixture org (甘肃) and the templates' example rows (四川) stay apart.
UNIT_CSV = (
    "单位编码,单位名称,层级,上级单位编码\n"
    "530000,云南省人民检察院,PROVINCE,\n"
    "530100,昆明市人民检察院,CITY,530000\n"
    "530102,昆明市五华区人民检察院,COUNTY,530100\n"
)
DEPARTMENT_LINE = (
    '{"record": "department", "unit": "530102", "code": "D7", "name": "第七检察部", "kind": "CRIMINAL"}'
)
XHR = {"X-Requested-With": "XMLHttpRequest"}


def staff_workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "人员"
    sheet.append(["工号", "姓名", "单位编码", "部门编码", "职务", "员额检察官", "入职日期"])
    sheet.append(["B500", "李明", "530102", "D7", "PROSECUTOR", "是", "2016-09-01"])
    sheet.append(["B501", "王芳", "530102", "D7", "DEPT_HEAD", "是", "2010-09-01"])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def own_lines() -> list[str]:
    """Three units, a department and two staff as JSON Lines."""
    units = [
        '{"record": "unit", "code": "530000", "name": "云南省人民检察院", "level": "PROVINCE"}',
        '{"record": "unit", "code": "530100", "name": "昆明市人民检察院", "level": "CITY", '
        '"parent": "530000"}',
        '{"record": "unit", "code": "530102", "name": "昆明市五华区人民检察院", "level": "COUNTY", '
        '"parent": "530100"}',
    ]
    staff = [
        f'{{"record": "staff", "id": "{number}", "name": "{name}", "unit": "530102", "department": "D7", '
        f'"position": "PROSECUTOR", "is_quota_prosecutor": true, "joined_on": "2016-09-01"}}'
        for number, name in (("B500", "李明"), ("B501", "王芳"))
    ]
    return [*units, DEPARTMENT_LINE, *staff]


def post_files(
    client: Client, *files: tuple[str, bytes], dry_run: bool = False, headers: dict[str, str] | None = None
) -> Any:
    data: dict[str, Any] = {"file": [SimpleUploadedFile(name, content) for name, content in files]}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("ingest:batch_upload"), data, headers=headers)


def bad_unit_lines(count: int) -> list[str]:
    return [
        f'{{"record": "unit", "code": "5100{index:02d}", "name": "院{index}", "level": "STATE"}}'
        for index in range(count)
    ]


def with_unknown_events(lines: list[str]) -> list[str]:
    """The whole sample (reference records and events) and two events of a type not in the contract."""
    event = json.loads(lines[11])
    extra = [
        json.dumps({**event, "event_id": f"SN-X{n}", "type": "CUSTOM_NOTE", "data": {"note": "备注"}})
        for n in (1, 2)
    ]
    return [*lines, *extra]


def test_upload_of_a_csv_file(case_manager: User) -> None:
    response = post_files(client_for(case_manager), ("单位.csv", UNIT_CSV.encode("utf-8-sig")))

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert (batch.status, batch.source_name, batch.source_format) == ("ACCEPTED", "单位.csv", "csv")
    assert batch.counts["unit"] == {"records": 3, "duplicates": 0, "created": 3, "updated": 0, "unchanged": 0}
    assert list(
        Unit.objects.filter(code__startswith="53").order_by("code").values_list("code", "parent__code")
    ) == [
        ("530000", None),
        ("530100", "530000"),
        ("530102", "530100"),
    ]


def test_upload_of_an_xlsx_workbook(case_manager: User) -> None:
    client = client_for(case_manager)
    post_files(client, ("units.jsonl", "\n".join(own_lines()[:4]).encode()))

    response = post_files(client, ("人员.xlsx", staff_workbook()))

    batch = ImportBatch.objects.get(source_name="人员.xlsx")
    assert response["Location"] == reverse("ingest:batch_detail", args=[batch.pk])
    assert (batch.status, batch.source_format, batch.record_count) == ("ACCEPTED", "xlsx", 2)
    assert list(
        Staff.objects.filter(unit__code="530102").order_by("staff_no").values_list("staff_no", "name")
    ) == [
        ("B500", "李明"),
        ("B501", "王芳"),
    ]


def test_several_files_of_three_formats_form_one_batch(case_manager: User) -> None:
    files = [
        ("people.xlsx", staff_workbook()),  # staff before their units: forward references
        ("单位.csv", UNIT_CSV.encode()),
        ("rest.jsonl", DEPARTMENT_LINE.encode()),
    ]

    response = post_files(client_for(case_manager), *files)

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert (batch.status, batch.source_name, batch.source_format, batch.record_count) == (
        "ACCEPTED",
        "people.xlsx, 单位.csv, rest.jsonl",
        "xlsx+csv+jsonl",
        6,
    )
    assert {kind: counts["created"] for kind, counts in batch.counts.items()} == {
        "staff": 2,
        "unit": 3,
        "department": 1,
    }


def test_the_same_file_name_twice_in_one_batch_is_refused(case_manager: User) -> None:
    response = post_files(
        client_for(case_manager), ("单位.csv", UNIT_CSV.encode()), ("单位.csv", UNIT_CSV.encode())
    )

    assert response.status_code == 200
    assert "同一批次中文件名重复：单位.csv" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_the_page_script_gets_the_result_url_as_json(case_manager: User, reference_lines: list[str]) -> None:
    response = post_files(
        client_for(case_manager), ("ref.jsonl", "\n".join(reference_lines).encode()), headers=XHR
    )

    batch = ImportBatch.objects.get()
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "batch": batch.pk,
        "status": "ACCEPTED",
        "redirect": reverse("ingest:batch_detail", args=[batch.pk]),
    }


def test_the_page_script_gets_form_errors_as_json(case_manager: User) -> None:
    response = post_files(client_for(case_manager), ("units.xls", b"x"), headers=XHR)

    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "errors": ["units.xls：不支持的文件格式，请上传 .csv、.json、.jsonl、.ndjson、.xlsm、.xlsx 文件"],
    }
    assert ImportBatch.objects.count() == 0


def test_upload_page_offers_several_files_dry_run_and_the_local_progress_script(case_manager: User) -> None:
    page = client_for(case_manager).get(reverse("ingest:batch_upload")).content.decode()

    assert 'accept=".csv,.json,.jsonl,.ndjson,.xlsm,.xlsx" multiple' in page
    assert "只校验不写入（试运行）" in page
    assert 'src="/static/ingest/upload.js"' in page
    assert 'data-testid="upload-progress"' in page
    assert finders.find("ingest/upload.js") is not None


def test_result_page_shows_status_counts_unknown_event_types_and_duration(case_manager: User) -> None:
    result = run(with_unknown_events(sample_lines()), actor=case_manager)
    ImportBatch.objects.filter(pk=result.batch.pk).update(duration_ms=1234)

    page = (
        client_for(case_manager).get(reverse("ingest:batch_detail", args=[result.batch.pk])).content.decode()
    )

    assert "已写入" in page
    assert '<td data-testid="batch-duration">1.2 秒（1234 毫秒）</td>' in page
    assert (
        '<tr data-kind="staff"><td>人员（staff）</td><td>3</td><td>1</td><td>0</td><td>2</td><td>0</td></tr>'
        in page
    )
    assert (
        '<tr data-kind="lawfirm"><td>律师事务所（lawfirm）</td>'
        "<td>-</td><td>1</td><td>0</td><td>0</td><td>-</td></tr>" in page
    )
    assert "<li>未知事件类型 CUSTOM_NOTE：2 条（已保存）</li>" in page
    assert 'data-kind="event_unknown_type"' not in page
    assert "下载错误" not in page


def test_result_page_pages_the_errors(case_manager: User) -> None:
    batch = run(bad_unit_lines(60), actor=case_manager).batch
    client = client_for(case_manager)
    url = reverse("ingest:batch_detail", args=[batch.pk])

    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()

    assert batch.error_count == 60
    assert first.count("<code>invalid_choice</code>") == 50
    assert second.count("<code>invalid_choice</code>") == 10
    assert "<td>batch.jsonl</td><td>51</td><td>level</td>" in second
    assert "共 60 条，第 2 / 2 页" in second
    assert f'href="{reverse("ingest:batch_errors_xlsx", args=[batch.pk])}"' in first
    assert f'href="{reverse("ingest:batch_errors_csv", args=[batch.pk])}"' in first


def _expected_error_rows() -> list[list[Any]]:
    message = "层级取值无效：{}，应为 SPP、PROVINCE、CITY、COUNTY 之一"
    return [
        ["batch.jsonl", 1, "level", message.format('"STATE"'), "invalid_choice"],
        ["batch.jsonl", 2, "level", message.format('"STATE"'), "invalid_choice"],
    ]


def test_errors_download_as_xlsx(case_manager: User) -> None:
    batch = run(bad_unit_lines(2), actor=case_manager).batch

    response = client_for(case_manager).get(reverse("ingest:batch_errors_xlsx", args=[batch.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == content_disposition_header(
        True, f"导入错误-批次{batch.pk}.xlsx"
    )
    book = openpyxl.load_workbook(BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["错误", "批次"]
    rows = [list(row) for row in book["错误"].iter_rows(values_only=True)]
    assert rows == [["文件", "行号", "字段", "说明", "代码"], *_expected_error_rows()]
    about = dict(book["批次"].iter_rows(values_only=True))
    assert (about["批次"], about["状态"], about["错误总数"]) == (f"#{batch.pk}", "已拒绝（未写入）", 2)


def test_errors_download_as_csv_with_bom(case_manager: User) -> None:
    batch = run(bad_unit_lines(2), actor=case_manager).batch

    response = client_for(case_manager).get(reverse("ingest:batch_errors_csv", args=[batch.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["文件", "行号", "字段", "说明", "代码"],
        *[[str(c) for c in r] for r in _expected_error_rows()],
    ]


def test_downloaded_errors_never_start_a_formula() -> None:
    errors = [{"source": "=HYPERLINK(1).csv", "line": 3, "field": "", "message": "@x", "code": "c"}]

    rows = list(csv.reader(StringIO(errors_csv(errors).decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(BytesIO(errors_xlsx(errors)))["错误"]

    assert rows[1] == ["'=HYPERLINK(1).csv", "3", "", "'@x", "c"]
    assert [cell.value for cell in sheet[2]] == ["'=HYPERLINK(1).csv", 3, None, "'@x", "c"]
    assert sheet["A2"].data_type == "s"


def test_errors_of_a_batch_of_someone_else_are_not_found(case_manager: User, import_admin: User) -> None:
    other = run(bad_unit_lines(1), actor=import_admin).batch
    client = client_for(case_manager)

    for name in ("ingest:batch_errors_xlsx", "ingest:batch_errors_csv", "ingest:batch_detail"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 404
        assert client.get(reverse(name, args=[other.pk + 1000])).status_code == 404


def test_dry_run_writes_nothing_but_the_batch_row(case_manager: User) -> None:
    before = table_counts()

    response = post_files(
        client_for(case_manager), ("ref.jsonl", "\n".join(own_lines()).encode()), dry_run=True
    )

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert (batch.status, batch.is_dry_run, batch.created_by) == ("VALIDATED", True, case_manager)
    assert batch.counts["staff"] == {
        "records": 2,
        "duplicates": 0,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    assert table_counts() == before
    assert AuditEvent.objects.count() == 0
    page = client_for(case_manager).get(response["Location"]).content.decode()
    assert "试运行通过（未写入）" in page
    assert 'data-testid="batch-dry-run"' in page


def test_dry_run_reports_unknown_event_types_as_not_written(case_manager: User) -> None:
    batch = run(with_unknown_events(sample_lines()), actor=case_manager, dry_run=True).batch

    page = client_for(case_manager).get(reverse("ingest:batch_detail", args=[batch.pk])).content.decode()

    assert "<li>未知事件类型 CUSTOM_NOTE：2 条（未写入）</li>" in page


def _history(client: Client, **params: str) -> list[str]:
    page = client.get(reverse("ingest:batch_list"), params).content.decode()
    return re.findall(r'data-testid="batch-link">#(\d+)<', page)


def test_history_filters_by_status_date_range_and_file_name(
    case_manager: User, reference_lines: list[str]
) -> None:
    accepted = run(reference_lines, actor=case_manager).batch
    rejected = run(bad_unit_lines(1), actor=case_manager).batch
    checked = import_batch_run(
        actor=case_manager, source_name="人员台账.jsonl", lines_or_reader=reference_lines, dry_run=True
    ).batch
    local = timezone.get_current_timezone()
    for batch, day in ((accepted, 1), (rejected, 2), (checked, 3)):
        when = datetime(2026, 3, day, 23, 30, tzinfo=local)
        ImportBatch.objects.filter(pk=batch.pk).update(started_at=when)
    client = client_for(case_manager)

    assert _history(client) == [str(checked.pk), str(rejected.pk), str(accepted.pk)]
    assert _history(client, status="REJECTED") == [str(rejected.pk)]
    assert _history(client, started_from="2026-03-02", started_to="2026-03-02") == [str(rejected.pk)]
    assert _history(client, started_from="2026-03-02") == [str(checked.pk), str(rejected.pk)]
    assert _history(client, started_to="2026-03-01") == [str(accepted.pk)]
    assert _history(client, source="台账") == [str(checked.pk)]
    assert _history(client, status="ACCEPTED", source="台账") == []


def test_history_refuses_a_reversed_date_range(case_manager: User, reference_lines: list[str]) -> None:
    run(reference_lines, actor=case_manager)

    response = client_for(case_manager).get(
        reverse("ingest:batch_list"), {"started_from": "2026-03-02", "started_to": "2026-03-01"}
    )

    assert "结束日期不能早于开始日期" in response.content.decode()
    assert re.findall(r'data-testid="batch-link"', response.content.decode()) == []


def test_history_exports_the_filtered_batches_to_excel(
    case_manager: User, reference_lines: list[str]
) -> None:
    run(reference_lines, actor=case_manager)
    rejected = run(bad_unit_lines(3), actor=case_manager).batch

    response = client_for(case_manager).get(
        reverse("ingest:batch_list"), {"status": "REJECTED", "export": "xlsx"}
    )

    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == [
        "批次",
        "开始时间",
        "操作人",
        "文件",
        "格式",
        "状态",
        "试运行",
        "记录数",
        "错误数",
        "耗时（毫秒）",
    ]
    assert [row[0] for row in rows[1:]] == [f"#{rejected.pk}"]
    assert rows[1][2:9] == ["案管员（casemgr）", "batch.jsonl", "jsonl", "已拒绝（未写入）", "否", "3", "3"]


def _ingest_requests(batch: ImportBatch) -> list[tuple[str, str, dict[str, Any]]]:
    upload = {"file": SimpleUploadedFile("单位.csv", UNIT_CSV.encode())}
    return [
        ("get", reverse("ingest:batch_list"), {}),
        ("get", reverse("ingest:batch_list") + "?export=xlsx", {}),
        ("get", reverse("ingest:batch_upload"), {}),
        ("post", reverse("ingest:batch_upload"), upload),
        ("post", reverse("ingest:batch_upload"), {**upload, "dry_run": "on"}),
        ("get", reverse("ingest:batch_detail", args=[batch.pk]), {}),
        ("get", reverse("ingest:batch_errors_xlsx", args=[batch.pk]), {}),
        ("get", reverse("ingest:batch_errors_csv", args=[batch.pk]), {}),
        ("get", reverse("ingest:template_download", args=["staff"]), {}),
    ]


def test_prosecutor_gets_403_on_every_import_url_and_nothing_is_written(
    county_prosecutor: User, case_manager: User
) -> None:
    batch = run(bad_unit_lines(1), actor=case_manager).batch
    before = (table_counts(), list(ImportBatch.objects.values_list("pk", flat=True)))
    client = client_for(county_prosecutor)

    answers = {}
    for method, url, data in _ingest_requests(batch):
        data = {name: value for name, value in data.items()}
        if "file" in data:
            data["file"] = SimpleUploadedFile("单位.csv", UNIT_CSV.encode())
        answers[f"{method} {url}"] = getattr(client, method)(url, data).status_code

    assert set(answers.values()) == {403}
    assert len(answers) == 8  # the two uploads share one key: both refused
    assert (table_counts(), list(ImportBatch.objects.values_list("pk", flat=True))) == before
    assert {name for name in _all_ingest_url_names()} == {
        "batch_list",
        "batch_upload",
        "batch_detail",
        "batch_errors_xlsx",
        "batch_errors_csv",
        "template_download",
    }


def _all_ingest_url_names() -> list[str]:
    from lianjian.ingest.urls import urlpatterns

    return [pattern.name for pattern in urlpatterns if pattern.name]
