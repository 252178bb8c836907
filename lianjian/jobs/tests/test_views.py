"""The 后台任务 page: 系统管理员 only, filters, Excel export."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO

import pytest
from django.urls import reverse

from lianjian.jobs.models import JobRun
from lianjian.jobs.schedule import SHANGHAI

pytestmark = pytest.mark.django_db

URL = "/jobs/runs/"


@pytest.fixture
def runs() -> list[JobRun]:
    slot = datetime(2026, 12, 7, 1, 0, tzinfo=SHANGHAI)
    rows = [
        ("scan.daily", "SUCCEEDED", {"new": 3}, ""),
        ("alerts.escalate", "FAILED", {}, "RuntimeError: 磁盘已满"),
        ("alerts.route", "SKIPPED", {}, "任务目标无法导入"),
    ]
    return [
        JobRun.objects.create(
            job=job,
            slot_at=slot,
            state=state,
            started_at=slot + timedelta(seconds=n),
            finished_at=slot + timedelta(seconds=n + 2),
            counts=counts,
            error=error,
            worker="host:1:MainThread",
        )
        for n, (job, state, counts, error) in enumerate(rows)
    ]


def test_the_url_and_the_menu_entry(client, system_admin, runs) -> None:
    assert reverse("jobs:run_list") == URL
    client.force_login(system_admin)
    page = client.get(reverse("dashboard:home")).content.decode()
    assert 'href="/jobs/runs/"' in page and "后台任务" in page


def test_the_system_administrator_sees_every_run(client, system_admin, runs) -> None:
    client.force_login(system_admin)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "每日全量检测（办案期限与风险检测）（scan.daily）" in html
    assert "RuntimeError: 磁盘已满" in html
    assert "new 3" in html
    assert list(response.context["page_obj"].object_list) == list(reversed(runs))


def test_filters_by_job_and_state(client, system_admin, runs) -> None:
    client.force_login(system_admin)
    response = client.get(URL, {"state": "FAILED"})
    assert [r.job for r in response.context["page_obj"].object_list] == ["alerts.escalate"]
    response = client.get(URL, {"job": "scan.daily", "state": ""})
    assert [r.job for r in response.context["page_obj"].object_list] == ["scan.daily"]


def test_a_forged_filter_shows_nothing_and_a_chinese_message(client, system_admin, runs) -> None:
    client.force_login(system_admin)
    response = client.get(URL, {"job": "nope", "state": "DONE"})
    assert response.status_code == 200
    assert list(response.context["page_obj"].object_list) == []
    html = response.content.decode()
    assert "没有这个任务" in html and "没有这个状态" in html


def test_excel_export(client, system_admin, runs) -> None:
    from openpyxl import load_workbook

    client.force_login(system_admin)
    response = client.get(URL, {"state": "SUCCEEDED", "export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:4] == ["任务", "计划时间", "触发方式", "状态"]
    assert [row[0] for row in values[1:]] == ["每日全量检测（办案期限与风险检测）（scan.daily）"]


@pytest.mark.parametrize("persona", ["county_prosecutor", "security_admin", "audit_admin"])
def test_others_get_403(client, request, persona, runs) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"export": "xlsx"}).status_code == 403


def test_anonymous_is_sent_to_log_in(client, runs) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_page_reads_in_a_fixed_number_of_queries(
    client, system_admin, runs, django_assert_max_num_queries
) -> None:
    client.force_login(system_admin)
    client.get(URL)
    with django_assert_max_num_queries(12):
        assert client.get(URL).status_code == 200
