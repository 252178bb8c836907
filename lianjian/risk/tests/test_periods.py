"""Period arithmetic of DOMAIN_RULES.md §0.3 against hand-computed dates and the official calendar.

Every expected date below was worked out by hand from the rules (PC-01 start day not counted,
PC-03 holiday roll-over except in custody, PC-04 month ends) and from the State Council's holiday
notices as ``chinese_calendar`` 1.11 encodes them:

- 2025 National Day + Mid-autumn: 10-01 … 10-08 off; Sunday 09-28 and Saturday 10-11 are working days.
- 2026 New Year: 01-01 … 01-03 off; Sunday 01-04 is a working day.
- 2026 Spring Festival: 02-15 … 02-23 off; Saturday 02-14 and Saturday 02-28 are working days.
- 2026 Labour Day: 05-01 … 05-05 off; Saturday 05-09 is a working day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianjian.risk.periods import (
    HALF_MONTH_DAYS,
    TIME_LIMITS,
    Deadline,
    Limit,
    WorkCalendar,
    add_days,
    add_months,
    compute_deadline,
    days_left,
    excluded_days,
    extension_in_days,
    is_overdue,
    roll_over,
)

CALENDAR = WorkCalendar()


# --- PC-01: days ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        pytest.param(date(2025, 3, 1), 7, date(2025, 3, 8), id="start-day-not-counted"),
        pytest.param(date(2025, 12, 28), 7, date(2026, 1, 4), id="across-new-year"),
        pytest.param(date(2024, 2, 25), 5, date(2024, 3, 1), id="leap-february"),
        pytest.param(date(2025, 2, 25), 5, date(2025, 3, 2), id="common-february"),
        pytest.param(date(2025, 9, 16), 15, date(2025, 10, 1), id="fifteen-days"),
        pytest.param(date(2025, 6, 10), 0, date(2025, 6, 10), id="zero"),
    ],
)
def test_add_days_counts_from_the_day_after_the_start(start: date, days: int, expected: date) -> None:
    assert add_days(start, days) == expected


def test_half_a_month_is_fifteen_days() -> None:
    assert HALF_MONTH_DAYS == 15


# --- PC-04: months -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        pytest.param(date(2026, 1, 31), 1, date(2026, 2, 28), id="jan31-to-feb28"),
        pytest.param(date(2028, 1, 31), 1, date(2028, 2, 29), id="jan31-to-feb29-leap"),
        pytest.param(date(2026, 1, 29), 1, date(2026, 2, 28), id="jan29-feb-lacks-the-day"),
        pytest.param(date(2026, 2, 28), 1, date(2026, 3, 31), id="feb28-last-day-to-mar31"),
        pytest.param(date(2028, 2, 28), 1, date(2028, 3, 28), id="feb28-not-last-in-leap-year"),
        pytest.param(date(2028, 2, 29), 1, date(2028, 3, 31), id="feb29-last-day-to-mar31"),
        pytest.param(date(2026, 3, 30), 1, date(2026, 4, 30), id="mar30-to-apr30"),
        pytest.param(date(2026, 3, 31), 1, date(2026, 4, 30), id="mar31-to-apr30"),
        pytest.param(date(2026, 4, 30), 1, date(2026, 5, 31), id="apr30-last-day-to-may31"),
        pytest.param(date(2025, 8, 31), 1, date(2025, 9, 30), id="aug31-to-sep30"),
        pytest.param(date(2025, 12, 15), 1, date(2026, 1, 15), id="dec15-to-jan15"),
        pytest.param(date(2025, 11, 30), 3, date(2026, 2, 28), id="nov30-plus-3"),
        pytest.param(date(2025, 8, 29), 6, date(2026, 2, 28), id="aug29-plus-6"),
        pytest.param(date(2025, 1, 15), 12, date(2026, 1, 15), id="twelve-months"),
        pytest.param(date(2025, 3, 10), 2, date(2025, 5, 10), id="two-months"),
    ],
)
def test_add_months_follows_spc_interpretation_202(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@settings(max_examples=500)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_one_month_later_is_in_the_next_month_and_28_to_31_days_on(day: date) -> None:
    later = add_months(day, 1)
    next_month = (day.year + day.month // 12, day.month % 12 + 1)
    assert (later.year, later.month) == next_month
    assert day + timedelta(days=28) <= later <= day + timedelta(days=31)


# --- the calendar --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2025, 9, 26), True, id="2025-09-26-friday"),
        pytest.param(date(2025, 9, 27), False, id="2025-09-27-saturday"),
        pytest.param(date(2025, 9, 28), True, id="2025-09-28-adjusted-sunday"),
        pytest.param(date(2025, 9, 30), True, id="2025-09-30-tuesday"),
        pytest.param(date(2025, 10, 1), False, id="2025-10-01-national-day"),
        pytest.param(date(2025, 10, 6), False, id="2025-10-06-mid-autumn"),
        pytest.param(date(2025, 10, 8), False, id="2025-10-08-last-holiday"),
        pytest.param(date(2025, 10, 9), True, id="2025-10-09-back-to-work"),
        pytest.param(date(2025, 10, 11), True, id="2025-10-11-adjusted-saturday"),
        pytest.param(date(2025, 10, 12), False, id="2025-10-12-sunday"),
        pytest.param(date(2026, 1, 4), True, id="2026-01-04-adjusted-sunday"),
        pytest.param(date(2026, 2, 14), True, id="2026-02-14-adjusted-saturday"),
        pytest.param(date(2026, 2, 15), False, id="2026-02-15-spring-festival-first"),
        pytest.param(date(2026, 2, 16), False, id="2026-02-16-monday-off"),
        pytest.param(date(2026, 2, 23), False, id="2026-02-23-spring-festival-last"),
        pytest.param(date(2026, 2, 24), True, id="2026-02-24-back-to-work"),
        pytest.param(date(2026, 2, 28), True, id="2026-02-28-adjusted-saturday"),
        pytest.param(date(2026, 3, 1), False, id="2026-03-01-sunday"),
    ],
)
def test_is_workday_follows_the_official_calendar(day: date, expected: bool) -> None:
    calendar = WorkCalendar()
    assert calendar.is_workday(day) is expected
    assert calendar.unknown_years == set()


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2025, 10, 1), date(2025, 10, 9), id="national-day"),
        pytest.param(date(2025, 10, 9), date(2025, 10, 9), id="workday-is-itself"),
        pytest.param(date(2025, 9, 27), date(2025, 9, 28), id="saturday-to-adjusted-sunday"),
        pytest.param(date(2025, 10, 12), date(2025, 10, 13), id="sunday-to-monday"),
        pytest.param(date(2026, 2, 15), date(2026, 2, 24), id="spring-festival"),
        pytest.param(date(2026, 2, 13), date(2026, 2, 13), id="friday-before-spring-festival"),
        pytest.param(date(2026, 3, 1), date(2026, 3, 2), id="sunday-after-adjusted-saturday"),
        pytest.param(date(2026, 5, 1), date(2026, 5, 6), id="labour-day"),
    ],
)
def test_next_workday_from(day: date, expected: date) -> None:
    assert WorkCalendar().next_workday_from(day) == expected


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        pytest.param(2004, True, id="first-year"),
        pytest.param(2025, True, id="2025"),
        pytest.param(2026, True, id="2026"),
        pytest.param(2003, False, id="before"),
        pytest.param(2099, False, id="2099"),
    ],
)
def test_knows_the_years_chinese_calendar_has(year: int, expected: bool) -> None:
    assert WorkCalendar().knows(year) is expected


def test_the_calendar_agrees_with_chinese_calendar_on_every_day_of_2025_and_2026() -> None:
    calendar = WorkCalendar()
    day = date(2025, 1, 1)
    while day <= date(2026, 12, 31):
        assert calendar.is_workday(day) is chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


# 2099-01-01 is a Thursday, 01-03 a Saturday, 01-04 a Sunday, 01-05 a Monday.
@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2099, 1, 1), True, id="thursday-is-a-workday-without-official-data"),
        pytest.param(date(2099, 1, 3), False, id="saturday"),
        pytest.param(date(2099, 1, 4), False, id="sunday"),
        pytest.param(date(2099, 1, 5), True, id="monday"),
    ],
)
def test_an_unknown_year_falls_back_to_weekends_and_is_recorded(day: date, expected: bool) -> None:
    calendar = WorkCalendar()
    assert calendar.unknown_years == set()
    assert calendar.is_workday(day) is expected
    assert calendar.unknown_years == {2099}


def test_the_admin_table_adds_holidays_and_workdays_in_an_unknown_year() -> None:
    calendar = WorkCalendar(
        extra_holidays=frozenset({date(2099, 1, 1), date(2099, 1, 2)}),
        extra_workdays=frozenset({date(2099, 1, 4)}),
    )
    assert calendar.is_workday(date(2099, 1, 1)) is False
    assert calendar.is_workday(date(2099, 1, 2)) is False
    assert calendar.is_workday(date(2099, 1, 4)) is True
    assert calendar.next_workday_from(date(2099, 1, 1)) == date(2099, 1, 4)
    assert calendar.unknown_years == {2099}


def test_the_admin_table_does_not_override_a_year_the_official_calendar_knows() -> None:
    calendar = WorkCalendar(
        extra_holidays=frozenset({date(2025, 10, 9)}), extra_workdays=frozenset({date(2025, 10, 1)})
    )
    assert calendar.is_workday(date(2025, 10, 9)) is True
    assert calendar.is_workday(date(2025, 10, 1)) is False
    assert calendar.unknown_years == set()


def test_a_day_cannot_be_both_an_extra_holiday_and_an_extra_workday() -> None:
    with pytest.raises(ValueError, match="2099-01-01"):
        WorkCalendar(
            extra_holidays=frozenset({date(2099, 1, 1)}), extra_workdays=frozenset({date(2099, 1, 1)})
        )


def test_the_year_after_the_official_data_falls_back_to_weekends() -> None:
    # 2026-12-31 is a Thursday; 2027 is not in chinese_calendar 1.11, so 2027-01-01 (a Friday)
    # counts as a working day and 2027 is recorded.
    calendar = WorkCalendar()
    assert calendar.next_workday_from(date(2027, 1, 2)) == date(2027, 1, 4)
    assert calendar.is_workday(date(2027, 1, 1)) is True
    assert calendar.is_workday(date(2026, 12, 31)) is True
    assert calendar.unknown_years == {2027}


# --- PC-03: roll-over ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_day", "in_custody", "expected"),
    [
        pytest.param(date(2025, 10, 1), False, date(2025, 10, 9), id="national-day-free"),
        pytest.param(date(2025, 10, 1), True, date(2025, 10, 1), id="national-day-in-custody"),
        pytest.param(date(2025, 10, 5), False, date(2025, 10, 9), id="mid-holiday-free"),
        pytest.param(date(2025, 10, 11), False, date(2025, 10, 11), id="adjusted-saturday-stays"),
        pytest.param(date(2025, 10, 12), False, date(2025, 10, 13), id="sunday-free"),
        pytest.param(date(2025, 10, 12), True, date(2025, 10, 12), id="sunday-in-custody"),
        pytest.param(date(2025, 9, 27), False, date(2025, 9, 28), id="saturday-to-adjusted-sunday"),
        pytest.param(date(2026, 2, 15), False, date(2026, 2, 24), id="spring-festival-free"),
        pytest.param(date(2026, 2, 20), True, date(2026, 2, 20), id="spring-festival-in-custody"),
        pytest.param(date(2026, 2, 14), False, date(2026, 2, 14), id="adjusted-saturday-2026"),
        pytest.param(date(2025, 12, 31), False, date(2025, 12, 31), id="workday-stays"),
        pytest.param(date(2026, 1, 1), False, date(2026, 1, 4), id="new-year-to-adjusted-sunday"),
    ],
)
def test_roll_over_moves_a_holiday_last_day_unless_in_custody(
    last_day: date, in_custody: bool, expected: date
) -> None:
    assert roll_over(last_day, in_custody=in_custody, calendar=CALENDAR) == expected


@settings(max_examples=500)
@given(st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 12, 20)))
def test_roll_over_when_free_lands_on_the_first_official_workday(day: date) -> None:
    rolled = roll_over(day, in_custody=False, calendar=CALENDAR)
    assert chinese_calendar.is_workday(rolled)
    assert rolled >= day
    skipped = day
    while skipped < rolled:
        assert not chinese_calendar.is_workday(skipped)
        skipped += timedelta(days=1)


@settings(max_examples=300)
@given(st.dates(min_value=date(2004, 1, 1), max_value=date(2040, 12, 31)))
def test_roll_over_never_returns_a_non_workday_when_free_even_in_fallback_years(day: date) -> None:
    calendar = WorkCalendar()
    assert calendar.is_workday(roll_over(day, in_custody=False, calendar=calendar))


@settings(max_examples=300)
@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_roll_over_never_moves_a_day_in_custody(day: date) -> None:
    assert roll_over(day, in_custody=True, calendar=CALENDAR) == day


# --- Limit ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "start", "expected"),
    [
        pytest.param(Limit(days=7), date(2025, 9, 24), date(2025, 10, 1), id="days"),
        pytest.param(Limit(months=1), date(2026, 1, 31), date(2026, 2, 28), id="months"),
        pytest.param(Limit(months=12), date(2025, 2, 28), date(2026, 2, 28), id="twelve-months"),
    ],
)
def test_limit_last_day_is_nominal(limit: Limit, start: date, expected: date) -> None:
    assert limit.last_day(start) == expected


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({}, id="neither"),
        pytest.param({"days": 7, "months": 1}, id="both"),
        pytest.param({"days": -1}, id="negative-days"),
        pytest.param({"months": -2}, id="negative-months"),
    ],
)
def test_a_limit_has_exactly_one_positive_unit(fields: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="limit"):
        Limit(**fields)


@pytest.mark.parametrize(
    ("limit", "text"),
    [
        pytest.param(Limit(days=15), "15日", id="days"),
        pytest.param(Limit(months=2), "2个月", id="months"),
    ],
)
def test_a_limit_reads_in_chinese(limit: Limit, text: str) -> None:
    assert str(limit) == text


# --- compute_deadline ----------------------------------------------------------------------------


def test_seven_day_arrest_review_of_a_detained_suspect_ends_on_the_holiday() -> None:
    # Received Wednesday 2025-09-24; day 7 is 2025-10-01, National Day; in custody: no roll-over.
    deadline = compute_deadline(
        date(2025, 9, 24), TIME_LIMITS["TL-CR-ARR-01"].limit, in_custody=True, calendar=CALENDAR
    )
    assert deadline == Deadline(
        start=date(2025, 9, 24),
        nominal_last_day=date(2025, 10, 1),
        excluded_days=0,
        extension_days=0,
        last_day=date(2025, 10, 1),
        rolled_over=False,
        in_custody=True,
    )


def test_fifteen_day_arrest_review_of_a_free_suspect_rolls_over_national_day() -> None:
    # Received Tuesday 2025-09-16; day 15 is 2025-10-01; off until 10-08, so the last day is 10-09.
    deadline = compute_deadline(
        date(2025, 9, 16), TIME_LIMITS["TL-CR-ARR-02"].limit, in_custody=False, calendar=CALENDAR
    )
    assert deadline == Deadline(
        start=date(2025, 9, 16),
        nominal_last_day=date(2025, 10, 1),
        excluded_days=0,
        extension_days=0,
        last_day=date(2025, 10, 9),
        rolled_over=True,
        in_custody=False,
    )


def test_twenty_day_cap_of_a_complex_arrest_review() -> None:
    # Received 2025-09-10; 15 + 5 days = 2025-09-30, a Tuesday: no roll-over.
    row = TIME_LIMITS["TL-CR-ARR-02"]
    assert row.extension is not None
    deadline = compute_deadline(
        date(2025, 9, 10), row.limit, extension_days=row.extension.days, in_custody=False, calendar=CALENDAR
    )
    assert deadline.nominal_last_day == date(2025, 9, 25)
    assert deadline.last_day == date(2025, 9, 30)
    assert deadline.rolled_over is False


@pytest.mark.parametrize(
    ("in_custody", "last_day", "rolled_over"),
    [
        pytest.param(False, date(2026, 3, 16), True, id="free-sunday-to-monday"),
        pytest.param(True, date(2026, 3, 15), False, id="in-custody-stays-on-sunday"),
    ],
)
def test_one_month_prosecution_review_extended_by_fifteen_days(
    in_custody: bool, last_day: date, rolled_over: bool
) -> None:
    # Received 2026-01-31 (last day of January): 1 month ends 2026-02-28; + 15 days = Sunday 03-15.
    deadline = compute_deadline(
        date(2026, 1, 31),
        TIME_LIMITS["TL-CR-PRO-01"].limit,
        extension_days=15,
        in_custody=in_custody,
        calendar=CALENDAR,
    )
    assert deadline.nominal_last_day == date(2026, 2, 28)
    assert deadline.extension_days == 15
    assert deadline.last_day == last_day
    assert deadline.rolled_over is rolled_over


def test_appraisal_days_are_not_counted_in_the_prosecution_review() -> None:
    # Received 2025-03-10, 1 month ends 2025-04-10; appraisal 03-20 15:30 … 03-31 10:00 touches
    # 12 days (20th to 31st), so the last day is 04-22, a Tuesday.
    suspended = excluded_days(
        [(datetime(2025, 3, 20, 15, 30), datetime(2025, 3, 31, 10, 0))],
        until=datetime(2025, 4, 25, 9, 0),
    )
    deadline = compute_deadline(
        date(2025, 3, 10), Limit(months=1), excluded_days=suspended, in_custody=False, calendar=CALENDAR
    )
    assert suspended == 12
    assert deadline.nominal_last_day == date(2025, 4, 10)
    assert deadline.excluded_days == 12
    assert deadline.last_day == date(2025, 4, 22)
    assert deadline.rolled_over is False


def test_civil_supervision_review_with_excluded_days_rolls_over_national_day() -> None:
    # Accepted 2025-06-30 (last day of June): 3 months end 2025-09-30; 5 excluded days reach
    # 10-05, a holiday, so the last day is 10-09.
    deadline = compute_deadline(
        date(2025, 6, 30),
        TIME_LIMITS["TL-CV-05"].limit,
        excluded_days=5,
        in_custody=False,
        calendar=CALENDAR,
    )
    assert deadline.nominal_last_day == date(2025, 9, 30)
    assert deadline.last_day == date(2025, 10, 9)
    assert deadline.rolled_over is True


def test_public_interest_reply_two_months_or_fifteen_days_when_urgent() -> None:
    # Recommendation received 2025-12-15: 2 months end 2026-02-15 (Spring Festival, rolls to 02-24);
    # urgent: 15 days end 2025-12-30, a Tuesday.
    row = TIME_LIMITS["TL-PI-04"]
    assert row.urgent_limit is not None
    normal = compute_deadline(date(2025, 12, 15), row.limit, in_custody=False, calendar=CALENDAR)
    urgent = compute_deadline(date(2025, 12, 15), row.urgent_limit, in_custody=False, calendar=CALENDAR)
    assert (normal.nominal_last_day, normal.last_day) == (date(2026, 2, 15), date(2026, 2, 24))
    assert (urgent.nominal_last_day, urgent.last_day) == (date(2025, 12, 30), date(2025, 12, 30))


def test_a_deadline_refuses_negative_days() -> None:
    with pytest.raises(ValueError, match="negative"):
        compute_deadline(
            date(2025, 3, 10), Limit(days=7), extension_days=-1, in_custody=False, calendar=CALENDAR
        )
    with pytest.raises(ValueError, match="negative"):
        compute_deadline(
            date(2025, 3, 10), Limit(days=7), excluded_days=-1, in_custody=False, calendar=CALENDAR
        )


# --- extension_in_days ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "limit", "extension", "expected"),
    [
        # 1 month + 15 days: the days themselves.
        pytest.param(date(2026, 1, 31), Limit(months=1), Limit(days=15), 15, id="prosecution-15-days"),
        pytest.param(date(2025, 9, 10), Limit(days=15), Limit(days=5), 5, id="arrest-20-day-cap"),
        # Complaint review begun 2025-11-29: 3 months end 2026-02-28, the 6-month cap 2026-05-29:
        # March 31 + April 30 + 29 days of May = 90.
        pytest.param(date(2025, 11, 29), Limit(months=3), Limit(months=3), 90, id="review-6-month-cap"),
        # Detention from arrest on 2025-11-29: 2 months end 2026-01-29, 3 months 2026-02-28: 30 days.
        pytest.param(
            date(2025, 11, 29), Limit(months=2), Limit(months=1), 30, id="detention-first-extension"
        ),
        # Arrest on 2025-03-10: 2 months end 05-10, 3 months 06-10: 31 days.
        pytest.param(date(2025, 3, 10), Limit(months=2), Limit(months=1), 31, id="detention-may"),
    ],
)
def test_extension_in_days(start: date, limit: Limit, extension: Limit, expected: int) -> None:
    assert extension_in_days(start, limit, extension) == expected


def test_the_six_month_cap_of_a_complaint_review_ends_on_the_same_day_six_months_on() -> None:
    # 2026-05-29 is a Friday.
    row = TIME_LIMITS["TL-CR-NP-03"]
    assert row.extension is not None
    start = date(2025, 11, 29)
    deadline = compute_deadline(
        start,
        row.limit,
        extension_days=extension_in_days(start, row.limit, row.extension),
        in_custody=False,
        calendar=CALENDAR,
    )
    assert deadline.nominal_last_day == date(2026, 2, 28)
    assert deadline.last_day == date(2026, 5, 29)


# --- excluded_days -------------------------------------------------------------------------------

UNTIL = datetime(2025, 4, 30, 12, 0)


@pytest.mark.parametrize(
    ("periods", "expected"),
    [
        pytest.param([], 0, id="none"),
        pytest.param([(datetime(2025, 3, 20, 15, 30), datetime(2025, 3, 31, 10, 0))], 12, id="partial-ends"),
        pytest.param([(datetime(2025, 3, 3), datetime(2025, 3, 5))], 2, id="midnight-to-midnight"),
        pytest.param([(datetime(2025, 3, 3, 9), datetime(2025, 3, 3, 11))], 1, id="two-hours"),
        pytest.param([(datetime(2025, 3, 3, 23, 59), datetime(2025, 3, 4, 0, 1))], 2, id="across-midnight"),
        pytest.param([(datetime(2025, 3, 3, 9), datetime(2025, 3, 3, 9))], 0, id="empty-period"),
        pytest.param([(datetime(2025, 4, 28, 9), None)], 3, id="open-counts-to-until"),
        pytest.param([(datetime(2025, 4, 29, 9), datetime(2025, 5, 10))], 2, id="clipped-at-until"),
        pytest.param([(datetime(2025, 5, 2), datetime(2025, 5, 3))], 0, id="after-until"),
        pytest.param([(datetime(2025, 4, 30, 12), None)], 0, id="opens-at-until"),
        pytest.param(
            [
                (datetime(2025, 3, 1, 9), datetime(2025, 3, 5, 9)),
                (datetime(2025, 3, 4, 9), datetime(2025, 3, 8, 9)),
            ],
            8,
            id="overlap-counted-once",
        ),
        pytest.param(
            [
                (datetime(2025, 3, 1, 9), datetime(2025, 3, 2, 9)),
                (datetime(2025, 3, 10, 9), datetime(2025, 3, 10, 17)),
            ],
            3,
            id="two-separate",
        ),
    ],
)
def test_excluded_days_counts_every_touched_day(
    periods: list[tuple[datetime, datetime | None]], expected: int
) -> None:
    assert excluded_days(periods, until=UNTIL) == expected


def test_excluded_days_reads_aware_datetimes_in_china_time() -> None:
    # 2025-03-02 17:00 UTC is 03-03 01:00 in Beijing, 2025-03-03 15:00 UTC is 03-03 23:00: one day
    # (read in UTC it would have touched 2 and 3 March).
    periods = [(datetime(2025, 3, 2, 17, tzinfo=UTC), datetime(2025, 3, 3, 15, tzinfo=UTC))]
    assert excluded_days(periods, until=datetime(2025, 4, 1, tzinfo=UTC)) == 1


def test_excluded_days_refuses_a_period_ending_before_it_begins() -> None:
    with pytest.raises(ValueError, match="ends before it begins"):
        excluded_days([(datetime(2025, 3, 5), datetime(2025, 3, 4))], until=UNTIL)


# --- days_left, is_overdue -----------------------------------------------------------------------

DEADLINE = Deadline(
    start=date(2025, 9, 16),
    nominal_last_day=date(2025, 10, 1),
    excluded_days=0,
    extension_days=0,
    last_day=date(2025, 10, 9),
    rolled_over=True,
    in_custody=False,
)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        pytest.param(date(2025, 10, 1), 8, id="eight-left"),
        pytest.param(date(2025, 10, 9), 0, id="last-day"),
        pytest.param(date(2025, 10, 12), -3, id="overdue"),
    ],
)
def test_days_left(as_of: date, expected: int) -> None:
    assert days_left(DEADLINE, as_of) == expected


@pytest.mark.parametrize(
    ("done_on", "expected"),
    [
        pytest.param(date(2025, 10, 2), False, id="early"),
        pytest.param(date(2025, 10, 9), False, id="on-the-last-day"),
        pytest.param(date(2025, 10, 10), True, id="a-day-late"),
    ],
)
def test_is_overdue(done_on: date, expected: bool) -> None:
    assert is_overdue(DEADLINE, done_on) is expected


# --- the table -----------------------------------------------------------------------------------

# code → (limit, extension, urgent limit), copied by hand from DOMAIN_RULES.md §1.
EXPECTED_TABLE: dict[str, tuple[Limit, Limit | None, Limit | None]] = {
    "TL-CR-ARR-01": (Limit(days=7), None, None),
    "TL-CR-ARR-02": (Limit(days=15), Limit(days=5), None),
    "TL-CR-ARR-09": (Limit(days=7), None, None),
    "TL-CR-ARR-10": (Limit(days=15), None, None),
    "TL-CR-INV-01": (Limit(months=2), None, None),
    "TL-CR-INV-02": (Limit(months=1), None, None),
    "TL-CR-INV-03": (Limit(months=2), None, None),
    "TL-CR-INV-04": (Limit(months=2), None, None),
    "TL-CR-PRO-01": (Limit(months=1), Limit(days=15), None),
    "TL-CR-PRO-02": (Limit(days=10), Limit(days=5), None),
    "TL-CR-PRO-04": (Limit(months=1), None, None),
    "TL-CR-PRO-10": (Limit(days=3), None, None),
    "TL-CR-PRO-11": (Limit(days=3), None, None),
    "TL-CR-CM-01": (Limit(months=12), None, None),
    "TL-CR-CM-02": (Limit(months=6), None, None),
    "TL-CR-NP-01": (Limit(days=7), None, None),
    "TL-CR-NP-02": (Limit(days=7), None, None),
    "TL-CR-NP-03": (Limit(months=3), Limit(months=3), None),
    "TL-CR-NP-04": (Limit(days=30), None, None),
    "TL-CR-NP-05": (Limit(days=30), None, None),
    "TL-CR-NP-06": (Limit(days=30), None, None),
    "TL-CR-NP-07": (Limit(days=30), None, None),
    "TL-CR-NP-08": (Limit(days=3), None, None),
    "TL-CV-05": (Limit(months=3), None, None),
    "TL-AD-05": (Limit(months=3), None, None),
    "TL-PI-04": (Limit(months=2), None, Limit(days=15)),
    "TL-JY-02": (Limit(months=2), None, None),
}


def test_the_table_has_exactly_the_expected_codes() -> None:
    assert set(TIME_LIMITS) == set(EXPECTED_TABLE)


@pytest.mark.parametrize("code", sorted(EXPECTED_TABLE))
def test_each_row_has_the_figures_of_domain_rules(code: str) -> None:
    row = TIME_LIMITS[code]
    assert row.code == code
    assert (row.limit, row.extension, row.urgent_limit) == EXPECTED_TABLE[code]
    assert row.grade == "A"
    assert row.basis.startswith("《")
    assert "第" in row.basis and "条" in row.basis
    assert row.name


@pytest.mark.parametrize(
    ("code", "basis"),
    [
        pytest.param(
            "TL-CR-ARR-01",
            "《刑事诉讼法》第九十一条第三款；《人民检察院刑事诉讼规则》第二百八十二条",
            id="arr-01",
        ),
        pytest.param(
            "TL-CR-PRO-01",
            "《刑事诉讼法》第一百七十二条第一款；《人民检察院刑事诉讼规则》第三百五十一条",
            id="pro-01",
        ),
        pytest.param("TL-CR-NP-03", "《人民检察院刑事诉讼规则》第三百八十六条", id="np-03"),
        pytest.param("TL-AD-05", "《人民检察院行政诉讼监督规则》第五十六条、第七十九条", id="ad-05"),
    ],
)
def test_basis_cites_the_articles(code: str, basis: str) -> None:
    assert TIME_LIMITS[code].basis == basis


def test_only_administrative_supervision_allows_an_uncapped_extension() -> None:
    assert [code for code, row in TIME_LIMITS.items() if row.allows_further_extension] == ["TL-AD-05"]
