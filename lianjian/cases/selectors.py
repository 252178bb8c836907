"""Reads of cases. Everything that reaches a user goes through a ``*_visible_to``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from lianjian.cases.models import Case, CaseLawyer, CaseStage, Event
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


def case_search(cases: QuerySet[Case], *, case_no: str = "", line: str = "") -> QuerySet[Case]:
    """``cases`` (already scoped) whose number contains ``case_no``, of business line ``line``,
    the latest active first."""
    if case_no.strip():
        cases = cases.filter(case_no__icontains=case_no.strip())
    if line:
        cases = cases.filter(line=line)
    return cases.order_by("-last_event_at", "case_no")


def stages_of(case: Case) -> QuerySet[CaseStage]:
    """The stages of a case already fetched through :func:`cases_visible_to`, in order."""
    return CaseStage.objects.filter(case=case).select_related("unit").order_by("number")


def lawyers_of(case: Case) -> QuerySet[CaseLawyer]:
    """The lawyers' engagements on a case already fetched through :func:`cases_visible_to`."""
    return CaseLawyer.objects.filter(case=case).select_related("lawyer").order_by("engaged_at", "license_no")
