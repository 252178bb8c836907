"""Each role's landing page; later capabilities fill their panels."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lianjian.dashboard.selectors import dashboard_panels


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    return render(request, "dashboard/home.html", {"page_title": "首页", "panels": dashboard_panels(user)})
