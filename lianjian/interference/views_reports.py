"""Pages of the periodic reports (docs/interference/reports.md): 我的报告, 报告情况 with its Excel
export, 报告设置. Thin views: the rules are in :mod:`lianjian.interference.reporting`, the reads
in :mod:`lianjian.interference.selectors_reports`; records are listed through
:mod:`lianjian.interference.policy` and by number and classification only (no content).
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lianjian.audit.services import audit_record
from lianjian.common.listing import XLSX
from lianjian.common.permissions import Perm
from lianjian.common.views import require_perm
from lianjian.interference import policy
from lianjian.interference.choices import ReportCycle
from lianjian.interference.models import PeriodicReport, ReportingSetting
from lianjian.interference.periods import (
    Period,
    local_day,
    parse_period,
    period_of,
    recent_periods,
    setting_for,
    settings_for,
)
from lianjian.interference.reporting import (
    ReportError,
    ReportStatus,
    records_of_period,
    report_status,
    report_submit,
)
from lianjian.interference.selectors_reports import compliance, overview_scope, unit_totals
from lianjian.org.models import Unit

HISTORY: dict[str, int] = {ReportCycle.MONTHLY: 12, ReportCycle.QUARTERLY: 8}
STATUS_BADGE = {
    ReportStatus.PENDING: "warning",
    ReportStatus.SUBMITTED: "success",
    ReportStatus.ZERO: "secondary",
    ReportStatus.LATE: "danger",
    ReportStatus.MISSING: "danger",
}


def _today() -> date:
    return local_day(timezone.now())


# --- 我的报告 ------------------------------------------------------------------------------


@never_cache
@require_GET
@require_perm(Perm.INTERFERENCE_RECORD)
def my_reports(request: HttpRequest) -> HttpResponse:
    """My periods with their status, and the report of the chosen period to confirm."""
    user: Any = request.user
    staff = user.staff
    context: dict[str, Any] = {"page_title": "我的报告", "staff": staff}
    if staff is None:
        return render(request, "interference/my_reports.html", context)
    today = _today()
    setting = setting_for(staff.unit)
    periods = recent_periods(setting.cycle, today, HISTORY[setting.cycle])
    if staff.joined_on:
        periods = [p for p in periods if p.end >= staff.joined_on]
    reports = {
        r.period_start: r
        for r in PeriodicReport.objects.filter(
            staff=staff, cycle=setting.cycle, period_start__in=[p.start for p in periods]
        )
    }
    rows: list[dict[str, Any]] = []
    for period in periods:
        report = reports.get(period.start)
        status = report_status(report, period, today)
        rows.append(
            {
                "period": period,
                "report": report,
                "status": ReportStatus(status).label,
                "badge": STATUS_BADGE[ReportStatus(status)],
                "submitted": report is not None and report.submitted_at is not None,
                "open": period.is_open(today),
            }
        )
    chosen = parse_period(setting.cycle, request.GET.get("period", "")) if request.GET.get("period") else None
    if chosen is None:
        chosen = next((r["period"] for r in rows if r["open"] and not r["submitted"]), None)
    if chosen is not None:
        report = (
            reports.get(chosen.start)
            or PeriodicReport.objects.filter(
                staff=staff, cycle=chosen.cycle, period_start=chosen.start
            ).first()
        )
        readable = policy.records_readable_by(user)
        context.update(
            chosen=chosen,
            chosen_report=report if report is not None and report.submitted_at is not None else None,
            chosen_open=chosen.is_open(today),
            chosen_late=chosen.is_overdue(today),
            records=list(records_of_period(staff, chosen).filter(pk__in=readable.values("pk"))),
        )
    context.update(rows=rows, setting=setting, cycle_label=ReportCycle(setting.cycle).label)
    return render(request, "interference/my_reports.html", context)


@require_POST
@require_perm(Perm.INTERFERENCE_RECORD)
def my_report_submit(request: HttpRequest) -> HttpResponse:
    """Submit my report (records confirmed) or my zero report (confirmed) for one period."""
    user: Any = request.user
    staff = user.staff
    if staff is None:
        raise Http404
    setting = setting_for(staff.unit)
    key = request.POST.get("period", "")
    period = parse_period(setting.cycle, key)
    back = reverse("interference:my_reports") + (f"?period={period.key}" if period else "")
    if period is None:
        messages.error(request, "报告期间无效")
        return redirect(back)
    is_zero = request.POST.get("zero") == "1"
    if is_zero and request.POST.get("confirm") != "1":
        messages.error(request, "提交零报告前，请勾选确认本期没有需要记录报告的事项")
        return redirect(back)
    try:
        ids = [int(v) for v in request.POST.getlist("records")]
    except ValueError:
        messages.error(request, "所列记录无效")
        return redirect(back)
    if not is_zero and request.POST.get("confirm") != "1":
        messages.error(request, "请勾选确认所列记录即本期全部记录")
        return redirect(back)
    try:
        report = report_submit(staff=staff, period=period, records=ids, is_zero=is_zero, actor=user)
    except ReportError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    late = period.submitted_late(report.submitted_at) if report.submitted_at else False
    done = "零报告" if is_zero else "报告"
    messages.success(request, f"{period.label}{done}已提交{'（逾期提交）' if late else ''}。")
    return redirect(back)


# --- 报告情况 ------------------------------------------------------------------------------


def _chosen_month(request: HttpRequest, today: date) -> date:
    """The month of ``?period=2026-03`` (or ``2026-Q1``: its first month); default: the period
    being collected now, i.e. last month."""
    key = request.GET.get("period", "")
    period = parse_period(ReportCycle.QUARTERLY if "Q" in key.upper() else ReportCycle.MONTHLY, key)
    if period is not None:
        return period.start
    return period_of(ReportCycle.MONTHLY, today).previous().start


def _overview(request: HttpRequest, *, totals: bool = False) -> tuple[Any, list[Any], date, int]:
    """The scope (narrowed to ``?unit=``), its rows, the chosen month and how many units the
    viewer's whole scope holds. ``totals``: a scope of several whole units gets only the units'
    total rows (counted in SQL, :func:`unit_totals`)."""
    user: Any = request.user
    scope = overview_scope(user)
    in_scope = len(scope.units)
    today = _today()
    day = _chosen_month(request, today)
    code = request.GET.get("unit", "")
    if code:
        units = [u for u in scope.units if u.code == code]
        if not units:
            raise Http404
        scope = type(scope)(units=units, department_ids=scope.department_ids, names=scope.names)
    if totals and scope.by_unit:
        return scope, unit_totals(scope, day, today), day, in_scope
    return scope, compliance(scope, day, today), day, in_scope


@never_cache
@require_GET
@require_perm(Perm.INTERFERENCE_SUPERVISE, Perm.INTERFERENCE_STATS)
def report_overview(request: HttpRequest) -> HttpResponse:
    """Per unit and department: obliged, submitted, zero, late, missing for the chosen period.
    A scope of several units (a city's or the province's inspector) is shown one row per unit,
    each opening that unit's departments (``?unit=``); the Excel export holds every row."""
    scope, rows, day, in_scope = _overview(request, totals=True)
    if scope.by_unit:
        top = min(row.unit.depth for row in rows)
        indents = [row.unit.depth - top for row in rows]  # the tree: a city, then its counties
    else:
        indents = [0] * len(rows)
    months = [period_of(ReportCycle.MONTHLY, _today()).start]
    for _ in range(11):
        months.append(Period(months[-1]).previous().start)
    return render(
        request,
        "interference/report_overview.html",
        {
            "page_title": "报告情况",
            "rows": list(zip(rows, indents, strict=True)),
            "names": scope.names,
            "chosen": f"{day:%Y-%m}",
            "months": [f"{m:%Y-%m}" for m in months],
            "unit_code": request.GET.get("unit", ""),
            "by_unit": scope.by_unit,
            "all_units": in_scope > 1 and len(scope.units) == 1,
        },
    )


