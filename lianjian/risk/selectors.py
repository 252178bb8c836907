"""Reads of the risk catalogue, rules, alerts and risk scores. User-facing reads go through
a ``*_visible_to``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from statistics import median
from typing import Any

from django.db.models import Case as When_
from django.db.models import Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from lianjian.common.permissions import Perm
from lianjian.common.scope import Scope
from lianjian.common.sealing import person_tags
from lianjian.org.models import Unit
from lianjian.risk.choices import AlertLevel, AlertStatus, DisposalOpinion, DisposalState
from lianjian.risk.models import Alert, AlertStep, RiskPoint, Rule

# Weights of the open alerts in a risk score (F4.6): 督办 counts most.
LEVEL_WEIGHTS = {AlertLevel.NOTICE: 1, AlertLevel.WARNING: 3, AlertLevel.SUPERVISED: 5}


# Permissions that may restrict an alert to their holders (Alert.audience): the interference
# register's alerts for 检务督察, the compliance watch's for 纪检监察.
AUDIENCES = (Perm.INTERFERENCE_READ, Perm.INTERFERENCE_SUPERVISE, Perm.CLUE_HANDLE)


def _scope_q(scope: Scope) -> Q:
    q = scope.filter(unit_path="unit__path", unit="unit", department="case__department")
    if scope.department_ids and not scope.everything:
        q |= Q(case__isnull=True, subject_staff__department__in=sorted(scope.department_ids))
    if scope.staff_ids and not scope.everything:
        ids = sorted(scope.staff_ids)
        q |= Q(case__prosecutor__in=ids) | Q(subject_staff__in=ids)
    return q


def user_person_tags(user: Any) -> list[str]:
    """The blind tags of the user's own staff record under every index key (``Alert.hidden_from_key``;
    during a rotation stored tags may still be under the old key)."""
    staff = getattr(user, "staff", None)
    if staff is None:
        return []
    return person_tags(staff_no=staff.staff_no, name=staff.name, every_key=True)


def alerts_in_scope(user: Any, perm: Perm) -> QuerySet[Alert]:
    """Alerts within the user's scope of ``perm``: by the alert's unit (本院及下级 / 本院), the
    handling department — the case's, or for an alert about a person, that person's (本部门) —
    or the person concerned: the case's handling prosecutor or the alert's subject (本人).

    An alert with an ``audience`` is seen only by holders of that permission, within its scope;
    an alert that hides from the user's own tags is never seen by them (docs/interference/README.md).
    """
    q = _scope_q(user.scope(perm)) & Q(audience="")
    if user.has_lianjian_perm(perm):
        for audience in AUDIENCES:
            if user.has_lianjian_perm(audience):
                q |= Q(audience=audience) & _scope_q(user.scope(audience))
    alerts = Alert.objects.filter(q)
    for tag in user_person_tags(user):
        alerts = alerts.exclude(hidden_from_key__contains=f"|{tag}|")
    return alerts


def alert_in_scope(alert: Alert, scope: Scope) -> bool:
    """Whether ``alert`` (its unit, case and subject loaded) lies in ``scope``: the same test as
    :func:`alerts_in_scope`, in Python, for routing many alerts to many users without a query per
    pair. The two are kept equal by lianjian/risk/tests/test_routing.py."""
    if scope.everything:
        return True
    if alert.unit_id in scope.unit_ids or (
        scope.subtree_paths and alert.unit.path.startswith(scope.subtree_paths)
    ):
        return True
    case, subject = alert.case, alert.subject_staff
    if case is not None and case.department_id is not None and case.department_id in scope.department_ids:
        return True
    if case is None and subject is not None and subject.department_id in scope.department_ids:
        return True
    if case is not None and case.prosecutor_id is not None and case.prosecutor_id in scope.staff_ids:
        return True
    return alert.subject_staff_id is not None and alert.subject_staff_id in scope.staff_ids


def alerts_visible_to(user: Any) -> QuerySet[Alert]:
    """Alerts in the user's 预警查看 scope (:func:`alerts_in_scope`)."""
    return alerts_in_scope(user, Perm.ALERT_VIEW).select_related("rule", "unit", "case", "subject_staff")


def alerts_filtered(
    alerts: QuerySet[Alert],
    *,
    case_no: str | None = None,
    risk_code: str | None = None,
    status: str | None = None,
    rule: str | None = None,
    disposal_state: str | None = None,
) -> QuerySet[Alert]:
    """``alerts`` narrowed by case, risk code (any of the alert's codes), status, rule code and
    disposal state."""
    if disposal_state:
        alerts = alerts.filter(disposal_state=disposal_state)
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


def alert_steps(alert: Alert) -> QuerySet[AlertStep]:
    """The disposal history of an alert (already fetched through a ``*_visible_to``), oldest first,
    with the actors and attachments."""
    return (
        AlertStep.objects.filter(alert=alert)
        .select_related("actor")
        .prefetch_related("attachments")
        .order_by("at", "id")
    )


TRUE_OPINIONS = (DisposalOpinion.TRUE, DisposalOpinion.PARTLY_TRUE)
"""Opinions that confirm an alert (确认): 属实 and 部分属实."""


@dataclass(frozen=True)
class RuleFeedback:
    """How a rule's alerts were disposed (F4.5 → F4.2): raised, and of those closed (办结) how many
    were confirmed (属实/部分属实), found already corrected (已纠正) or rejected (不属实).

    ``precision`` is confirmed ÷ decided, where decided counts every closed alert with an opinion
    (已纠正 included: it was neither confirmed nor rejected by the review, see docs/risk.md).
    """

    raised: int = 0
    confirmed: int = 0
    corrected: int = 0
    rejected: int = 0
    median_days_to_close: float | None = None

    @property
    def decided(self) -> int:
        return self.confirmed + self.corrected + self.rejected

    @property
    def precision(self) -> float | None:
        return self.confirmed / self.decided if self.decided else None


def rules_feedback(alerts: QuerySet[Alert]) -> dict[int, RuleFeedback]:
    """Disposal feedback per rule id over ``alerts`` (pass a ``*_visible_to``: the figures are
    those of the user's scope). Counts in one grouped query; the median time to close, raised to
    closed in days, from the closed alerts' two timestamps (SQLite has no percentile function)."""
    closed = Q(disposal_state=DisposalState.CLOSED)
    rows = (
        alerts.order_by()
        .values("rule_id")
        .annotate(
            raised=Count("pk"),
            confirmed=Count("pk", filter=closed & Q(disposal_opinion__in=TRUE_OPINIONS)),
            corrected=Count("pk", filter=closed & Q(disposal_opinion=DisposalOpinion.CORRECTED)),
            rejected=Count("pk", filter=closed & Q(disposal_opinion=DisposalOpinion.UNFOUNDED)),
        )
    )
    durations: dict[int, list[float]] = {}
    for rule_id, raised_at, closed_at in (
        alerts.order_by()
        .filter(closed, closed_at__isnull=False)
        .values_list("rule_id", "raised_at", "closed_at")
    ):
        if closed_at is None:
            continue
        durations.setdefault(rule_id, []).append((closed_at - raised_at).total_seconds() / 86400)
    return {
        row["rule_id"]: RuleFeedback(
            raised=row["raised"],
            confirmed=row["confirmed"],
            corrected=row["corrected"],
            rejected=row["rejected"],
            median_days_to_close=median(durations[row["rule_id"]]) if row["rule_id"] in durations else None,
        )
        for row in rows
    }
