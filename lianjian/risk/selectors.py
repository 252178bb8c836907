"""Reads of the risk catalogue, rules, alerts and risk scores. User-facing reads go through
a ``*_visible_to``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Case as When_
from django.db.models import Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from lianjian.common.permissions import Perm
from lianjian.common.scope import Scope
from lianjian.org.models import Unit
from lianjian.risk.choices import AlertLevel, AlertStatus
from lianjian.risk.models import Alert, RiskPoint, Rule

# Weights of the open alerts in a risk score (F4.6): 督办 counts most.
LEVEL_WEIGHTS = {AlertLevel.NOTICE: 1, AlertLevel.WARNING: 3, AlertLevel.SUPERVISED: 5}


def alerts_visible_to(user: Any) -> QuerySet[Alert]:
    """Alerts in the user's 预警查看 scope: by the alert's unit (本院及下级 / 本院), the case's
    handling department (本部门), or the person concerned — the case's handling prosecutor or the
    alert's subject (本人)."""
    scope: Scope = user.scope(Perm.ALERT_VIEW)
    q = scope.filter(unit_path="unit__path", unit="unit", department="case__department")
    if scope.staff_ids and not scope.everything:
        ids = sorted(scope.staff_ids)
        q |= Q(case__prosecutor__in=ids) | Q(subject_staff__in=ids)
    return Alert.objects.filter(q).select_related("rule", "unit", "case", "subject_staff")


def alerts_filtered(
    alerts: QuerySet[Alert],
    *,
    case_no: str | None = None,
    risk_code: str | None = None,
    status: str | None = None,
    rule: str | None = None,
) -> QuerySet[Alert]:
    """``alerts`` narrowed by case, risk code (any of the alert's codes), status and rule code."""
    if case_no:
        alerts = alerts.filter(case_no=case_no)
    if status:
        alerts = alerts.filter(status=status)
    if rule:
        alerts = alerts.filter(rule__code=rule)
    if risk_code:
        alerts = alerts.filter(codes_key__contains=f"|{risk_code.strip().upper()}|")
    return alerts


def effective_points(unit: Unit | None, *, day: date) -> list[RiskPoint]:
    """The catalogue in force for ``unit`` on ``day``: the standard library, with the local points
    of the unit and its ancestors (the nearest unit's point replaces one of the same code)."""
    points = {p.code: p for p in RiskPoint.objects.in_force(day).filter(unit__isnull=True)}
    if unit is not None:
        chain = unit.ancestor_codes()
        local = RiskPoint.objects.in_force(day).filter(unit__code__in=chain).select_related("unit")
        for point in sorted(local, key=lambda p: chain.index(p.unit.code) if p.unit else -1):
            points[point.code] = point
    return sorted(points.values(), key=lambda p: p.code)


def rules_for_codes(codes: Iterable[str]) -> dict[str, list[Rule]]:
    """The rules that raise each risk code."""
    wanted = set(codes)
    result: dict[str, list[Rule]] = {code: [] for code in wanted}
    for rule in Rule.objects.order_by("code"):
        for code in rule.risk_codes:
            if code in wanted:
                result[code].append(rule)
    return result


def risk_scores(alerts: QuerySet[Alert], *, by: str) -> list[dict[str, Any]]:
    """Risk scores (F4.6) of the open alerts in ``alerts``, grouped ``by`` "case", "prosecutor",
    "department" or "unit": the sum of the level weights, highest first. A prosecutor's score
    takes the alerts about them (统计类, e.g. GX06) and those on the cases they handle."""
    weight = When_(
        *(When(level=level, then=Value(points)) for level, points in LEVEL_WEIGHTS.items()),
        default=Value(1),
        output_field=IntegerField(),
    )
    keys = {
        "case": F("case_no"),
        "prosecutor": Coalesce("subject_staff", "case__prosecutor"),
        "department": F("case__department"),
        "unit": F("unit"),
    }
    open_alerts = alerts.filter(status=AlertStatus.OPEN)
    if by == "case":
        open_alerts = open_alerts.exclude(case_no="")
    rows = (
        open_alerts.annotate(key=keys[by])
        .exclude(key__isnull=True)
        .values("key")
        .annotate(score=Sum(weight), alerts=Count("pk"))
        .order_by("-score", "key")
    )
    return [dict(row) for row in rows]
