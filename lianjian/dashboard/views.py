"""Each role's landing page: figure cards, the leaders' risk picture and the prosecutor's own
alerts; the picture's drill-down fragments (HTMX) unit → department → person → case."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from lianjian.common.permissions import Perm
from lianjian.common.views import require_perm
from lianjian.dashboard import selectors
from lianjian.dashboard.selectors import Drill, dashboard_panels


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    today = timezone.localdate()
    picture = selectors.risk_picture(user, today=today)
    mine = selectors.my_alerts(user, today=today)
    context = {
        "page_title": "首页",
        "panels": dashboard_panels(user),
        "picture": picture,
        "my_alerts": mine[0] if mine is not None else None,
        "my_alerts_total": mine[1] if mine is not None else 0,
        "has_charts": picture is not None and selectors.chart_library_installed(),
        "echarts_path": selectors.ECHARTS_STATIC,
        "bands": selectors.BANDS,
    }
    return render(request, "dashboard/home.html", context)


def _fragment(request: HttpRequest, drill: Drill) -> HttpResponse:
    return render(request, "dashboard/_drill.html", {"drill": drill})


@require_perm(Perm.ALERT_VIEW)
def unit_drill(request: HttpRequest, code: str) -> HttpResponse:
    return _fragment(request, selectors.unit_drill(request.user, code))


@require_perm(Perm.ALERT_VIEW)
def department_drill(request: HttpRequest, pk: int) -> HttpResponse:
    return _fragment(request, selectors.department_drill(request.user, pk))


@require_perm(Perm.RANKING_VIEW)
def person_drill(request: HttpRequest, pk: int) -> HttpResponse:
    return _fragment(request, selectors.person_drill(request.user, pk))
