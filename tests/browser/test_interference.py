"""The interference register in a real browser (issue 6 §7): a prosecutor records an interference
by a deputy chief and submits the monthly report; the department head sees only counts; the
discipline inspector reads the record; the deputy chief — the person recorded — cannot find it.

The clock is set to the last day of the month (the day the month's report opens), moving on from
there in real time.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from lianjian.dashboard.selectors import chart_library_installed
from lianjian.interference.models import PeriodicReport, Record
from lianjian.interference.tests.builders import SECRET_CONTENT, leader_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLOCK = datetime(2026, 12, 31, 2, 0, tzinfo=UTC)  # 10:00 in Beijing, the month's last day
INTERVENER = "高远"


def log_in(page: Any, base: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    started = time.monotonic()
    monkeypatch.setattr(timezone, "now", lambda: CLOCK + timedelta(seconds=time.monotonic() - started))
    return CLOCK


def test_record_report_and_who_finds_it(
    live_server, page, org, clock, county_prosecutor, department_head, discipline_inspector, password
) -> None:
    base = live_server.url
    deputy = leader_of(org.county, staff_no="LD01", name=INTERVENER)

    # The prosecutor records the deputy chief's request about a case.
    log_in(page, base, "prosecutor", password)
    page.goto(f"{base}/interference/records/new/")
    page.wait_for_selector("[data-testid=record-guidance]")
    page.fill("input[name=subject_name]", INTERVENER)
    page.fill("input[name=subject_org]", "兰州市城关区人民检察院")
    page.fill("input[name=subject_position]", "副检察长")
    page.select_option("select[name=subject_type]", "INTERNAL_OWN")
    page.fill("input[name=subject_staff_no]", "LD01")
    page.fill("input[name=occurred_at]", "2026-12-30T15:30")
    page.fill("input[name=location]", "副检察长办公室")
    page.select_option("select[name=channel]", "IN_PERSON")
    page.select_option("select[name=matter_type]", "MAJ-01")
    page.fill("[name=matter_ref]", "张某盗窃案，审查逮捕阶段")
    page.fill("[name=content]", SECRET_CONTENT)
    page.select_option("select[name=category]", "RC-06")
    page.check("input[name=violation_codes][value='IN-VIO-01']")
    page.select_option("select[name=response]", "REFUSED")
    page.click("[data-testid=record-submit]")
    page.wait_for_selector("[data-testid=record-detail]")
    record = Record.objects.get()
    assert record.no in page.inner_text("[data-testid=record-title]")
    assert SECRET_CONTENT in page.content()

    # … and submits December's report, listing it.
    page.goto(f"{base}/interference/reports/mine/?period=2026-12")
    assert page.locator("[data-testid=period-record]").count() == 1
    page.check("#confirm-records")
    page.click("[data-testid=submit-report]")
    page.wait_for_selector("[data-testid=period-row][data-period='2026-12'][data-status='已报']")
    report = PeriodicReport.objects.get(staff=org.prosecutor)
    assert list(report.records.all()) == [record] and not report.is_zero

    # The department head sees one RC-06 in the counts, and cannot open the record.
    log_in(page, base, "head", password)
    page.goto(f"{base}/interference/stats/?start=2026-12-01&end=2026-12-31")
    assert page.inner_text("[data-testid=stats-total]") == "1"
    assert page.locator("[data-testid=table-categories] tr[data-code='RC-06'] td").last.text_content() == "1"
    if chart_library_installed():  # dev.py setup installed ECharts: the charts are drawn
        for name in ("categories", "subjects", "months"):
            page.wait_for_selector(f"[data-chart={name}][data-rendered='1'] canvas")
    assert INTERVENER not in page.content() and SECRET_CONTENT not in page.content()
    response = page.goto(f"{base}/interference/records/{record.no}/")
    assert response is not None and response.status == 404
    assert SECRET_CONTENT not in page.content()

    # The discipline inspector finds it in 记录查阅 and reads it.
    log_in(page, base, "discipline", password)
    page.goto(f"{base}/interference/records/search/")
    page.click(f"a:has-text('{record.no}')")
    page.wait_for_selector("[data-testid=record-detail]")
    assert SECRET_CONTENT in page.content() and INTERVENER in page.content()

    # The deputy chief, the person recorded, finds nothing: no list, no counts, no page, no lookup.
    log_in(page, base, deputy.username, password)
    page.goto(f"{base}/interference/stats/?start=2026-12-01&end=2026-12-31")
    assert page.inner_text("[data-testid=stats-total]") == "0"
    response = page.goto(f"{base}/interference/records/{record.no}/")
    assert response is not None and response.status == 404
    page.goto(f"{base}/interference/read-requests/?no={record.no}")
    page.wait_for_selector("[data-testid=lookup-none]")
    page.goto(f"{base}/risk/alerts/")
    for text in (record.no, SECRET_CONTENT):
        assert text not in page.inner_text("main")
