"""Pages of the organisation: lists with the unit/department tree, detail pages, two entry forms.

Views parse, authorise, call a selector or service and render (STYLE.md §2). Every queryset
comes from a ``*_visible_to(user)`` selector; objects are fetched through them, so an object
outside the user's scope is the same 404 as an absent one.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from lianjian.audit.services import audit_read
from lianjian.common.listing import Button, Column, TreeNode, query_without, render_list
from lianjian.common.permissions import Perm
from lianjian.common.views import require_perm
from lianjian.org import forms as org_forms
from lianjian.org import selectors
from lianjian.org.choices import StaffPosition
from lianjian.org.models import Department, Lawyer, PowerRule, Relation, Staff, StaffChange, Unit
from lianjian.org.services import power_rule_create, relation_create

TREE_PARAMS = ("unit", "department")


# --- helpers ---------------------------------------------------------------------------------


def _org_filter(request: HttpRequest) -> selectors.OrgFilter:
    return selectors.org_filter_for(
        request.user,
        unit_code=request.GET.get("unit", "").strip()[:32],
        department_id=request.GET.get("department", "").strip()[:20],
    )


def _tree(request: HttpRequest, org: selectors.OrgFilter, *, with_departments: bool = True) -> list[TreeNode]:
    """The side tree; its links keep the search fields and replace the unit/department."""
    kept = query_without(request, *TREE_PARAMS, "page", "export")

    def url_for(kind: str, key: str) -> str:
        query = urlencode({kind: key})
        return f"{request.path}?{kept}&{query}" if kept else f"{request.path}?{query}"

    return selectors.org_tree_for(
        request.user, url_for=url_for, selected=org, with_departments=with_departments
    )


def _tree_params(request: HttpRequest) -> dict[str, str]:
    """The tree's choice, carried as hidden fields by the search form."""
    return {name: request.GET[name] for name in TREE_PARAMS if request.GET.get(name)}


def _staff_url(staff: Staff | None) -> str | None:
    return reverse("org:staff_detail", args=[staff.pk]) if staff is not None else None


def _unit_url(unit: Unit | None) -> str | None:
    return reverse("org:unit_detail", args=[unit.code]) if unit is not None else None


def _department_url(department: Department | None) -> str | None:
    return reverse("org:department_detail", args=[department.pk]) if department is not None else None


def _position_label(code: str) -> str:
    return str(dict(StaffPosition.choices).get(code, code))


def _filters(form: Any) -> dict[str, Any]:
    """The non-empty search values, for the audit record of a confidential search."""
    return {k: v for k, v in form.cleaned_data.items() if v not in ("", None, False)}


def _org_list_page(
    request: HttpRequest,
    org: selectors.OrgFilter,
    form: Any,
    *,
    title: str,
    queryset: Any,
    columns: list[Column],
    with_departments: bool = True,
    **options: Any,
) -> HttpResponse:
    """A list of organisation data with the unit (and department) tree beside it."""
    return render_list(
        request,
        title=title,
        queryset=queryset,
        columns=columns,
        filter_form=form,
        tree=_tree(request, org, with_departments=with_departments),
        tree_params=_tree_params(request),
        **options,
    )


# --- lists -----------------------------------------------------------------------------------


@require_perm(Perm.ORG_VIEW)
def unit_list(request: HttpRequest) -> HttpResponse:
    org = _org_filter(request)
    form = org_forms.UnitFilterForm(request.GET)
    queryset = (
        selectors.unit_search(request.user, org=org, **form.cleaned_data)
        if form.is_valid()
        else Unit.objects.none()
    )
    columns = [
        Column("单位编码", lambda u: u.code),
        Column("单位名称", lambda u: u.name, url=_unit_url, testid="unit-link"),
        Column("层级", lambda u: u.get_level_display()),
        Column("上级院", lambda u: u.parent.name if u.parent else ""),
        Column("在职人数", lambda u: u.staff_count),
    ]
    return _org_list_page(
        request,
        org,
        form,
        title="单位",
        queryset=queryset,
        columns=columns,
        with_departments=False,
    )


