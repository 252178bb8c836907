"""Reads of accounts, sessions and the login log, each limited by the reader's data scope.

Accounts are placed in the unit tree through their linked staff member. An account without a
staff link (the administrators' own accounts) belongs to no unit, so only a reader whose scope is
全部 reaches it.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet

from lianjian.accounts.choices import LoginOutcome
from lianjian.accounts.models import LoginEvent, RoleAssignment, User, UserSession, UserSessionQuerySet
from lianjian.common.permissions import Perm
from lianjian.common.scope import Scope
from lianjian.org.models import Department, Staff, Unit


def _user_filter(scope: Scope, prefix: str = "") -> Q:
    """Accounts whose linked staff member lies inside ``scope`` (all accounts for 全部)."""
    return scope.filter(
        unit_path=f"{prefix}staff__unit__path",
        unit=f"{prefix}staff__unit",
        department=f"{prefix}staff__department",
        staff=f"{prefix}staff",
    )


def users_visible_to(user: Any, perm: Perm = Perm.USER_MANAGE) -> QuerySet[User]:
    """Accounts the user may manage under ``perm`` (用户管理 by default, 角色授权 for grants)."""
    scope: Scope = user.scope(perm)
    if scope.is_empty:
        return User.objects.none()
    return User.objects.filter(_user_filter(scope)).select_related(
        "staff", "staff__unit", "staff__department"
    )


def grantees_visible_to(user: Any) -> QuerySet[User]:
    """Accounts within the user's 角色授权 scope, with their role assignments loaded."""
    assignments = RoleAssignment.objects.select_related("unit", "department", "granted_by").order_by("role")
    return users_visible_to(user, Perm.ROLE_GRANT).prefetch_related(Prefetch("roles", queryset=assignments))


def role_assignments_visible_to(user: Any) -> QuerySet[RoleAssignment]:
    """Role assignments of accounts within the user's 角色授权 scope."""
    scope: Scope = user.scope(Perm.ROLE_GRANT)
    if scope.is_empty:
        return RoleAssignment.objects.none()
    return RoleAssignment.objects.filter(_user_filter(scope, "user__")).select_related(
        "user", "unit", "department"
    )


def sessions_visible_to(user: Any) -> UserSessionQuerySet:
    """Login sessions of accounts within the user's 会话管理 scope (live and ended)."""
    scope: Scope = user.scope(Perm.SESSION_MANAGE)
    if scope.is_empty:
        return UserSession.objects.none()
    return UserSession.objects.filter(_user_filter(scope, "user__")).select_related(
        "user", "user__staff", "user__staff__unit"
    )


def login_events_visible_to(user: Any) -> QuerySet[LoginEvent]:
    """The login log within the user's 登录日志 scope.

    Attempts with an unknown user name belong to no unit and are reached only with scope 全部.
    """
    scope: Scope = user.scope(Perm.LOGIN_LOG_VIEW)
    if scope.is_empty:
        return LoginEvent.objects.none()
    return LoginEvent.objects.filter(_user_filter(scope, "user__")).select_related("user")


def staff_linkable_by(user: Any, staff_no: str) -> Staff | None:
    """The staff member with 工号 ``staff_no`` if it lies in the user's 用户管理 scope, else None.

    The system administrator reads no business data, so accounts are linked by a typed 工号
    rather than by browsing the staff list; "absent" and "out of scope" give the same answer.
    """
    scope: Scope = user.scope(Perm.USER_MANAGE)
    if scope.is_empty or not staff_no:
        return None
    q = scope.filter(unit_path="unit__path", unit="unit", department="department", staff="pk")
    return Staff.objects.filter(q, staff_no=staff_no).select_related("unit", "department").first()


def grant_units_for(user: Any) -> QuerySet[Unit]:
    """Units at which the user may anchor a grant: those inside their 角色授权 scope."""
    scope: Scope = user.scope(Perm.ROLE_GRANT)
    if scope.is_empty:
        return Unit.objects.none()
    q = scope.filter(unit_path="path", unit="pk")
    if scope.department_ids:
        q |= Q(pk__in=Department.objects.filter(pk__in=scope.department_ids).values("unit_id"))
    return Unit.objects.filter(q)


def grant_departments_for(user: Any) -> QuerySet[Department]:
    """Departments the user may name in a 本部门 grant."""
    scope: Scope = user.scope(Perm.ROLE_GRANT)
    if scope.is_empty:
        return Department.objects.none()
    q = scope.filter(unit_path="unit__path", unit="unit", department="pk")
    return Department.objects.filter(q).select_related("unit")


def lockout_minutes_left(*, username: str, as_of: datetime) -> int:
    """Whole minutes until ``username`` may try again, or 0 when it is not locked.

    Locked while at least ``LIANJIAN_LOCKOUT_FAILURES`` failed attempts fall inside the last
    ``LIANJIAN_LOCKOUT_WINDOW_MINUTES`` (等保: 登录失败处理, 限制非法登录次数). A successful login ends
    the run of failures. Counted per user name, existing or not, so that the lock message does
    not reveal which names exist.
    """
    threshold: int = settings.LIANJIAN_LOCKOUT_FAILURES
    if threshold <= 0:
        return 0
    window = timedelta(minutes=settings.LIANJIAN_LOCKOUT_WINDOW_MINUTES)
    since = as_of - window
    last_success = (
        LoginEvent.objects.filter(
            username=username, outcome=LoginOutcome.SUCCESS, occurred_at__gt=since, occurred_at__lte=as_of
        )
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    if last_success is not None:
        since = last_success
    failures = list(
        LoginEvent.objects.filter(
            username=username,
            outcome=LoginOutcome.BAD_CREDENTIALS,
            occurred_at__gt=since,
            occurred_at__lte=as_of,
        )
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)[:threshold]
    )
    if len(failures) < threshold:
        return 0
    # The lock lifts when the threshold-th newest failure leaves the window.
    seconds = (failures[-1] + window - as_of).total_seconds()
    return max(1, math.ceil(seconds / 60))