def _workbook(rows: list[Any], names: bool) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "报告情况"
    if names:
        sheet.append(
            [
                "单位",
                "部门",
                "报告期间",
                "截止日期",
                "应报",
                "已报",
                "零报告",
                "逾期提交",
                "逾期未报",
                "待报",
                "逾期未报人员",
                "逾期提交人员",
            ]
        )
        for r in rows:
            sheet.append(
                [
                    r.unit.name,
                    "（合计）" if r.total else r.label,
                    r.period.label,
                    r.period.due.isoformat(),
                    r.obliged,
                    r.submitted,
                    r.zero,
                    r.late,
                    r.missing,
                    r.pending,
                    "、".join(r.missing_names),
                    "、".join(r.late_names),
                ]
            )
    else:
        sheet.append(
            [
                "单位",
                "部门",
                "报告期间",
                "截止日期",
                "应报人数",
                "报告率",
                "零报告率",
                "逾期提交率",
                "逾期未报率",
            ]
        )
        for r in rows:
            sheet.append(
                [
                    r.unit.name,
                    "（合计）" if r.total else r.label,
                    r.period.label,
                    r.period.due.isoformat(),
                    r.obliged,
                    r.submitted_rate,
                    r.zero_rate,
                    r.late_rate,
                    r.missing_rate,
                ]
            )
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@require_GET
@require_perm(Perm.INTERFERENCE_SUPERVISE, Perm.INTERFERENCE_STATS)
def report_export(request: HttpRequest) -> HttpResponse:
    """The 报告情况 table as Excel (names of missing and late people for 检务督察 only)."""
    scope, rows, day, _ = _overview(request)
    audit_record(
        actor=request.user,
        action="interference.report.export",
        target_type="interference.report",
        target_repr=f"{day:%Y-%m}",
        after={"rows": len(rows), "names": scope.names},
    )
    name = f"三个规定报告情况-{day:%Y%m}.xlsx"
    return HttpResponse(
        _workbook(rows, scope.names),
        content_type=XLSX,
        headers={"Content-Disposition": content_disposition_header(True, name)},
    )


