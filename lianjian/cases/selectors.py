"""Reads of cases. Everything that reaches a user goes through a ``*_visible_to``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from lianjian.cases.models import Case, Event
from lianjian.common.permissions import Perm
from lianjian.common.scope import Scope


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """Cases in the user's 案件查看 scope: by the case's unit (本院及下级 / 本院), its handling
    department (本部门), or its handling prosecutor (本人: the user's own staff record)."""
    scope: Scope = user.scope(Perm.CASE_VIEW)
    q = scope.filter(unit_path="unit__path", unit="unit", department="department", staff="prosecutor")
    return Case.objects.filter(q).select_related("unit", "prosecutor", "department")


def events_of_case_visible_to(user: Any, case_no: str) -> QuerySet[Event]:
    """The events of one case, in projection order, if the case is visible to the user; else none
    (the same empty answer for "absent" and "forbidden")."""
    if not cases_visible_to(user).filter(case_no=case_no).exists():
        return Event.objects.none()
    return Event.objects.of_case(case_no).select_related("unit", "actor")
