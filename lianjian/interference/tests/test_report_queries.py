"""The 报告情况 table and the daily job send as many statements for 9 units as for 3
(bench/register.py found one or two queries per unit, and one per person reminded); the urgent
notice as many for 8 readers as for 2."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lianjian.accounts.tests.factories import UserFactory
from lianjian.common.scope import Scope
from lianjian.interference import policy
from lianjian.interference.choices import ReportCycle
from lianjian.interference.models import Record, ReportingSetting
from lianjian.interference.periods import SHANGHAI, Period
from lianjian.interference.reporting import (
    readers_told_of,
    report_row,
    report_submit,
    reports_flag_late,
    reports_remind,
)
from lianjian.interference.selectors_reports import OverviewScope, compliance, overview_scope, unit_totals
from lianjian.interference.tests.builders import make_record, persona
from lianjian.notify.models import Notification
from lianjian.org.models import Staff, Unit
from lianjian.org.tests.factories import DepartmentFactory, StaffFactory, UnitFactory

pytestmark = pytest.mark.django_db

MARCH = Period(date(2026, 3, 1), ReportCycle.MONTHLY)  # due 3 April 2026
_counter = iter(range(1, 1000))


def bj(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def add_units(parent, count: int, people: int = 4) -> None:
    """``count`` counties under ``parent``, each with a department of ``people`` staff with
    accounts; the first of each submits March's zero report."""
    for _ in range(count):
        n = next(_counter)
        unit = UnitFactory(code=f"6299{n:02d}", level="COUNTY", parent=parent)
        department = DepartmentFactory(unit=unit, code="D1")
        for index in range(people):
            staff: Any = StaffFactory(staff_no=f"Q{n:03d}{index}", department=department)
            UserFactory(username=f"q{n:03d}{index}", staff=staff)
            if index == 0:
                report_submit(
                    staff=staff,
                    period=MARCH,
                    records=[],
                    is_zero=True,
                    actor=None,
                    now=bj("2026-04-01T09:00"),
                )


def statements(run) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured)


@pytest.fixture
def supervisor(org):
    staff = StaffFactory(staff_no="INSP1", department=org.city_inspection, unit=org.city)
    return persona("bench_inspector", staff, "INSPECTION", "UNIT_AND_BELOW", unit=org.province)


def test_the_overview_does_not_query_per_unit(org, supervisor) -> None:
    add_units(org.city, 3)
    scope = overview_scope(supervisor)
    small = statements(lambda: compliance(scope, MARCH.start, date(2026, 4, 10)))
    add_units(org.city, 6)
    scope = overview_scope(supervisor)
    rows = compliance(scope, MARCH.start, date(2026, 4, 10))
    assert sum(r.obliged for r in rows if r.total) == 9 * 4 + 1  # the supervisor has an account
    assert statements(lambda: compliance(scope, MARCH.start, date(2026, 4, 10))) == small


def test_reminders_do_not_query_per_unit_or_person(org) -> None:
    add_units(org.city, 3)
    # 31 March: three days before April's 3rd, the due date of March.
    small = statements(lambda: reports_remind(now=bj("2026-03-31T08:00")))
    Notification.objects.all().delete()
    add_units(org.city, 6)
    large = statements(lambda: reports_remind(now=bj("2026-03-31T08:00")))
    assert Notification.objects.count() == 9 * 3  # the first of each unit has submitted
    assert large == small


def test_late_flags_do_not_query_per_unit_or_person(org, supervisor) -> None:
    add_units(org.city, 3)
    small = statements(lambda: reports_flag_late(now=bj("2026-04-04T08:00")))
    add_units(org.other_city, 6)
    result: dict[str, int] = {}

    def run() -> None:
        result.update(reports_flag_late(now=bj("2026-04-04T08:00")))

    large = statements(run)
    # The six new counties' pending people are flagged (the first three's already were).
    assert result["flagged"] == 6 * 3
    assert result["notices"] == 6
    assert large == small


def test_the_readers_of_an_urgent_record_are_found_without_a_query_each(org, county_prosecutor) -> None:
    record = Record.objects.select_related("report_unit").get(
        pk=make_record(org.prosecutor, affected_case=True).pk
    )

    def readers(count: int, unit) -> None:
        for _ in range(count):
            n = next(_counter)
            staff = StaffFactory(staff_no=f"R{n:03d}", department=org.criminal)
            persona(f"reader{n}", staff, "DISCIPLINE", "UNIT", unit=unit)

    readers(1, org.county)
    readers(1, org.county_b)  # another county: not told
    small = statements(lambda: readers_told_of(record))
    readers(3, org.county)
    readers(3, org.county_b)
    told: list[Any] = []
    large = statements(lambda: told.extend(readers_told_of(record)))
    assert large == small
    assert len(told) == 4 and {u.staff.unit_id for u in told} == {org.county.pk}


