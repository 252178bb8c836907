"""The report pages (我的报告, 报告情况 and its export, 报告设置): who sees what, bad input, and
that nothing confidential shows."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from typing import Any, cast

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lianjian.audit.models import AuditEvent
from lianjian.interference.choices import ReportCycle
from lianjian.interference.models import PeriodicReport, ReportingSetting
from lianjian.interference.periods import local_day, period_of
from lianjian.interference.reporting import report_submit
from lianjian.interference.selectors_reports import ComplianceRow, withhold_small_zero_splits
from lianjian.interference.tests.builders import SECRET_CONTENT, SECRET_NAME, make_record

pytestmark = pytest.mark.django_db

MINE = "interference:my_reports"
SUBMIT = "interference:my_report_submit"
OVERVIEW = "interference:report_overview"
EXPORT = "interference:report_export"
SETTINGS = "interference:report_settings"


@pytest.fixture
def last_month():
    """The previous month: open for submission today, whatever today is."""
    return period_of(ReportCycle.MONTHLY, local_day(timezone.now())).previous()


def in_period(staff, period, **overrides):
    at = period.bounds()[0] + timedelta(days=5, hours=10)
    return make_record(staff, now=at, occurred_at=at - timedelta(hours=1), **overrides)


class TestMyReports:
    def test_lists_periods_and_the_records_to_confirm_without_content(
        self, client, org, county_prosecutor, last_month
    ) -> None:
        record = in_period(org.prosecutor, last_month)
        client.force_login(county_prosecutor)
        response = client.get(reverse(MINE), {"period": last_month.key})
        html = response.content.decode()
        assert response.status_code == 200
        assert last_month.label in html and record.no in html
        assert SECRET_NAME not in html and SECRET_CONTENT not in html
        assert 'data-testid="submit-report"' in html and 'data-testid="submit-zero"' not in html

    def test_submit_then_resubmit_is_refused(self, client, org, county_prosecutor, last_month) -> None:
        record = in_period(org.prosecutor, last_month)
        client.force_login(county_prosecutor)
        zero = client.post(
            reverse(SUBMIT), {"period": last_month.key, "zero": "1", "confirm": "1"}, follow=True
        )
        assert "不能提交零报告" in zero.content.decode() and not PeriodicReport.objects.exists()
        unconfirmed = client.post(
            reverse(SUBMIT), {"period": last_month.key, "records": [record.pk]}, follow=True
        )
        assert "请勾选确认" in unconfirmed.content.decode() and not PeriodicReport.objects.exists()
        done = client.post(
            reverse(SUBMIT), {"period": last_month.key, "records": [record.pk], "confirm": "1"}, follow=True
        )
        assert "报告已提交" in done.content.decode()
        assert list(PeriodicReport.objects.get().records.all()) == [record]
        again = client.post(
            reverse(SUBMIT), {"period": last_month.key, "records": [record.pk], "confirm": "1"}, follow=True
        )
        assert "不能重复提交" in again.content.decode()
        assert PeriodicReport.objects.count() == 1

    def test_zero_report_with_confirmation(self, client, org, county_prosecutor, last_month) -> None:
        client.force_login(county_prosecutor)
        page = client.get(reverse(MINE), {"period": last_month.key}).content.decode()
        assert 'data-testid="submit-zero"' in page
        unconfirmed = client.post(reverse(SUBMIT), {"period": last_month.key, "zero": "1"}, follow=True)
        assert "请勾选确认" in unconfirmed.content.decode() and not PeriodicReport.objects.exists()
        client.post(reverse(SUBMIT), {"period": last_month.key, "zero": "1", "confirm": "1"})
        assert PeriodicReport.objects.get().is_zero
        assert (
            AuditEvent.objects.filter(
                action="interference.report.submit", actor_id=county_prosecutor.pk
            ).count()
            == 1
        )

    @pytest.mark.parametrize("period", ["", "2026-13", "2026-Q1", "x'; drop"])
    def test_a_malformed_period_is_a_message(self, client, county_prosecutor, period) -> None:
        client.force_login(county_prosecutor)
        response = client.post(reverse(SUBMIT), {"period": period, "zero": "1", "confirm": "1"}, follow=True)
        assert response.status_code == 200 and "报告期间无效" in response.content.decode()
        assert not PeriodicReport.objects.exists()

    def test_a_forged_record_list_changes_nothing(self, client, org, county_prosecutor, last_month) -> None:
        other = in_period(org.colleague, last_month)
        mine = in_period(org.prosecutor, last_month)
        client.force_login(county_prosecutor)
        forged = client.post(
            reverse(SUBMIT),
            {"period": last_month.key, "records": [mine.pk, other.pk], "confirm": "1"},
            follow=True,
        )
        assert "不属于本人本期" in forged.content.decode()
        junk = client.post(
            reverse(SUBMIT), {"period": last_month.key, "records": ["abc"], "confirm": "1"}, follow=True
        )
        assert "所列记录无效" in junk.content.decode()
        assert not PeriodicReport.objects.exists()

    def test_a_user_without_staff_sees_a_note(self, client, org) -> None:
        from lianjian.accounts.tests.factories import UserFactory, grant

        user = UserFactory(username="nostaff")
        grant(user, "CASE_MANAGEMENT", "UNIT", unit=org.county)  # type: ignore[arg-type]
        client.force_login(user)
        assert 'data-testid="no-staff"' in client.get(reverse(MINE)).content.decode()
        assert (
            client.post(reverse(SUBMIT), {"period": "2026-01", "zero": "1", "confirm": "1"}).status_code
            == 404
        )

    def test_a_late_contact_shows_as_reported_late(self, client, org, county_prosecutor, last_month) -> None:
        start = last_month.bounds()[0]
        make_record(
            org.prosecutor,
            now=start + timedelta(days=10),
            occurred_at=start + timedelta(days=2),
            in_workplace=False,
            category="RC-05",
            violation_codes=[],
            subject_type="PARTY",
        )
        client.force_login(county_prosecutor)
        html = client.get(reverse(MINE), {"period": last_month.key}).content.decode()
        assert 'data-testid="reported-late"' in html and "逾期报告" in html


class TestOverview:
    @pytest.fixture
    def reported(self, org, county_prosecutor, department_head, last_month):
        """Two months ago (overdue whatever today is): A101 reported, A100 did not."""
        period = last_month.previous()
        in_period(org.prosecutor, period)
        report_submit(
            staff=org.head, period=period, records=[], is_zero=True, actor=None, now=period.bounds()[1]
        )
        return period

    def test_inspection_sees_names_of_the_missing_but_no_content(
        self, client, org, city_supervisor, reported
    ) -> None:
        client.force_login(city_supervisor)
        query = {"period": reported.key, "unit": org.county.code}
        html = client.get(reverse(OVERVIEW), query).content.decode()
        assert "兰州市城关区人民检察院" in html and "何平" in html
        assert 'data-testid="all-units"' in html  # back to the city's units
        assert SECRET_NAME not in html and SECRET_CONTENT not in html

    def test_a_scope_of_several_units_is_one_row_per_unit(
        self, client, org, city_supervisor, reported
    ) -> None:
        """The city inspector's page: each unit's total, linking to its departments; no names."""
        client.force_login(city_supervisor)
        html = client.get(reverse(OVERVIEW), {"period": reported.key}).content.decode()
        start = html.index('data-testid="report-overview"')
        table = html[start : html.index("</table>", start)]
        assert 'data-testid="by-unit"' in table
        assert ">兰州市城关区人民检察院</a>" in table
        assert '<td style="padding-left:1.5rem"><a href="?unit=620102' in table  # under the city
        assert '<td><a href="?unit=620100' in table
        assert ">兰州市七里河区人民检察院</a>" in table  # the city's other county
        assert "嘉峪关" not in table  # another city
        assert "第二检察部" not in table and "何平" not in table and "逾期未报人员" not in table
        assert f"?unit={org.county.code}&amp;period={reported.key}" in table
        assert table.count('data-testid="overview-row"') == table.count('data-testid="unit-link"') >= 3
        assert SECRET_NAME not in html and SECRET_CONTENT not in html

    def test_a_department_head_sees_rates_of_their_department_only(
        self, client, department_head, reported
    ) -> None:
        client.force_login(department_head)
        html = client.get(reverse(OVERVIEW), {"period": reported.key}).content.decode()
        start = html.index('data-testid="report-overview"')  # the shell and watermark name the user
        html = html[start : html.index("</table>", start)]
        assert "第二检察部" in html and "50%" in html
        assert "何平" not in html and "罗兰" not in html and "（合计）" not in html
        # two people: who filed the zero report would say who recorded something
        assert "<td>—</td>" in html and "不显示零报告率" in html

    def test_a_unit_outside_the_scope_is_404(self, client, city_supervisor, department_head) -> None:
        client.force_login(city_supervisor)
        assert client.get(reverse(OVERVIEW), {"unit": "620201"}).status_code == 404
        assert client.get(reverse(EXPORT), {"unit": "620201"}).status_code == 404
        assert client.get(reverse(OVERVIEW), {"unit": "620103"}).status_code == 200
        client.force_login(department_head)
        assert client.get(reverse(OVERVIEW), {"unit": "620103"}).status_code == 404

    def test_export_names_for_inspection_rates_for_the_chain(
        self, client, city_supervisor, department_head, reported
    ) -> None:
        client.force_login(city_supervisor)
        response = client.get(reverse(EXPORT), {"period": reported.key})
        sheet = load_workbook(BytesIO(response.content)).active
        cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
        assert "何平" in cells and "逾期未报人员" in cells
        assert SECRET_NAME not in cells and SECRET_CONTENT not in cells
        assert AuditEvent.objects.filter(action="interference.report.export").count() == 1
        client.force_login(department_head)
        sheet = load_workbook(BytesIO(client.get(reverse(EXPORT), {"period": reported.key}).content)).active
        cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
        assert "报告率" in cells and "何平" not in cells and "罗兰" not in cells

    def test_a_bad_period_falls_back_to_last_month(self, client, city_supervisor) -> None:
        client.force_login(city_supervisor)
        assert client.get(reverse(OVERVIEW), {"period": "zzz"}).status_code == 200


class TestSettings:
    def post(self, client, **overrides):
        data = {
            "unit": "620102",
            "cycle": "QUARTERLY",
            "remind_days": "5，2",
            "zero_months": "4",
            "caseload_threshold": "25",
        }
        data.update(overrides)
        return client.post(reverse(SETTINGS), data, follow=True)

    def test_saves_and_audits(self, client, org, city_supervisor) -> None:
        client.force_login(city_supervisor)
        assert "已保存" in self.post(client).content.decode()
        row = ReportingSetting.objects.get(unit=org.county)
        assert (row.cycle, row.remind_days, row.zero_months, row.caseload_threshold) == (
            "QUARTERLY",
            [5, 2],
            4,
            25,
        )
        event = AuditEvent.objects.get(action="interference.report_setting.change")
        assert event.before is None and event.after["cycle"] == "QUARTERLY"
        self.post(client, cycle="MONTHLY")
        assert ReportingSetting.objects.get(unit=org.county).cycle == "MONTHLY"
        assert (
            AuditEvent.objects.filter(action="interference.report_setting.change")
            .order_by("pk")
            .last()
            .before["cycle"]
            == "QUARTERLY"
        )

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("cycle", "WEEKLY", "报告周期：取值无效"),
            ("remind_days", "3,x", "提前提醒天数"),
            ("remind_days", "30", "0～15"),
            ("zero_months", "0", "连续零记录月数"),
            ("caseload_threshold", "many", "请填写整数"),
        ],
    )
    def test_bad_values_are_messages_and_change_nothing(
        self, client, city_supervisor, field, value, message
    ) -> None:
        client.force_login(city_supervisor)
        response = self.post(client, **{field: value})
        assert response.status_code == 200 and message in response.content.decode()
        assert not ReportingSetting.objects.exists()
        assert not AuditEvent.objects.filter(action="interference.report_setting.change").exists()

    def test_a_unit_outside_the_scope_is_404(self, client, city_supervisor) -> None:
        client.force_login(city_supervisor)
        assert self.post(client, unit="620201").status_code == 404
        assert self.post(client, unit="nope").status_code == 404
        assert not ReportingSetting.objects.exists()

    def test_the_page_shows_inherited_settings(self, client, org, city_supervisor) -> None:
        ReportingSetting.objects.create(unit=org.city, cycle=ReportCycle.QUARTERLY, remind_days=[2])
        client.force_login(city_supervisor)
        html = client.get(reverse(SETTINGS)).content.decode()
        assert "沿用 620100" in html and "本院设置" in html and "嘉峪关" not in html


def test_the_menu_shows_the_three_entries_by_permission(
    client, county_prosecutor, city_supervisor, system_admin
) -> None:
    client.force_login(city_supervisor)
    html = client.get(reverse(MINE)).content.decode()
    assert "三个规定" in html and "报告情况" in html and "报告设置" in html
    client.force_login(county_prosecutor)
    html = client.get(reverse(MINE)).content.decode()
    assert "我的报告" in html and "报告设置" not in html and "报告情况" not in html
    client.force_login(system_admin)
    assert client.get(reverse(MINE)).status_code == 403
    assert "我的报告" not in client.get(reverse("dashboard:home")).content.decode()


def _row(obliged: int, zero: int, *, total: bool = False) -> ComplianceRow:
    row = ComplianceRow(unit=cast(Any, None), department=None, period=cast(Any, None), total=total)
    row.obliged, row.submitted, row.zero = obliged, obliged, zero
    return row


@pytest.mark.parametrize(
    ("sizes", "hidden"),
    [
        ((5, 4, 3), (False, False, False, False)),  # every part covers three or more
        ((5, 4, 2), (False, True, True, True)),  # the small part would follow from the total
        ((5, 4, 1, 2), (False, False, False, True, True)),  # three people withheld together
        ((2, 2), (False, True, True)),  # both parts small, four people withheld together
        ((1, 1), (True, True, True)),  # the unit itself is small
    ],
)
def test_the_zero_split_is_withheld_where_it_would_name_people(sizes, hidden) -> None:
    total, parts = _row(sum(sizes), 1, total=True), [_row(n, n - 1) for n in sizes]

    withhold_small_zero_splits(total, parts)

    assert (total.zero_hidden, *(row.zero_hidden for row in parts)) == (hidden[0], *hidden[1:])
    assert [row.zero_rate == "—" for row in parts] == list(hidden[1:])
