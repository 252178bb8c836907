"""The statistics page and the report downloads (F5.6), for holders of ``interference.stats``.

Only counts are shown (:mod:`.statistics`), never a list of records; a report download is
audited with its unit, period and format, never its numbers' sources.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lianjian.audit.services import audit_read
from lianjian.common.officedoc import DOCX
from lianjian.common.permissions import Perm
from lianjian.common.views import require_perm
from lianjian.interference import stat_reports
from lianjian.interference import statistics as st
from lianjian.org.models import Unit

ECHARTS_STATIC = "vendor/echarts/echarts.min.js"  # installed by dev.py setup (docs/dashboard.md)


def chart_library_installed() -> bool:
    return finders.find(ECHARTS_STATIC) is not None


def read_request_url() -> str:
    """The 查阅审批 page: a leader looks a record up by its number there and asks to read it."""
    return reverse("interference:read_requests")


def _date(value: str | None, fallback: date, label: str, errors: list[str]) -> date:
    if not value:
        return fallback
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(f"{label}格式应为 YYYY-MM-DD，已按默认值统计")
        return fallback


def _unit(code: str | None, reach: st.Reach, errors: list[str]) -> Unit | None:
    if not code:
        return None
    unit = Unit.objects.filter(code=code.strip()).first()
    if unit is None or not reach.covers(unit):
        errors.append("所选单位不在您的统计范围内，已按全部范围统计")
        return None
    return unit


def default_unit(user: Any, reach: st.Reach) -> Unit | None:
    staff = getattr(user, "staff", None)
    if staff is not None and reach.covers(staff.unit):
        return staff.unit
    return reach.units().order_by("path").first()


@never_cache
@require_perm(Perm.INTERFERENCE_STATS)
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    errors: list[str] = []
    today = st.today()
    months = st.month_keys(today)
    start = _date(request.GET.get("start"), months[0], "起始日期", errors)
    end = _date(request.GET.get("end"), today, "截止日期", errors)
    if end < start:
        errors.append("截止日期早于起始日期，已交换")
        start, end = end, start
    reach = st.reach_of(user)
    unit = _unit(request.GET.get("unit"), reach, errors)
    department_unit = None
    if not st.department_only(user):
        department_unit = unit or default_unit(user, reach)
    figures = st.statistics_for(user, start=start, end=end, unit=unit, department_unit=department_unit)
    has_charts = chart_library_installed()
    return render(
        request,
        "interference/stats.html",
        {
            "page_title": "统计分析 · “三个规定”记录",
            "errors": errors,
            "s": figures,
            "units_choice": reach.units().order_by("path")[:500],
            "unit_code": unit.code if unit else "",
            "has_charts": has_charts,
            "echarts_path": ECHARTS_STATIC,
            "charts": figures.charts(),
            "min_staff": st.MIN_DEPARTMENT_STAFF,
            "read_request_url": read_request_url(),
            "may_request": not user.has_lianjian_perm(Perm.INTERFERENCE_READ),
            "report_unit": default_unit(user, reach),
            "report_period": f"{today.year}-{today.month:02d}",
        },
    )


@require_perm(Perm.INTERFERENCE_STATS)
@require_GET
def stats_report(request: HttpRequest) -> HttpResponse:
    """月报告 / 季分析 / 年总结 of a unit in the viewer's reach, as Word or Excel (audited)."""
    user: Any = request.user
    reach = st.reach_of(user)
    code = request.GET.get("unit", "").strip()
    unit = Unit.objects.filter(code=code).first() if code else default_unit(user, reach)
    if unit is None or not reach.covers(unit):
        raise Http404("单位不存在或不在您的统计范围内")
    today = st.today()
    fmt = request.GET.get("format", "docx")
    try:
        period = st.parse_period(request.GET.get("period") or f"{today.year}-{today.month:02d}")
        if fmt not in stat_reports.FORMATS:
            raise st.PeriodError("格式应为 Word（docx）或 Excel（xlsx）")
    except st.PeriodError as exc:
        messages.error(request, str(exc))
        return redirect("interference:stats")
    whole_units = not st.department_only(user)
    data = stat_reports.report_data(
        st.stats_base(user), unit=unit, period=period, issued_on=today, zero_units=whole_units
    )
    if not whole_units:
        data.summary.append("注：统计范围为本人所在部门（报告人数不少于 3 人的部门）的记录。")
    body = stat_reports.render(data, fmt)
    audit_read(
        actor=user,
        action="interference.report.export",
        target=unit,
        period=period.key,
        kind=period.kind,
        format=fmt,
    )
    response = HttpResponse(body, content_type=DOCX if fmt == "docx" else stat_reports.XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(data.filename(fmt))}"
    return response
