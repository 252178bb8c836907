"""An alert's disposal in a real browser (issue 5 §7): the prosecutor signs, verifies with a file
and proposes; the department head approves and the alert is closed; the leaders' dashboard, which
showed the alert in its figures and drill-down, no longer counts it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from lianjian.accounts.tests.factories import UserFactory, grant
from lianjian.dashboard.selectors import chart_library_installed
from lianjian.risk.tests.workflow import alert_on, case_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, base: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))


def leader_dashboard(page: Any, base: str, password: str) -> tuple[str, str]:
    """The county leader's pending count and the county's risk score on the dashboard."""
    log_in(page, base, "county_leader", password)
    page.goto(f"{base}/")
    county = page.locator("[data-testid=unit-node][data-unit='620102']")
    return page.inner_text("[data-testid=pending-total]"), county.get_attribute("data-score") or ""


def test_a_prosecutor_disposes_an_alert_and_the_department_head_closes_it(
    live_server, page, org, county_prosecutor, department_head, password, settings, tmp_path: Path
) -> None:
    settings.LIANJIAN_ATTACHMENT_DIR = tmp_path / "attachments"
    alert = alert_on(case_of(org))
    record = tmp_path / "询问笔录.pdf"
    record.write_bytes(b"%PDF-1.4\n% browser test\n")
    url = f"{live_server.url}/risk/alerts/{alert.pk}/"
    leader: Any = UserFactory(username="county_leader", display_name="城关区检察长")
    grant(leader, "LEADER", "UNIT_AND_BELOW", unit=org.county)

    assert leader_dashboard(page, live_server.url, password) == ("1", "1")
    if chart_library_installed():  # dev.py setup installed ECharts: the charts are drawn
        page.wait_for_selector("[data-chart=trend][data-rendered='1'] canvas")
    page.click("[data-testid=unit-node][data-unit='620102']")  # drill-down, unit → departments (HTMX)
    page.wait_for_selector("[data-testid=drill-departments]")
    assert page.inner_text("[data-testid=drill-departments] [data-testid=drill-score]") == "1"
    page.click("[data-testid=drill-departments] [data-testid=drill-row] a")  # → people
    page.wait_for_selector("[data-testid=drill-people]:has-text('何平')")

    log_in(page, live_server.url, "prosecutor", password)
    page.goto(url)
    page.click("[data-testid=disposal-submit-sign]")
    page.wait_for_selector("[data-testid=disposal-form-verify]")
    page.fill("[data-testid=disposal-form-verify] textarea[name=note]", "调阅卷宗，询问承办人")
    page.set_input_files("[data-testid=disposal-form-verify] input[name=attachments]", str(record))
    page.click("[data-testid=disposal-submit-verify]")
    page.wait_for_selector("[data-testid=disposal-attachment]")
    page.check("[data-testid=disposal-form-propose] input[value=TRUE]")
    page.fill("[data-testid=disposal-form-propose] textarea[name=note]", "上级院指令已执行")
    page.click("[data-testid=disposal-submit-propose]")
    page.wait_for_selector("[data-testid=disposal-state]:has-text('待审核')")
    assert page.locator("[data-testid=disposal-actions]").count() == 0

    log_in(page, live_server.url, "head", password)
    page.goto(url)
    page.click("[data-testid=disposal-submit-approve]")
    page.wait_for_selector("[data-testid=disposal-state]:has-text('已办结')")

    assert page.inner_text("[data-testid=disposal-opinion]") == "属实"
    steps = page.locator("[data-testid=disposal-history] tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.step)"
    )
    assert steps == ["SIGN", "VERIFY", "PROPOSE", "APPROVE"]
    alert.refresh_from_db()
    assert (alert.disposal_state, alert.disposal_opinion) == ("CLOSED", "TRUE")

    assert leader_dashboard(page, live_server.url, password) == ("0", "0")
