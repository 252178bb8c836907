"""Pages of 廉政风险: the risk-point catalogue, the detection rules, alerts and detection runs.

Views parse, authorise, call one service or selector and render (STYLE.md §2). Objects are
fetched through a ``*_visible_to(user)`` (or ``*_manageable_by(user)`` for the pages that
change them), so an object outside the user's scope is the same 404 as an absent one. Writes
are POST only and go through the services, which record the audit event.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.cases.selectors import cases_visible_to
from lianjian.common.listing import XLSX, Button, Column, query_without
from lianjian.common.permissions import Perm
from lianjian.common.views import require_perm
from lianjian.org.models import Unit
from lianjian.risk import disposal_views, ui
from lianjian.risk import forms as risk_forms
from lianjian.risk.choices import AlertStatus, Recipient
from lianjian.risk.engine import RuleParamsError, scan_backtest, scan_run
from lianjian.risk.explain import alert_explanation
from lianjian.risk.models import Alert, RiskPoint, Rule, ScanRun
from lianjian.risk.selectors import alerts_filtered, alerts_visible_to, rules_for_codes
from lianjian.risk.services import (
    POINT_FIELDS,
    CatalogueError,
    risk_point_add,
    risk_point_retire,
    risk_point_revise,
    rule_change,
    rule_override_set,
)
from lianjian.risk.ui import BadgeColumn
from lianjian.risk.workbooks import catalogue_import, catalogue_workbook

logger = logging.getLogger(__name__)

# --- links -----------------------------------------------------------------------------------


def _point_url(point: RiskPoint) -> str:
    return reverse("risk:point_detail", args=[point.pk])


def _rule_url(rule: Rule) -> str:
    return reverse("risk:rule_detail", args=[rule.code])


def _alert_url(alert: Alert) -> str:
    return reverse("risk:alert_detail", args=[alert.pk])


def _run_url(run: ScanRun) -> str:
    return reverse("risk:run_detail", args=[run.pk])


def _points_of_unit_url(unit: Unit | None) -> str:
    url = reverse("risk:point_list")
    return f"{url}?{urlencode({'unit': unit.code})}" if unit is not None else url


def _level_css(obj: Any) -> str:
    return ui.LEVEL_BADGES.get(obj.level, "text-bg-light")


def _phases(point: RiskPoint) -> list[tuple[str, list[str]]]:
    """A point's control measures by phase (前期预防 / 中期监控 / 后期处置)."""
    return [("前期预防", point.prevent), ("中期监控", point.monitor), ("后期处置", point.dispose)]


CATALOGUE_NOTE = "标准库与本单位及上级院本地库中现行的风险点（本地风险点替代同编码的标准库风险点）"


# --- 风险点库 --------------------------------------------------------------------------------


def _catalogue_download(points: Any, unit: Unit | None) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    name = f"风险点库-{unit.name if unit is not None else ui.STANDARD_LABEL}-{stamp}.xlsx"
    return HttpResponse(
        catalogue_workbook(points),
        content_type=XLSX,
        headers={"Content-Disposition": content_disposition_header(True, name)},
    )


