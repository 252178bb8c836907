"""What each role's dashboard shows (counts within the user's own scope): the figure cards, the
leaders' risk picture with its drill-down, and the prosecutor's own alerts with their deadlines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib.staticfiles import finders
from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from lianjian.common.permissions import Perm
from lianjian.common.scope import Scope
from lianjian.org import selectors as org
from lianjian.org.models import Department, Staff
from lianjian.risk import dashboard_selectors as dashboard_risk
from lianjian.risk.choices import ALERT_LEVEL_ORDER, AlertLevel, AlertStatus
from lianjian.risk.disposal import step_due_on
from lianjian.risk.models import Alert
from lianjian.risk.selectors import alerts_in_scope, alerts_visible_to, risk_scores

ECHARTS_STATIC = "vendor/echarts/echarts.min.js"  # installed by dev.py setup (npm), gitignored


def dashboard_panels(user: Any) -> list[dict[str, Any]]:
    """Figure cards for the permissions the user holds, each counted within its scope."""
    panels: list[dict[str, Any]] = []
    if user.has_lianjian_perm(Perm.ORG_VIEW):
        panels.append(
            {
                "label": "可见单位",
                "value": org.units_visible_to(user).count(),
                "url": reverse("org:unit_list"),
            }
        )
        panels.append(
            {
                "label": "可见人员",
                "value": org.staff_visible_to(user).count(),
                "url": reverse("org:staff_list"),
            }
        )
    if user.has_lianjian_perm(Perm.RELATION_VIEW):
        panels.append(
            {
                "label": "特殊关系登记",
                "value": org.relations_visible_to(user).count(),
                "url": reverse("org:relation_list"),
            }
        )
    if user.has_lianjian_perm(Perm.USER_MANAGE):
        panels.append({"label": "用户管理", "value": "进入", "url": reverse("accounts:user_list")})
    if user.has_lianjian_perm(Perm.ROLE_GRANT):
        panels.append({"label": "角色授权", "value": "进入", "url": reverse("accounts:grant_list")})
    if user.has_lianjian_perm(Perm.AUDIT_VIEW):
        panels.append({"label": "审计日志", "value": "进入", "url": reverse("audit:event_list")})
    return panels


# --- the risk picture (F4.6, docs/dashboard.md) -------------------------------------------------

# Tree colours: a unit's own score against the highest own score among the units shown.
BANDS = (("none", "无在办预警"), ("low", "较低"), ("mid", "中等"), ("high", "较高"))
LEVEL_COLOURS: dict[str, str] = {
    AlertLevel.NOTICE: "#0dcaf0",
    AlertLevel.WARNING: "#ffc107",
    AlertLevel.SUPERVISED: "#dc3545",
}
TOP_RISK_POINTS = 10
RANKING_SIZE = 10
DRILL_ROWS = 50
MY_ALERTS_FETCHED = 500  # one person's alerts awaiting action; more than anyone should have


def band_of(score: int, highest: int) -> str:
    """ "none" for 0, else "low" / "mid" / "high" by thirds of ``highest``."""
    if score <= 0 or highest <= 0:
        return "none"
    ratio = score / highest
    return "low" if ratio <= 1 / 3 else "mid" if ratio <= 2 / 3 else "high"


def reaches_units(user: Any) -> bool:
    """Whether the user's 预警查看 scope takes in whole units (院领导, 检务督察, 案件管理 …)."""
    scope: Scope = user.scope(Perm.ALERT_VIEW)
    return bool(scope.everything or scope.subtree_paths or scope.unit_ids)


def reaches_departments(user: Any) -> bool:
    scope: Scope = user.scope(Perm.ALERT_VIEW)
    return reaches_units(user) or bool(scope.department_ids)


@dataclass
class UnitNode:
    """One unit of the coloured tree: its own pending alerts' score and that with its subordinates."""

    pk: int
    code: str
    name: str
    score: int = 0
    alerts: int = 0
    total_score: int = 0
    total_alerts: int = 0
    band: str = "none"
    children: list[UnitNode] = field(default_factory=list)


