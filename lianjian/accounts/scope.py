"""Computing a user's :class:`~lianjian.common.scope.Scope` from their role assignments."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lianjian.accounts.choices import DataScope
from lianjian.accounts.permissions import ROLE_PERMISSIONS
from lianjian.common.permissions import Perm
from lianjian.common.scope import Scope


def scope_for(user: Any, perm: Perm) -> Scope:
    """The union of the scopes of ``user``'s role assignments that grant ``perm``.

    Cached on the user object for the length of one request.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cache: dict[Perm, Scope] = user.__dict__.setdefault("_scope_cache", {})
    if perm in cache:
        return cache[perm]
    scope = scope_of_assignments(_assignments(user), perm=perm, staff_id=user.staff_id)
    cache[perm] = scope
    return scope


def _assignments(user: Any) -> Any:
    """The user's role assignments with their units: those a caller prefetched for many users
    (``prefetch_related("roles")``, no query here), else one query."""
    if "roles" in getattr(user, "_prefetched_objects_cache", {}):
        return user.roles.all()
    return user.roles.select_related("unit")


def scope_of_assignments(assignments: Iterable[Any], *, perm: Perm, staff_id: int | None) -> Scope:
    """The union of the scopes of ``assignments`` (one user's, units loaded) that grant ``perm``.

    :func:`scope_for` reads the assignments of one user; routing prefetches those of many users
    and calls this directly, so both compute the same scope.
    """
    everything = False
    paths: list[str] = []
    units: set[int] = set()
    departments: set[int] = set()
    staff: set[int] = set()
    for assignment in assignments:
        if perm not in ROLE_PERMISSIONS.get(assignment.role, frozenset()):
            continue
        if assignment.scope == DataScope.ALL:
            everything = True
        elif assignment.scope == DataScope.UNIT_AND_BELOW:
            paths.append(assignment.unit.path)
        elif assignment.scope == DataScope.UNIT:
            units.add(assignment.unit_id)
        elif assignment.scope == DataScope.DEPARTMENT:
            departments.add(assignment.department_id)
        elif assignment.scope == DataScope.SELF and staff_id is not None:
            staff.add(staff_id)
    return Scope(everything, tuple(paths), frozenset(units), frozenset(departments), frozenset(staff))


def held_perms(user: Any) -> frozenset[Perm]:
    """Every permission the user's roles grant (cached per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached: frozenset[Perm] | None = user.__dict__.get("_perm_cache")
    if cached is None:
        roles = set(user.roles.values_list("role", flat=True))
        cached = frozenset(p for role in roles for p in ROLE_PERMISSIONS.get(role, frozenset()))
        user.__dict__["_perm_cache"] = cached
    return cached
