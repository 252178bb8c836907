"""The bell in a real browser: a prosecutor sees the unread count, opens the list, marks all read."""

from __future__ import annotations

import re

import pytest

from lianjian.notify.services import notify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_prosecutor_reads_notifications_from_the_bell(live_server, page, county_prosecutor, password) -> None:
    for n in range(2):
        notify([county_prosecutor], kind="ALERT_RAISED", title=f"提示：测试预警{n}", url="/", key=f"b:{n}")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", county_prosecutor.username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    assert page.inner_text("[data-testid=shell-unread]") == "2"

    page.click("[data-testid=shell-bell]")
    page.wait_for_url(re.compile(r".*/notify/$"))
    assert page.locator("[data-testid=notification][data-read='0']").count() == 2

    page.click("[data-testid=read-all]")
    page.wait_for_url(re.compile(r".*/notify/$"))
    assert page.locator("[data-testid=notification][data-read='1']").count() == 2
    assert page.locator("[data-testid=shell-unread]").count() == 0