def unit_tree(user: Any, alerts: QuerySet[Alert]) -> list[UnitNode]:
    """The units in the user's scope as a tree, each with its risk score; two queries in all.

    The scores are :func:`lianjian.risk.selectors.risk_scores` by unit over the pending alerts
    (so a just-approved disposal drops out at once); a unit whose parent is out of scope is a root.
    """
    scores = {row["key"]: row for row in risk_scores(dashboard_risk.alerts_pending(alerts), by="unit")}
    rows = org.units_visible_to(user).order_by("path").values_list("pk", "code", "name", "parent_id", "path")
    nodes: dict[int, UnitNode] = {}
    by_path: dict[str, UnitNode] = {}
    roots: list[UnitNode] = []
    for pk, code, name, parent_id, path in rows:
        found = scores.get(pk, {})
        node = UnitNode(
            pk=pk, code=code, name=name, score=found.get("score", 0), alerts=found.get("alerts", 0)
        )
        nodes[pk] = node
        by_path[path] = node
        parent = nodes.get(parent_id) if parent_id is not None else None
        (parent.children if parent is not None else roots).append(node)
    for path, node in by_path.items():
        codes = [code for code in path.split("/") if code]
        for depth in range(1, len(codes) + 1):
            ancestor = by_path.get("/" + "/".join(codes[:depth]) + "/")
            if ancestor is not None:
                ancestor.total_score += node.score
                ancestor.total_alerts += node.alerts
    highest = max((node.score for node in nodes.values()), default=0)
    for node in nodes.values():
        node.band = band_of(node.score, highest)
    return roots


def alert_list_url(**params: str) -> str:
    """The alert list (risk:alert_list) with the given filters."""
    query = urlencode({key: value for key, value in params.items() if value})
    return f"{reverse('risk:alert_list')}?{query}" if query else reverse("risk:alert_list")


def case_url(case_no: str, fallback_alert_pk: int | None = None) -> str:
    """The case page ``/risk/cases/<case_no>/`` (which answers 404 outside the viewer's scope)."""
    return reverse("risk:case_detail", args=[case_no])


@dataclass(frozen=True)
class ScoreRow:
    """One line of a drill-down or ranking: who or what, its score and pending alerts, a link."""

    key: str
    label: str
    score: int
    alerts: int
    url: str = ""
    drill_url: str = ""
    note: str = ""


def ranking_alerts(user: Any) -> QuerySet[Alert]:
    """The alerts over which the user may rank people: 排名查看's scope within 预警查看's."""
    return alerts_visible_to(user).filter(pk__in=alerts_in_scope(user, Perm.RANKING_VIEW).values("pk"))


def rankable_staff(user: Any) -> QuerySet[Staff]:
    """People the user may see ranked: staff within the scope of 排名查看."""
    scope: Scope = user.scope(Perm.RANKING_VIEW)
    if scope.is_empty:
        return Staff.objects.none()
    q = scope.filter(unit_path="unit__path", unit="unit", department="department", staff="pk")
    return Staff.objects.filter(q).select_related("unit", "department")


def _post(person: Staff) -> str:
    return f"{person.unit.name}{' · ' + person.department.name if person.department else ''}"


def _people_rows(user: Any, alerts: QuerySet[Alert], *, limit: int) -> list[ScoreRow]:
    scores = dashboard_risk.pending_scores(alerts, by="prosecutor")
    ranked = sorted(scores.items(), key=lambda item: (-item[1]["score"], -item[1]["alerts"], item[0]))
    people = rankable_staff(user).in_bulk([key for key, _ in ranked])
    rows = []
    for key, figures in ranked:
        person = people.get(int(key))
        if person is None:
            continue
        rows.append(
            ScoreRow(
                key=person.staff_no,
                label=person.name,
                score=figures["score"],
                alerts=figures["alerts"],
                drill_url=reverse("dashboard:person", args=[person.pk]),
                note=_post(person),
            )
        )
        if len(rows) == limit:
            break
    return rows


def prosecutor_ranking(user: Any) -> list[ScoreRow] | None:
    """People by risk score, highest first — None for a user not entitled (docs/dashboard.md)."""
    if not user.has_lianjian_perm(Perm.RANKING_VIEW):
        return None
    return _people_rows(user, ranking_alerts(user), limit=RANKING_SIZE)


def _case_rows(alerts: QuerySet[Alert], *, limit: int) -> list[ScoreRow]:
    pending = dashboard_risk.alerts_pending(alerts)
    scores = dashboard_risk.pending_scores(alerts, by="case")
    latest = dict(pending.order_by().exclude(case_no="").values_list("case_no").annotate(latest=Max("pk")))
    ranked = sorted(scores.items(), key=lambda item: (-item[1]["score"], str(item[0])))[:limit]
    return [
        ScoreRow(
            key=str(case_no),
            label=str(case_no),
            score=figures["score"],
            alerts=figures["alerts"],
            url=case_url(str(case_no), latest.get(case_no)),
        )
        for case_no, figures in ranked
    ]


