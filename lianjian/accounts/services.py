"""Writes of accounts: sign-in and sessions, passwords, accounts and role grants (F13.1, F13.2).

Every state change records an audit event in the same transaction. Passwords and their hashes,
and session keys (bearer credentials), never reach the audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import logout as django_logout
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from lianjian.accounts.choices import ADMIN_ROLES, DataScope, LoginOutcome, Role, SessionEndReason
from lianjian.accounts.models import LoginEvent, PasswordHistory, RoleAssignment, User, UserSession
from lianjian.accounts.passwords import history_depth
from lianjian.accounts.selectors import (
    lockout_minutes_left,
    role_assignments_visible_to,
    sessions_visible_to,
    users_visible_to,
)
from lianjian.audit.middleware import request_ip
from lianjian.audit.services import audit_record
from lianjian.common.permissions import Perm
from lianjian.common.scope import Scope
from lianjian.org.models import Department, Staff, Unit

BAD_CREDENTIALS_MESSAGE = "用户名或密码错误"
INACTIVE_MESSAGE = "账号已停用，请联系系统管理员"
LAST_SEEN_GRANULARITY = timedelta(minutes=1)
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{2,50}$")
SEPARATION_MESSAGE = "三员分立：系统管理员、安全管理员、审计管理员角色不能与其他任何角色授予同一用户"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a sign-in attempt: the user on success, else a message to show."""

    user: User | None
    error: str = ""


# ---------------------------------------------------------------------------------------------
# Sign-in, sessions


def _client(request: HttpRequest) -> tuple[str | None, str]:
    return request_ip(request), str(request.META.get("HTTP_USER_AGENT", ""))[:300]


def _log_login_event(
    *, username: str, user: User | None, outcome: str, ip: str | None, user_agent: str, at: datetime
) -> LoginEvent:
    return LoginEvent.objects.create(
        username=username[:150], user=user, outcome=outcome, ip=ip, user_agent=user_agent, occurred_at=at
    )


