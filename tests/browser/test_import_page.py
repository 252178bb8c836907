"""The import page in a real browser: files go up through the page's script, the result opens."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lianjian.accounts.tests.factories import UserFactory, grant
from lianjian.ingest.models import ImportBatch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNITS = (
    "单位编码,单位名称,层级,上级单位编码\n"
    "530000,云南省人民检察院,PROVINCE,\n"
    "530100,昆明市人民检察院,CITY,530000\n"
)
DEPARTMENT = (
    '{"record": "department", "unit": "530100", "code": "D7", "name": "第七检察部", "kind": "CRIMINAL"}\n'
)


def test_case_manager_uploads_two_files_as_one_dry_run_batch(
    live_server, page, org, password, tmp_path: Path
):
    user = UserFactory(username="uploader", display_name="案管员")
    grant(user, "CASE_MANAGEMENT", "UNIT", unit=org.county)
    units, department = tmp_path / "单位.csv", tmp_path / "rest.jsonl"
    units.write_text(UNITS, encoding="utf-8")
    department.write_text(DEPARTMENT, encoding="utf-8")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "uploader")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    page.goto(f"{live_server.url}/import/upload/")
    page.set_input_files("input[name=file]", [str(units), str(department)])
    page.check("input[name=dry_run]")
    with page.expect_response(
        lambda r: r.url.endswith("/import/upload/") and r.request.method == "POST"
    ) as sent:
        page.click("#lj-upload-submit")
    page.wait_for_url(re.compile(r".*/import/\d+/$"))

    assert sent.value.request.headers.get("x-requested-with") == "XMLHttpRequest"
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.is_dry_run, batch.source_name) == ("VALIDATED", True, "单位.csv, rest.jsonl")
    assert "试运行通过（未写入）" in page.inner_text("[data-testid=batch-status]")
    assert page.locator("[data-testid=upload-progress]").count() == 0  # the result page, not the form


def test_a_refused_file_is_shown_on_the_upload_page(live_server, page, org, password, tmp_path: Path):
    user = UserFactory(username="uploader", display_name="案管员")
    grant(user, "CASE_MANAGEMENT", "UNIT", unit=org.county)
    wrong = tmp_path / "units.xls"
    wrong.write_bytes(b"x")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "uploader")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    page.goto(f"{live_server.url}/import/upload/")
    page.set_input_files("input[name=file]", str(wrong))
    page.click("#lj-upload-submit")
    page.wait_for_selector("[data-testid=upload-messages]:not(.d-none)")

    assert "units.xls：不支持的文件格式" in page.inner_text("[data-testid=upload-messages]")
    assert ImportBatch.objects.count() == 0
