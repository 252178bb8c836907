"""Counts of the interference register for the statistics page and the reports (F5.6).

Everything here starts from :func:`stats_base`, which is :func:`policy.records_countable_by`
(the reporting chain's scope, less the records about the viewer as intervener): a count never
includes a record the viewer may not count. Only counts leave this module — never a record, a
recorder, an intervener or a content — and never a breakdown by recorder.

Small groups (docs/interference/statistics-and-clues.md "小部门不单列"): a department is shown
on its own only when it has at least :data:`MIN_DEPARTMENT_STAFF` staff in post (the obliged
persons); smaller departments and unit-level staff are merged into one row, and when that merged
row would itself cover fewer than three people (its count then follows from the unit total by
subtraction) the unit's department breakdown is not shown at all. A viewer whose statistics reach
only departments (a 部门负责人) counts only departments of that size, and their own records.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from lianjian.common.permissions import Perm
from lianjian.interference import policy
from lianjian.interference.choices import (
    PROCURATORATE_SUBJECTS,
    MatterType,
    RecordCategory,
    SubjectType,
    ViolationCode,
)
from lianjian.interference.models import Record
from lianjian.org.models import Department, Staff, Unit

CHINA_TIME = ZoneInfo("Asia/Shanghai")
# A department with fewer staff than this is never shown on its own (it would point at a person).
MIN_DEPARTMENT_STAFF = 3
TREND_MONTHS = 12
QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


class PeriodError(ValueError):
    """A period or date range that cannot be read; the message is for the user."""


@dataclass(frozen=True)
class Period:
    """A reporting period: a month (``2026-11``), a quarter (``2026Q4``) or a year (``2026``)."""

    kind: str  # MONTH, QUARTER, YEAR
    start: date
    end: date  # inclusive
    key: str
    label: str  # 2026年11月, 2026年第四季度, 2026年

    def previous(self) -> Period:
        return parse_period(_previous_key(self))


def _month(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(
        "MONTH", date(year, month, 1), date(year, month, last), f"{year}-{month:02d}", f"{year}年{month}月"
    )


def parse_period(text: str) -> Period:
    """``2026-11`` (month), ``2026Q4`` (quarter) or ``2026`` (year)."""
    value = (text or "").strip().upper()
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})", value):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12 and 2000 <= year <= 2100:
            return _month(year, month)
    elif match := re.fullmatch(r"(\d{4})Q([1-4])", value):
        year, quarter = int(match[1]), int(match[2])
        if 2000 <= year <= 2100:
            first = 3 * quarter - 2
            end = date(year, first + 2, calendar.monthrange(year, first + 2)[1])
            return Period(
                "QUARTER", date(year, first, 1), end, f"{year}Q{quarter}", f"{year}年{QUARTER_NAMES[quarter]}"
            )
    elif re.fullmatch(r"\d{4}", value) and 2000 <= int(value) <= 2100:
        year = int(value)
        return Period("YEAR", date(year, 1, 1), date(year, 12, 31), str(year), f"{year}年")
    raise PeriodError("期间格式应为 2026-11（月）、2026Q4（季度）或 2026（年）")


def _previous_key(period: Period) -> str:
    if period.kind == "MONTH":
        prior = period.start - timedelta(days=1)
        return f"{prior.year}-{prior.month:02d}"
    if period.kind == "QUARTER":
        quarter = (period.start.month - 1) // 3 + 1
        return f"{period.start.year}Q{quarter - 1}" if quarter > 1 else f"{period.start.year - 1}Q4"
    return str(period.start.year - 1)


def local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """``[start 00:00, the day after end 00:00)`` in Beijing time."""
    return (
        datetime.combine(start, time.min, tzinfo=CHINA_TIME),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=CHINA_TIME),
    )


def today() -> date:
    return timezone.localtime(timezone.now(), CHINA_TIME).date()


# --- the base ------------------------------------------------------------------------------------


def department_only(user: Any) -> bool:
    """Whether ``user``'s statistics reach no whole unit (department scopes only)."""
    if user.has_lianjian_perm(Perm.INTERFERENCE_READ):
        return False
    scope = user.scope(Perm.INTERFERENCE_STATS)
    return not (scope.everything or scope.subtree_paths or scope.unit_ids)