def _delete_django_session(session_key: str) -> None:
    """Remove the server-side session so the next request with that cookie is anonymous."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore(session_key=session_key).delete()


def _end_session(user_session: UserSession, *, reason: str, at: datetime) -> None:
    UserSession.objects.filter(pk=user_session.pk).update(ended_at=at, end_reason=reason)
    user_session.ended_at = at
    user_session.end_reason = reason
    _delete_django_session(user_session.session_key)


def _session_snapshot(user_session: UserSession) -> dict[str, Any]:
    return {
        "session": user_session.pk,
        "ip": user_session.ip,
        "user_agent": user_session.user_agent,
        "ended_at": user_session.ended_at,
        "end_reason": user_session.end_reason,
    }


def session_login(*, request: HttpRequest, username: str, password: str) -> LoginResult:
    """Sign ``username`` in on ``request`` if the password is right and the name is not locked.

    Every attempt lands in the login log, failures included, so this function manages its own
    transactions rather than being atomic as a whole: a refused attempt must still be recorded.
    On success Django's ``login`` gives the session a new key (no session fixation), a
    :class:`UserSession` is opened and the oldest sessions beyond
    ``LIANJIAN_MAX_SESSIONS_PER_USER`` are ended.
    """
    username = username.strip()
    ip, user_agent = _client(request)
    now = timezone.now()
    minutes = lockout_minutes_left(username=username, as_of=now)
    user = User.objects.filter(username=username).first() if username else None
    if minutes:
        _log_login_event(
            username=username, user=user, outcome=LoginOutcome.LOCKED, ip=ip, user_agent=user_agent, at=now
        )
        return LoginResult(None, f"账号已锁定，请 {minutes} 分钟后再试")
    if user is None:
        # Hash anyway, so that the time taken does not reveal that the name does not exist.
        User().set_password(password)
        _log_login_event(
            username=username,
            user=None,
            outcome=LoginOutcome.BAD_CREDENTIALS,
            ip=ip,
            user_agent=user_agent,
            at=now,
        )
        return LoginResult(None, BAD_CREDENTIALS_MESSAGE)
    if not user.check_password(password):
        _log_login_event(
            username=username,
            user=user,
            outcome=LoginOutcome.BAD_CREDENTIALS,
            ip=ip,
            user_agent=user_agent,
            at=now,
        )
        return LoginResult(None, BAD_CREDENTIALS_MESSAGE)
    if not user.is_active:
        _log_login_event(
            username=username, user=user, outcome=LoginOutcome.INACTIVE, ip=ip, user_agent=user_agent, at=now
        )
        return LoginResult(None, INACTIVE_MESSAGE)
    previous_key = request.session.session_key
    with transaction.atomic():
        login(request, user, backend=MODEL_BACKEND)
        if request.session.session_key is None:
            request.session.save()
        session_key = request.session.session_key
        assert session_key is not None
        if previous_key and previous_key != session_key:
            # Signing in over another signed-in session replaces it: its record ends too.
            UserSession.objects.live().filter(session_key=previous_key).update(
                ended_at=now, end_reason=SessionEndReason.LOGOUT
            )
        session_open(user=user, session_key=session_key, ip=ip, user_agent=user_agent)
    return LoginResult(user)


@transaction.atomic
def session_open(*, user: User, session_key: str, ip: str | None, user_agent: str) -> UserSession:
    """Record a new session for ``user``, log the sign-in and end sessions beyond the limit."""
    now = timezone.now()
    user_session = UserSession.objects.create(
        user=user, session_key=session_key, ip=ip, user_agent=user_agent, started_at=now, last_seen_at=now
    )
    displaced: list[int] = []
    limit: int = settings.LIANJIAN_MAX_SESSIONS_PER_USER
    if limit > 0:
        others = (
            UserSession.objects.live()
            .filter(user=user)
            .exclude(pk=user_session.pk)
            .order_by("-started_at", "-pk")
        )
        for old in list(others[limit - 1 :]):
            _end_session(old, reason=SessionEndReason.DISPLACED, at=now)
            displaced.append(old.pk)
    _log_login_event(
        username=user.username, user=user, outcome=LoginOutcome.SUCCESS, ip=ip, user_agent=user_agent, at=now
    )
    audit_record(
        actor=user,
        action="accounts.session.login",
        target=user,
        after={"session": user_session.pk, "ip": ip, "user_agent": user_agent, "displaced": displaced},
    )
    return user_session


def session_logout(*, request: HttpRequest) -> None:
    """Sign the request's user out, ending their session record (主动退出)."""
    user: Any = request.user
    if not user.is_authenticated:
        django_logout(request)
        return
    ip, user_agent = _client(request)
    now = timezone.now()
    with transaction.atomic():
        key = request.session.session_key
        user_session = UserSession.objects.live().filter(session_key=key).first() if key else None
        if user_session is not None:
            UserSession.objects.filter(pk=user_session.pk).update(
                ended_at=now, end_reason=SessionEndReason.LOGOUT
            )
        _log_login_event(
            username=user.username,
            user=user,
            outcome=LoginOutcome.LOGOUT,
            ip=ip,
            user_agent=user_agent,
            at=now,
        )
        audit_record(
            actor=user,
            action="accounts.session.logout",
            target=user,
            after={"session": user_session.pk if user_session else None, "ip": ip},
        )
        django_logout(request)


def session_touch(*, user: User, session_key: str, ip: str | None, user_agent: str) -> str:
    """Check the session on each request: "" if it may go on, else the reason it has ended.

    A session idle longer than ``LIANJIAN_IDLE_TIMEOUT_MINUTES`` is ended here (空闲超时).
    ``last_seen_at`` is written at most once a minute, so the timeout is exact to a minute and
    errs on the side of signing out. A signed-in session without a record (one created outside
    :func:`session_login`) gets one, so that it can be listed and forced out.

    Not atomic on the common path: it runs on every request, and an SQLite transaction in
    IMMEDIATE mode would take the write lock even for this read. Writes open their own.
    """
    now = timezone.now()
    user_session = UserSession.objects.filter(session_key=session_key).first()
    if user_session is None:
        try:
            with transaction.atomic():
                UserSession.objects.create(
                    user=user,
                    session_key=session_key,
                    ip=ip,
                    user_agent=user_agent,
                    started_at=now,
                    last_seen_at=now,
                )
        except IntegrityError:
            pass  # a parallel request of the same session created it first
        return ""
    if user_session.ended_at is not None or user_session.user_id != user.pk:
        return user_session.end_reason or SessionEndReason.FORCED
    idle_minutes: int = settings.LIANJIAN_IDLE_TIMEOUT_MINUTES
    if idle_minutes > 0 and now - user_session.last_seen_at > timedelta(minutes=idle_minutes):
        _session_time_out(user_session, ip=ip, user_agent=user_agent, at=now)
        return SessionEndReason.IDLE_TIMEOUT
    if now - user_session.last_seen_at >= LAST_SEEN_GRANULARITY:
        UserSession.objects.filter(pk=user_session.pk).update(last_seen_at=now)
    return ""