@require_perm(Perm.ORG_VIEW)
def department_list(request: HttpRequest) -> HttpResponse:
    org = _org_filter(request)
    form = org_forms.DepartmentFilterForm(request.GET)
    queryset = (
        selectors.department_search(request.user, org=org, **form.cleaned_data)
        if form.is_valid()
        else Department.objects.none()
    )
    columns = [
        Column("单位", lambda d: d.unit.name),
        Column("部门编码", lambda d: d.code),
        Column("部门名称", lambda d: d.name, url=_department_url, testid="department-link"),
        Column("部门类别", lambda d: d.get_kind_display()),
        Column("在职人数", lambda d: d.staff_count),
    ]
    return _org_list_page(
        request,
        org,
        form,
        title="部门",
        queryset=queryset,
        columns=columns,
    )


STAFF_COLUMNS = [
    Column("工号", lambda s: s.staff_no),
    Column("姓名", lambda s: s.name, url=_staff_url, testid="staff-link"),
    Column("单位", lambda s: s.unit.name),
    Column("部门", lambda s: s.department.name if s.department else ""),
    Column("职务", lambda s: s.get_position_display()),
    Column("员额检察官", lambda s: s.is_quota_prosecutor),
    Column("入职日期", lambda s: s.joined_on),
    Column("离职日期", lambda s: s.left_on),
]


@require_perm(Perm.ORG_VIEW)
def staff_list(request: HttpRequest) -> HttpResponse:
    org = _org_filter(request)
    form = org_forms.StaffFilterForm(request.GET)
    if form.is_valid():
        queryset = selectors.staff_search(
            request.user,
            org=org,
            text=form.cleaned_data["text"],
            position=form.cleaned_data["position"],
            is_quota=form.quota_value(),
            active_on=date.today() if form.cleaned_data["active"] else None,
        )
    else:
        queryset = Staff.objects.none()
    return _org_list_page(
        request,
        org,
        form,
        title="人员",
        queryset=queryset,
        columns=STAFF_COLUMNS,
    )


@require_perm(Perm.ORG_VIEW)
def staff_change_list(request: HttpRequest) -> HttpResponse:
    org = _org_filter(request)
    form = org_forms.StaffChangeFilterForm(request.GET)
    queryset = (
        selectors.staff_change_search(request.user, org=org, **form.cleaned_data)
        if form.is_valid()
        else StaffChange.objects.none()
    )
    columns = [
        Column("变动编号", lambda c: c.change_no),
        Column("工号", lambda c: c.staff.staff_no),
        Column("姓名", lambda c: c.staff.name, url=lambda c: _staff_url(c.staff), testid="staff-link"),
        Column("生效日期", lambda c: c.effective_on),
        Column("变动类型", lambda c: c.get_change_display()),
        Column("新单位", lambda c: c.unit.name if c.unit else ""),
        Column("新部门", lambda c: c.department.name if c.department else ""),
        Column("新职务", lambda c: c.get_position_display() if c.position else ""),
    ]
    return _org_list_page(
        request,
        org,
        form,
        title="岗位变动",
        queryset=queryset,
        columns=columns,
    )


def _power_check(request: HttpRequest) -> dict[str, Any]:
    """The power checker beside the power list: its form and, when asked, its answer."""
    asked = any(key.startswith("check-") for key in request.GET)
    form = org_forms.PowerCheckForm(
        request.GET if asked else None, user=request.user, initial={"day": date.today()}
    )
    context: dict[str, Any] = {"check_form": form, "answer": None}
    if asked and form.is_valid() and form.staff is not None:
        answer = selectors.staff_may_decide(
            form.staff, form.cleaned_data["decision"], form.cleaned_data["day"], form.cleaned_data["kind"]
        )
        context.update(
            answer=answer,
            answer_staff=form.staff,
            answer_position=_position_label(answer.position),
            answer_inherited=answer.rule is not None and answer.rule.unit_id != answer.unit.pk,
        )
    return context