@require_perm(Perm.RISK_VIEW)
def point_list(request: HttpRequest) -> HttpResponse:
    """The catalogue in force for a unit (the user's own by default); Excel in the import's format."""
    user: Any = request.user
    day = ui.today()
    units = ui.catalogue_units(user)
    home = ui.home_unit(user, units)
    data = request.GET.copy()
    if not data.get("unit") and home is not None:
        data["unit"] = home.code
    form = risk_forms.PointFilterForm(data, units=units, home=home)
    unit = home
    points: QuerySet[RiskPoint] = RiskPoint.objects.none()
    if form.is_valid():
        unit = form.selected_unit()
        cleaned = form.cleaned_data
        points = ui.catalogue_search(
            ui.catalogue_points(unit, day=day, include_retired=cleaned["include_retired"]),
            line=cleaned["line"],
            category=cleaned["category"],
            level=cleaned["level"],
            text=cleaned["text"].strip(),
        )
    columns = [
        Column("风险点编码", lambda p: p.code, url=_point_url, testid="point-link"),
        Column("风险点名称", lambda p: p.name),
        Column("业务条线", lambda p: p.get_line_display()),
        Column("风险类别", lambda p: p.get_category_display()),
        BadgeColumn(
            "风险等级", lambda p: p.get_level_display(), css=lambda p: ui.POINT_LEVEL_BADGES[p.level]
        ),
        Column("责任部门", lambda p: p.responsible_department),
        Column("所属库", ui.library_label),
        Column("版本", lambda p: p.version),
        Column("状态", lambda p: ui.point_status(p, day)),
    ]
    toolbar = []
    if user.has_lianjian_perm(Perm.RISK_MANAGE) and ui.library_choices(user):
        toolbar = [
            Button("新增风险点", reverse("risk:point_create"), "btn-primary"),
            Button("导入 Excel", reverse("risk:point_import")),
        ]
    summary = [
        {"label": "适用单位", "value": unit.name if unit is not None else ui.STANDARD_LABEL},
        {"label": "说明", "value": CATALOGUE_NOTE},
    ]
    return ui.render_risk_list(
        request,
        title="风险点库",
        queryset=points,
        columns=columns,
        filter_form=form,
        toolbar=toolbar,
        summary=summary,
        export=lambda: _catalogue_download(points, unit),
    )


@require_perm(Perm.RISK_VIEW)
def point_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    point = get_object_or_404(ui.points_visible_to(user), pk=pk)
    manages = user.has_lianjian_perm(Perm.RISK_MANAGE)
    can_manage = manages and ui.points_manageable_by(user).filter(pk=point.pk).exists()
    context = {
        "page_title": f"风险点 · {point.code} {point.name}",
        "point": point,
        "library": ui.library_label(point),
        "status": ui.point_status(point, ui.today()),
        "level_css": ui.POINT_LEVEL_BADGES[point.level],
        "phases": _phases(point),
        "rules": [{"rule": r, "css": _level_css(r)} for r in rules_for_codes([point.code])[point.code]],
        "revisions": ui.point_revisions(point),
        "can_manage": can_manage,
        "can_retire": can_manage and point.retired_on is None,
        "can_add_local": manages and not can_manage and bool(ui.library_choices(user)),
        "back_url": _points_of_unit_url(point.unit),
    }
    return render(request, "risk/point_detail.html", context)


def _libraries_or_403(user: Any) -> list[tuple[str, str]]:
    libraries = ui.library_choices(user)
    if not libraries:  # 风险维护 held with a scope smaller than a unit (本部门, 本人)
        raise PermissionDenied("您没有可维护的风险点库")
    return libraries


