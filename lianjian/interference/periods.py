"""Reporting periods of the register (F5.2, docs/interference/reports.md): cycles, periods, due
dates, the unit's setting and who is obliged to report.

The calendar is Beijing time (Asia/Shanghai, no daylight saving) whatever the server's zone: a
report submitted at 23:30 on the 3rd of the month, Beijing time, is on time.

- 月报告 (seed 001 第 8 条 "每月3日前"): the period is a calendar month, due by the 3rd of the
  next month. We read "3日前" as "no later than the 3rd": the 3rd is the last allowed day.
- 季度报告 (seed 004 "季度前10日报告"): the period is a calendar quarter, due within the first 10
  days of the next quarter: the 10th of its first month is the last allowed day.

Everything here except :func:`setting_for` and :func:`obliged_staff` is a pure function of its
arguments (tests give the clock).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from lianjian.interference.choices import ReportCycle

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTHLY_DUE_DAY = 3  # seed 001 第 8 条
QUARTERLY_DUE_DAY = 10  # seed 004
DEFAULT_REMIND_DAYS = (3, 1)
DEFAULT_ZERO_MONTHS = 6
DEFAULT_CASELOAD_THRESHOLD = 30


def local_day(moment: datetime) -> date:
    """The Beijing calendar day of an aware ``moment``."""
    return moment.astimezone(SHANGHAI).date()


def _add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period of a cycle: ``start`` … ``end`` (both inclusive), due on ``due``."""

    start: date
    cycle: str = ReportCycle.MONTHLY

    @property
    def months(self) -> int:
        return 3 if self.cycle == ReportCycle.QUARTERLY else 1

    @property
    def end(self) -> date:
        return _add_months(self.start, self.months) - timedelta(days=1)

    @property
    def due(self) -> date:
        first = _add_months(self.start, self.months)
        return first.replace(
            day=QUARTERLY_DUE_DAY if self.cycle == ReportCycle.QUARTERLY else MONTHLY_DUE_DAY
        )

    @property
    def label(self) -> str:
        if self.cycle == ReportCycle.QUARTERLY:
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        return f"{self.start.year}年{self.start.month}月"

    @property
    def key(self) -> str:
        """``2026-03`` or ``2026-Q1``: the period in URLs and forms."""
        if self.cycle == ReportCycle.QUARTERLY:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start:%Y-%m}"

    def bounds(self) -> tuple[datetime, datetime]:
        """``[from, until)`` as aware datetimes: Beijing midnight of ``start`` and of the day after
        ``end`` (records whose ``recorded_at`` falls inside belong to the period)."""
        until = self.end + timedelta(days=1)
        return (
            datetime.combine(self.start, time(), tzinfo=SHANGHAI),
            datetime.combine(until, time(), tzinfo=SHANGHAI),
        )

    def contains(self, moment: datetime) -> bool:
        start, until = self.bounds()
        return start <= moment < until

    def previous(self) -> Period:
        return Period(_add_months(self.start, -self.months), self.cycle)

    def next(self) -> Period:
        return Period(_add_months(self.start, self.months), self.cycle)

    def is_open(self, today: date) -> bool:
        """A report of the period may be submitted from its last day on."""
        return today >= self.end

    def is_overdue(self, today: date) -> bool:
        return today > self.due

    def submitted_late(self, submitted_at: datetime) -> bool:
        return local_day(submitted_at) > self.due