@require_perm(Perm.POWER_VIEW)
def power_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    org = _org_filter(request)
    form = org_forms.PowerFilterForm(request.GET)
    queryset = (
        selectors.power_rule_search(user, org=org, **form.cleaned_data)
        if form.is_valid()
        else PowerRule.objects.none()
    )
    columns = [
        Column("单位", lambda r: r.unit.name),
        Column("决定类型", lambda r: r.get_decision_display()),
        Column("不起诉类别", lambda r: r.get_kind_display() if r.kind else "全部"),
        Column("有权职务", lambda r: r.position_labels()),
        Column("生效日期", lambda r: r.effective_from),
    ]
    unit = org.unit or (org.department.unit if org.department is not None else None)
    if unit is not None:
        in_force = {line.rule.pk for line in selectors.power_lines_in_force(unit, date.today())}
        columns += [
            Column("来源", lambda r: "本院" if r.unit_id == unit.pk else f"继承自{r.unit.name}"),
            Column("今日适用", lambda r: r.pk in in_force),
        ]
    toolbar = []
    if user.has_lianjian_perm(Perm.POWER_MANAGE):
        toolbar.append(Button("新增本院权力条目", reverse("org:power_rule_create"), "btn-primary"))
    return _org_list_page(
        request,
        org,
        form,
        title="权力清单",
        queryset=queryset,
        columns=columns,
        with_departments=False,
        toolbar=toolbar,
        template_name="org/power_list.html",
        extra_context={**_power_check(request), "selected_unit": unit},
    )


@require_perm(Perm.RELATION_VIEW)
def relation_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    org = _org_filter(request)
    form = org_forms.RelationFilterForm(request.GET)
    valid = form.is_valid()
    queryset = (
        selectors.relation_search(user, org=org, **form.cleaned_data) if valid else Relation.objects.none()
    )
    filters = {**_tree_params(request), **(_filters(form) if valid else {})}
    columns = [
        Column("关系编号", lambda r: r.relation_no),
        Column("人员", lambda r: r.staff.name, url=lambda r: _staff_url(r.staff), testid="staff-link"),
        Column("工号", lambda r: r.staff.staff_no),
        Column("单位", lambda r: r.staff.unit.name),
        Column("关系", lambda r: r.get_relation_display()),
        Column("对方类别", lambda r: r.get_other_kind_display()),
        Column("对方姓名", lambda r: r.other_name),
        Column("对方标识", lambda r: r.other),
        Column(
            "律师事务所",
            lambda r: r.other_lawyer.firm.name if r.other_lawyer and r.other_lawyer.firm else "",
        ),
    ]

    def on_export() -> None:
        audit_read(actor=user, action="org.relation.export", filters=filters, rows=queryset.count())

    if request.GET.get("export") != "xlsx":
        # Reading the register is confidential: every search is recorded (F13.3).
        audit_read(actor=user, action="org.relation.search", filters=filters)
    toolbar = []
    if user.has_lianjian_perm(Perm.RELATION_MANAGE):
        toolbar.append(Button("登记特殊关系", reverse("org:relation_create"), "btn-primary"))
    return _org_list_page(
        request,
        org,
        form,
        title="特殊关系登记",
        queryset=queryset,
        columns=columns,
        toolbar=toolbar,
        on_export=on_export,
    )


@require_perm(Perm.LAWYER_VIEW)
def lawyer_list(request: HttpRequest) -> HttpResponse:
    form = org_forms.LawyerFilterForm(request.GET)
    queryset = (
        selectors.lawyer_search(
            request.user,
            text=form.cleaned_data["text"],
            firm=form.cleaned_data["firm"],
            former_staff_only=form.cleaned_data["former_staff"],
        )
        if form.is_valid()
        else Lawyer.objects.none()
    )
    columns = [
        Column("执业证号", lambda lw: lw.license_no),
        Column("姓名", lambda lw: lw.name),
        Column("律师事务所", lambda lw: lw.firm.name if lw.firm else ""),
        Column("原检察人员", lambda lw: str(lw.former_staff) if lw.former_staff else ""),
    ]
    return render_list(request, title="律师", queryset=queryset, columns=columns, filter_form=form)


