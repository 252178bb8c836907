"""Periodic reports with a controlled clock (issue 6 §3, §7): submission and zero reports,
reminders, late flags routed to 检务督察, urgent notices, the counts up the chain."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from lianjian.audit.models import AuditEvent
from lianjian.interference.choices import ReportCycle
from lianjian.interference.models import PeriodicReport, ReportingSetting
from lianjian.interference.periods import SHANGHAI, Period, obliged_staff, obliged_staff_of_units, setting_for
from lianjian.interference.reporting import (
    ReportError,
    ReportStatus,
    report_status,
    report_submit,
    reports_daily,
    reports_flag_late,
    reports_remind,
    urgent_notify,
)
from lianjian.interference.selectors_reports import chain_counts
from lianjian.interference.services import record_correct
from lianjian.interference.tests.builders import SECRET_CONTENT, SECRET_NAME, make_record, record_input
from lianjian.notify.models import Notification
from lianjian.org.models import Staff
from lianjian.org.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

MARCH = Period(date(2026, 3, 1), ReportCycle.MONTHLY)  # due 3 April 2026
Q1 = Period(date(2026, 1, 1), ReportCycle.QUARTERLY)  # due 10 April 2026


def bj(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def march_record(staff, day: str = "2026-03-10T10:00:00", **overrides):
    at = bj(day)
    return make_record(staff, now=at, occurred_at=at - timedelta(hours=2), **overrides)


def texts(notifications) -> str:
    return " ".join(f"{n.title} {n.body} {n.url}" for n in notifications)


class TestSubmit:
    def test_a_zero_report_is_refused_when_the_person_has_records(self, org, county_prosecutor) -> None:
        march_record(org.prosecutor)
        with pytest.raises(ReportError, match="不能提交零报告"):
            report_submit(
                staff=org.prosecutor,
                period=MARCH,
                records=[],
                is_zero=True,
                actor=None,
                now=bj("2026-04-01T09:00"),
            )
        assert not PeriodicReport.objects.exists()

    def test_a_report_lists_all_own_records_of_the_period(self, org, county_prosecutor) -> None:
        first = march_record(org.prosecutor, "2026-03-01T00:00:00")
        second = march_record(org.prosecutor, "2026-03-31T23:59:00")
        april = march_record(org.prosecutor, "2026-04-01T00:00:00")  # the next period's
        other = march_record(org.colleague)
        now = bj("2026-04-02T10:00")
        with pytest.raises(ReportError, match="1 条记录未列入"):
            report_submit(
                staff=org.prosecutor, period=MARCH, records=[first], is_zero=False, actor=None, now=now
            )
        with pytest.raises(ReportError, match="不属于本人本期"):
            report_submit(
                staff=org.prosecutor,
                period=MARCH,
                records=[first, second, other],
                is_zero=False,
                actor=None,
                now=now,
            )
        with pytest.raises(ReportError, match="不属于本人本期"):
            report_submit(
                staff=org.prosecutor,
                period=MARCH,
                records=[first, second, april],
                is_zero=False,
                actor=None,
                now=now,
            )
        report = report_submit(
            staff=org.prosecutor, period=MARCH, records=[first, second], is_zero=False, actor=None, now=now
        )
        assert set(report.records.all()) == {first, second}
        assert (report.due_on, report.period_end, report.unit, report.department) == (
            date(2026, 4, 3),
            date(2026, 3, 31),
            org.county,
            org.criminal,
        )
        assert report_status(report, MARCH, date(2026, 4, 20)) == ReportStatus.SUBMITTED

    def test_no_records_needs_a_zero_report(self, org) -> None:
        with pytest.raises(ReportError, match="请提交零报告"):
            report_submit(
                staff=org.prosecutor,
                period=MARCH,
                records=[],
                is_zero=False,
                actor=None,
                now=bj("2026-04-01T09:00"),
            )
        report = report_submit(
            staff=org.prosecutor,
            period=MARCH,
            records=[],
            is_zero=True,
            actor=None,
            now=bj("2026-04-01T09:00"),
        )
        assert report.is_zero and report_status(report, MARCH, date(2026, 4, 5)) == ReportStatus.ZERO

    def test_submitting_twice_is_refused(self, org) -> None:
        report_submit(
            staff=org.prosecutor,
            period=MARCH,
            records=[],
            is_zero=True,
            actor=None,
            now=bj("2026-04-01T09:00"),
        )
        march_record(org.prosecutor, "2026-03-31T20:00:00")  # a record found afterwards: 补报
        with pytest.raises(ReportError, match="不能重复提交"):
            report_submit(
                staff=org.prosecutor,
                period=MARCH,
                records=[],
                is_zero=True,
                actor=None,
                now=bj("2026-04-02T09:00"),
            )
        assert PeriodicReport.objects.get().is_zero

    def test_not_before_the_period_last_day(self, org) -> None:
        with pytest.raises(ReportError, match="起方可提交"):
            report_submit(
                staff=org.prosecutor,
                period=MARCH,
                records=[],
                is_zero=True,
                actor=None,
                now=bj("2026-03-30T23:00"),
            )
        report_submit(
            staff=org.prosecutor,
            period=MARCH,
            records=[],
            is_zero=True,
            actor=None,
            now=bj("2026-03-31T08:00"),
        )

    def test_late_submission_is_taken_and_flagged(self, org) -> None:
        on_time = report_submit(
            staff=org.prosecutor,
            period=MARCH,
            records=[],
            is_zero=True,
            actor=None,
            now=bj("2026-04-03T23:59"),
        )
        late = report_submit(
            staff=org.colleague,
            period=MARCH,
            records=[],
            is_zero=True,
            actor=None,
            now=bj("2026-04-04T00:01"),
        )
        assert report_status(on_time, MARCH, date(2026, 4, 10)) == ReportStatus.ZERO
        assert report_status(late, MARCH, date(2026, 4, 10)) == ReportStatus.LATE
        assert report_status(None, MARCH, date(2026, 4, 3)) == ReportStatus.PENDING
        assert report_status(None, MARCH, date(2026, 4, 4)) == ReportStatus.MISSING

    def test_submission_is_audited_without_content(self, org, county_prosecutor) -> None:
        record = march_record(org.prosecutor)
        report_submit(
            staff=org.prosecutor,
            period=MARCH,
            records=[record],
            is_zero=False,
            actor=county_prosecutor,
            now=bj("2026-04-01T09:00"),
        )
        event = AuditEvent.objects.get(action="interference.report.submit")
        assert event.actor_id == county_prosecutor.pk
        dumped = f"{event.target_repr} {event.after} {event.before}"
        assert SECRET_NAME not in dumped and SECRET_CONTENT not in dumped and record.no not in dumped
        assert event.after == {"period": "2026-03", "is_zero": False, "late": False}


class TestSettingAndObliged:
    def test_a_county_takes_its_city_setting(self, org) -> None:
        assert setting_for(org.county).cycle == ReportCycle.MONTHLY
        ReportingSetting.objects.create(unit=org.city, cycle=ReportCycle.QUARTERLY, remind_days=[5])
        assert (setting_for(org.county).cycle, setting_for(org.county).remind_days) == (
            ReportCycle.QUARTERLY,
            (5,),
        )
        assert setting_for(org.other_county).cycle == ReportCycle.MONTHLY
        ReportingSetting.objects.create(unit=org.county, cycle=ReportCycle.MONTHLY)
        assert setting_for(org.county).cycle == ReportCycle.MONTHLY

    def test_obliged_are_staff_in_post_with_an_active_account(
        self, org, county_prosecutor, department_head
    ) -> None:
        left = StaffFactory(
            staff_no="A900", name="离职者", department=org.criminal, left_on=date(2026, 3, 20)
        )
        joined = StaffFactory(
            staff_no="A901", name="新来者", department=org.criminal, joined_on=date(2026, 4, 5)
        )
        from lianjian.accounts.tests.factories import UserFactory

        UserFactory(username="left", staff=left)
        UserFactory(username="joined", staff=joined)
        UserFactory(username="disabled", staff=org.colleague, is_active=False)
        assert {s.staff_no for s in obliged_staff(org.county, MARCH)} == {"A100", "A101"}
        april = MARCH.next()
        assert {s.staff_no for s in obliged_staff(org.county, april)} == {"A100", "A101", "A901"}

    def test_of_many_units_with_their_unit_department_and_account_read_once(
        self, org, county_prosecutor, department_head, django_assert_num_queries
    ) -> None:
        """obliged_staff_of_units gives the same people as obliged_staff, unit per unit, with
        ``unit``, ``department`` and ``user`` at hand (no query per person)."""
        from lianjian.accounts.tests.factories import UserFactory

        UserFactory(username="b-unit", staff=StaffFactory(staff_no="B100", department=org.criminal_b))
        periods = {org.county: MARCH, org.county_b: MARCH.next()}
        with django_assert_num_queries(3):  # the units' departments; the obliged people, per period (2)
            found = obliged_staff_of_units(periods, accounts=True)
        with django_assert_num_queries(0):
            seen = {
                pk: [(s.staff_no, s.unit.code, s.department.name, s.user.username) for s in people]
                for pk, people in found.items()
            }
        for unit, period in periods.items():
            expected = [
                (s.staff_no, s.unit.code, s.department.name, s.user.username)
                for s in obliged_staff(unit, period)
            ]
            assert seen[unit.pk] == expected and expected
        first, second = found[org.county.pk][:2]
        assert first.department is second.department  # one instance per department
        without = obliged_staff_of_units(periods)  # the tables and late flags: no account joined
        assert [s.pk for s in without[org.county.pk]] == [s.pk for s in found[org.county.pk]]
        assert not Staff.user.is_cached(without[org.county.pk][0])


class TestReminders:
    def test_on_the_right_days_only_and_never_twice(self, org, county_prosecutor, department_head) -> None:
        days = {
            "2026-03-30": 0,
            "2026-03-31": 2,  # 3 days before 3 April
            "2026-04-01": 0,
            "2026-04-02": 2,  # 1 day before
            "2026-04-03": 0,
            "2026-04-04": 0,
        }
        for day, expected in days.items():
            assert reports_remind(now=bj(f"{day}T08:00:00"))["reminded"] == expected, day
            assert reports_remind(now=bj(f"{day}T09:00:00"))["reminded"] == 0, f"{day} again"
        mine = Notification.objects.filter(user=county_prosecutor).order_by("created_at")
        assert mine.count() == 2
        assert "2026年3月" in mine[0].title and "04月03日" in mine[0].title
        assert Notification.objects.count() == 4

    def test_those_who_submitted_are_not_reminded(self, org, county_prosecutor, department_head) -> None:
        report_submit(
            staff=org.prosecutor,
            period=MARCH,
            records=[],
            is_zero=True,
            actor=None,
            now=bj("2026-03-31T07:00"),
        )
        assert reports_remind(now=bj("2026-03-31T08:00:00"))["reminded"] == 1
        assert list(Notification.objects.values_list("user_id", flat=True)) == [department_head.pk]

    def test_a_quarterly_unit_is_reminded_before_the_10th(self, org, county_prosecutor) -> None:
        ReportingSetting.objects.create(unit=org.city, cycle=ReportCycle.QUARTERLY, remind_days=[3])
        assert reports_remind(now=bj("2026-03-31T08:00:00"))["reminded"] == 0
        assert reports_remind(now=bj("2026-04-07T08:00:00"))["reminded"] == 1
        assert "2026年第1季度" in Notification.objects.get(user=county_prosecutor).title

    def test_admins_and_staff_without_accounts_are_not_reminded(
        self, org, system_admin, county_prosecutor
    ) -> None:
        reports_remind(now=bj("2026-03-31T08:00:00"))
        assert set(Notification.objects.values_list("user_id", flat=True)) == {county_prosecutor.pk}


class TestLateFlags:
    @pytest.fixture
    def everyone(
        self,
        org,
        county_prosecutor,
        department_head,
        city_supervisor,
        discipline_inspector,
        system_admin,
        security_admin,
        audit_admin,
    ):
        return {
            "prosecutor": county_prosecutor,
            "head": department_head,
            "supervisor": city_supervisor,
            "discipline": discipline_inspector,
            "admins": [system_admin, security_admin, audit_admin],
        }

    def test_missing_reports_are_flagged_once_after_the_due_date(self, org, everyone) -> None:
        report_submit(
            staff=org.head, period=MARCH, records=[], is_zero=True, actor=None, now=bj("2026-04-02T10:00")
        )
        march_record(org.prosecutor, content=SECRET_CONTENT)
        reports_flag_late(now=bj("2026-04-03T08:00:00"))  # flags February (due 3 March), not March
        assert not PeriodicReport.objects.filter(period_start=MARCH.start, submitted_at__isnull=True).exists()
        assert PeriodicReport.objects.filter(period_start=date(2026, 2, 1)).exists()
        result = reports_flag_late(now=bj("2026-04-04T08:00:00"))
        # In the county A100 (with a record) and DI01 (the discipline inspector, staff of the
        # department) are missing; in the city, the supervisor CS01 themself.
        assert result == {"flagged": 3, "notices": 2}
        rows = PeriodicReport.objects.filter(
            submitted_at__isnull=True, unit=org.county, period_start=MARCH.start
        )
        assert {r.staff.staff_no for r in rows} == {"A100", "DI01"}
        assert all(r.late_flagged_at == bj("2026-04-04T08:00:00") for r in rows)
        assert reports_flag_late(now=bj("2026-04-05T08:00:00")) == {"flagged": 0, "notices": 0}
        assert reports_daily(now=bj("2026-04-06T08:00:00"))["flagged"] == 0
        assert rows.count() == 2 and all(r.late_flagged_at == bj("2026-04-04T08:00:00") for r in rows)

    def test_routed_to_inspection_only_with_names_not_content(self, org, everyone) -> None:
        march_record(org.prosecutor)
        reports_flag_late(now=bj("2026-04-04T08:00:00"))
        told = Notification.objects.filter(key="interference.report:missing:620102:2026-03")
        assert set(told.values_list("user_id", flat=True)) == {everyone["supervisor"].pk}
        notice = told.get()
        assert "2026年3月" in notice.title and "逾期未报 3 人" in notice.title
        assert "第二检察部：3 人" in notice.body and "何平" in notice.body
        assert SECRET_NAME not in texts(told) and SECRET_CONTENT not in texts(told)
        for user in [everyone["head"], everyone["prosecutor"], everyone["discipline"], *everyone["admins"]]:
            assert not Notification.objects.filter(
                user=user, key__startswith="interference.report:missing"
            ).exists()

    def test_a_late_submission_after_the_flag_shows_late(self, org, everyone) -> None:
        reports_flag_late(now=bj("2026-04-04T08:00:00"))
        report = report_submit(
            staff=org.prosecutor,
            period=MARCH,
            records=[],
            is_zero=True,
            actor=None,
            now=bj("2026-04-05T09:00"),
        )
        assert report.late_flagged_at is not None
        assert report_status(report, MARCH, date(2026, 4, 6)) == ReportStatus.LATE
        assert PeriodicReport.objects.filter(staff=org.prosecutor).count() == 1

    def test_a_supervisor_of_another_city_is_not_told(self, org, county_prosecutor, city_supervisor) -> None:
        from lianjian.interference.tests.builders import persona

        staff = StaffFactory(staff_no="JY01", name="嘉督", unit=org.other_city, department=None)
        other = persona("jy_inspector", staff, "INSPECTION", "UNIT_AND_BELOW", unit=org.other_city)
        reports_flag_late(now=bj("2026-04-04T08:00:00"))
        county = Notification.objects.filter(key="interference.report:missing:620102:2026-03")
        assert county.exists() and not county.filter(user=other).exists()
        # … but is told of their own city, where they themself have not reported.
        assert Notification.objects.filter(
            key="interference.report:missing:620200:2026-03", user=other
        ).exists()


class TestUrgent:
    @pytest.fixture
    def readers(
        self,
        org,
        county_prosecutor,
        department_head,
        city_supervisor,
        discipline_inspector,
        system_admin,
        outsider,
    ):
        return locals()

    def urgent(self):
        return Notification.objects.filter(key__startswith="interference.urgent:")

    def test_rc06_affecting_a_case_tells_inspection_and_discipline_at_once(
        self, org, readers, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            record = make_record(org.prosecutor, affected_case=True)
        told = set(self.urgent().values_list("user_id", flat=True))
        assert told == {readers["city_supervisor"].pk, readers["discipline_inspector"].pk}
        for n in self.urgent():
            assert record.no in n.title and "紧急" in n.title
            assert SECRET_NAME not in f"{n.title}{n.body}" and SECRET_CONTENT not in f"{n.title}{n.body}"
            assert "副区长" not in f"{n.title}{n.body}" and "王某某" not in f"{n.title}{n.body}"

    def test_a_skip_level_record_tells_the_superior_unit_only_and_no_webhook(
        self, org, readers, django_capture_on_commit_callbacks
    ) -> None:
        from lianjian.notify.models import Delivery
        from lianjian.notify.services import webhook_endpoint_create

        webhook_endpoint_create(actor=None, name="接收端", url="http://127.0.0.1:9/h")
        with django_capture_on_commit_callbacks(execute=True):
            make_record(org.prosecutor, affected_case=True, report_unit_code="620100")
        # Reported to the city: the county's 纪检监察 (scope: the county) is not told.
        assert set(self.urgent().values_list("user_id", flat=True)) == {readers["city_supervisor"].pk}
        assert not Delivery.objects.filter(channel="WEBHOOK").exists()

    def test_an_ordinary_record_tells_nobody(self, org, readers, django_capture_on_commit_callbacks) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            make_record(org.prosecutor, category="RC-02", violation_codes=[])
        assert not self.urgent().exists()

    def test_a_contact_outside_work_is_urgent_and_a_late_one_is_marked(
        self, org, readers, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            soon = make_record(
                org.prosecutor, category="RC-05", violation_codes=[], subject_type="PARTY", in_workplace=False
            )
            late = make_record(
                org.prosecutor,
                category="RC-05",
                violation_codes=[],
                subject_type="PARTY",
                in_hours=False,
                occurred_at=datetime.now(SHANGHAI) - timedelta(days=5),
            )
        assert not soon.reported_late and late.reported_late  # CT-PRC-03: more than 3 days
        assert self.urgent().filter(key=f"interference.urgent:{soon.pk}").count() == 2
        assert self.urgent().filter(key=f"interference.urgent:{late.pk}").count() == 2

    def test_the_person_recorded_is_not_told(self, org, readers, django_capture_on_commit_callbacks) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            make_record(
                org.prosecutor,
                subject_name="纪明",
                subject_staff_no="DI01",
                subject_type="INTERNAL_OWN",
                violation_codes=["IN-VIO-01"],
                affected_case=True,
            )
        assert set(self.urgent().values_list("user_id", flat=True)) == {readers["city_supervisor"].pk}

    def test_a_correction_that_makes_it_urgent_tells_once(
        self, org, readers, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            record = make_record(org.prosecutor)
        assert not self.urgent().exists()
        for reason in ("已影响办案", "补充"):
            with django_capture_on_commit_callbacks(execute=True):
                record = record_correct(
                    record=record,
                    recorder=org.prosecutor,
                    data=record_input(affected_case=True),
                    reason=reason,
                    actor=None,
                )
        assert self.urgent().count() == 2
        assert urgent_notify(record) == 0  # already told

    def test_nothing_is_told_when_the_write_rolls_back(
        self, org, readers, django_capture_on_commit_callbacks
    ) -> None:
        from django.db import transaction

        with django_capture_on_commit_callbacks(execute=True):
            try:
                with transaction.atomic():
                    make_record(org.prosecutor, affected_case=True)
                    raise RuntimeError
            except RuntimeError:
                pass
        assert not self.urgent().exists()


class TestQuarterlyFlags:
    def test_a_quarterly_unit_is_flagged_after_the_10th(
        self, org, county_prosecutor, city_supervisor
    ) -> None:
        ReportingSetting.objects.create(unit=org.county, cycle=ReportCycle.QUARTERLY)
        reports_flag_late(now=bj("2026-04-10T08:00:00"))
        assert not PeriodicReport.objects.filter(unit=org.county, period_start=Q1.start).exists()
        reports_flag_late(now=bj("2026-04-11T08:00:00"))
        row = PeriodicReport.objects.get(unit=org.county, period_start=Q1.start)
        assert (row.staff, row.cycle, row.due_on, row.submitted_at) == (
            org.prosecutor,
            ReportCycle.QUARTERLY,
            date(2026, 4, 10),
            None,
        )
        notice = Notification.objects.get(key="interference.report:missing:620102:2026-Q1")
        assert notice.user_id == city_supervisor.pk and "2026年第1季度" in notice.title


class TestChainCounts:
    def test_counts_go_up_the_chain_by_category_and_subject(self, org) -> None:
        march_record(org.prosecutor)  # RC-06, LEADER, county 620102
        march_record(org.colleague, category="RC-02", violation_codes=[], subject_type="INTERNAL_OWN")
        march_record(org.county_b_prosecutor, "2026-03-31T23:59:59", category="RC-01", violation_codes=[])
        march_record(org.prosecutor, report_unit_code="620100")  # 越级报告 to the city
        march_record(org.prosecutor, "2026-04-01T00:00:00")  # April: not counted
        march_record(org.outsider_staff)  # other city
        county = chain_counts(org.county, MARCH)
        assert county["total"] == 2
        assert county["by_category"]["RC-06"] == 1 and county["by_category"]["RC-02"] == 1
        assert county["by_category"]["RC-05"] == 0
        assert county["by_subject_type"]["LEADER"] == 1 and county["procuratorate"] == 1
        city = chain_counts(org.city, MARCH)
        assert city["total"] == 4
        assert city["by_unit"] == {"620100": 1, "620102": 2, "620103": 1}
        assert chain_counts(org.province, MARCH)["total"] == 5
        department = chain_counts(org.county, MARCH, department=org.criminal)
        assert department["total"] == 2 and department["department"] == org.criminal.pk
        assert chain_counts(org.county, Q1)["total"] == 2
