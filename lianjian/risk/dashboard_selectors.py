"""Aggregates of alerts for the risk picture (F4.6, docs/dashboard.md). Read-only.

Every function takes a queryset the caller has already scoped (``alerts_visible_to(user)``) and
counts in the database: grouped queries, never a loop over alerts. *Pending* (在办) alerts are
those detection still sees (``status`` 待处置) and nobody has finished with (``disposal_state``
待签收 / 核查中 / 待审核): an approved (已办结) or transferred (已移送线索) alert no longer weighs
on the picture, so a disposal shows on the dashboard as soon as it is approved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Case as When_
from django.db.models import Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth

from lianjian.cases.choices import CaseLine
from lianjian.risk.choices import AlertLevel, AlertStatus, DisposalState
from lianjian.risk.models import Alert, RiskPoint
from lianjian.risk.periods import CHINA_TIME
from lianjian.risk.selectors import LEVEL_WEIGHTS

PENDING_STATES = (DisposalState.PENDING, DisposalState.SIGNED, DisposalState.PROPOSED)
"""Disposal states in which an alert is still being handled (在办)."""

NO_LINE = ""  # alerts about a person (统计类) have no case and so no business line


def alerts_pending(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    """``alerts`` still open to detection and not yet closed or transferred (在办预警)."""
    return alerts.filter(status=AlertStatus.OPEN, disposal_state__in=PENDING_STATES)


def _weight() -> When_:
    return When_(
        *(When(level=level, then=Value(points)) for level, points in LEVEL_WEIGHTS.items()),
        default=Value(1),
        output_field=IntegerField(),
    )


def pending_scores(alerts: QuerySet[Alert], *, by: str) -> dict[int | str, dict[str, int]]:
    """Risk scores of the pending alerts in ``alerts`` keyed by unit id, department id, person id or
    case number: ``{"score": weighted sum, "alerts": count}``.

    The weights are those of :func:`lianjian.risk.selectors.risk_scores`. A department counts the
    alerts on its cases and, for an alert about a person, that person's department (as the 本部门
    scope does); a person, the alerts about them and those on the cases they handle.
    """
    keys = {
        "unit": F("unit"),
        "department": Coalesce("case__department", "subject_staff__department"),
        "prosecutor": Coalesce("subject_staff", "case__prosecutor"),
        "case": F("case_no"),
    }
    rows = alerts_pending(alerts).order_by()
    if by == "case":
        rows = rows.exclude(case_no="")
    grouped = (
        rows.annotate(key=keys[by])
        .exclude(key__isnull=True)
        .values("key")
        .annotate(score=Sum(_weight()), alerts=Count("pk"))
    )
    return {row["key"]: {"score": row["score"], "alerts": row["alerts"]} for row in grouped}


def pending_by_level(alerts: QuerySet[Alert]) -> dict[str, int]:
    """Pending alerts per level, every level present (0 where none), in the order of severity."""
    counts = dict(alerts_pending(alerts).order_by().values_list("level").annotate(n=Count("pk")))
    return {level: counts.get(level, 0) for level in AlertLevel}


def pending_by_line(alerts: QuerySet[Alert]) -> list[tuple[str, str, int]]:
    """Pending alerts per business line of their case (``Case.line``), as (line, label, count),
    every line present; alerts about a person come last as (``NO_LINE``, "人员类", count)."""
    counts = dict(
        alerts_pending(alerts)
        .order_by()
        .annotate(line=Coalesce("case__line", Value(NO_LINE)))
        .values_list("line")
        .annotate(n=Count("pk"))
    )
    rows = [(str(line), str(line.label), counts.get(line, 0)) for line in CaseLine]
    rows.append((NO_LINE, "人员类（无案件）", counts.get(NO_LINE, 0)))
    return rows


def _month_start(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class MonthlyTrend:
    """Alerts raised per month (China time) and level over the last months, oldest month first."""

    months: list[str]  # "2026-01"
    counts: dict[str, list[int]]  # level → one count per month


def raised_per_month(alerts: QuerySet[Alert], *, today: date, months: int = 12) -> MonthlyTrend:
    """Alerts in ``alerts`` raised in each of the ``months`` calendar months up to ``today``'s, by
    level — every alert raised then, whatever became of it (the trend of what detection finds)."""
    first = _month_start(today, months - 1)
    starts = [_month_start(today, back) for back in range(months - 1, -1, -1)]
    rows = (
        alerts.order_by()
        .filter(raised_at__gte=datetime.combine(first, time(0), tzinfo=CHINA_TIME))
        .annotate(month=TruncMonth("raised_at", tzinfo=CHINA_TIME))
        .values_list("month", "level")
        .annotate(n=Count("pk"))
    )
    table: dict[tuple[str, str], int] = {}
    for month, level, n in rows:
        key = (f"{month:%Y-%m}", level)
        table[key] = table.get(key, 0) + n
    labels = [f"{start:%Y-%m}" for start in starts]
    return MonthlyTrend(
        months=labels,
        counts={level: [table.get((label, level), 0) for label in labels] for level in AlertLevel},
    )


@dataclass(frozen=True)
class RiskPointCount:
    code: str
    name: str
    alerts: int


def top_risk_points(alerts: QuerySet[Alert], *, limit: int = 10) -> list[RiskPointCount]:
    """The risk codes with the most pending alerts, most first (then by code).

    An alert counts once for each of its codes. The database groups the alerts by their code key
    (``|GX01|XS03|``); only the few distinct keys are split here, never the alerts themselves.
    """
    totals: dict[str, int] = {}
    for key, n in alerts_pending(alerts).order_by().values_list("codes_key").annotate(n=Count("pk")):
        for code in filter(None, key.split("|")):
            totals[code] = totals.get(code, 0) + n
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:limit]
    names = dict(
        RiskPoint.objects.filter(code__in=[code for code, _ in ranked], unit__isnull=True)
        .order_by("code", "-version")
        .values_list("code", "name")
    )
    return [RiskPointCount(code, names.get(code, ""), n) for code, n in ranked]


def handled_by(alerts: QuerySet[Alert], staff_id: int) -> QuerySet[Alert]:
    """The alerts ``staff_id`` answers as handler: on the cases they handle, or about them when
    the alert has no case (as :func:`lianjian.risk.disposal.handler_staff_id` decides)."""
    return alerts.filter(Q(case__prosecutor_id=staff_id) | Q(case__isnull=True, subject_staff_id=staff_id))


def awaiting_action(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    """Alerts whose current disposal step runs against a deadline: pending, signed or proposed —
    except an unsigned alert that detection has cleared (it has no deadline and never escalates)."""
    return alerts.filter(disposal_state__in=PENDING_STATES).exclude(
        disposal_state=DisposalState.PENDING, status=AlertStatus.RESOLVED
    )