@transaction.atomic
def _session_time_out(user_session: UserSession, *, ip: str | None, user_agent: str, at: datetime) -> None:
    before = _session_snapshot(user_session)
    _end_session(user_session, reason=SessionEndReason.IDLE_TIMEOUT, at=at)
    user = user_session.user
    _log_login_event(
        username=user.username,
        user=user,
        outcome=LoginOutcome.IDLE_TIMEOUT,
        ip=ip,
        user_agent=user_agent,
        at=at,
    )
    audit_record(
        actor=user,
        action="accounts.session.timeout",
        target=user_session,
        before=before,
        after=_session_snapshot(user_session),
    )


@transaction.atomic
def session_force_end(*, actor: User, user_session: UserSession) -> UserSession:
    """强制下线: end another user's live session; it is signed out on its next request."""
    _require_perm(actor, Perm.SESSION_MANAGE)
    if not sessions_visible_to(actor).filter(pk=user_session.pk).exists():
        raise PermissionDenied("该会话不在您的管理范围内")
    if user_session.ended_at is not None:
        raise ValidationError("该会话已结束")
    now = timezone.now()
    before = _session_snapshot(user_session)
    _end_session(user_session, reason=SessionEndReason.FORCED, at=now)
    target_user = user_session.user
    _log_login_event(
        username=target_user.username,
        user=target_user,
        outcome=LoginOutcome.FORCED_LOGOUT,
        ip=user_session.ip,
        user_agent=user_session.user_agent,
        at=now,
    )
    audit_record(
        actor=actor,
        action="accounts.session.force_logout",
        target=user_session,
        before=before,
        after=_session_snapshot(user_session),
    )
    return user_session


def _end_all_sessions(user: User, *, reason: str) -> list[int]:
    now = timezone.now()
    ended = []
    for user_session in UserSession.objects.live().filter(user=user):
        _end_session(user_session, reason=reason, at=now)
        ended.append(user_session.pk)
    return ended


# ---------------------------------------------------------------------------------------------
# Passwords


def _require_perm(actor: Any, perm: Perm) -> None:
    if not actor.has_lianjian_perm(perm):
        raise PermissionDenied("您没有权限执行此操作")


def _password_snapshot(user: User) -> dict[str, Any]:
    return {
        "password_changed_at": user.password_changed_at,
        "must_change_password": user.must_change_password,
    }


def _store_password(user: User, new_password: str, *, must_change: bool) -> None:
    """Set the hash, the change time and the history (trimmed to the configured depth)."""
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.must_change_password = must_change
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    PasswordHistory.objects.create(user=user, password=user.password)
    keep = list(PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[: history_depth()])
    PasswordHistory.objects.filter(user=user).exclude(pk__in=keep).delete()


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> User:
    """A user changes their own password; the old one must be given and the policy met."""
    if not user.check_password(old_password):
        raise ValidationError({"old_password": "原密码不正确"})
    validate_password(new_password, user)
    before = _password_snapshot(user)
    _store_password(user, new_password, must_change=False)
    audit_record(
        actor=user,
        action="accounts.user.password_change",
        target=user,
        before=before,
        after={"password_changed_at": user.password_changed_at, "must_change_password": False},
    )
    return user


@transaction.atomic
def password_set(*, actor: User, user: User, new_password: str, must_change: bool = True) -> User:
    """The system administrator resets ``user``'s password; their sessions are ended."""
    _require_perm(actor, Perm.USER_MANAGE)
    if not users_visible_to(actor).filter(pk=user.pk).exists():
        raise PermissionDenied("该用户不在您的管理范围内")
    validate_password(new_password, user)
    before = _password_snapshot(user)
    _store_password(user, new_password, must_change=must_change)
    ended = _end_all_sessions(user, reason=SessionEndReason.FORCED)
    audit_record(
        actor=actor,
        action="accounts.user.password_reset",
        target=user,
        before=before,
        after={
            "password_changed_at": user.password_changed_at,
            "must_change_password": must_change,
            "sessions_ended": ended,
        },
    )
    return user


# ---------------------------------------------------------------------------------------------
# Accounts