@dataclass(frozen=True)
class Drill:
    """One drill-down fragment: where we are, its rows, and the alert list for the same set."""

    title: str
    kind: str  # "departments" | "people" | "cases"
    rows: list[ScoreRow]
    list_url: str
    pending: int
    loose: list[Alert] = field(default_factory=list)  # alerts about the person, without a case


def unit_drill(user: Any, code: str) -> Drill:
    """A unit's departments by score (404 outside the user's unit-wide 预警查看 scope)."""
    unit = get_object_or_404(org.units_visible_to(user), code=code)
    if not user.scope(Perm.ALERT_VIEW).covers_unit(unit):
        raise Http404("该单位不在您的数据范围内")
    alerts = alerts_visible_to(user).filter(unit=unit)
    scores = dashboard_risk.pending_scores(alerts, by="department")
    departments = org.departments_visible_to(user).filter(unit=unit).order_by("code")
    rows = [
        ScoreRow(
            key=dept.code,
            label=dept.name,
            score=scores.get(dept.pk, {}).get("score", 0),
            alerts=scores.get(dept.pk, {}).get("alerts", 0),
            drill_url=reverse("dashboard:department", args=[dept.pk]),
        )
        for dept in departments
    ]
    rows.sort(key=lambda row: (-row.score, row.key))
    return Drill(
        title=unit.name,
        kind="departments",
        rows=rows,
        list_url=alert_list_url(unit=unit.code, status=AlertStatus.OPEN),
        pending=dashboard_risk.alerts_pending(alerts).count(),
    )


def _department_alerts(user: Any, department: Department) -> QuerySet[Alert]:
    return alerts_visible_to(user).filter(
        Q(case__department=department) | Q(case__isnull=True, subject_staff__department=department)
    )


def department_drill(user: Any, pk: int) -> Drill:
    """A department's people by score for those entitled to rankings there, else its cases (404
    outside the user's 预警查看 scope)."""
    department = get_object_or_404(org.departments_visible_to(user), pk=pk)
    if not user.scope(Perm.ALERT_VIEW).covers_department(department):
        raise Http404("该部门不在您的数据范围内")
    alerts = _department_alerts(user, department)
    if user.scope(Perm.RANKING_VIEW).covers_department(department):
        kind, rows = "people", _people_rows(user, alerts, limit=DRILL_ROWS)
    else:
        kind, rows = "cases", _case_rows(alerts, limit=DRILL_ROWS)
    return Drill(
        title=f"{department.unit.name} · {department.name}",
        kind=kind,
        rows=rows,
        list_url=alert_list_url(
            unit=department.unit.code, department=str(department.pk), status=AlertStatus.OPEN
        ),
        pending=dashboard_risk.alerts_pending(alerts).count(),
    )


def person_drill(user: Any, pk: int) -> Drill:
    """A person's cases by score, and the pending alerts about them that have no case (404 unless
    the person is within the user's 排名查看 scope)."""
    person = get_object_or_404(rankable_staff(user), pk=pk)
    alerts = alerts_visible_to(user).filter(Q(subject_staff=person) | Q(case__prosecutor=person))
    loose = list(
        dashboard_risk.alerts_pending(alerts.filter(case__isnull=True)).order_by("-raised_at")[:DRILL_ROWS]
    )
    return Drill(
        title=f"{person.name}（{_post(person)}）",
        kind="cases",
        rows=_case_rows(alerts, limit=DRILL_ROWS),
        list_url=alert_list_url(unit=person.unit.code, person=str(person.pk), status=AlertStatus.OPEN),
        pending=dashboard_risk.alerts_pending(alerts).count(),
        loose=loose,
    )


def department_roots(user: Any) -> list[ScoreRow]:
    """For a user whose scope is departments only (部门负责人): those departments with scores."""
    scope: Scope = user.scope(Perm.ALERT_VIEW)
    departments = org.departments_visible_to(user).filter(pk__in=sorted(scope.department_ids))
    scores = dashboard_risk.pending_scores(alerts_visible_to(user), by="department")
    return [
        ScoreRow(
            key=dept.code,
            label=f"{dept.unit.name} · {dept.name}",
            score=scores.get(dept.pk, {}).get("score", 0),
            alerts=scores.get(dept.pk, {}).get("alerts", 0),
            drill_url=reverse("dashboard:department", args=[dept.pk]),
        )
        for dept in departments.order_by("unit__path", "code")
    ]


