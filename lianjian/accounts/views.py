"""Pages of accounts: sign-in, password, users, grants, sessions, login log (thin views)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.accounts import api_tokens, selectors, services
from lianjian.accounts.forms import (
    ApiTokenFilterForm,
    ApiTokenForm,
    GrantFilterForm,
    GrantForm,
    LoginForm,
    LoginLogFilterForm,
    PasswordChangeForm,
    PasswordResetForm,
    SessionFilterForm,
    UserCreateForm,
    UserFilterForm,
)
from lianjian.accounts.models import ApiToken, User, UserSession
from lianjian.accounts.passwords import password_help_texts
from lianjian.audit.services import audit_read
from lianjian.common.listing import Button, Column, render_list
from lianjian.common.permissions import Perm
from lianjian.common.views import require_perm


def _form_errors(form: Any, exc: ValidationError, aliases: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form (field errors where the field exists)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            field = (aliases or {}).get(name, name)
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error.messages)
    else:
        form.add_error(None, exc.messages)


def _bad_request_message(request: HttpRequest, exc: ValidationError) -> None:
    for text in exc.messages:
        messages.error(request, text)


# ---------------------------------------------------------------------------------------------
# Sign-in, sign-out, own password


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    error = ""
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.session_login(
            request=request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if result.user is not None:
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
        error = result.error
    elif request.method == "POST":
        error = "请输入用户名和密码"
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "next": next_url, "page_title": "登录"},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    services.session_logout(request=request)
    messages.info(request, "您已安全退出。")
    return redirect("accounts:login")


@sensitive_post_parameters("old_password", "new_password", "new_password_again")
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, "密码已修改。")
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(
        request,
        "accounts/form.html",
        {
            "page_title": "修改密码",
            "form": form,
            "submit_label": "修改密码",
            "help_texts": password_help_texts(),
            "cancel_url": reverse(settings.LOGIN_REDIRECT_URL),
        },
    )


# ---------------------------------------------------------------------------------------------
# Users (系统管理员)


def _user_detail_url(user: User) -> str:
    return reverse("accounts:user_detail", args=[user.pk])


@require_perm(Perm.USER_MANAGE)
def user_list(request: HttpRequest) -> HttpResponse:
    queryset = selectors.users_visible_to(request.user)
    form = UserFilterForm(request.GET or None)
    if form.is_valid():
        if q := form.cleaned_data["q"].strip():
            queryset = queryset.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
        if form.cleaned_data["active"] in {"0", "1"}:
            queryset = queryset.filter(is_active=form.cleaned_data["active"] == "1")
    columns = [
        Column("用户名", lambda u: u.username, _user_detail_url),
        Column("显示名称", lambda u: u.display_name),
        Column("工号", lambda u: u.staff.staff_no if u.staff else ""),
        Column("单位", lambda u: u.staff.unit.name if u.staff else ""),
        Column("状态", lambda u: "启用" if u.is_active else "停用"),
        Column("须修改密码", lambda u: u.must_change_password),
        Column("密码修改时间", lambda u: u.password_changed_at),
        Column("创建时间", lambda u: u.created_at),
    ]
    return render_list(
        request,
        title="用户管理",
        queryset=queryset.order_by("username"),
        columns=columns,
        filter_form=form,
        toolbar=[Button("新增用户", reverse("accounts:user_create"), "btn-primary")],
    )


@sensitive_post_parameters("new_password", "new_password_again")
@require_perm(Perm.USER_MANAGE)
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        staff = None
        staff_no = data["staff_no"].strip()
        if staff_no:
            staff = selectors.staff_linkable_by(actor, staff_no)
            if staff is None:
                form.add_error("staff_no", "工号不存在或不在您的管理范围内")
        if not form.errors:
            try:
                user = services.user_create(
                    actor=actor,
                    username=data["username"],
                    display_name=data["display_name"],
                    staff=staff,
                    password=data["new_password"],
                    must_change=data["must_change"],
                    email=data["email"],
                )
            except ValidationError as exc:
                _form_errors(form, exc, {"password": "new_password"})
            else:
                messages.success(request, f"已创建用户 {user.username}。")
                return redirect("accounts:user_detail", pk=user.pk)
    return render(
        request,
        "accounts/form.html",
        {
            "page_title": "新增用户",
            "form": form,
            "submit_label": "创建",
            "help_texts": password_help_texts(),
            "cancel_url": reverse("accounts:user_list"),
        },
    )


@require_perm(Perm.USER_MANAGE)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(selectors.users_visible_to(request.user), pk=pk)
    context = {"page_title": f"用户 {user.username}", "account": user}
    return render(request, "accounts/user_detail.html", context)


@require_perm(Perm.USER_MANAGE)
@require_POST
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    user = get_object_or_404(selectors.users_visible_to(actor), pk=pk)
    is_active = request.POST.get("is_active") == "1"
    try:
        services.user_set_active(actor=actor, user=user, is_active=is_active)
    except ValidationError as exc:
        _bad_request_message(request, exc)
    else:
        messages.success(request, f"已{'启用' if is_active else '停用'}用户 {user.username}。")
    return redirect("accounts:user_detail", pk=user.pk)


@sensitive_post_parameters("new_password", "new_password_again")
@require_perm(Perm.USER_MANAGE)
@require_http_methods(["GET", "POST"])
def user_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    user = get_object_or_404(selectors.users_visible_to(actor), pk=pk)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_set(
                actor=actor,
                user=user,
                new_password=form.cleaned_data["new_password"],
                must_change=form.cleaned_data["must_change"],
            )
        except ValidationError as exc:
            form.add_error("new_password", exc.messages)
        else:
            messages.success(request, f"已重置 {user.username} 的密码。")
            return redirect("accounts:user_detail", pk=user.pk)
    return render(
        request,
        "accounts/form.html",
        {
            "page_title": f"重置密码：{user}",
            "form": form,
            "submit_label": "重置密码",
            "help_texts": password_help_texts(),
            "cancel_url": _user_detail_url(user),
        },
    )


# ---------------------------------------------------------------------------------------------
# Grants (安全管理员)


def _roles_text(user: User) -> list[str]:
    return [str(assignment) for assignment in user.roles.all()]


@require_perm(Perm.ROLE_GRANT)
def grant_list(request: HttpRequest) -> HttpResponse:
    queryset = selectors.grantees_visible_to(request.user)
    form = GrantFilterForm(request.GET or None)
    if form.is_valid():
        if q := form.cleaned_data["q"].strip():
            queryset = queryset.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
        if role := form.cleaned_data["role"]:
            queryset = queryset.filter(roles__role=role)
    columns = [
        Column("用户名", lambda u: u.username, lambda u: reverse("accounts:grant_detail", args=[u.pk])),
        Column("显示名称", lambda u: u.display_name),
        Column("单位", lambda u: u.staff.unit.name if u.staff else ""),
        Column("状态", lambda u: "启用" if u.is_active else "停用"),
        Column("角色（数据范围）", _roles_text),
    ]
    return render_list(
        request, title="角色授权", queryset=queryset.order_by("username"), columns=columns, filter_form=form
    )


def _grant_form(actor: Any, data: Any = None) -> GrantForm:
    return GrantForm(
        data,
        units=selectors.grant_units_for(actor),
        departments=selectors.grant_departments_for(actor),
    )


@require_perm(Perm.ROLE_GRANT)
@require_http_methods(["GET", "POST"])
def grant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    user = get_object_or_404(selectors.grantees_visible_to(actor), pk=pk)
    form = _grant_form(actor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assignment = services.role_grant(
                actor=actor,
                user=user,
                role=data["role"],
                scope=data["scope"],
                unit=data["unit"],
                department=data["department"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"已授予 {user.username}：{assignment}。")
            return redirect("accounts:grant_detail", pk=user.pk)
    return render(
        request,
        "accounts/grant_detail.html",
        {
            "page_title": f"角色授权：{user}",
            "account": user,
            "assignments": list(user.roles.all()),
            "form": form,
            "is_self": user.pk == actor.pk,
        },
    )


@require_perm(Perm.ROLE_GRANT)
@require_POST
def grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    assignment = get_object_or_404(selectors.role_assignments_visible_to(actor), pk=pk)
    user_pk = assignment.user_id
    text = str(assignment)
    try:
        services.role_revoke(actor=actor, assignment=assignment)
    except ValidationError as exc:
        _bad_request_message(request, exc)
    else:
        messages.success(request, f"已撤销：{text}。")
    return redirect("accounts:grant_detail", pk=user_pk)


# ---------------------------------------------------------------------------------------------
# Sessions (安全管理员)


def _live_sessions(actor: Any) -> QuerySet[UserSession]:
    """Sessions neither ended nor idle past the timeout (those end on their next request)."""
    since = timezone.now() - timedelta(minutes=settings.LIANJIAN_IDLE_TIMEOUT_MINUTES)
    return selectors.sessions_visible_to(actor).live().filter(last_seen_at__gte=since)


@require_perm(Perm.SESSION_MANAGE)
def session_list(request: HttpRequest) -> HttpResponse:
    queryset = _live_sessions(request.user)
    form = SessionFilterForm(request.GET or None)
    if form.is_valid() and (q := form.cleaned_data["q"].strip()):
        queryset = queryset.filter(Q(user__username__icontains=q) | Q(user__display_name__icontains=q))
    columns = [
        Column("用户名", lambda s: s.user.username),
        Column("显示名称", lambda s: s.user.display_name),
        Column("单位", lambda s: s.user.staff.unit.name if s.user.staff else ""),
        Column("IP 地址", lambda s: s.ip),
        Column("浏览器", lambda s: s.user_agent[:60]),
        Column("登录时间", lambda s: s.started_at),
        Column("最近活动", lambda s: s.last_seen_at),
        Column("操作", lambda s: "强制下线", lambda s: reverse("accounts:session_force_logout", args=[s.pk])),
    ]
    return render_list(
        request,
        title="在线会话",
        queryset=queryset.order_by("-last_seen_at", "-pk"),
        columns=columns,
        filter_form=form,
    )


@require_perm(Perm.SESSION_MANAGE)
@require_http_methods(["GET", "POST"])
def session_force_logout(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    user_session = get_object_or_404(selectors.sessions_visible_to(actor).live(), pk=pk)
    if request.method == "POST":
        try:
            services.session_force_end(actor=actor, user_session=user_session)
        except ValidationError as exc:
            _bad_request_message(request, exc)
        else:
            messages.success(request, f"已强制下线 {user_session.user}。")
        return redirect("accounts:session_list")
    return render(
        request,
        "accounts/confirm.html",
        {
            "page_title": "强制下线",
            "question": (
                f"确定将 {user_session.user} 于 {timezone.localtime(user_session.started_at):%Y-%m-%d %H:%M} "
                f"从 {user_session.ip or '未知地址'} 登录的会话强制下线吗？"
            ),
            "submit_label": "强制下线",
            "cancel_url": reverse("accounts:session_list"),
        },
    )


# ---------------------------------------------------------------------------------------------
# Login log (审计管理员)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@require_perm(Perm.LOGIN_LOG_VIEW)
def login_log(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    queryset = selectors.login_events_visible_to(actor)
    form = LoginLogFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if username := data["username"].strip():
            queryset = queryset.filter(username__icontains=username)
        if data["outcome"]:
            queryset = queryset.filter(outcome=data["outcome"])
        if data["date_from"]:
            queryset = queryset.filter(occurred_at__gte=_day_start(data["date_from"]))
        if data["date_to"]:
            queryset = queryset.filter(occurred_at__lt=_day_start(data["date_to"]) + timedelta(days=1))
    columns = [
        Column("时间", lambda e: e.occurred_at),
        Column("用户名", lambda e: e.username),
        Column("显示名称", lambda e: e.user.display_name if e.user else ""),
        Column("结果", lambda e: e.get_outcome_display()),
        Column("IP 地址", lambda e: e.ip),
        Column("浏览器", lambda e: e.user_agent),
    ]

    def on_export() -> None:
        audit_read(actor=actor, action="accounts.login_log.export", filters=request.GET.dict())

    return render_list(
        request,
        title="登录日志",
        queryset=queryset.order_by("-occurred_at", "-pk"),
        columns=columns,
        filter_form=form,
        on_export=on_export,
    )


# ---------------------------------------------------------------------------------------------
# API tokens of integrating systems (安全管理员)


def _token_units_text(token: ApiToken) -> str:
    return "、".join(f"{unit.name}（{unit.code}）" for unit in token.units.all())


def _token_state(token: ApiToken) -> str:
    if not token.is_active:
        return "已撤销"
    if token.expires_at is not None and token.expires_at <= timezone.now():
        return "已过期"
    return "有效"


@require_perm(Perm.API_TOKEN_MANAGE)
def api_token_list(request: HttpRequest) -> HttpResponse:
    queryset = api_tokens.api_tokens_visible_to(request.user)
    form = ApiTokenFilterForm(request.GET or None)
    if form.is_valid():
        if q := form.cleaned_data["q"].strip():
            queryset = queryset.filter(Q(name__icontains=q) | Q(prefix__icontains=q))
        if form.cleaned_data["active"] in {"0", "1"}:
            queryset = queryset.filter(is_active=form.cleaned_data["active"] == "1")
    columns = [
        Column("名称", lambda t: t.name),
        Column("令牌前缀", lambda t: f"{t.prefix}…"),
        Column("授权单位（含下级）", _token_units_text),
        Column("状态", _token_state),
        Column("有效期至", lambda t: t.expires_at),
        Column("最近使用", lambda t: t.last_used_at),
        Column("创建人", lambda t: t.created_by.display_name if t.created_by else ""),
        Column("创建时间", lambda t: t.created_at),
        Column(
            "操作",
            lambda t: "撤销" if t.is_active else "",
            lambda t: reverse("accounts:api_token_revoke", args=[t.pk]) if t.is_active else None,
        ),
    ]
    return render_list(
        request,
        title="接口令牌",
        queryset=queryset.order_by("-created_at", "-pk"),
        columns=columns,
        filter_form=form,
        toolbar=[Button("新建令牌", reverse("accounts:api_token_create"), "btn-primary")],
    )


@never_cache
@require_perm(Perm.API_TOKEN_MANAGE)
@require_http_methods(["GET", "POST"])
def api_token_create(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    form = ApiTokenForm(request.POST or None, units=api_tokens.api_token_units_for(actor))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        expires_on = data["expires_on"]
        try:
            token, secret = api_tokens.api_token_create(
                actor=actor,
                name=data["name"],
                units=list(data["units"]),
                expires_at=_day_start(expires_on) + timedelta(days=1) if expires_on else None,
            )
        except ValidationError as exc:
            _form_errors(form, exc, {"expires_at": "expires_on"})
        else:
            # The secret is shown in this response only: it is not stored, and the page is not
            # cached nor reachable again.
            return render(
                request,
                "accounts/api_token_created.html",
                {"page_title": "接口令牌已创建", "token": token, "secret": secret},
            )
    return render(
        request,
        "accounts/form.html",
        {
            "page_title": "新建接口令牌",
            "form": form,
            "submit_label": "创建",
            "cancel_url": reverse("accounts:api_token_list"),
        },
    )


@require_perm(Perm.API_TOKEN_MANAGE)
@require_http_methods(["GET", "POST"])
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    token = get_object_or_404(api_tokens.api_tokens_visible_to(actor).filter(is_active=True), pk=pk)
    if request.method == "POST":
        try:
            api_tokens.api_token_revoke(actor=actor, token=token)
        except ValidationError as exc:
            _bad_request_message(request, exc)
        else:
            messages.success(request, f"已撤销接口令牌 {token}。")
        return redirect("accounts:api_token_list")
    return render(
        request,
        "accounts/confirm.html",
        {
            "page_title": "撤销接口令牌",
            "question": (
                f"确定撤销接口令牌 {token} 吗？撤销后使用该令牌的系统将立即无法访问接口，且不可恢复。"
            ),
            "submit_label": "撤销",
            "cancel_url": reverse("accounts:api_token_list"),
        },
    )
