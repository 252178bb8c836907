"""Concentration (案件代理集中): the same lawyer or law firm on many of one prosecutor's cases.

《兰州市人民检察院司法办案廉政风险防控工作实施细则》第十一条第（六）项 lists as a common risk
"同一检察官办理的案件长期由同一名律师或者同一个律师事务所代理" (GX06). The kind finds a prosecutor
with the same lawyer (or firm) on at least ``min_cases`` of their cases and on at least
``min_share`` of them within a window of ``window_months`` months.

"Their cases" are the cases whose projection names them as the handling prosecutor
(``Case.prosecutor``, the latest ``ASSIGNED``), each dated by its ``assigned_at``. The window
slides: it is every window of ``window_months`` calendar months that ends at one of the
prosecutor's cases with that lawyer, ``(anchor − window_months, anchor]``, anchors up to "as of"
— the question asked each time the lawyer appears again: "in the last twelve months, how many of
this prosecutor's cases had this lawyer?". A concentration found in any such window is a finding,
one per (prosecutor, lawyer) — fingerprint ``f"{staff_no}:{license_no}"`` (``firm_id`` for a
firm) — described by its fullest window.

Set-based, in three steps: (1) two ``GROUP BY`` queries count each pair's engagements and each
prosecutor's cases per calendar month (an integer computed in SQL), and a bound on those monthly
counts (sliding sums) keeps only the (pair, month) combinations in which a window could qualify —
nearly none in ordinary data; (2) for the engagements of those, a correlated subquery counts the
pair's cases in the window ending at the engagement's case, and a second one all the
prosecutor's cases in it, the thresholds tested on those few rows (the share in integers);
(3) Python groups the anchors that pass and reads the case numbers of the chosen window for the
evidence.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from calendar import monthrange
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate
from typing import Any, Literal

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, DateTimeField, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.sql.compiler import SQLCompiler
from django.utils.timezone import localtime
from pydantic import Field

from lianjian.cases.models import Case, CaseLawyer
from lianjian.org.models import LawFirm, Lawyer, Staff
from lianjian.risk.kinds.base import DetectorKind, Finding, ScanContext, StrictModel, chunks

CANDIDATE_CHUNK = 100  # (prosecutor, lawyer, month) candidates per exact query
SHARE_SCALE = 1_000_000  # shares compared as integers: 3 of 10 is 30 %, whatever 10 × 0.3 is in floats


class MonthsBefore(Func):
    """A datetime ``months`` calendar months earlier, in the database (UTC, as both store it).

    A day the target month lacks becomes its last day (2024-03-31 − 1 month = 2024-02-29), which
    is PostgreSQL's interval arithmetic; SQLite would carry it over into the next month, so its
    SQL takes the intended month's last day instead.
    """

    template = "(%(expressions)s - INTERVAL '%(months)d months')"  # PostgreSQL

    def __init__(self, expression: Any, months: int) -> None:
        """``expression`` minus ``months`` (a validated integer, written into the SQL)."""
        super().__init__(expression, output_field=DateTimeField(), months=int(months))

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        """SQLite keeps datetimes as ``YYYY-MM-DD HH:MM:SS[.ffffff]`` text in UTC."""
        sql, params = compiler.compile(self.source_expressions[0])
        shifted = f"datetime({sql}, '-{int(self.extra['months'])} months')"
        # An overflowed day lands on another day of the month (31 Mar − 1 month → 2 Mar):
        # then the day before the 1st of the month it landed in is the intended month's last day.
        return (
            f"(CASE WHEN substr({shifted}, 9, 2) = substr({sql}, 9, 2) THEN {shifted} "
            f"ELSE date({shifted}, 'start of month', '-1 day') || ' ' || time({sql}) END)",
            tuple(params) * 5,
        )


def _month_start(index: int) -> datetime:
    """The first instant (UTC) of the month numbered ``index`` (see :class:`MonthNumber`)."""
    year, month = divmod(index, 12)
    return datetime(year, month + 1, 1, tzinfo=UTC)


def months_before(moment: datetime, months: int) -> datetime:
    """``moment`` minus ``months`` calendar months, clamped like :class:`MonthsBefore`."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))


