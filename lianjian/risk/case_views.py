"""The case pages (案件): a search over the cases in scope, and one case with its projection,
its events, its alerts and its risk score (F4.6).

They live in the risk app because a case page shows alerts: ``lianjian.cases`` sits below
``lianjian.risk`` in the dependency order (pyproject.toml's import-linter layers), so the cases
app provides the reads (``cases_visible_to``, ``stages_of``, ``events_of_case_visible_to``) and
this module composes them with the alerts. A case outside the user's 案件查看 scope is the same
404 as an absent one; its alerts are those of the user's 预警查看 scope.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from lianjian.cases.choices import CaseType, EventType
from lianjian.cases.models import Case
from lianjian.cases.selectors import (
    case_search,
    cases_visible_to,
    events_of_case_visible_to,
    lawyers_of,
    stages_of,
)
from lianjian.common.listing import Column, cell_text
from lianjian.common.permissions import Perm
from lianjian.common.views import require_perm
from lianjian.risk import disposal_views, ui
from lianjian.risk import forms as risk_forms
from lianjian.risk.choices import AlertLevel, AlertStatus
from lianjian.risk.selectors import LEVEL_WEIGHTS, alerts_visible_to, risk_scores

CASE_TYPES = dict(CaseType.choices)


def _case_url(case: Case) -> str:
    return reverse("risk:case_detail", args=[case.case_no])


@require_perm(Perm.CASE_VIEW)
def case_list(request: HttpRequest) -> HttpResponse:
    """Cases in the user's 案件查看 scope, searched by number and business line."""
    user: Any = request.user
    form = risk_forms.CaseSearchForm(request.GET)
    cases = cases_visible_to(user)
    cases = case_search(cases, **form.cleaned_data) if form.is_valid() else cases.none()
    columns = [
        Column("案件编号", lambda c: c.case_no, url=_case_url, testid="case-link"),
        Column("承办单位", lambda c: c.unit.name),
        Column("业务条线", lambda c: c.get_line_display()),
        Column("案件类别", lambda c: CASE_TYPES.get(c.case_type, c.case_type)),
        Column("案由", lambda c: c.cause),
        Column("承办检察官", lambda c: c.prosecutor.name if c.prosecutor else ""),
        Column("承办部门", lambda c: c.department.name if c.department else ""),
        Column("最近事件时间", lambda c: c.last_event_at),
        Column("办结时间", lambda c: c.closed_at),
    ]
    return ui.render_risk_list(request, title="案件查询", queryset=cases, columns=columns, filter_form=form)


def _duration(value: timedelta | None) -> str:
    """A stage's suspended time in days and hours ("—" when none)."""
    if not value:
        return "—"
    hours = value.seconds // 3600
    return f"{value.days} 日" + (f" {hours} 小时" if hours else "")


def _value_text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _case_alerts(user: Any, case: Case) -> list[Any]:
    if not user.has_lianjian_perm(Perm.ALERT_VIEW):
        return []
    return list(alerts_visible_to(user).filter(case_no=case.case_no).order_by("-raised_at", "-id"))


def _deadline(alert: Any) -> str:
    """The last day of a time-limit alert (its evidence's ``deadline``), else ""."""
    evidence = alert.evidence if isinstance(alert.evidence, dict) else {}
    limit = evidence.get("time_limit")
    if alert.rule.kind != "time_limit" or not isinstance(limit, dict) or not evidence.get("deadline"):
        return ""
    return f"{limit.get('name', '')} {evidence['deadline']}"


@require_perm(Perm.CASE_VIEW)
def case_detail(request: HttpRequest, case_no: str) -> HttpResponse:
    """One case: its projection (header, stages, lawyers), every event in order (those the
    alerts name marked 关键), its alerts in the user's scope and its risk score."""
    user: Any = request.user
    case = cases_visible_to(user).filter(case_no=case_no).first()
    if case is None:
        raise Http404("案件不存在或不在您的查看范围内")
    alerts = _case_alerts(user, case)
    named: dict[str, list[str]] = {}
    for alert in alerts:
        evidence = alert.evidence if isinstance(alert.evidence, dict) else {}
        for event in evidence.get("events") or []:
            if isinstance(event, dict) and event.get("event_id"):
                named.setdefault(str(event["event_id"]), []).append(alert.rule.code)
    labels = dict(EventType.choices)
    timeline = [
        {
            "time": cell_text(timezone.localtime(event.occurred_at)),
            "event_id": event.event_id,
            "type": event.type,
            "type_label": labels.get(event.type, ""),
            "unit": event.unit.name if event.unit_id else "",
            "actor": event.actor.name if event.actor else event.actor_no,
            "data": [(str(k), _value_text(v)) for k, v in sorted((event.data or {}).items())],
            "rules": sorted(set(named.get(event.event_id, []))),
        }
        for event in events_of_case_visible_to(user, case.case_no)
    ]
    scores = risk_scores(alerts_visible_to(user).filter(case_no=case.case_no), by="case") if alerts else []
    open_alerts = [a for a in alerts if a.status == AlertStatus.OPEN]
    context = {
        "page_title": f"案件 · {case.case_no}",
        "case": case,
        "case_type": CASE_TYPES.get(case.case_type, case.case_type),
        "stages": [
            {
                "stage": stage,
                "case_type": CASE_TYPES.get(stage.case_type, stage.case_type),
                "suspended": _duration(stage.suspended_total),
            }
            for stage in stages_of(case)
        ],
        "lawyers": lawyers_of(case),
        "timeline": timeline,
        "can_view_alerts": user.has_lianjian_perm(Perm.ALERT_VIEW),
        "alerts": [
            {
                "alert": alert,
                "level_css": ui.LEVEL_BADGES.get(alert.level, "text-bg-light"),
                "status_css": ui.STATUS_BADGES.get(alert.status, ""),
                "disposal_css": disposal_views.DISPOSAL_BADGES.get(alert.disposal_state, ""),
                "deadline": _deadline(alert),
            }
            for alert in alerts
        ],
        "score": scores[0]["score"] if scores else 0,
        "open_by_level": [
            {
                "label": label,
                "count": sum(1 for a in open_alerts if a.level == level),
                "css": ui.LEVEL_BADGES[level],
                "weight": LEVEL_WEIGHTS[AlertLevel(level)],
            }
            for level, label in AlertLevel.choices
        ],
    }
    return render(request, "risk/case_detail.html", context)