def department_staff_counts(department_ids: list[int], *, on: date) -> dict[int, int]:
    rows = (
        Staff.objects.active(on)
        .filter(department_id__in=department_ids)
        .values("department_id")
        .annotate(n=Count("id"))
    )
    return {row["department_id"]: row["n"] for row in rows}


def stats_base(user: Any, *, on: date | None = None) -> QuerySet[Record]:
    """The records ``user``'s statistics count (:func:`policy.records_countable_by`), less the
    records of departments too small to be counted apart for a viewer who sees only departments."""
    base = policy.records_countable_by(user)
    if not getattr(user, "is_authenticated", False) or not department_only(user):
        return base
    scope = user.scope(Perm.INTERFERENCE_STATS)
    sizes = department_staff_counts(sorted(scope.department_ids), on=on or today())
    large = [pk for pk, n in sizes.items() if n >= MIN_DEPARTMENT_STAFF]
    own = Q(recorder_id=user.staff_id) if getattr(user, "staff_id", None) else Q(pk__in=[])
    return base.filter(own | Q(department_id__in=large))


def small_departments_hidden(user: Any, *, on: date | None = None) -> bool:
    """Whether :func:`stats_base` left out a department of ``user``'s for being too small."""
    if not getattr(user, "is_authenticated", False) or not department_only(user):
        return False
    scope = user.scope(Perm.INTERFERENCE_STATS)
    sizes = department_staff_counts(sorted(scope.department_ids), on=on or today())
    return any(sizes.get(pk, 0) < MIN_DEPARTMENT_STAFF for pk in scope.department_ids)


def in_period(records: QuerySet[Record], *, start: date, end: date) -> QuerySet[Record]:
    """Records entered in the register (``recorded_at``) from ``start`` to ``end`` inclusive."""
    lower, upper = local_bounds(start, end)
    return records.filter(recorded_at__gte=lower, recorded_at__lt=upper)


def in_unit(records: QuerySet[Record], unit: Unit | None) -> QuerySet[Record]:
    """Records of ``unit``'s recorders and of its subordinate units."""
    return records if unit is None else records.filter(unit__path__startswith=unit.path)


# --- reach ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    """The units a viewer's statistics are about, for the unit table and the unit filter."""

    everything: bool = False
    paths: tuple[str, ...] = ()
    unit_ids: frozenset[int] = frozenset()

    def covers(self, unit: Unit) -> bool:
        return self.everything or unit.pk in self.unit_ids or unit.path.startswith(self.paths)

    def units(self) -> QuerySet[Unit]:
        if self.everything:
            return Unit.objects.all()
        q = Q(pk__in=sorted(self.unit_ids))
        for path in self.paths:
            q |= Q(path__startswith=path)
        return Unit.objects.filter(q)


def reach_of(user: Any) -> Reach:
    if not getattr(user, "is_authenticated", False):
        return Reach()
    everything, paths, ids = False, [], set()
    for perm in (Perm.INTERFERENCE_STATS, Perm.INTERFERENCE_READ):
        if not user.has_lianjian_perm(perm):
            continue
        scope = user.scope(perm)
        everything |= scope.everything
        paths.extend(scope.subtree_paths)
        ids |= set(scope.unit_ids)
        ids |= set(
            Department.objects.filter(pk__in=sorted(scope.department_ids)).values_list("unit_id", flat=True)
        )
    staff = getattr(user, "staff", None)
    if staff is not None:
        ids.add(staff.unit_id)
    return Reach(everything, tuple(paths), frozenset(ids))


# --- counts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    code: str
    label: str
    count: int


def _by(records: QuerySet[Record], field_name: str, choices: Any) -> list[Row]:
    counts = dict(records.order_by().values_list(field_name).annotate(n=Count("id")))
    return [Row(str(value), str(label), counts.get(value, 0)) for value, label in choices.choices]


def by_category(records: QuerySet[Record]) -> list[Row]:
    """RC-01…06, every category (zeros included)."""
    return _by(records, "category", RecordCategory)


def by_subject_type(records: QuerySet[Record]) -> list[Row]:
    return _by(records, "subject_type", SubjectType)


def by_matter_type(records: QuerySet[Record]) -> list[Row]:
    """MAJ-01…05."""
    return _by(records, "matter_type", MatterType)