class MonthNumber(Func):
    """The UTC month of a datetime as one integer (year × 12 + month − 1), in the database.

    Months so numbered are consecutive integers, for sliding sums over months. PostgreSQL's
    ``date_part`` (a float, cast) rather than ``EXTRACT`` (a numeric, slower to compute); SQLite
    reads the digits of its ``YYYY-MM-DD HH:MM:SS`` UTC text.
    """

    def __init__(self, expression: Any) -> None:
        """The month of ``expression`` (a datetime field)."""
        super().__init__(expression, output_field=IntegerField())

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        """``date_part`` of the UTC timestamp."""
        sql, params = compiler.compile(self.source_expressions[0])
        year, month = (
            f"CAST(date_part('{part}', {sql} AT TIME ZONE 'UTC') AS integer)" for part in ("year", "month")
        )
        return f"({year} * 12 + {month} - 1)", tuple(params) * 2

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        """The year and month digits of the stored text."""
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"(CAST(substr({sql}, 1, 4) AS integer) * 12 + CAST(substr({sql}, 6, 2) AS integer) - 1)",
            tuple(params) * 2,
        )


class _RangeSums:
    """Sums of monthly counts over ranges of months, from prefix sums (no loop over the months)."""

    def __init__(self, counts: Mapping[int, int]) -> None:
        """``counts``: month (numbered as by :class:`MonthNumber`) → count."""
        self.months = sorted(counts)
        self.prefix = [0, *accumulate(counts[month] for month in self.months)]

    def between(self, first: int, last: int) -> int:
        """The counts of months ``first`` … ``last`` (0 if ``last`` < ``first``)."""
        if last < first:
            return 0
        return self.prefix[bisect_right(self.months, last)] - self.prefix[bisect_left(self.months, first)]


class ConcentrationParams(StrictModel):
    """``by``: the same ``lawyer`` or the same ``firm``; thresholds; the window; the lines counted.

    ``min_lawyers`` (firm only): the firm's cases in the window must come from at least this many
    of its lawyers — 2 keeps the firm rule to what the lawyer rule does not already report.
    """

    by: Literal["lawyer", "firm"] = Field(
        default="lawyer", description="按同一律师（lawyer）或同一律师事务所（firm）统计"
    )
    min_cases: int = Field(default=5, ge=1, le=1000, description="窗口内同一律师（所）代理的最少件数")
    min_share: float = Field(
        default=0.30, ge=0.0, le=1.0, description="占该检察官窗口内案件的最低比例（0–1）"
    )
    window_months: int = Field(default=12, ge=1, le=120, description="窗口长度（月）")
    min_lawyers: int = Field(default=1, ge=1, le=100, description="按律所统计时，案件至少来自该所的律师人数")
    lines: tuple[str, ...] = Field(default=(), description="只看这些业务条线的案件（空：全部）")


@dataclass(frozen=True)
class _Window:
    """One qualifying window of a (prosecutor, lawyer or firm) pair."""

    start: datetime
    end: datetime
    count: int
    total: int


