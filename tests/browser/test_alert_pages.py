"""Seeing alerts in a real browser (issue 5 §1): the department head switches to the department's
tab, follows a case number to the case page and from there opens the alert, which explains itself."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lianjian.risk.tests.test_alert_pages import CASE_A, CASE_B, alerts  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, base: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))


def test_the_department_head_goes_from_the_tab_to_the_case_and_its_alert(
    live_server,
    page,
    department_head,
    password,
    alerts,  # noqa: F811
) -> None:
    log_in(page, live_server.url, "head", password)
    page.goto(f"{live_server.url}/risk/alerts/")
    page.click("[data-testid=alert-tabs] [data-view=mine]")
    page.wait_for_selector("[data-testid=alert-tabs] .active[data-view=mine]")
    assert page.locator("[data-testid=case-link]").count() == 0

    page.click("[data-testid=alert-tabs] [data-view=department]")
    page.wait_for_selector("[data-testid=alert-tabs] .active[data-view=department]")
    cases = page.locator("[data-testid=case-link]").all_inner_texts()
    assert sorted(cases) == [CASE_A, CASE_B]

    page.click(f"[data-testid=case-link]:has-text('{CASE_A}')")
    page.wait_for_selector("[data-testid=case-detail]")
    assert page.inner_text("[data-testid=case-title]") == f"案件 {CASE_A}"
    key = page.locator("[data-testid=case-events] tr[data-key]")
    assert key.count() == 1 and "上级院指令" in key.inner_text()

    page.click("[data-testid=case-alerts] [data-testid=alert-link]")
    page.wait_for_selector("[data-testid=alert-explanation]")
    explanation = page.inner_text("[data-testid=alert-explanation]")
    assert "属于规则“上级院对案件作出指令”关注的关键节点" in explanation
    assert page.locator("[data-testid=alert-events] tr[data-key]").count() == 1