@dataclass(frozen=True)
class RiskPicture:
    """The leaders' dashboard: figures over the alerts in the user's 预警查看 scope."""

    by_level: list[dict[str, Any]]
    by_line: list[dict[str, Any]]
    trend: dashboard_risk.MonthlyTrend
    top_points: list[dict[str, Any]]
    tree: list[UnitNode]
    departments: list[ScoreRow]
    ranking: list[ScoreRow] | None
    pending: int
    charts: dict[str, Any]


def risk_picture(user: Any, *, today: date) -> RiskPicture | None:
    """The risk picture for a user whose 预警查看 scope reaches departments or units, else None."""
    if not user.has_lianjian_perm(Perm.ALERT_VIEW) or not reaches_departments(user):
        return None
    alerts = alerts_visible_to(user)
    levels = dashboard_risk.pending_by_level(alerts)
    by_level = [
        {
            "level": level,
            "label": str(AlertLevel(level).label),
            "count": count,
            "url": alert_list_url(level=level, status=AlertStatus.OPEN),
        }
        for level, count in levels.items()
    ]
    by_line = [
        {"line": line, "label": label, "count": count}
        for line, label, count in dashboard_risk.pending_by_line(alerts)
    ]
    trend = dashboard_risk.raised_per_month(alerts, today=today)
    top_points = [
        {
            "code": point.code,
            "name": point.name,
            "count": point.alerts,
            "url": alert_list_url(risk_code=point.code, status=AlertStatus.OPEN),
        }
        for point in dashboard_risk.top_risk_points(alerts, limit=TOP_RISK_POINTS)
    ]
    charts = {
        "levels": {
            "labels": [row["label"] for row in by_level],
            "values": [row["count"] for row in by_level],
            "colours": [LEVEL_COLOURS[str(row["level"])] for row in by_level],
        },
        "lines": {"labels": [row["label"] for row in by_line], "values": [row["count"] for row in by_line]},
        "trend": {
            "months": trend.months,
            "series": [
                {
                    "name": str(AlertLevel(level).label),
                    "colour": LEVEL_COLOURS[level],
                    "data": counts,
                }
                for level, counts in trend.counts.items()
            ],
        },
    }
    return RiskPicture(
        by_level=by_level,
        by_line=by_line,
        trend=trend,
        top_points=top_points,
        tree=unit_tree(user, alerts) if reaches_units(user) else [],
        departments=[] if reaches_units(user) else department_roots(user),
        ranking=prosecutor_ranking(user),
        pending=sum(levels.values()),
        charts=charts,
    )


@dataclass(frozen=True)
class MyAlert:
    """One of the user's own alerts awaiting action, with its current step's last day."""

    alert: Alert
    due_on: date | None
    is_overdue: bool
    url: str


def my_alerts(user: Any, *, today: date) -> tuple[list[MyAlert], int] | None:
    """The alerts the user answers as handler that await a step, nearest deadline first (overdue
    ones first of all), and how many there are; None for a user who handles no alerts."""
    staff_id = getattr(user, "staff_id", None)
    if staff_id is None or not user.has_lianjian_perm(Perm.ALERT_HANDLE):
        return None
    mine = dashboard_risk.awaiting_action(dashboard_risk.handled_by(alerts_visible_to(user), staff_id))
    rows = []
    for alert in mine.order_by("raised_at", "pk")[:MY_ALERTS_FETCHED]:
        due = step_due_on(alert)
        rows.append(
            MyAlert(
                alert=alert,
                due_on=due,
                is_overdue=due is not None and due < today,
                url=reverse("risk:alert_detail", args=[alert.pk]),
            )
        )
    rows.sort(
        key=lambda row: (
            row.due_on is None,
            row.due_on or today,
            -ALERT_LEVEL_ORDER[AlertLevel(row.alert.level)],
        )
    )
    return rows, mine.count()


def chart_library_installed() -> bool:
    """Whether setup installed ECharts (dev.py); without it the figures are shown as tables."""
    return finders.find(ECHARTS_STATIC) is not None