def period_of(cycle: str, day: date) -> Period:
    """The period of ``cycle`` that contains ``day``."""
    if cycle == ReportCycle.QUARTERLY:
        return Period(date(day.year, (day.month - 1) // 3 * 3 + 1, 1), ReportCycle.QUARTERLY)
    return Period(date(day.year, day.month, 1), ReportCycle.MONTHLY)


def parse_period(cycle: str, key: str) -> Period | None:
    """The period named by ``key`` (``2026-03``, ``2026-Q1``) in ``cycle``; ``None`` if malformed
    or of the other cycle."""
    try:
        year_text, _, rest = key.strip().partition("-")
        year = int(year_text)
        if not 2000 <= year <= 2100:
            return None
        if cycle == ReportCycle.QUARTERLY:
            if not rest.upper().startswith("Q"):
                return None
            quarter = int(rest[1:])
            if not 1 <= quarter <= 4:
                return None
            return Period(date(year, quarter * 3 - 2, 1), ReportCycle.QUARTERLY)
        month = int(rest)
        if not 1 <= month <= 12:
            return None
        return Period(date(year, month, 1), ReportCycle.MONTHLY)
    except ValueError:
        return None


def recent_periods(cycle: str, today: date, count: int) -> list[Period]:
    """The current period and the ``count - 1`` before it, newest first."""
    period = period_of(cycle, today)
    found = [period]
    while len(found) < count:
        period = period.previous()
        found.append(period)
    return found


def due_period(cycle: str, today: date) -> Period:
    """The period whose report is being collected on ``today``: the previous one until its due
    date has passed, then the current one."""
    current = period_of(cycle, today)
    previous = current.previous()
    return previous if today <= previous.due else current


def remind_offsets(period: Period, today: date, remind_days: Iterable[int]) -> list[int]:
    """The reminder offsets (days before due) that fall on ``today`` for ``period``."""
    left = (period.due - today).days
    return sorted({int(d) for d in remind_days if int(d) == left and left >= 0})


@dataclass(frozen=True)
class EffectiveSetting:
    """A unit's reporting setting as it applies: its own, its nearest ancestor's, or the default
    (``source`` is the code of the unit it comes from, "" for the default)."""

    cycle: str = ReportCycle.MONTHLY
    remind_days: tuple[int, ...] = DEFAULT_REMIND_DAYS
    zero_months: int = DEFAULT_ZERO_MONTHS
    caseload_threshold: int = DEFAULT_CASELOAD_THRESHOLD
    source: str = ""


def resolve_setting(chain: list[str], settings: Mapping[str, Any]) -> EffectiveSetting:
    """The setting of the unit whose codes from the root are ``chain`` (root first), given the
    ``ReportingSetting`` rows (or anything with their fields) by unit code."""
    for code in reversed(chain):
        row = settings.get(code)
        if row is not None:
            days = tuple(sorted({int(d) for d in (row.remind_days or [])}, reverse=True))
            return EffectiveSetting(
                cycle=row.cycle,
                remind_days=days if row.remind_days else DEFAULT_REMIND_DAYS,
                zero_months=row.zero_months,
                caseload_threshold=row.caseload_threshold,
                source=code,
            )
    return EffectiveSetting()


def setting_for(unit: Any) -> EffectiveSetting:
    """The reporting setting of ``unit``: its own, else its nearest ancestor's, else monthly."""
    from lianjian.interference.models import ReportingSetting

    chain = unit.ancestor_codes()
    rows = {
        s.unit.code: s for s in ReportingSetting.objects.filter(unit__code__in=chain).select_related("unit")
    }
    return resolve_setting(chain, rows)


def settings_for(units: Iterable[Any]) -> dict[int, EffectiveSetting]:
    """:func:`setting_for` of many units with one query."""
    from lianjian.interference.models import ReportingSetting

    units = list(units)
    codes = {code for unit in units for code in unit.ancestor_codes()}
    rows = {
        s.unit.code: s for s in ReportingSetting.objects.filter(unit__code__in=codes).select_related("unit")
    }
    return {unit.pk: resolve_setting(unit.ancestor_codes(), rows) for unit in units}


def obliged_staff(unit: Any, period: Period) -> Any:
    """Who must report for ``period`` in ``unit``: staff of the unit in post on the period's last
    day (joined by then, not left by then) who have an active login account — people without an
    account cannot submit, and are followed up by 检务督察 offline."""
    from lianjian.org.models import Staff

    return (
        Staff.objects.active(on=period.end)
        .filter(unit=unit, user__is_active=True)
        .select_related("department", "unit", "user")
        .order_by("department__code", "staff_no")
    )


def periods_of_units(units: Iterable[Any], day: date) -> dict[Any, Period]:
    """Each unit's period (of its own cycle, :func:`settings_for`) that contains ``day``."""
    units = list(units)
    effective = settings_for(units)
    return {unit: period_of(effective[unit.pk].cycle, day) for unit in units}


def units_by_period(unit_periods: Mapping[Any, Period]) -> dict[Period, list[int]]:
    """The unit pks of ``unit_periods`` grouped by their period (a province has one or two)."""
    grouped: dict[Period, list[int]] = {}
    for unit, period in unit_periods.items():
        grouped.setdefault(period, []).append(unit.pk)
    return grouped


def obliged_query(period: Period, unit_ids: Iterable[int]) -> Any:
    """The obliged people of the units ``unit_ids`` for ``period`` (as :func:`obliged_staff`), as
    one query to read or to count from."""
    from lianjian.org.models import Staff

    return Staff.objects.active(on=period.end).filter(unit_id__in=sorted(unit_ids), user__is_active=True)


def obliged_staff_of_units(
    unit_periods: Mapping[Any, Period], *, accounts: bool = False
) -> dict[int, list[Any]]:
    """:func:`obliged_staff` of many units, each with its own period, keyed by unit pk: one query
    per distinct period (a province has one or two), not one per unit.

    A province's 7,000 people are built cheaply: ``unit`` is the caller's instance and
    ``department`` one shared instance per department (read once), put in Django's relation
    cache; the people's ``extra`` is not read; their login ``user`` is joined only with
    ``accounts`` (the reminders need it, the tables and the late flags do not)."""
    from lianjian.org.models import Department, Staff

    units = {unit.pk: unit for unit in unit_periods}
    departments = {d.pk: d for d in Department.objects.filter(unit_id__in=sorted(units)).order_by()}
    found: dict[int, list[Any]] = {pk: [] for pk in units}
    unit_cache = Staff._meta.get_field("unit")
    department_cache = Staff._meta.get_field("department")
    for period, unit_ids in units_by_period(unit_periods).items():
        rows = (
            obliged_query(period, unit_ids).defer("extra").order_by("unit_id", "department__code", "staff_no")
        )
        if accounts:
            rows = rows.select_related("user")
        for person in rows:
            unit_cache.set_cached_value(person, units[person.unit_id])
            if person.department_id is None:
                department_cache.set_cached_value(person, None)
            elif person.department_id in departments:
                department_cache.set_cached_value(person, departments[person.department_id])
            found[person.unit_id].append(person)
    return found