class Concentration(DetectorKind):
    """One prosecutor, the same lawyer or firm on ``min_cases`` and ``min_share`` of their cases
    within any ``window_months`` months (GX06)."""

    name = "concentration"
    label = "代理集中"
    subject = "staff"
    Params = ConcentrationParams

    def detect(self, ctx: ScanContext, params: Any) -> Iterator[Finding]:
        """Findings for the prosecutors in scope (``ctx.staff_ids``, prosecutors of ``ctx.unit_ids``)."""
        key = "lawyer_id" if params.by == "lawyer" else "firm_id"
        engagements = self._engagements(ctx, params)
        scoped = engagements
        if ctx.staff_ids is not None:
            scoped = scoped.filter(case__prosecutor_id__in=ctx.staff_ids)
        if ctx.unit_ids is not None:
            scoped = scoped.filter(case__prosecutor__unit_id__in=ctx.unit_ids)
        hopeful = self._candidate_months(ctx, scoped, key, params)
        share = round(params.min_share * SHARE_SCALE)  # the share tested in integers
        windows: dict[tuple[int, Any], list[_Window]] = defaultdict(list)
        for chunk in chunks(sorted(hopeful), CANDIDATE_CHUNK):
            where = Q(pk__in=[])
            for prosecutor, who, month in chunk:
                where |= Q(
                    case__prosecutor_id=prosecutor,
                    case__assigned_at__gte=_month_start(month),
                    case__assigned_at__lt=_month_start(month + 1),
                    **{key: who},
                )
            for row in self._windows(scoped.filter(where), engagements, key, params):
                count, total = row["count"], row["total"]  # NULL fails the tests, as it would in SQL
                if count is None or total is None or count < params.min_cases:
                    continue
                if count * SHARE_SCALE >= total * share:
                    windows[(row["case__prosecutor_id"], row[key])].append(
                        _Window(row["window_start"], row["case__assigned_at"], count, total)
                    )
        if windows:
            yield from self._findings(windows, engagements, key, params)

    @staticmethod
    def _engagements(ctx: ScanContext, params: Any) -> QuerySet[CaseLawyer]:
        """Engagements known by "as of" on cases assigned by then (of ``lines``), with a key."""
        engagements = CaseLawyer.objects.filter(
            engaged_at__lte=ctx.as_of,
            case__prosecutor__isnull=False,
            case__assigned_at__lte=ctx.as_of,
        )
        if params.by == "firm":
            engagements = engagements.exclude(firm_id="")
        if params.lines:
            engagements = engagements.filter(case__line__in=params.lines)
        return engagements

    @staticmethod
    def _candidate_months(
        ctx: ScanContext, scoped: QuerySet[CaseLawyer], key: str, params: Any
    ) -> set[tuple[int, Any, int]]:
        """(prosecutor, lawyer or firm, UTC month) in which a window could qualify, by monthly counts.

        A window ending in month m lies within months m − window_months … m and holds all of the
        months between: it has at most the pair's engagements of those months (each case counted
        once per engagement: an upper bound on its cases), and at least the prosecutor's cases of
        the months between plus the anchor itself. Two ``GROUP BY`` queries, by an integer month
        computed in SQL, and this bound (sliding sums in Python) leave only the pairs and months
        worth the exact, correlated count.
        """
        span = params.window_months
        by_pair: dict[tuple[int, Any], dict[int, int]] = defaultdict(dict)
        for prosecutor, who, month, n in (
            scoped.order_by()
            .annotate(month=MonthNumber("case__assigned_at"))
            .values_list("case__prosecutor_id", key, "month")
            .annotate(n=Count("pk"))
        ):
            by_pair[(prosecutor, who)][month] = n
        upper: dict[tuple[int, Any, int], int] = {}
        for (prosecutor, who), counts in by_pair.items():
            months = sorted(counts)
            most, first = 0, 0
            for month in months:  # most: the counts of months month − span … month
                most += counts[month]
                while months[first] < month - span:
                    most -= counts[months[first]]
                    first += 1
                if most >= params.min_cases:
                    upper[(prosecutor, who, month)] = most
        share = round(params.min_share * SHARE_SCALE)
        if not upper or share == 0:
            return set(upper)
        totals: dict[int, dict[int, int]] = defaultdict(dict)
        theirs = Case.objects.filter(assigned_at__lte=ctx.as_of)
        if params.lines:
            theirs = theirs.filter(line__in=params.lines)
        for prosecutors in chunks(sorted({p for p, _, _ in upper})):
            for prosecutor, month, n in (
                theirs.filter(prosecutor_id__in=prosecutors)
                .order_by()
                .annotate(month=MonthNumber("assigned_at"))
                .values_list("prosecutor_id", "month")
                .annotate(n=Count("pk"))
            ):
                totals[prosecutor][month] = n
        sums = {prosecutor: _RangeSums(counts) for prosecutor, counts in totals.items()}
        empty = _RangeSums({})
        return {
            (prosecutor, who, month)
            for (prosecutor, who, month), most in upper.items()
            if most * SHARE_SCALE
            >= share * (1 + sums.get(prosecutor, empty).between(month - span + 1, month - 1))
        }

    @staticmethod
    def _windows(
        candidates: QuerySet[CaseLawyer], engagements: QuerySet[CaseLawyer], key: str, params: Any
    ) -> QuerySet[CaseLawyer, dict[str, Any]]:
        """Each candidate anchor with its window's count of the pair's cases and of all the prosecutor's.

        The caller tests the thresholds (``min_cases``, ``min_share``) on the few rows: a filter in
        SQL would evaluate both correlated counts again in ``WHERE``.
        """
        anchor = OuterRef("case__assigned_at")
        start = MonthsBefore(anchor, params.window_months)
        same = engagements.filter(
            Q(case__prosecutor_id=OuterRef("case__prosecutor_id")) & Q(**{key: OuterRef(key)}),
            case__assigned_at__lte=anchor,
            case__assigned_at__gt=start,
        )
        count = Subquery(
            same.order_by().values(key).annotate(n=Count("case_id", distinct=True)).values("n")[:1]
        )
        theirs = Case.objects.filter(
            prosecutor_id=OuterRef("case__prosecutor_id"), assigned_at__lte=anchor, assigned_at__gt=start
        )
        if params.lines:
            theirs = theirs.filter(line__in=params.lines)
        total = Subquery(theirs.order_by().values("prosecutor_id").annotate(n=Count("pk")).values("n")[:1])
        return (
            candidates.order_by()
            .annotate(count=count, total=total)
            .annotate(window_start=MonthsBefore(F("case__assigned_at"), params.window_months))
            .values("case__prosecutor_id", key, "case__assigned_at", "window_start", "count", "total")
        )

    def _findings(
        self,
        windows: dict[tuple[int, Any], list[_Window]],
        engagements: QuerySet[CaseLawyer],
        key: str,
        params: Any,
    ) -> Iterator[Finding]:
        """One finding per pair, described by its fullest window (most cases, then share, then latest)."""
        prosecutors = {p for p, _ in windows}
        keys = {k for _, k in windows}
        cases: dict[tuple[int, Any], list[tuple[datetime, str, str]]] = defaultdict(list)
        for row in (
            engagements.filter(case__prosecutor_id__in=prosecutors, **{f"{key}__in": keys})
            .order_by()
            .values_list("case__prosecutor_id", key, "case__assigned_at", "case__case_no", "license_no")
            .distinct()
        ):
            cases[(row[0], row[1])].append((row[2], row[3], row[4]))
        staff = {
            s["pk"]: s
            for s in Staff.objects.filter(pk__in=prosecutors).values("pk", "staff_no", "name", "unit_id")
        }
        names = self._names(params.by, keys)
        for (prosecutor, who), found in sorted(windows.items(), key=lambda item: str(item[0])):
            chosen: tuple[_Window, list[str], list[str]] | None = None
            for window in found:
                inside = sorted(
                    (at, no, lawyer)
                    for at, no, lawyer in cases[(prosecutor, who)]
                    if window.start < at <= window.end
                )
                case_nos = list(dict.fromkeys(no for _, no, _ in inside))
                lawyers = sorted({lawyer for _, _, lawyer in inside})
                if len(lawyers) < params.min_lawyers:
                    continue
                rank = (window.count, window.count / window.total, window.end)
                if chosen is None or rank > (
                    chosen[0].count,
                    chosen[0].count / chosen[0].total,
                    chosen[0].end,
                ):
                    chosen = (window, case_nos, lawyers)
            if chosen is None:
                continue
            yield self._finding(staff[prosecutor], prosecutor, who, names, chosen, params)

    @staticmethod
    def _names(by: str, keys: set[Any]) -> dict[Any, tuple[str, str, str]]:
        """(identifier, name, firm_id) of each lawyer (by pk) or firm (by firm_id)."""
        if by == "lawyer":
            return {
                pk: (license_no, name, firm_id or "")
                for pk, license_no, name, firm_id in Lawyer.objects.filter(pk__in=keys).values_list(
                    "pk", "license_no", "name", "firm__firm_id"
                )
            }
        named = dict(LawFirm.objects.filter(firm_id__in=keys).values_list("firm_id", "name"))
        return {firm_id: (firm_id, named.get(firm_id, ""), firm_id) for firm_id in keys}

    @staticmethod
    def _finding(
        person: Mapping[str, Any],
        prosecutor: int,
        who: Any,
        names: dict[Any, tuple[str, str, str]],
        chosen: tuple[_Window, Sequence[str], Sequence[str]],
        params: Any,
    ) -> Finding:
        """The finding of one pair from its chosen window, its cases and lawyers."""
        window, case_nos, lawyers = chosen
        identifier, name, firm_id = names.get(who, (str(who), "", ""))
        share = window.count / window.total
        whom = f"律师{name or identifier}" if params.by == "lawyer" else f"律师事务所{name or identifier}"
        title = (
            f"{person['name']}（{person['staff_no']}）{params.window_months} 个月内承办的 "
            f"{window.total} 件案件中，{window.count} 件由{whom}代理（{share:.0%}）"
        )
        evidence: dict[str, Any] = {
            "by": params.by,
            "prosecutor": person["staff_no"],
            "prosecutor_name": person["name"],
            "lawyer" if params.by == "lawyer" else "firm_id": identifier,
            "lawyer_name" if params.by == "lawyer" else "firm_name": name,
            "lawyers": list(lawyers),
            "cases": list(case_nos),
            "case_count": window.count,
            "total_cases": window.total,
            "share": round(share, 4),
            "window_start": localtime(window.start).isoformat(),
            "window_end": localtime(window.end).isoformat(),
            "params": params.model_dump(mode="json"),
        }
        if params.by == "lawyer":
            evidence["firm_id"] = firm_id
        return Finding(
            fingerprint=f"{person['staff_no']}:{identifier}",
            unit_id=person["unit_id"],
            title=title[:300],
            evidence=evidence,
            subject_staff_id=prosecutor,
            occurred_at=window.end,
        )