def procuratorate_split(records: QuerySet[Record]) -> list[Row]:
    """The SPP's split (DOMAIN_RULES.md §2.3 E): 检察人员 / 非检察机关人员."""
    inside = records.filter(subject_type__in=sorted(PROCURATORATE_SUBJECTS)).count()
    total = records.count()
    return [Row("PROCURATORATE", "检察人员", inside), Row("OTHER", "非检察机关人员", total - inside)]


def by_violation(records: QuerySet[Record]) -> list[Row]:
    """Violation codes (LD-VIO / IN-VIO / CT-PRO); a record may carry several. The codes are a
    small JSON list per record, so they are tallied from that one column."""
    tally: Counter[str] = Counter()
    for codes in records.exclude(violation_codes=[]).values_list("violation_codes", flat=True):
        tally.update(str(code) for code in codes or [])
    return [Row(str(value), str(label), tally.get(str(value), 0)) for value, label in ViolationCode.choices]


def month_keys(end: date, months: int = TREND_MONTHS) -> list[date]:
    year, month = end.year, end.month
    keys = []
    for _ in range(months):
        keys.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(keys))


def by_month(records: QuerySet[Record], *, first: date, last: date) -> list[Row]:
    """Counts per month from ``first``'s month to ``last``'s month (Beijing time)."""
    keys = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        keys.append(date(year, month, 1))
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    lower, upper = local_bounds(keys[0], last)
    rows = (
        records.filter(recorded_at__gte=lower, recorded_at__lt=upper)
        .order_by()
        .annotate(month=TruncMonth("recorded_at", tzinfo=CHINA_TIME))
        .values("month")
        .annotate(n=Count("id"))
    )
    counts = {}
    for row in rows:
        moment = row["month"]
        day = moment.date() if isinstance(moment, datetime) else moment
        counts[date(day.year, day.month, 1)] = row["n"]
    return [Row(f"{k:%Y-%m}", f"{k.year}年{k.month}月", counts.get(k, 0)) for k in keys]


def trend(records: QuerySet[Record], *, end: date) -> list[Row]:
    """The twelve months ending with ``end``'s month."""
    keys = month_keys(end)
    return by_month(records, first=keys[0], last=end)


@dataclass(frozen=True)
class UnitRow:
    unit: Unit
    depth: int  # indentation below the shallowest unit shown
    own: int  # the unit's own recorders
    total: int  # with its subordinate units


def by_unit(records: QuerySet[Record], reach: Reach) -> list[UnitRow]:
    """Each unit with records and the units above it within the viewer's reach, with the counts
    of its own recorders and rolled up over its subordinate units (部门 → 院 → 上级院)."""
    own = dict(records.order_by().values_list("unit_id").annotate(n=Count("id")))
    if not own:
        return []
    units = {u.pk: u for u in Unit.objects.filter(pk__in=list(own))}
    shown: dict[str, Unit] = {u.path: u for u in units.values()}
    codes_needed: set[str] = set()
    for unit in units.values():
        codes_needed.update(unit.ancestor_codes()[:-1])
    for ancestor in Unit.objects.filter(code__in=sorted(codes_needed)):
        if reach.covers(ancestor):
            shown[ancestor.path] = ancestor
    top = min(u.depth for u in shown.values())
    rows = []
    for path in sorted(shown):
        unit = shown[path]
        total = sum(n for pk, n in own.items() if units[pk].path.startswith(path))
        rows.append(UnitRow(unit, unit.depth - top, own.get(unit.pk, 0), total))
    return rows


@dataclass(frozen=True)
class ZeroUnit:
    """A unit whose recorders entered nothing in the period, with its people in post and the
    cases assigned there in the same days (F5.5: long 零记录 against the caseload)."""

    unit: Unit
    staff: int
    cases: int


def zero_units(records: QuerySet[Record], reach: Reach, *, start: date, end: date) -> list[ZeroUnit]:
    """The units of ``reach`` with people in post on ``end`` and none of ``records`` (the
    viewer's countable records of the period) by their recorders: the busiest first."""
    from lianjian.cases.models import Case

    with_records = set(records.order_by().values_list("unit_id", flat=True).distinct())
    candidates = {u.pk: u for u in reach.units().exclude(pk__in=sorted(with_records))}
    staff = dict(
        Staff.objects.active(end)
        .filter(unit_id__in=sorted(candidates))
        .order_by()
        .values_list("unit_id")
        .annotate(n=Count("id"))
    )
    lower, upper = local_bounds(start, end)
    cases = dict(
        Case.objects.filter(unit_id__in=sorted(staff), assigned_at__gte=lower, assigned_at__lt=upper)
        .order_by()
        .values_list("unit_id")
        .annotate(n=Count("id"))
    )
    rows = [ZeroUnit(candidates[pk], n, cases.get(pk, 0)) for pk, n in staff.items()]
    return sorted(rows, key=lambda row: (-row.cases, row.unit.path))