def _user_snapshot(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "staff": user.staff.staff_no if user.staff_id and user.staff else None,
        "is_active": user.is_active,
        "must_change_password": user.must_change_password,
    }


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    display_name: str,
    staff: Staff | None = None,
    password: str,
    must_change: bool = False,
    email: str = "",
) -> User:
    """Create an account, optionally linked to a staff member within the actor's 用户管理 scope.

    ``email``, optional, receives the user's notifications by mail (lianjian.notify).

    ``actor`` None is the system itself (setup and the demo), which is not scope-checked.
    """
    username = username.strip()
    display_name = display_name.strip()
    if actor is not None:
        _require_perm(actor, Perm.USER_MANAGE)
    errors: dict[str, str] = {}
    if not USERNAME_PATTERN.match(username):
        errors["username"] = "用户名须为 2–50 位字母、数字或 _ . @ -"
    elif User.objects.filter(username=username).exists():
        errors["username"] = "用户名已存在"
    if not display_name:
        errors["display_name"] = "请填写显示名称"
    if staff is not None:
        if actor is not None and not actor.scope(Perm.USER_MANAGE).covers_unit(staff.unit):
            errors["staff_no"] = "工号不存在或不在您的管理范围内"
        elif User.objects.filter(staff=staff).exists():
            errors["staff_no"] = "该人员已有账号"
    email = email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = "电子邮箱格式不正确"
    if errors:
        raise ValidationError(errors)
    user = User(username=username, display_name=display_name, staff=staff, email=email)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.must_change_password = must_change
    user.save()
    PasswordHistory.objects.create(user=user, password=user.password)
    audit_record(actor=actor, action="accounts.user.create", target=user, after=_user_snapshot(user))
    return user


@transaction.atomic
def user_set_active(*, actor: User, user: User, is_active: bool) -> User:
    """启用/停用 an account; stopping it also ends its sessions."""
    _require_perm(actor, Perm.USER_MANAGE)
    if not users_visible_to(actor).filter(pk=user.pk).exists():
        raise PermissionDenied("该用户不在您的管理范围内")
    if user.pk == actor.pk and not is_active:
        raise ValidationError("不能停用自己的账号")
    if user.is_active == is_active:
        raise ValidationError("账号已启用" if is_active else "账号已停用")
    before = _user_snapshot(user)
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    ended = [] if is_active else _end_all_sessions(user, reason=SessionEndReason.FORCED)
    audit_record(
        actor=actor,
        action="accounts.user.activate" if is_active else "accounts.user.deactivate",
        target=user,
        before=before,
        after={**_user_snapshot(user), "sessions_ended": ended},
    )
    return user


# ---------------------------------------------------------------------------------------------
# Role grants


def _assignment_snapshot(assignment: RoleAssignment) -> dict[str, Any]:
    return {
        "user": assignment.user.username,
        "role": assignment.role,
        "scope": assignment.scope,
        "unit": assignment.unit.code if assignment.unit else None,
        "department": (
            f"{assignment.department.unit.code}/{assignment.department.code}"
            if assignment.department
            else None
        ),
    }


def _covers_subtree(scope: Scope, unit: Unit) -> bool:
    return scope.everything or unit.path.startswith(scope.subtree_paths)


def _check_within_actor_scope(
    actor_scope: Scope, *, scope: str, unit: Unit | None, department: Department | None, verb: str = "授予"
) -> None:
    """The reach of a grant must lie inside the granting actor's own 角色授权 scope."""
    if scope == DataScope.ALL:
        if not actor_scope.everything:
            raise ValidationError(f"只有授权范围为“全部”的安全管理员才能{verb}“全部”数据范围")
        return
    if scope == DataScope.SELF:
        return  # reaches only the user's own records, and the user was checked to be in scope
    assert unit is not None
    if scope == DataScope.UNIT_AND_BELOW:
        if not _covers_subtree(actor_scope, unit):
            raise ValidationError(f"您的授权范围未覆盖{unit.name}及其全部下级院，不能{verb}“本院及下级”")
    elif scope == DataScope.DEPARTMENT:
        assert department is not None
        if not actor_scope.covers_department(department):
            raise ValidationError(f"{unit.name}{department.name}不在您的授权范围内")
    elif not actor_scope.covers_unit(unit):
        raise ValidationError(f"{unit.name}不在您的授权范围内")


ADMIN_SCOPES = frozenset({DataScope.ALL, DataScope.UNIT_AND_BELOW})


def _check_admin_scope(role: str, scope: str) -> None:
    """Administrators administer units: their scope is 全部 or 本院及下级, never a department or self.

    (The audit log is filed by the actor's unit path, so a narrower audit scope would show nothing.)
    """
    if role in ADMIN_ROLES and scope not in ADMIN_SCOPES:
        raise ValidationError("管理员角色的数据范围只能是“全部”或“本院及下级”")


