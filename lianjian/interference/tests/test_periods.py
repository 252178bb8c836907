"""Reporting periods and due dates (issue 6 §3, §7): pure functions with a given clock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from lianjian.interference.choices import ReportCycle
from lianjian.interference.periods import (
    SHANGHAI,
    EffectiveSetting,
    Period,
    due_period,
    local_day,
    parse_period,
    period_of,
    recent_periods,
    remind_offsets,
    resolve_setting,
)

M, Q = ReportCycle.MONTHLY, ReportCycle.QUARTERLY


def bj(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


class TestMonthly:
    @pytest.mark.parametrize(
        ("day", "start", "end", "due"),
        [
            (date(2026, 3, 15), date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 3)),
            (date(2026, 2, 1), date(2026, 2, 1), date(2026, 2, 28), date(2026, 3, 3)),
            (date(2028, 2, 29), date(2028, 2, 1), date(2028, 2, 29), date(2028, 3, 3)),  # leap year
            (date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31), date(2027, 1, 3)),  # year end
            (date(2027, 1, 1), date(2027, 1, 1), date(2027, 1, 31), date(2027, 2, 3)),
        ],
    )
    def test_period_and_due_date_by_the_3rd_of_next_month(self, day, start, end, due) -> None:
        period = period_of(M, day)
        assert (period.start, period.end, period.due) == (start, end, due)

    def test_the_3rd_is_the_last_allowed_day(self) -> None:
        march = period_of(M, date(2026, 3, 10))
        assert not march.is_overdue(date(2026, 4, 3))
        assert march.is_overdue(date(2026, 4, 4))
        # 23:59 on the 3rd in Beijing is on time, though it is already the 3rd 15:59 UTC …
        assert not march.submitted_late(bj("2026-04-03T23:59:59"))
        # … and 00:30 on the 4th in Beijing is late, though it is still the 3rd in UTC.
        assert march.submitted_late(datetime(2026, 4, 3, 16, 30, tzinfo=UTC))

    def test_previous_and_next_cross_the_year(self) -> None:
        january = period_of(M, date(2027, 1, 20))
        assert january.previous() == Period(date(2026, 12, 1), M)
        assert january.previous().next() == january
        assert january.previous().label == "2026年12月"
        assert january.key == "2027-01"


class TestQuarterly:
    @pytest.mark.parametrize(
        ("day", "start", "end", "due", "label"),
        [
            (date(2026, 1, 1), date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 10), "2026年第1季度"),
            (date(2026, 6, 30), date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 10), "2026年第2季度"),
            (date(2026, 8, 15), date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 10), "2026年第3季度"),
            (date(2026, 12, 31), date(2026, 10, 1), date(2026, 12, 31), date(2027, 1, 10), "2026年第4季度"),
        ],
    )
    def test_period_and_due_within_the_first_10_days(self, day, start, end, due, label) -> None:
        period = period_of(Q, day)
        assert (period.start, period.end, period.due, period.label) == (start, end, due, label)

    def test_the_10th_is_the_last_allowed_day_and_the_year_wraps(self) -> None:
        q4 = period_of(Q, date(2026, 11, 1))
        assert q4.next() == Period(date(2027, 1, 1), Q)
        assert q4.next().previous() == q4
        assert not q4.is_overdue(date(2027, 1, 10)) and q4.is_overdue(date(2027, 1, 11))
        assert q4.key == "2026-Q4"


class TestClock:
    def test_bounds_are_beijing_midnights(self) -> None:
        march = period_of(M, date(2026, 3, 1))
        assert march.contains(bj("2026-03-01T00:00:00"))
        assert march.contains(bj("2026-03-31T23:59:59"))
        assert not march.contains(bj("2026-04-01T00:00:00"))
        # 16:30 UTC on 31 March is already 1 April in Beijing.
        assert not march.contains(datetime(2026, 3, 31, 16, 30, tzinfo=UTC))
        assert local_day(datetime(2026, 3, 31, 16, 30, tzinfo=UTC)) == date(2026, 4, 1)

    def test_a_report_opens_on_the_period_last_day(self) -> None:
        march = period_of(M, date(2026, 3, 1))
        assert not march.is_open(date(2026, 3, 30))
        assert march.is_open(date(2026, 3, 31)) and march.is_open(date(2026, 4, 20))

    def test_the_period_being_collected(self) -> None:
        assert due_period(M, date(2026, 4, 3)) == Period(date(2026, 3, 1), M)
        assert due_period(M, date(2026, 4, 4)) == Period(date(2026, 4, 1), M)
        assert due_period(M, date(2026, 3, 31)) == Period(date(2026, 3, 1), M)
        assert due_period(Q, date(2026, 4, 10)) == Period(date(2026, 1, 1), Q)
        assert due_period(Q, date(2026, 4, 11)) == Period(date(2026, 4, 1), Q)

    def test_reminders_fall_on_their_days_only(self) -> None:
        march = period_of(M, date(2026, 3, 1))  # due 3 April
        days = [date(2026, 3, 30), date(2026, 3, 31), date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 3)]
        assert [remind_offsets(march, d, [3, 1]) for d in days] == [[], [3], [], [1], []]
        assert remind_offsets(march, date(2026, 4, 3), [0]) == [0]
        assert remind_offsets(march, date(2026, 4, 4), [0, 1, 3]) == []  # past due: never

    def test_recent_periods_newest_first(self) -> None:
        assert [p.key for p in recent_periods(M, date(2026, 2, 10), 3)] == ["2026-02", "2026-01", "2025-12"]
        assert [p.key for p in recent_periods(Q, date(2026, 2, 10), 2)] == ["2026-Q1", "2025-Q4"]


class TestParse:
    @pytest.mark.parametrize(
        ("cycle", "key", "start"),
        [
            (M, "2026-03", date(2026, 3, 1)),
            (Q, "2026-Q2", date(2026, 4, 1)),
            (Q, "2026-q4", date(2026, 10, 1)),
        ],
    )
    def test_keys(self, cycle, key, start) -> None:
        assert parse_period(cycle, key) == Period(start, cycle)

    @pytest.mark.parametrize(
        ("cycle", "key"),
        [(M, ""), (M, "2026-13"), (M, "2026-Q1"), (Q, "2026-03"), (Q, "2026-Q5"), (M, "abc"), (M, "1900-01")],
    )
    def test_malformed_keys_are_none(self, cycle, key) -> None:
        assert parse_period(cycle, key) is None


class TestSettings:
    def row(self, cycle: str, remind: list[int] | None = None) -> SimpleNamespace:
        return SimpleNamespace(cycle=cycle, remind_days=remind or [], zero_months=4, caseload_threshold=20)

    def test_default_is_monthly_with_3_and_1(self) -> None:
        assert resolve_setting(["620000", "620100", "620102"], {}) == EffectiveSetting()
        assert EffectiveSetting().cycle == M and EffectiveSetting().remind_days == (3, 1)

    def test_nearest_ancestor_wins(self) -> None:
        rows = {"620000": self.row(M, [5]), "620100": self.row(Q, [2, 7])}
        county = resolve_setting(["620000", "620100", "620102"], rows)
        assert (county.cycle, county.remind_days, county.source) == (Q, (7, 2), "620100")
        other = resolve_setting(["620000", "620200"], rows)
        assert (other.cycle, other.remind_days, other.source) == (M, (5,), "620000")

    def test_own_setting_without_days_reminds_by_default(self) -> None:
        own = resolve_setting(["620000", "620102"], {"620102": self.row(Q)})
        assert (own.cycle, own.remind_days, own.zero_months) == (Q, (3, 1), 4)