@require_perm(Perm.RISK_MANAGE)
@require_http_methods(["GET", "POST"])
def point_create(request: HttpRequest) -> HttpResponse:
    """A new point in a library the user maintains (``?from=`` copies a visible point)."""
    user: Any = request.user
    libraries = _libraries_or_403(user)
    initial: dict[str, Any] = {}
    source_pk = request.GET.get("from", "")
    if source_pk.isdigit():
        source = ui.points_visible_to(user).filter(pk=int(source_pk)).first()
        if source is not None:
            initial = {name: getattr(source, name) for name in ("code", *POINT_FIELDS)}
    form = risk_forms.PointCreateForm(request.POST or None, libraries=libraries, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            point = risk_point_add(
                unit=ui.library_unit(data["library"]),
                actor=user,
                code=data["code"],
                fields=form.point_fields(),
                effective_from=data["effective_from"],
                reason=data["reason"],
            )
        except CatalogueError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已新增风险点 {point.code} {point.name}（{ui.library_label(point)}）")
            return redirect(_point_url(point))
    context = {"page_title": "新增风险点", "form": form, "back_url": reverse("risk:point_list")}
    return render(request, "risk/form.html", context)


@require_perm(Perm.RISK_MANAGE)
@require_http_methods(["GET", "POST"])
def point_revise(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    point = get_object_or_404(ui.points_manageable_by(user), pk=pk)
    form = risk_forms.PointReviseForm(request.POST or None, point=point)
    if request.method == "POST" and form.is_valid():
        try:
            risk_point_revise(
                point=point,
                actor=user,
                changes=form.changes(),
                effective_from=form.cleaned_data["effective_from"],
                reason=form.cleaned_data["reason"],
            )
        except CatalogueError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已修订风险点 {point.code}，现为第 {point.version} 版")
            return redirect(_point_url(point))
    context = {
        "page_title": f"修订风险点 · {point.code}（{ui.library_label(point)}）",
        "form": form,
        "back_url": _point_url(point),
    }
    return render(request, "risk/form.html", context)


@require_perm(Perm.RISK_MANAGE)
@require_http_methods(["GET", "POST"])
def point_retire(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    point = get_object_or_404(ui.points_manageable_by(user), pk=pk)
    form = risk_forms.PointRetireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            risk_point_retire(
                point=point,
                actor=user,
                retired_on=form.cleaned_data["retired_on"],
                reason=form.cleaned_data["reason"],
            )
        except CatalogueError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已停用风险点 {point.code}（自 {point.retired_on:%Y-%m-%d} 起）")
            return redirect(_point_url(point))
    context = {
        "page_title": f"停用风险点 · {point.code}（{ui.library_label(point)}）",
        "form": form,
        "back_url": _point_url(point),
        "note": "停用后该风险点不再属于现行风险点库，修订记录与已有预警保留。",
    }
    return render(request, "risk/form.html", context)


@require_perm(Perm.RISK_MANAGE)
@require_http_methods(["GET", "POST"])
def point_import(request: HttpRequest) -> HttpResponse:
    """Upload a workbook in the export's format into one library; all rows or none."""
    user: Any = request.user
    libraries = _libraries_or_403(user)
    form = risk_forms.PointImportForm(request.POST or None, request.FILES or None, libraries=libraries)
    errors: list[Any] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        library = ui.library_unit(data["library"])
        result = catalogue_import(
            actor=user,
            data=data["file"].read(),
            library=library,
            effective_from=data["effective_from"],
            reason=data["reason"],
        )
        if result.is_accepted:
            messages.success(
                request,
                f"导入完成：新增 {result.added} 个、修订 {result.revised} 个、"
                f"未变 {result.unchanged} 个风险点",
            )
            return redirect(_points_of_unit_url(library))
        errors = result.errors
        messages.error(request, f"导入被拒绝，未写入任何数据：共 {len(errors)} 条错误")
    context = {
        "page_title": "导入风险点库",
        "form": form,
        "errors": errors,
        "back_url": reverse("risk:point_list"),
    }
    return render(request, "risk/point_import.html", context)


# --- 检测规则 --------------------------------------------------------------------------------


@require_perm(Perm.RISK_VIEW)
def rule_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = risk_forms.RuleFilterForm(request.GET)
    rules = (
        ui.rule_search(ui.rules_visible_to(user), **form.cleaned_data)
        if form.is_valid()
        else Rule.objects.none()
    )
    open_counts = ui.open_alert_counts(alerts_visible_to(user))
    columns = [
        Column("规则编码", lambda r: r.code, url=_rule_url, testid="rule-link"),
        Column("规则名称", lambda r: r.name),
        Column("检测类型", ui.kind_label),
        Column("风险点编码", lambda r: list(r.risk_codes)),
        BadgeColumn("预警等级", lambda r: r.get_level_display(), css=_level_css),
        Column("启用", lambda r: r.is_enabled),
        Column("版本", lambda r: r.version),
        Column("待处置预警", lambda r: open_counts.get(r.pk, 0)),
    ]
    toolbar = (
        [Button("规则处置反馈", reverse("risk:rule_feedback"), "btn-outline-secondary")]
        if user.has_lianjian_perm(Perm.RISK_MANAGE)
        else []
    )
    return ui.render_risk_list(
        request, title="检测规则", queryset=rules, columns=columns, filter_form=form, toolbar=toolbar
    )


def _rule_of(request: HttpRequest, code: str) -> Rule:
    return get_object_or_404(ui.rules_visible_to(request.user), code=code)


@require_perm(Perm.RISK_VIEW)
def rule_detail(request: HttpRequest, code: str) -> HttpResponse:
    user: Any = request.user
    rule = _rule_of(request, code)
    kind = ui.detector_of(rule)
    manages = user.has_lianjian_perm(Perm.RISK_MANAGE)
    may_tune = not rule.audience or user.has_lianjian_perm(Perm(rule.audience))
    recipients = dict(Recipient.choices)
    context = {
        "page_title": f"检测规则 · {rule.code}",
        "rule": rule,
        "kind_label": ui.kind_label(rule),
        "level_css": _level_css(rule),
        "recipients": [recipients.get(r, r) for r in rule.recipients],
        "params_json": ui.pretty_json(rule.params),
        "schema": ui.schema_tables(kind) if kind is not None else [],
        "revisions": [
            {
                "revision": revision,
                "recipients": "、".join(recipients.get(r, r) for r in revision.recipients),
                "params_json": ui.pretty_json(revision.params),
            }
            for revision in ui.rule_revisions(rule)
        ],
        # A run's counts cover every unit: they are shown, like the runs, to those who run detection.
        "results": ui.rule_results(rule) if user.has_lianjian_perm(Perm.SCAN_RUN) else [],
        "overrides": ui.rule_overrides_visible_to(user, rule),
        "open_alerts": alerts_visible_to(user).filter(rule=rule, status=AlertStatus.OPEN).count(),
        "can_change": manages and kind is not None and ui.maintains_standard(user) and may_tune,
        "can_override": (
            manages and kind is not None and may_tune and ui.units_risk_manageable_by(user).exists()
        ),
        "can_view_alerts": user.has_lianjian_perm(Perm.ALERT_VIEW),
        "can_view_runs": user.has_lianjian_perm(Perm.SCAN_RUN),
        "feedback": (
            disposal_views.rule_feedback_of(user, rule) if user.has_lianjian_perm(Perm.ALERT_VIEW) else []
        ),
        "can_view_feedback": user.has_lianjian_perm(Perm.RISK_MANAGE),
    }
    return render(request, "risk/rule_detail.html", context)


def _changeable_rule(request: HttpRequest, code: str) -> tuple[Rule, Any]:
    """The rule and its kind, for a maintainer of the standard rules (else 403)."""
    rule = _rule_of(request, code)
    if not ui.maintains_standard(request.user):
        # A standard rule applies in every unit: only 风险维护 over the top unit changes it; a
        # unit sets its own parameters as a local override instead (rule_override).
        raise PermissionDenied("只有维护标准库的用户可以修改标准规则")
    kind = ui.detector_of(rule)
    if kind is None:
        raise PermissionDenied("该规则的检测类型未注册，不能修改")
    _check_audience(request.user, rule)
    return rule, kind


def _check_audience(user: Any, rule: Rule) -> None:
    """A rule whose alerts only some may see (the register's, the compliance watch's) is changed
    only by a maintainer who may see them: those it watches cannot tune or switch it off."""
    if rule.audience and not user.has_lianjian_perm(Perm(rule.audience)):
        raise PermissionDenied("该规则的预警只给特定部门查看，只有持有相应权限的维护人员可以修改")


def _recipients_in_order(selected: list[str], rule: Rule) -> list[str]:
    """The selection in the rule's own order when it is the same set (so it is not a change)."""
    if set(selected) == set(rule.recipients):
        return list(rule.recipients)
    return [value for value in Recipient.values if value in selected]


@require_perm(Perm.RISK_MANAGE)
@require_http_methods(["GET", "POST"])
def rule_change_view(request: HttpRequest, code: str) -> HttpResponse:
    user: Any = request.user
    rule, kind = _changeable_rule(request, code)
    form = risk_forms.RuleChangeForm(request.POST or None, rule=rule, kind=kind)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rule_change(
                rule=rule,
                actor=user,
                reason=data["reason"],
                params=data["params"],
                level=data["level"],
                recipients=_recipients_in_order(list(data["recipients"]), rule),
                is_enabled=data["is_enabled"],
            )
        except (CatalogueError, RuleParamsError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已修改规则 {rule.code}，现为第 {rule.version} 版")
            return redirect(_rule_url(rule))
    context = {
        "page_title": f"修改规则 · {rule.code} {rule.name}",
        "rule": rule,
        "form": form,
        "schema": ui.schema_tables(kind),
        "back_url": _rule_url(rule),
    }
    return render(request, "risk/rule_change.html", context)


@require_perm(Perm.RISK_MANAGE)
@require_POST
def rule_backtest(request: HttpRequest, code: str) -> HttpResponse:
    """回测: what the proposed parameters would find over the history, against the current ones.

    Writes nothing (``scan_backtest`` is a dry run); the page swaps the result in with HTMX.
    """
    rule, kind = _changeable_rule(request, code)
    form = risk_forms.ParamsForm(request.POST, rule=rule, kind=kind)
    result: dict[str, Any] | None = None
    errors: list[str] = []
    if form.is_valid():
        try:
            result = scan_backtest(rule=rule, params=form.cleaned_data["params"]).as_dict(limit=20)
            if rule.audience:  # alerts only some may see: their fingerprints name people and cases
                result.update(new_examples=[], gone_examples=[], restricted=True)
        except RuleParamsError as error:
            errors = [str(error)]
        except Exception as error:  # a detector failing on history must not end in a blank 500
            logger.exception("back-test of %s failed", rule.code)
            errors = [f"回测运行出错（{type(error).__name__}），已记录日志，请联系系统管理员"]
    else:
        errors = [str(message) for message in form.errors.get("params", [])]
    context = {"page_title": f"回测 · {rule.code}", "rule": rule, "result": result, "errors": errors}
    if request.headers.get("HX-Request") == "true":
        return render(request, "risk/_backtest.html", context)
    return render(request, "risk/backtest.html", context)


@require_perm(Perm.RISK_MANAGE)
@require_http_methods(["GET", "POST"])
def rule_override_view(request: HttpRequest, code: str) -> HttpResponse:
    """A unit's local parameters for a rule (本地库), for the units the user maintains."""
    user: Any = request.user
    rule = _rule_of(request, code)
    units = ui.units_risk_manageable_by(user).order_by("path")
    kind = ui.detector_of(rule)
    if kind is None or not units.exists():
        raise PermissionDenied("您没有可设置本地参数的单位")
    _check_audience(user, rule)
    initial: dict[str, Any] = {}
    chosen = units.filter(code=request.GET.get("unit", "")).first()
    if chosen is not None:
        initial["unit"] = chosen
        existing = rule.overrides.filter(unit=chosen).first()
        if existing is not None:
            initial["params"] = ui.pretty_json(existing.params)
            initial["is_enabled"] = (
                "" if existing.is_enabled is None else ("on" if existing.is_enabled else "off")
            )
    form = risk_forms.RuleOverrideForm(
        request.POST or None, rule=rule, kind=kind, units=units, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rule_override_set(
                rule=rule,
                unit=data["unit"],
                actor=user,
                params=data["params"],
                is_enabled=form.enabled_value(),
                reason=data["reason"],
            )
        except (CatalogueError, RuleParamsError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已设置{data['unit'].name}的规则 {rule.code} 本地参数")
            return redirect(_rule_url(rule))
    context = {
        "page_title": f"本地参数 · {rule.code} {rule.name}",
        "form": form,
        "back_url": _rule_url(rule),
        "note": f"规则参数：{ui.pretty_json(rule.params)}",
        "monospace_note": True,
    }
    return render(request, "risk/form.html", context)


# --- 预警 ------------------------------------------------------------------------------------


def _case_url(case_no: str) -> str:
    return reverse("risk:case_detail", args=[case_no])


def _alert_case_url(alert: Any) -> str | None:
    """The case page of the alert's case, if the user may view it (``with_case_visibility``)."""
    return _case_url(alert.case_no) if alert.case_no and getattr(alert, "case_visible", False) else None


def _alert_tabs(request: HttpRequest, views: list[str], current: str) -> list[dict[str, Any]]:
    kept = query_without(request, "view", "page", "export")
    labels = {**risk_forms.ALERT_VIEWS, "unit": ui.unit_view_label(request.user)}
    return [
        {
            "view": view,
            "label": labels[view],
            "url": "?" + (f"{kept}&view={view}" if kept else f"view={view}"),
            "active": view == current,
        }
        for view in views
    ]


@require_perm(Perm.ALERT_VIEW)
def alert_list(request: HttpRequest) -> HttpResponse:
    """Alerts within the user's 预警查看 scope, as tabs (我的 / 本部门 / 本院), with filters and
    counts by status; the Excel export is the same selection (tab and filters)."""
    user: Any = request.user
    alerts = alerts_visible_to(user)
    views = ui.alert_views(user)
    form = risk_forms.AlertFilterForm(
        request.GET,
        rules=ui.rule_codes_and_names(),
        units=ui.alert_units(user),
        departments=ui.alert_departments(user),
        people=ui.alert_people(user, alerts),
        views=views,
    )
    summary: list[dict[str, Any]] = []
    current = "unit"
    if form.is_valid():
        data = form.cleaned_data
        current = data["view"]
        alerts = ui.alert_search(
            alerts_filtered(
                ui.alert_view(alerts, user, current),
                risk_code=data["risk_code"],
                rule=data["rule"],
                disposal_state=data["disposal_state"],
            ),
            level=data["level"],
            unit=form.selected_unit(),
            department=form.selected_department(),
            person=form.selected_person(),
            since=data["since"],
            until=data["until"],
        )
        kept = query_without(request, "status", "page", "export")
        for row in ui.alert_status_counts(alerts):
            query = f"{kept}&status={row['status']}" if kept else f"status={row['status']}"
            summary.append(
                {"label": row["label"], "value": row["count"], "css": row["css"], "url": f"?{query}"}
            )
        alerts = alerts_filtered(alerts, status=data["status"])
    else:
        alerts = alerts.none()
    columns = [
        Column("预警时间", lambda a: a.raised_at),
        BadgeColumn("预警等级", lambda a: a.get_level_display(), css=_level_css),
        Column("预警内容", lambda a: a.title, url=_alert_url, testid="alert-link"),
        Column("风险点编码", lambda a: list(a.risk_codes)),
        Column("规则", lambda a: a.rule.code),
        Column("单位", lambda a: a.unit.name),
        Column("案件编号", lambda a: a.case_no, url=_alert_case_url, testid="case-link"),
        Column("涉及人员", lambda a: a.subject_staff.name if a.subject_staff else ""),
        BadgeColumn(
            "状态", lambda a: a.get_status_display(), css=lambda a: ui.STATUS_BADGES.get(a.status, "")
        ),
        BadgeColumn(
            "处置状态",
            lambda a: a.get_disposal_state_display(),
            css=lambda a: disposal_views.DISPOSAL_BADGES.get(a.disposal_state, ""),
        ),
    ]
    toolbar = (
        [Button("案件查询", reverse("risk:case_list"), "btn-outline-secondary")]
        if user.has_lianjian_perm(Perm.CASE_VIEW)
        else []
    )
    return ui.render_risk_list(
        request,
        title="预警",
        queryset=ui.with_case_visibility(alerts, user),
        columns=columns,
        filter_form=form,
        summary=summary,
        toolbar=toolbar,
        extra_context={"tabs": _alert_tabs(request, views, current)},
        template_name="risk/alert_list.html",
    )


@require_perm(Perm.ALERT_VIEW)
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One alert: what was found (in a sentence), the timeline of the case's events with the
    decisive ones marked, the figures and parameters, the risk points' basis and measures, and
    the disposal."""
    user: Any = request.user
    alert = get_object_or_404(
        alerts_visible_to(user).select_related("case__prosecutor", "case__department"), pk=pk
    )
    evidence = alert.evidence if isinstance(alert.evidence, dict) else {}
    params = evidence.get("params")
    timeline, is_whole_case = ui.alert_timeline(user, alert)
    points, missing_codes = ui.alert_points(alert)
    can_view_case = (
        bool(alert.case_no)
        and user.has_lianjian_perm(Perm.CASE_VIEW)
        and cases_visible_to(user).filter(case_no=alert.case_no).exists()
    )
    context = {
        "page_title": f"预警 · {alert.title}",
        "alert": alert,
        "level_css": _level_css(alert),
        "status_css": ui.STATUS_BADGES.get(alert.status, ""),
        "explanation": alert_explanation(
            kind=alert.rule.kind, evidence=evidence, title=alert.title, rule_name=alert.rule.name
        ),
        "timeline": timeline,
        "timeline_is_whole_case": is_whole_case,
        "figures": ui.evidence_figures(evidence),
        "params_json": ui.pretty_json(params if params is not None else alert.rule.params),
        "params_from_evidence": params is not None,
        "points": [{"point": point, "phases": _phases(point)} for point in points],
        "missing_codes": missing_codes,
        "can_view_rule": user.has_lianjian_perm(Perm.RISK_VIEW),
        "case_url": _case_url(alert.case_no) if can_view_case else None,
        **disposal_views.disposal_context(user, alert),
    }
    return render(request, "risk/alert_detail.html", context)


# --- 检测运行 --------------------------------------------------------------------------------


@require_perm(Perm.SCAN_RUN)
def run_list(request: HttpRequest) -> HttpResponse:
    runs = ui.scan_runs_visible_to(request.user)
    columns = [
        Column("编号", lambda r: f"#{r.pk}", url=_run_url, testid="run-link"),
        Column("方式", lambda r: r.get_mode_display()),
        Column("基准时间", lambda r: r.as_of),
        Column("开始时间", lambda r: r.started_at),
        Column("用时（秒）", lambda r: f"{r.seconds:.1f}"),
        Column("检测案件数", lambda r: "全部" if r.case_count is None else r.case_count),
        Column("新增", lambda r: r.new),
        Column("仍存在", lambda r: r.still_open),
        Column("已消除", lambda r: r.resolved),
        BadgeColumn("状态", lambda r: r.get_status_display(), css=lambda r: ui.SCAN_BADGES.get(r.status, "")),
        Column("发起人", lambda r: r.actor.display_name if r.actor else "系统"),
    ]
    return ui.render_risk_list(
        request,
        title="检测运行",
        queryset=runs,
        columns=columns,
        template_name="risk/run_list.html",
    )


@require_perm(Perm.SCAN_RUN)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ui.scan_runs_visible_to(request.user), pk=pk)
    context = {
        "page_title": f"检测运行 #{run.pk}",
        "run": run,
        "status_css": ui.SCAN_BADGES.get(run.status, ""),
        "results": ui.run_results(run, request.user),
    }
    return render(request, "risk/run_detail.html", context)


@require_perm(Perm.SCAN_RUN)
@require_POST
def scan_start(request: HttpRequest) -> HttpResponse:
    """A full scan now, run in this request (a queued job is a later issue)."""
    report = scan_run(full=True, actor=request.user, note="检测运行页面发起")
    failed = len(report.failed)
    totals = report.totals()
    text = f"全量检测完成：新增 {totals['new']}，仍存在 {totals['still_open']}，已消除 {totals['resolved']}"
    if failed:
        messages.warning(request, f"{text}；{failed} 条规则运行失败，见下表")
    else:
        messages.success(request, text)
    return redirect(reverse("risk:run_detail", args=[report.run_id]))
