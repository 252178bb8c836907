"""Peer outliers (同部门偏离): a prosecutor's rate of an outcome far above their department's.

A rate is ``numerator / denominator`` over the cases whose ``date_field`` falls in the
``window_months`` months before "as of": the denominator is the cases meeting ``denominator``
(e.g. 捕后审结: arrested, then decided in prosecution review), the numerator those of them that
also meet ``numerator`` (e.g. 不起诉、判无罪或免刑). Both are whitelisted conditions on the case
projection (:class:`~lianjian.risk.kinds.fields.CaseCondition`, and :class:`StageMatch` for "a stage
with …" on :class:`~lianjian.risk.kinds.fields.StageCondition`), compiled to ORM lookups — never
``eval``.

A prosecutor (``Case.prosecutor``) is compared with the other prosecutors of the department that
handled their cases (``Case.department``; the one with most of their counted cases if several):
the department rate is that of the department's cases *without* the prosecutor's. An outlier has
at least ``min_cases`` cases in the denominator, the others together at least
``min_peer_cases``, and a rate at least ``factor`` times the department's and ``min_gap`` above it.
Risk points whose aggregate this watches: 《兰州市人民检察院司法办案廉政风险防控工作实施细则》第十二条
第（三）项（批准逮捕后不起诉、判决无罪或免予刑事处罚，DOMAIN_RULES.md §4.4 IND-04 捕后不诉率）
and 第（十二）项（认罪认罚案件从宽处理）.

Set-based: one ``GROUP BY (department, prosecutor)`` with a filtered count gives every figure;
Python adds up the departments from those aggregated rows and applies the test. A scan limited
to some prosecutors (``staff_ids``, ``unit_ids``) first reads their departments and counts only
those; one more query reads the evidence cases of all the outliers. The fingerprint
is ``f"{staff_no}:{period}"``, the period being the month of "as of" (Beijing time), so a scan
repeated within a month keeps one alert and the next month's scan raises afresh.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any, Literal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.timezone import localtime
from pydantic import Field

from lianjian.cases.models import Case, CaseStage
from lianjian.org.models import Department, Staff
from lianjian.risk.kinds.base import DetectorKind, Finding, ScanContext, StrictModel, chunks
from lianjian.risk.kinds.concentration import months_before
from lianjian.risk.kinds.fields import CaseCondition, StageCondition

MAX_EVIDENCE_CASES = 50
EVIDENCE_CHUNK = 100  # outliers per evidence query
DateField = Literal[
    "decided_at", "received_at", "first_received_at", "assigned_at", "proposed_at", "closed_at", "judged_at"
]


class StageMatch(StrictModel):
    """The case has a stage meeting every condition of ``where`` (e.g. an arrest review decided ARREST)."""

    where: tuple[StageCondition, ...] = Field(min_length=1, description="对同一阶段的条件，须全部满足")

    def q(self) -> Q:
        """``EXISTS`` a stage of the case (the outer query's row) meeting ``where``."""
        stages = CaseStage.objects.filter(case=OuterRef("pk"))
        for condition in self.where:
            stages = stages.filter(condition.q())
        return Q(Exists(stages))


class CaseSet(StrictModel):
    """Cases meeting every ``where``, at least one of ``any_of`` (if any) and every ``stages`` match."""

    where: tuple[CaseCondition, ...] = Field(default=(), description="对案件的条件，须全部满足")
    any_of: tuple[CaseCondition, ...] = Field(
        default=(), description="对案件的条件，至少一项满足（空：不限）"
    )
    stages: tuple[StageMatch, ...] = Field(default=(), description="每一项都须有一个阶段满足")

    def q(self) -> Q:
        """The ORM condition on ``Case``."""
        query = self.case_q()
        for stage in self.stages:
            query &= stage.q()
        return query

    def case_q(self) -> Q:
        """The conditions on the case's own fields (``where`` and ``any_of``), without ``stages``."""
        query = Q()
        for condition in self.where:
            query &= condition.q()
        if self.any_of:
            either = Q(pk__in=[])
            for condition in self.any_of:
                either |= condition.q()
            query &= either
        return query


class PeerOutlierParams(StrictModel):
    """The rate (``numerator`` within ``denominator``), its window, and the outlier test.

    ``label`` names the rate in the alert's title (e.g. "捕后不诉、判无罪或免刑比例").
    """

    denominator: CaseSet = Field(description="分母：计入比较的案件")
    numerator: CaseSet = Field(description="分子：分母中还满足这些条件的案件")
    date_field: DateField = Field(default="decided_at", description="按哪个时间把案件计入窗口")
    window_months: int = Field(default=12, ge=1, le=120, description="窗口长度（基准时间前的月数）")
    min_cases: int = Field(default=10, ge=1, le=100_000, description="本人分母的最少件数")
    min_peer_cases: int = Field(
        default=10, ge=1, le=1_000_000, description="本部门其他检察官分母合计的最少件数"
    )
    factor: float = Field(default=2.0, ge=1.0, le=100.0, description="本人比例至少为部门比例的倍数")
    min_gap: float = Field(
        default=0.15, ge=0.0, le=1.0, description="本人比例至少高出部门比例的差（0–1，0.15 即 15 个百分点）"
    )
    label: str = Field(default="", max_length=40, description="预警标题中比例的名称（空：“该比例”）")


@dataclass(frozen=True)
class _Tally:
    """Cases in the denominator and, of them, in the numerator."""

    numerator: int = 0
    denominator: int = 0

    def __add__(self, other: _Tally) -> _Tally:
        """Both counts added (a department's total)."""
        return _Tally(self.numerator + other.numerator, self.denominator + other.denominator)

    def __sub__(self, other: _Tally) -> _Tally:
        """Both counts taken away (the department without one prosecutor)."""
        return _Tally(self.numerator - other.numerator, self.denominator - other.denominator)

    @property
    def rate(self) -> Fraction:
        """The exact rate (denominators are never 0 where it is read: minimums are ≥ 1)."""
        return Fraction(self.numerator, self.denominator)


class PeerOutlier(DetectorKind):
    """A prosecutor whose rate of an outcome is ``factor`` times and ``min_gap`` above the rate of
    the rest of their department, over the ``window_months`` before "as of"."""

    name = "peer_outlier"
    label = "同部门偏离"
    subject = "staff"
    Params = PeerOutlierParams
    incremental = False  # department rates: full scans only (see DetectorKind.incremental)

    def detect(self, ctx: ScanContext, params: Any) -> Iterator[Finding]:
        """Findings for the prosecutors in scope, each against all of their department's cases."""
        start = months_before(localtime(ctx.as_of), params.window_months)
        counted = Case.objects.filter(
            params.denominator.q(),
            prosecutor__isnull=False,
            department__isnull=False,
            **{f"{params.date_field}__gt": start, f"{params.date_field}__lte": ctx.as_of},
        )
        grouped = counted
        if ctx.staff_ids is not None or ctx.unit_ids is not None:
            scope = self._departments(ctx, params, start)
            if not scope:
                return
            grouped = counted.filter(department_id__in=scope)
        tallies: dict[int, dict[int, _Tally]] = defaultdict(dict)  # department → prosecutor → tally
        for department, prosecutor, numerator, denominator in (
            grouped.order_by()
            .values_list("department_id", "prosecutor_id")
            .annotate(numerator=Count("pk", filter=params.numerator.q()), denominator=Count("pk"))
        ):
            tallies[department][prosecutor] = _Tally(numerator, denominator)
        home: dict[int, tuple[int, int]] = {}  # prosecutor → (department, cases): where most are
        for department, members in sorted(tallies.items()):
            for prosecutor, tally in members.items():
                if prosecutor not in home or tally.denominator > home[prosecutor][1]:
                    home[prosecutor] = (department, tally.denominator)
        factor, gap = Fraction(str(params.factor)), Fraction(str(params.min_gap))
        outliers: list[tuple[int, int, _Tally, _Tally]] = []
        for prosecutor, (department, _) in home.items():
            if ctx.staff_ids is not None and prosecutor not in ctx.staff_ids:
                continue
            own = tallies[department][prosecutor]
            peers = sum(tallies[department].values(), _Tally()) - own
            if own.denominator < params.min_cases or peers.denominator < params.min_peer_cases:
                continue
            if own.rate >= peers.rate * factor and own.rate - peers.rate >= gap and own.numerator > 0:
                outliers.append((prosecutor, department, own, peers))
        if not outliers:
            return
        staff = {
            s["pk"]: s
            for s in Staff.objects.filter(pk__in=[o[0] for o in outliers]).values(
                "pk", "staff_no", "name", "unit_id"
            )
        }
        departments = {
            d["pk"]: d
            for d in Department.objects.filter(pk__in=[o[1] for o in outliers]).values("pk", "code", "name")
        }
        if ctx.unit_ids is not None:
            outliers = [o for o in outliers if staff[o[0]]["unit_id"] in ctx.unit_ids]
        cases = self._evidence(counted, params, [(o[0], o[1]) for o in outliers])
        period = localtime(ctx.as_of).strftime("%Y-%m")
        for prosecutor, department, own, peers in sorted(outliers, key=lambda o: staff[o[0]]["staff_no"]):
            yield self._finding(
                ctx,
                params,
                staff[prosecutor],
                departments[department],
                (own, peers, len(tallies[department]) - 1),
                cases[(prosecutor, department)],
                (start, period),
            )

    @staticmethod
    def _departments(ctx: ScanContext, params: Any, start: datetime) -> set[int]:
        """The departments of the prosecutors in scope: of their cases in the window meeting the
        denominator's conditions on the case itself (not ``stages``, so perhaps a few more).

        Every department where a prosecutor in scope has a counted case is among them, so each
        such prosecutor's home department and all its members are counted in full; a department
        more only adds tallies of prosecutors out of scope, which are not reported. Read first, as
        a list rather than a subquery, so that the planner of the main ``GROUP BY`` knows how few
        departments it reads.
        """
        cases = Case.objects.filter(
            params.denominator.case_q(),
            prosecutor__isnull=False,
            department__isnull=False,
            **{f"{params.date_field}__gt": start, f"{params.date_field}__lte": ctx.as_of},
        )
        if ctx.staff_ids is not None:
            cases = cases.filter(prosecutor_id__in=ctx.staff_ids)
        if ctx.unit_ids is not None:
            cases = cases.filter(prosecutor__unit_id__in=ctx.unit_ids)
        return set(cases.order_by().values_list("department_id", flat=True).distinct())

    @staticmethod
    def _evidence(
        counted: QuerySet[Case], params: Any, outliers: list[tuple[int, int]]
    ) -> dict[tuple[int, int], list[str]]:
        """The first ``MAX_EVIDENCE_CASES`` numerator cases of each (prosecutor, department), by date."""
        cases: dict[tuple[int, int], list[str]] = defaultdict(list)
        for chunk in chunks(sorted(outliers), EVIDENCE_CHUNK):
            pairs = Q(pk__in=[])
            for prosecutor, department in chunk:
                pairs |= Q(prosecutor_id=prosecutor, department_id=department)
            for prosecutor, department, case_no in (
                counted.filter(params.numerator.q(), pairs)
                .order_by(params.date_field, "case_no")
                .values_list("prosecutor_id", "department_id", "case_no")
            ):
                if len(cases[(prosecutor, department)]) < MAX_EVIDENCE_CASES:
                    cases[(prosecutor, department)].append(case_no)
        return cases

    @staticmethod
    def _finding(
        ctx: ScanContext,
        params: Any,
        person: Mapping[str, Any],
        department: Mapping[str, Any],
        figures: tuple[_Tally, _Tally, int],
        cases: list[str],
        window: tuple[datetime, str],
    ) -> Finding:
        """The finding of one outlier: ``figures`` are its tally, its peers' and their number."""
        own, peers, others = figures
        start, period = window
        rate, peer_rate = float(own.rate), float(peers.rate)
        title = (
            f"{person['name']}（{person['staff_no']}）近 {params.window_months} 个月"
            f"{params.label or '该比例'}为 {rate:.0%}"
            f"（{own.numerator}/{own.denominator}），{department['name']}其他检察官为 {peer_rate:.0%}"
            f"（{peers.numerator}/{peers.denominator}）"
        )
        return Finding(
            fingerprint=f"{person['staff_no']}:{period}",
            unit_id=person["unit_id"],
            title=title[:300],
            evidence={
                "prosecutor": person["staff_no"],
                "prosecutor_name": person["name"],
                "department": department["code"],
                "department_name": department["name"],
                "numerator": own.numerator,
                "denominator": own.denominator,
                "rate": round(rate, 4),
                "peer_numerator": peers.numerator,
                "peer_denominator": peers.denominator,
                "peer_rate": round(peer_rate, 4),
                "peer_prosecutors": others,
                "ratio": round(float(own.rate / peers.rate), 2) if peers.numerator else None,
                "gap": round(float(own.rate - peers.rate), 4),
                "cases": cases,
                "window_start": start.isoformat(),
                "window_end": localtime(ctx.as_of).isoformat(),
                "period": period,
                "params": params.model_dump(mode="json"),
            },
            subject_staff_id=person["pk"],
            occurred_at=ctx.as_of,
        )