@transaction.atomic
def role_grant(
    *,
    actor: User,
    user: User,
    role: str,
    scope: str,
    unit: Unit | None = None,
    department: Department | None = None,
) -> RoleAssignment:
    """The security administrator grants ``role`` to ``user`` with a data scope.

    Refused (nothing written) when: the user or the scope reaches beyond the actor's own
    角色授权 scope; the actor grants to themselves; or 三员分立 would be broken — an
    administrator role (系统/安全/审计管理员) held together with any other role.
    """
    _require_perm(actor, Perm.ROLE_GRANT)
    if role not in Role.values:
        raise ValidationError("未知的角色")
    if scope not in DataScope.values:
        raise ValidationError("未知的数据范围")
    if user.pk == actor.pk:
        raise ValidationError("不能给自己授予角色")
    if not users_visible_to(actor, Perm.ROLE_GRANT).filter(pk=user.pk).exists():
        raise ValidationError("该用户不在您的授权范围内")
    if scope == DataScope.ALL:
        unit, department = None, None
    elif scope == DataScope.SELF:
        if user.staff is None:
            raise ValidationError("该用户未关联人员，不能授予“本人”数据范围")
        unit, department = user.staff.unit, None
    elif scope == DataScope.DEPARTMENT:
        if department is None:
            raise ValidationError("“本部门”数据范围须选择范围部门")
        if unit is None:
            unit = department.unit
        if department.unit_id != unit.pk:
            raise ValidationError("范围部门须属于所选范围单位")
    else:
        department = None
        if unit is None:
            raise ValidationError("请选择范围单位")
    _check_within_actor_scope(actor.scope(Perm.ROLE_GRANT), scope=scope, unit=unit, department=department)
    held = set(user.roles.values_list("role", flat=True))
    if role in held:
        raise ValidationError("该用户已拥有此角色，如需调整请先撤销")
    if held and (role in ADMIN_ROLES or held & ADMIN_ROLES):
        raise ValidationError(SEPARATION_MESSAGE)
    _check_admin_scope(role, scope)
    assignment = RoleAssignment.objects.create(
        user=user, role=role, scope=scope, unit=unit, department=department, granted_by=actor
    )
    user.__dict__.pop("_scope_cache", None)
    user.__dict__.pop("_perm_cache", None)
    audit_record(
        actor=actor, action="accounts.role.grant", target=assignment, after=_assignment_snapshot(assignment)
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor: User, assignment: RoleAssignment) -> None:
    """Withdraw a role assignment that lies within the actor's 角色授权 scope."""
    _require_perm(actor, Perm.ROLE_GRANT)
    if not role_assignments_visible_to(actor).filter(pk=assignment.pk).exists():
        raise PermissionDenied("该授权不在您的管理范围内")
    if assignment.user_id == actor.pk:
        raise ValidationError("不能撤销自己的角色")
    _check_within_actor_scope(
        actor.scope(Perm.ROLE_GRANT),
        scope=assignment.scope,
        unit=assignment.unit,
        department=assignment.department,
        verb="撤销",
    )
    before = _assignment_snapshot(assignment)
    pk = assignment.pk
    target_repr = str(assignment)
    assignment.delete()
    assignment.user.__dict__.pop("_scope_cache", None)
    assignment.user.__dict__.pop("_perm_cache", None)
    audit_record(
        actor=actor,
        action="accounts.role.revoke",
        target_type="accounts.roleassignment",
        target_id=str(pk),
        target_repr=target_repr,
        before=before,
    )


@transaction.atomic
def role_grant_system(
    *,
    user: User,
    role: str,
    scope: str,
    unit: Unit | None = None,
    department: Department | None = None,
) -> RoleAssignment:
    """Grant a role as the system itself (setup and the demo), before any security administrator.

    Bounded by nothing but 三员分立 and the anchors a scope needs; audited with no actor, so the
    log shows the grant came from the command line.
    """
    if role not in Role.values or scope not in DataScope.values:
        raise ValidationError("未知的角色或数据范围")
    if scope != DataScope.ALL and unit is None:
        raise ValidationError("请选择范围单位")
    if scope == DataScope.DEPARTMENT and (department is None or department.unit_id != unit.pk):  # type: ignore[union-attr]
        raise ValidationError("范围部门须属于所选范围单位")
    held = set(user.roles.values_list("role", flat=True))
    if role in held:
        raise ValidationError("该用户已拥有此角色")
    if held and (role in ADMIN_ROLES or held & ADMIN_ROLES):
        raise ValidationError(SEPARATION_MESSAGE)
    _check_admin_scope(role, scope)
    assignment = RoleAssignment.objects.create(
        user=user,
        role=role,
        scope=scope,
        unit=None if scope == DataScope.ALL else unit,
        department=department if scope == DataScope.DEPARTMENT else None,
    )
    user.__dict__.pop("_scope_cache", None)
    user.__dict__.pop("_perm_cache", None)
    audit_record(
        actor=None, action="accounts.role.grant", target=assignment, after=_assignment_snapshot(assignment)
    )
    return assignment
