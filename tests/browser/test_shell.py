"""The shell in a real browser: a department head finds a staff member through the tree."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_department_head_finds_staff_through_department_tree(
    live_server, page, department_head, org, password
):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", department_head.username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    assert department_head.display_name in page.inner_text("[data-testid=shell-user]")
    # The watermark is set by the server with the user's name.
    assert department_head.display_name in page.get_attribute("[data-testid=watermark]", "data-text")

    page.click("[data-menu=staff]")
    page.click("[data-testid=org-tree] a:has-text('第二检察部')")
    page.wait_for_url(re.compile(r".*department=.*"))
    rows = page.locator("[data-testid=list-table] tbody tr")
    assert rows.count() == 3  # 何平, 周敏, 罗兰 of the county's criminal department
    page.click("[data-testid=staff-link]:has-text('何平')")
    page.wait_for_url(re.compile(r".*/org/staff/\d+/?$"))
    assert "何平" in page.inner_text("h5, h4, h3")
    assert "A100" in page.content()