# --- detail pages ----------------------------------------------------------------------------


@require_perm(Perm.ORG_VIEW)
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    user: Any = request.user
    unit = get_object_or_404(selectors.units_visible_to(user).select_related("parent"), code=code)
    org = selectors.OrgFilter(unit=unit)
    departments = selectors.department_search(user, org=org).filter(unit=unit)
    children = selectors.unit_search(user, org=org).filter(parent=unit)
    staff = selectors.staff_search(user, org=org, active_on=date.today())
    context = {
        "page_title": f"单位 · {unit.name}",
        "unit": unit,
        "departments": departments,
        "children": children,
        "staff_here": staff.filter(unit=unit).count(),
        "staff_subtree": staff.count(),
        "can_view_power": user.has_lianjian_perm(Perm.POWER_VIEW),
        "power_lines": selectors.power_lines_visible_for(user, unit, date.today()),
        "today": date.today(),
    }
    return render(request, "org/unit_detail.html", context)


@require_perm(Perm.ORG_VIEW)
def department_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    department = get_object_or_404(selectors.departments_visible_to(user), pk=pk)
    staff = selectors.staff_search(user, org=selectors.OrgFilter(department=department))
    context = {
        "page_title": f"部门 · {department.name}",
        "department": department,
        "staff": staff,
        "active_count": selectors.staff_search(
            user, org=selectors.OrgFilter(department=department), active_on=date.today()
        ).count(),
    }
    return render(request, "org/department_detail.html", context)


@require_perm(Perm.ORG_VIEW)
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    staff = get_object_or_404(selectors.staff_visible_to(user), pk=pk)
    relations_qs = selectors.relations_of_staff_visible_to(user, staff)
    relations = list(relations_qs) if relations_qs is not None else None
    if relations is not None:
        # The relationship register is personal data: showing it is an audited read.
        audit_read(actor=user, action="org.relation.view", target=staff, rows=len(relations))
    context = {
        "page_title": f"人员 · {staff.name}",
        "staff": staff,
        "changes": selectors.staff_changes_of(staff),
        "relations": relations,
        "lawyer_careers": selectors.lawyers_visible_to(user).filter(former_staff=staff),
    }
    return render(request, "org/staff_detail.html", context)


# --- entry forms -----------------------------------------------------------------------------


@require_perm(Perm.POWER_MANAGE)
def power_rule_create_view(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = org_forms.PowerRuleForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rule = power_rule_create(
                actor=user,
                unit=data["unit"],
                decision=data["decision"],
                kind=data["kind"],
                effective_from=data["effective_from"],
                positions=list(data["positions"]),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"已新增{rule.unit.name}权力清单条目：{rule.get_decision_display()}")
            return redirect(f"{reverse('org:power_list')}?{urlencode({'unit': rule.unit.code})}")
    return render(
        request,
        "org/form.html",
        {"page_title": "新增本院权力条目", "form": form, "back_url": reverse("org:power_list")},
    )


@require_perm(Perm.RELATION_MANAGE)
def relation_create_view(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = org_forms.RelationForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid() and form.staff is not None:
        data = form.cleaned_data
        try:
            relation = relation_create(
                actor=user,
                staff=form.staff,
                other_kind=data["other_kind"],
                other=data["other"],
                other_name=data["other_name"],
                relation=data["relation"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"已登记特殊关系 {relation.relation_no}")
            return redirect(reverse("org:relation_list"))
    return render(
        request,
        "org/form.html",
        {"page_title": "登记特殊关系", "form": form, "back_url": reverse("org:relation_list")},
    )