# --- 报告设置 ------------------------------------------------------------------------------


def _int(value: str, low: int, high: int, label: str, errors: list[str]) -> int:
    try:
        number = int(value.strip())
    except (ValueError, AttributeError):
        errors.append(f"{label}：请填写整数")
        return low
    if not low <= number <= high:
        errors.append(f"{label}：应在 {low}～{high} 之间")
    return number


def _remind_days(text: str, errors: list[str]) -> list[int]:
    parts = [p for p in text.replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if p]
    days: set[int] = set()
    for part in parts:
        try:
            day = int(part)
        except ValueError:
            errors.append("提前提醒天数：请填写以逗号分隔的整数，如 3,1")
            return []
        if not 0 <= day <= 15:
            errors.append("提前提醒天数：每个值应在 0～15 之间")
            return []
        days.add(day)
    if len(days) > 5:
        errors.append("提前提醒天数：最多 5 个")
    return sorted(days, reverse=True)


def _save_setting(request: HttpRequest, units: list[Unit]) -> list[str]:
    errors: list[str] = []
    unit = next((u for u in units if u.code == request.POST.get("unit", "")), None)
    if unit is None:
        raise Http404
    cycle = request.POST.get("cycle", "")
    if cycle not in ReportCycle.values:
        errors.append("报告周期：取值无效")
    remind = _remind_days(request.POST.get("remind_days", ""), errors)
    zero_months = _int(request.POST.get("zero_months", ""), 1, 24, "连续零记录月数", errors)
    threshold = _int(request.POST.get("caseload_threshold", ""), 1, 1000, "承办案件数阈值", errors)
    if errors:
        return errors
    with transaction.atomic():
        row = ReportingSetting.objects.select_for_update().filter(unit=unit).first()
        before = (
            {
                "cycle": row.cycle,
                "remind_days": row.remind_days,
                "zero_months": row.zero_months,
                "caseload_threshold": row.caseload_threshold,
            }
            if row is not None
            else None
        )
        row = row or ReportingSetting(unit=unit)
        row.cycle = cycle
        row.remind_days = remind
        row.zero_months = zero_months
        row.caseload_threshold = threshold
        row.save()
        after = {
            "cycle": cycle,
            "remind_days": remind,
            "zero_months": zero_months,
            "caseload_threshold": threshold,
        }
        audit_record(
            actor=request.user,
            action="interference.report_setting.change",
            target=row,
            target_repr=unit.code,
            before=before,
            after=after,
        )
    return []


@never_cache
@require_http_methods(["GET", "POST"])
@require_perm(Perm.INTERFERENCE_SUPERVISE)
def report_settings(request: HttpRequest) -> HttpResponse:
    """The cycle, reminder days and R-3G-02 thresholds of the units in my scope."""
    user: Any = request.user
    scope = user.scope(Perm.INTERFERENCE_SUPERVISE)
    units = list(Unit.objects.filter(scope.filter(unit_path="path", unit="pk")).order_by("path"))
    errors: list[str] = []
    if request.method == "POST":
        errors = _save_setting(request, units)
        if not errors:
            messages.success(request, "报告设置已保存。")
            return redirect("interference:report_settings")
    effective = settings_for(units)
    own = {s.unit_id: s for s in ReportingSetting.objects.filter(unit__in=units)}
    rows = [{"unit": u, "setting": effective[u.pk], "own": own.get(u.pk)} for u in units]
    return render(
        request,
        "interference/report_settings.html",
        {
            "page_title": "报告设置",
            "rows": rows,
            "errors": errors,
            "cycles": ReportCycle.choices,
            "posted": request.POST if errors else None,
        },
    )
