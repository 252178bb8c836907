"""The statistics page and report downloads: counts only, scope, audit, bad input in Chinese."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

import pytest
from django.urls import reverse
from docx import Document

from lianjian.audit.models import AuditEvent
from lianjian.interference import views_stats
from lianjian.interference.tests.builders import SECRET_CONTENT, SECRET_NAME, make_record

pytestmark = pytest.mark.django_db

NOV = datetime.fromisoformat("2026-11-10T10:00:00+08:00")
PERIOD = {"start": "2026-11-01", "end": "2026-11-30"}


@pytest.fixture
def records(org):
    first = make_record(org.prosecutor, now=NOV, occurred_at=NOV)
    make_record(org.colleague, now=NOV, occurred_at=NOV, category="RC-02", violation_codes=[])
    make_record(org.outsider_staff, now=NOV, occurred_at=NOV)
    return first


def test_the_page_shows_counts_and_no_record(client, records, department_head) -> None:
    client.force_login(department_head)
    response = client.get(reverse("interference:stats"), PERIOD)
    body = response.content.decode()
    assert response.status_code == 200
    assert '<div class="fs-2" data-testid="stats-total">2</div>' in body
    rc06 = '<tr data-code="RC-06"><td>RC-06</td><td>不当过问或干预、插手检察办案</td>'
    assert rc06 + '<td class="text-end">1</td></tr>' in body
    for secret in (SECRET_NAME, SECRET_CONTENT, records.no, "何平", "周敏"):
        assert secret not in body
    assert 'data-testid="read-request-hint"' in body


def test_zero_record_units_are_shown_to_unit_viewers_only(
    client, records, city_supervisor, department_head
) -> None:
    client.force_login(city_supervisor)
    body = client.get(reverse("interference:stats"), PERIOD).content.decode()
    start = body.index('data-testid="zero-units"')
    table = body[start : body.index("</table>", start)]
    assert '<tr data-unit="620100"><td>兰州市人民检察院</td>' in table  # the city: people, no record
    assert 'data-unit="620102"' not in table  # the county recorded
    client.force_login(department_head)
    assert (
        'data-testid="zero-units"' not in client.get(reverse("interference:stats"), PERIOD).content.decode()
    )


def test_the_read_request_link_leads_to_the_request_page(client, records, department_head) -> None:
    client.force_login(department_head)
    body = client.get(reverse("interference:stats")).content.decode()
    assert f'href="{reverse("interference:read_requests")}" data-testid="read-request-link"' in body


def test_charts_fall_back_to_tables(client, records, city_supervisor, monkeypatch) -> None:
    client.force_login(city_supervisor)
    monkeypatch.setattr(views_stats, "chart_library_installed", lambda: True)
    body = client.get(reverse("interference:stats"), PERIOD).content.decode()
    assert 'id="stats-charts"' in body and "vendor/echarts/echarts.min.js" in body
    monkeypatch.setattr(views_stats, "chart_library_installed", lambda: False)
    body = client.get(reverse("interference:stats"), PERIOD).content.decode()
    assert 'id="stats-charts"' not in body and 'data-testid="charts-fallback"' in body
    assert 'data-testid="table-months"' in body


def test_bad_filters_are_explained_in_chinese(client, records, city_supervisor, org) -> None:
    client.force_login(city_supervisor)
    body = client.get(
        reverse("interference:stats"), {"start": "2026-13-01", "unit": org.other_county.code}
    ).content.decode()
    assert "起始日期格式应为 YYYY-MM-DD" in body
    assert "所选单位不在您的统计范围内" in body


def test_a_report_download_is_counts_only_and_audited(client, records, city_supervisor, org) -> None:
    client.force_login(city_supervisor)
    response = client.get(
        reverse("interference:stats_report"), {"unit": org.city.code, "period": "2026-11", "format": "docx"}
    )
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    document = Document(BytesIO(response.content))
    assert document.paragraphs[0].text.startswith("兰州市人民检察院2026年11月")
    assert [c.text for c in document.tables[0].rows[-1].cells] == ["合计", "", "2"]
    assert SECRET_NAME.encode() not in response.content
    event = AuditEvent.objects.get(action="interference.report.export")
    assert event.actor_id == city_supervisor.pk
    assert event.after == {"period": "2026-11", "kind": "MONTH", "format": "docx"}


def test_a_report_of_a_unit_outside_reach_is_404(client, records, city_supervisor, org) -> None:
    client.force_login(city_supervisor)
    response = client.get(
        reverse("interference:stats_report"), {"unit": org.other_county.code, "period": "2026-11"}
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="interference.report.export").exists()


def test_a_bad_period_or_format_returns_to_the_page(client, records, city_supervisor) -> None:
    client.force_login(city_supervisor)
    for params, message in (
        ({"period": "Q4-2026"}, "期间格式"),
        ({"period": "2026", "format": "pdf"}, "格式应为"),
    ):
        response = client.get(reverse("interference:stats_report"), params, follow=True)
        assert response.redirect_chain[-1][0] == reverse("interference:stats")
        assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action="interference.report.export").exists()


def test_the_menu_shows_the_section_by_permission(
    client, records, discipline_inspector, department_head
) -> None:
    client.force_login(discipline_inspector)
    body = client.get(reverse("interference:stats")).content.decode()
    assert 'data-menu="interference_stats"' in body and 'data-menu="interference_clues"' in body
    client.force_login(department_head)
    body = client.get(reverse("interference:stats")).content.decode()
    assert 'data-menu="interference_stats"' in body and 'data-menu="interference_clues"' not in body


def test_the_page_and_the_report_leave_out_records_about_the_viewer(
    client, records, org, city_supervisor
) -> None:
    make_record(org.prosecutor, now=NOV, occurred_at=NOV, subject_name="韩督", subject_staff_no="CS01")
    client.force_login(city_supervisor)
    body = client.get(reverse("interference:stats"), PERIOD).content.decode()
    assert '<div class="fs-2" data-testid="stats-total">2</div>' in body
    response = client.get(reverse("interference:stats_report"), {"unit": org.city.code, "period": "2026-11"})
    document = Document(BytesIO(response.content))
    assert [c.text for c in document.tables[0].rows[-1].cells] == ["合计", "", "2"]
    assert "韩督".encode() not in response.content