def test_reported_to_agrees_with_the_query(org, county_prosecutor) -> None:
    """policy.reported_to (Python, one record) is policy._reporting_q (SQL) for every kind of
    scope, for a record reported in its own unit and one reported past it (越级报告)."""
    own = make_record(org.prosecutor)
    skip = make_record(org.prosecutor, report_unit_code="620100")
    assert skip.skip_level and not own.skip_level
    scopes = [
        Scope(everything=True),
        Scope(subtree_paths=(org.city.path,)),
        Scope(subtree_paths=(org.county_b.path,)),
        Scope(unit_ids=frozenset({org.county.pk})),
        Scope(unit_ids=frozenset({org.city.pk})),
        Scope(department_ids=frozenset({org.criminal.pk})),
        Scope(department_ids=frozenset({org.criminal_b.pk})),
        Scope(),
    ]
    answers = set()
    for scope in scopes:
        by_query = set(Record.objects.filter(policy._reporting_q(scope)).values_list("pk", flat=True))
        for record in Record.objects.select_related("report_unit"):
            in_python = policy.reported_to(scope, record)
            assert in_python == (record.pk in by_query), (scope, record.no)
            answers.add(in_python)
    assert answers == {True, False}


def _report(staff, period: Period, submitted: str | None, *, zero: bool = False) -> None:
    report_row(staff, period, submitted_at=bj(submitted) if submitted else None, is_zero=zero).save()


def test_the_units_totals_in_sql_are_those_of_compliance(org) -> None:
    """unit_totals (one grouped statement per period) gives the total rows of compliance (every
    person's status in Python): on time, zero, late by the Beijing day, missing or pending, a
    flagged row not submitted, people who left or whose account is off, a quarterly unit, a
    unit of two people (its zero split withheld from rate-only viewers)."""
    add_units(org.city, 3, people=5)  # the first of each: March's zero report, on time
    units = sorted(
        {s.unit for s in Staff.objects.filter(staff_no__startswith="Q").select_related("unit")},
        key=lambda u: u.code,
    )
    first, second, third = units
    people = {u.pk: list(Staff.objects.filter(unit=u).order_by("staff_no")) for u in units}
    _report(people[first.pk][1], MARCH, "2026-04-03T23:59")  # the last day, Beijing: on time
    _report(people[first.pk][2], MARCH, "2026-04-04T00:30", zero=True)  # late, though zero
    _report(people[first.pk][3], MARCH, None)  # a row flagged late, never submitted
    left = people[second.pk][1]
    left.left_on = date(2026, 3, 15)
    left.save()
    off = people[second.pk][2].user
    off.is_active = False
    off.save()
    ReportingSetting.objects.create(unit=third, cycle=ReportCycle.QUARTERLY)
    q1 = Period(date(2026, 1, 1), ReportCycle.QUARTERLY)
    _report(people[third.pk][1], q1, "2026-04-09T10:00")
    _report(people[third.pk][2], q1, "2026-04-11T10:00", zero=True)
    tiny: Any = UnitFactory(code="629990", level="COUNTY", parent=org.city)
    for index in range(2):
        UserFactory(
            username=f"tiny{index}", staff=StaffFactory(staff_no=f"T{index}", unit=tiny, department=None)
        )
    chosen: list[Unit] = [*units, tiny]

    def fields(row):
        return (
            row.unit.code,
            row.period,
            row.obliged,
            row.submitted,
            row.zero,
            row.late,
            row.missing,
            row.pending,
            row.zero_hidden,
        )

    seen = set()
    for names in (True, False):
        scope = OverviewScope(units=chosen, names=names)
        for today in (date(2026, 4, 2), date(2026, 4, 4), date(2026, 4, 12)):
            expected = [fields(r) for r in compliance(scope, MARCH.start, today) if r.total]
            assert [fields(r) for r in unit_totals(scope, MARCH.start, today)] == expected
            seen.update(expected)
    statuses = {
        name: any(row[i] for row in seen)
        for i, name in enumerate(
            ("", "", "obliged", "submitted", "zero", "late", "missing", "pending", "zero_hidden")
        )
        if name
    }
    assert all(statuses.values()), statuses  # every count and the withholding were exercised