@dataclass
class DepartmentBreakdown:
    unit: Unit
    rows: list[Row] = field(default_factory=list)
    merged: Row | None = None  # small departments and unit-level staff, together
    suppressed: bool = False  # the whole breakdown withheld (the merged row would identify)


def by_department(records: QuerySet[Record], unit: Unit, *, on: date) -> DepartmentBreakdown:
    """Counts per department of ``unit`` (its own recorders), with the small-group rule above."""
    mine = records.filter(unit=unit)
    counts = dict(mine.order_by().values_list("department_id").annotate(n=Count("id")))
    departments = list(Department.objects.filter(unit=unit).order_by("code"))
    sizes = department_staff_counts([d.pk for d in departments], on=on)
    unit_level = Staff.objects.active(on).filter(unit=unit, department__isnull=True).count()
    breakdown = DepartmentBreakdown(unit)
    merged_count, merged_staff = counts.get(None, 0), unit_level
    for department in departments:
        size = sizes.get(department.pk, 0)
        if size >= MIN_DEPARTMENT_STAFF:
            breakdown.rows.append(Row(str(department.pk), department.name, counts.get(department.pk, 0)))
        else:
            merged_count += counts.get(department.pk, 0)
            merged_staff += size
    if 0 < merged_staff < MIN_DEPARTMENT_STAFF or (merged_staff == 0 and merged_count):
        return DepartmentBreakdown(unit, suppressed=True)
    if merged_staff:
        breakdown.merged = Row("MERGED", "未分部门人员及人数较少的部门（合并）", merged_count)
    return breakdown


@dataclass
class Statistics:
    """What the statistics page shows for one viewer, period and unit."""

    start: date
    end: date
    unit: Unit | None
    total: int
    categories: list[Row]
    subject_types: list[Row]
    split: list[Row]
    matter_types: list[Row]
    violations: list[Row]
    months: list[Row]
    units: list[UnitRow]
    departments: DepartmentBreakdown | None
    small_hidden: bool
    zero_units: list[ZeroUnit] | None = None  # None: not shown (a viewer of departments only)

    def charts(self) -> dict[str, Any]:
        """The figures for ECharts (the same numbers as the tables)."""
        return {
            "categories": {
                "labels": [r.code for r in self.categories],
                "values": [r.count for r in self.categories],
            },
            "subjects": {"labels": [r.label for r in self.split], "values": [r.count for r in self.split]},
            "months": {"labels": [r.code for r in self.months], "values": [r.count for r in self.months]},
            "units": {
                "labels": [r.unit.name for r in self.units if r.depth == 0 or r.depth == 1][:20],
                "values": [r.total for r in self.units if r.depth == 0 or r.depth == 1][:20],
            },
        }


def statistics_for(
    user: Any, *, start: date, end: date, unit: Unit | None = None, department_unit: Unit | None = None
) -> Statistics:
    """The counts of the statistics page: ``user``'s countable records entered from ``start`` to
    ``end``, of ``unit`` and below if given; the month trend runs over the twelve months to
    ``end``; the department breakdown is of ``department_unit`` (default ``unit``)."""
    on = today()
    scoped = in_unit(stats_base(user, on=on), unit)
    records = in_period(scoped, start=start, end=end)
    department_unit = department_unit or unit
    reach = Reach(paths=(unit.path,)) if unit else reach_of(user)
    whole_units = getattr(user, "is_authenticated", False) and not department_only(user)
    return Statistics(
        start=start,
        end=end,
        unit=unit,
        total=records.count(),
        categories=by_category(records),
        subject_types=by_subject_type(records),
        split=procuratorate_split(records),
        matter_types=by_matter_type(records),
        violations=by_violation(records),
        months=trend(scoped, end=end),
        units=by_unit(records, reach),
        departments=by_department(records, department_unit, on=on) if department_unit else None,
        small_hidden=small_departments_hidden(user, on=on),
        zero_units=zero_units(records, reach, start=start, end=end) if whole_units else None,
    )
