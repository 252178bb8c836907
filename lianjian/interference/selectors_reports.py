"""Reads of the periodic reports (docs/interference/reports.md): compliance per unit and
department, who may see it, and the counts passed up the reporting chain.

Nothing here reads a record's content: reports are counted by person, records by their plain
classification (category, subject type, unit).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from lianjian.common.permissions import Perm
from lianjian.interference.choices import PROCURATORATE_SUBJECTS, RecordCategory, SubjectType
from lianjian.interference.models import PeriodicReport, Record
from lianjian.interference.periods import (
    SHANGHAI,
    Period,
    obliged_query,
    obliged_staff_of_units,
    periods_of_units,
    units_by_period,
)
from lianjian.interference.reporting import ReportStatus, report_status, reports_of_obliged
from lianjian.interference.statistics import MIN_DEPARTMENT_STAFF
from lianjian.org.models import Department, Unit


@dataclass
class ComplianceRow:
    """One unit's total (``total``), one of its departments, or its staff outside any department
    (``department`` None, not ``total``), for one period.

    ``zero_hidden``: the zero-report split is withheld (:func:`withhold_small_zero_splits`)."""

    unit: Unit
    department: Department | None
    period: Period
    total: bool = False
    zero_hidden: bool = False
    obliged: int = 0
    submitted: int = 0  # on time or late, zero reports included
    zero: int = 0
    late: int = 0  # submitted after the due date
    missing: int = 0  # not submitted, due date passed
    pending: int = 0  # not submitted, not yet due
    missing_names: list[str] = field(default_factory=list)
    late_names: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.total:
            return f"{self.unit.name}（合计）"
        return self.department.name if self.department is not None else "未分部门人员"

    def rate(self, count: int) -> str:
        return f"{count * 100 / self.obliged:.0f}%" if self.obliged else "—"

    @property
    def submitted_rate(self) -> str:
        return self.rate(self.submitted)

    @property
    def zero_rate(self) -> str:
        return "—" if self.zero_hidden else self.rate(self.zero)

    @property
    def late_rate(self) -> str:
        return self.rate(self.late)

    @property
    def missing_rate(self) -> str:
        return self.rate(self.missing)

    def add(self, status: str, name: str) -> None:
        self.obliged += 1
        if status in (ReportStatus.SUBMITTED, ReportStatus.ZERO, ReportStatus.LATE):
            self.submitted += 1
        if status == ReportStatus.ZERO:
            self.zero += 1
        if status == ReportStatus.LATE:
            self.late += 1
            self.late_names.append(name)
        if status == ReportStatus.MISSING:
            self.missing += 1
            self.missing_names.append(name)
        if status == ReportStatus.PENDING:
            self.pending += 1


@dataclass(frozen=True)
class OverviewScope:
    """What the 报告情况 page shows a user: the units, or only some departments, and whether
    names of the missing and late people are shown (检务督察 only)."""

    units: list[Unit]
    department_ids: frozenset[int] | None = None  # None: whole units
    names: bool = False

    @property
    def by_unit(self) -> bool:
        """Several whole units: the page shows one total row per unit (:func:`unit_totals`)."""
        return len(self.units) > 1 and self.department_ids is None


def overview_scope(user: Any) -> OverviewScope:
    """检务督察 (``interference.supervise``): the units of that scope, with names. Leaders and
    department heads (``interference.stats``): the units their scope covers whole and, for a
    department scope, those departments — as counts and rates only."""
    if user.has_lianjian_perm(Perm.INTERFERENCE_SUPERVISE):
        scope = user.scope(Perm.INTERFERENCE_SUPERVISE)
        units = list(Unit.objects.filter(scope.filter(unit_path="path", unit="pk")).order_by("path"))
        return OverviewScope(units=units, names=True)
    if not user.has_lianjian_perm(Perm.INTERFERENCE_STATS):
        return OverviewScope(units=[])
    scope = user.scope(Perm.INTERFERENCE_STATS)
    units = list(Unit.objects.filter(scope.filter(unit_path="path", unit="pk")).order_by("path"))
    if units or not scope.department_ids:
        return OverviewScope(units=units)
    departments = Department.objects.filter(pk__in=sorted(scope.department_ids)).select_related("unit")
    dept_units = {d.unit.pk: d.unit for d in departments}
    return OverviewScope(
        units=sorted(dept_units.values(), key=lambda u: u.path),
        department_ids=frozenset(scope.department_ids),
    )


def compliance(scope: OverviewScope, day: date, today: date) -> list[ComplianceRow]:
    """Per unit of ``scope`` (its own cycle's period containing ``day``): a total row, then one
    row per department (only the departments of ``scope`` when it names some)."""
    rows: list[ComplianceRow] = []
    periods = periods_of_units(scope.units, day)
    obliged = obliged_staff_of_units(periods)
    reports = reports_of_obliged(periods, obliged)
    for unit in scope.units:
        period = periods[unit]
        staff = obliged[unit.pk]
        if scope.department_ids is not None:
            staff = [s for s in staff if s.department_id in scope.department_ids]
        total = ComplianceRow(unit=unit, department=None, period=period, total=True)
        by_department: dict[int | None, ComplianceRow] = {}
        for person in staff:
            status = report_status(reports.get((period, person.pk)), period, today)
            row = by_department.get(person.department_id)
            if row is None:
                row = by_department[person.department_id] = ComplianceRow(
                    unit=unit, department=person.department, period=period
                )
            row.add(status, person.name)
            total.add(status, person.name)
        parts = sorted(
            by_department.values(),
            key=lambda r: (r.department is None, r.department.code if r.department else ""),
        )
        if not scope.names:
            withhold_small_zero_splits(total, parts)
        if scope.department_ids is None:
            rows.append(total)
        rows += parts
    return rows


def unit_totals(scope: OverviewScope, day: date, today: date) -> list[ComplianceRow]:
    """:func:`compliance`'s total rows of whole units, counted in SQL: one grouped statement per
    distinct period instead of building every obliged person (a province's 报告情况 lists 150
    units over 7,000 people). Kept equal to :func:`compliance` by a test; no names."""
    periods = periods_of_units(scope.units, day)
    counts: dict[int, dict[str, int]] = {}
    for period, unit_ids in units_by_period(periods).items():
        late_from = datetime.combine(period.due + timedelta(days=1), time(), tzinfo=SHANGHAI)
        report = PeriodicReport.objects.filter(
            staff=OuterRef("pk"), cycle=period.cycle, period_start=period.start
        ).order_by()
        rows = (
            obliged_query(period, unit_ids)
            .annotate(
                sent=Subquery(report.values("submitted_at")[:1]),
                empty=Subquery(report.values("is_zero")[:1]),
            )
            .order_by()
            .values("unit_id")
            .annotate(
                obliged=Count("pk"),
                submitted=Count("pk", filter=Q(sent__isnull=False)),
                late=Count("pk", filter=Q(sent__gte=late_from)),
                zero=Count("pk", filter=Q(sent__lt=late_from, empty=True)),
            )
        )
        counts.update({row.pop("unit_id"): row for row in rows})
    totals = []
    for unit in scope.units:
        period = periods[unit]
        found = counts.get(unit.pk, {})
        row = ComplianceRow(unit=unit, department=None, period=period, total=True)
        row.obliged, row.submitted = found.get("obliged", 0), found.get("submitted", 0)
        row.late, row.zero = found.get("late", 0), found.get("zero", 0)
        unsent = row.obliged - row.submitted
        row.missing, row.pending = (unsent, 0) if period.is_overdue(today) else (0, unsent)
        if not scope.names:
            withhold_small_zero_splits(row, [])
        totals.append(row)
    return totals


def withhold_small_zero_splits(total: ComplianceRow, parts: list[ComplianceRow]) -> None:
    """Who filed a zero report and who did not says who recorded something. For the viewers who
    see rates only, the zero split of a row covering fewer than :data:`MIN_DEPARTMENT_STAFF`
    people is withheld; when the withheld rows together cover fewer than that, their split would
    follow from the unit total by subtraction, so every part's split is withheld (the total's
    stays, unless the unit itself is that small). The same small-group rule as the statistics
    page (docs/interference/statistics-and-clues.md "小部门不单列")."""
    small = [row for row in parts if row.obliged < MIN_DEPARTMENT_STAFF]
    for row in small:
        row.zero_hidden = True
    if 0 < sum(row.obliged for row in small) < MIN_DEPARTMENT_STAFF:
        for row in parts:
            row.zero_hidden = True
    total.zero_hidden = total.obliged < MIN_DEPARTMENT_STAFF


def chain_counts(
    unit: Unit,
    period: Period,
    *,
    department: Department | None = None,
    records: QuerySet[Record] | None = None,
) -> dict[str, Any]:
    """The counts passed up the reporting chain (department → unit → superior unit): records
    reported to ``unit`` or to a unit below it (越级报告 counts where it was reported to), written
    in ``period``, by category, by subject type and by reporting unit; with ``department``, only
    that department's records. ``records`` narrows the base (the viewer's
    :func:`lianjian.interference.policy.records_countable_by`); no content is read."""
    start, until = period.bounds()
    base = records if records is not None else Record.objects.all()
    qs = base.filter(report_unit__path__startswith=unit.path, recorded_at__gte=start, recorded_at__lt=until)
    if department is not None:
        qs = qs.filter(department=department)
    by_category = {code: 0 for code in RecordCategory.values}
    by_category.update(dict(qs.values_list("category").annotate(n=Count("pk")).order_by()))
    by_subject = {code: 0 for code in SubjectType.values}
    by_subject.update(dict(qs.values_list("subject_type").annotate(n=Count("pk")).order_by()))
    by_unit = Counter(dict(qs.values_list("report_unit__code").annotate(n=Count("pk")).order_by()))
    total = sum(by_category.values())
    procuratorate = sum(n for code, n in by_subject.items() if code in PROCURATORATE_SUBJECTS)
    return {
        "unit": unit.code,
        "department": department.pk if department is not None else None,
        "period": period.key,
        "total": total,
        "by_category": by_category,
        "by_subject_type": by_subject,
        "procuratorate": procuratorate,
        "non_procuratorate": total - procuratorate,
        "by_unit": dict(sorted(by_unit.items())),
    }
