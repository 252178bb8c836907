"""Days as integers, working days and the period rules of DOMAIN_RULES.md §0.3.

The generator counts in day ordinals (``date.toordinal()``) and minutes of the day, formats them
once per day from a table, and asks the official calendar (``chinese_calendar``: holidays and
adjusted working weekends) only when the table is built. Years the calendar does not know fall
back to weekends, as ARCHITECTURE.md prescribes.
"""

from __future__ import annotations

import calendar as _gregorian
from datetime import date

import chinese_calendar

FIRST = date(2015, 1, 1).toordinal()
LAST = date(2027, 12, 31).toordinal()

_TEXT: list[str] = []
_WORKDAY: list[bool] = []
for _ordinal in range(FIRST, LAST + 1):
    _day = date.fromordinal(_ordinal)
    _TEXT.append(_day.isoformat())
    try:
        _WORKDAY.append(bool(chinese_calendar.is_workday(_day)))
    except NotImplementedError:
        _WORKDAY.append(_day.weekday() < 5)

_NEXT_WORKDAY: list[int] = [0] * len(_WORKDAY)
_following = LAST + 1
for _index in range(len(_WORKDAY) - 1, -1, -1):
    if _WORKDAY[_index]:
        _following = FIRST + _index
    _NEXT_WORKDAY[_index] = _following


def ordinal(day: date) -> int:
    return day.toordinal()


def day_text(day: int) -> str:
    """``YYYY-MM-DD`` of a day ordinal."""
    return _TEXT[day - FIRST]


def year_of(day: int) -> str:
    return _TEXT[day - FIRST][:4]


def is_workday(day: int) -> bool:
    return _WORKDAY[day - FIRST]


def workday_on_or_after(day: int) -> int:
    return _NEXT_WORKDAY[day - FIRST]


def workday_on_or_before(day: int) -> int:
    while not _WORKDAY[day - FIRST]:
        day -= 1
    return day


def add_months(day: int, months: int) -> int:
    """PC-04: from a day of one month to the same day of a later month, or that month's last day."""
    start = date.fromordinal(day)
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    last = _gregorian.monthrange(year, month)[1]
    start_is_last = start.day == _gregorian.monthrange(start.year, start.month)[1]
    return date(year, month, last if start_is_last else min(start.day, last)).toordinal()


def last_day(start: int, *, days: int = 0, months: int = 0, in_custody: bool) -> int:
    """The last day of a period beginning on ``start`` (PC-01: the first day is not counted).

    PC-03: a period whose last day falls on a holiday (weekends included) ends on the first
    working day after it, unless the suspect is in custody.
    """
    end = add_months(start, months) + days
    return end if in_custody else workday_on_or_after(end)
