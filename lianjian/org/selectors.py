"""Reads of the organisation. Everything that reaches a user goes through a ``*_visible_to``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from lianjian.common.permissions import Perm
from lianjian.common.scope import Scope
from lianjian.org.models import Department, Lawyer, PowerRule, Relation, Staff, StaffChange, Unit


def _unit_filter(scope: Scope) -> Q:
    """Units reached by a scope, including the unit of a department or person in scope."""
    q = scope.filter(unit_path="path", unit="pk")
    if scope.department_ids:
        q |= Q(pk__in=Department.objects.filter(pk__in=scope.department_ids).values("unit_id"))
    if scope.staff_ids:
        q |= Q(pk__in=Staff.objects.filter(pk__in=scope.staff_ids).values("unit_id"))
    return q


def units_visible_to(user: Any) -> QuerySet[Unit]:
    """Units the user may see: their scope's units, and the containers of their department or self."""
    return Unit.objects.filter(_unit_filter(user.scope(Perm.ORG_VIEW)))


def departments_visible_to(user: Any) -> QuerySet[Department]:
    scope: Scope = user.scope(Perm.ORG_VIEW)
    q = scope.filter(unit_path="unit__path", unit="unit", department="pk")
    if scope.staff_ids:
        q |= Q(pk__in=Staff.objects.filter(pk__in=scope.staff_ids).values("department_id"))
    return Department.objects.filter(q).select_related("unit")


def staff_visible_to(user: Any) -> QuerySet[Staff]:
    scope: Scope = user.scope(Perm.ORG_VIEW)
    q = scope.filter(unit_path="unit__path", unit="unit", department="department", staff="pk")
    return Staff.objects.filter(q).select_related("unit", "department")


def staff_changes_visible_to(user: Any) -> QuerySet[StaffChange]:
    scope: Scope = user.scope(Perm.ORG_VIEW)
    q = scope.filter(
        unit_path="staff__unit__path", unit="staff__unit", department="staff__department", staff="staff"
    )
    return StaffChange.objects.filter(q).select_related("staff", "unit", "department")


def relations_visible_to(user: Any) -> QuerySet[Relation]:
    """The relationship register within the scope of 关系查看 (personal data: reads are audited)."""
    scope: Scope = user.scope(Perm.RELATION_VIEW)
    q = scope.filter(
        unit_path="staff__unit__path", unit="staff__unit", department="staff__department", staff="staff"
    )
    return Relation.objects.filter(q).select_related("staff", "staff__unit", "other_lawyer", "other_staff")


def lawyers_visible_to(user: Any) -> QuerySet[Lawyer]:
    """Lawyers are public professional data: visible whole to anyone holding 律师查看."""
    if not user.has_lianjian_perm(Perm.LAWYER_VIEW):
        return Lawyer.objects.none()
    return Lawyer.objects.select_related("firm", "former_staff")


def power_rules_visible_to(user: Any) -> QuerySet[PowerRule]:
    """Power-list lines of units in scope, and of their superiors (whose lines they inherit)."""
    scope: Scope = user.scope(Perm.POWER_VIEW)
    if scope.is_empty:
        return PowerRule.objects.none()
    visible_units = Unit.objects.filter(_unit_filter(scope))
    if scope.everything:
        return PowerRule.objects.select_related("unit")
    ancestors = {
        code
        for path in visible_units.values_list("path", flat=True)[:500]
        for code in path.split("/")
        if code
    }
    return PowerRule.objects.filter(Q(unit__in=visible_units) | Q(unit__code__in=ancestors)).select_related(
        "unit"
    )


def unit_ancestors(unit: Unit) -> list[Unit]:
    """From the unit up to the root, nearest first."""
    by_code = {u.code: u for u in Unit.objects.filter(code__in=unit.ancestor_codes())}
    return [by_code[code] for code in reversed(unit.ancestor_codes()) if code in by_code]


def staff_post_on(staff: Staff, day: date) -> tuple[int, int | None, str]:
    """(unit id, department id, position) the person held on ``day``, from the post history.

    Each field takes the value set by the latest change effective on or before ``day`` that
    names it; where no such change exists the staff record's current value stands.
    """
    unit_id, department_id, position = staff.unit_id, staff.department_id, staff.position
    for change in staff.changes.filter(effective_on__lte=day).order_by("effective_on", "change_no"):
        unit_id = change.unit_id or unit_id
        department_id = change.department_id or department_id
        position = change.position or position
    return unit_id, department_id, position


@dataclass(frozen=True)
class PowerAnswer:
    """The answer to "may staff S take decision D on day T?", with its grounds."""

    allowed: bool
    position: str
    unit: Unit
    rule: PowerRule | None
    reason: str


def power_rule_for(unit: Unit, decision: str, day: date, kind: str = "") -> PowerRule | None:
    """The line in force for ``unit`` on ``day``: its own, else the nearest superior's.

    A line for the specific non-prosecution ``kind`` wins over a line for every kind at the same
    unit; the latest ``effective_from`` on or before ``day`` is in force.
    """
    chain = unit_ancestors(unit)
    kinds = [kind, ""] if kind else [""]
    rules = list(
        PowerRule.objects.filter(
            unit__in=chain, decision=decision, kind__in=kinds, effective_from__lte=day
        ).order_by("-effective_from")
    )
    for candidate in chain:
        for wanted_kind in kinds:
            for rule in rules:
                if rule.unit_id == candidate.pk and rule.kind == wanted_kind:
                    return rule
    return None


def staff_may_decide(staff: Staff, decision: str, day: date, kind: str = "") -> PowerAnswer:
    """May ``staff`` take ``decision`` (of ``kind``) on ``day`` under their unit's power list?"""
    unit_id, _department_id, position = staff_post_on(staff, day)
    unit = Unit.objects.get(pk=unit_id)
    rule = power_rule_for(unit, decision, day, kind)
    if rule is None:
        return PowerAnswer(False, position, unit, None, "本院及上级院权力清单均未规定该决定的决定权")
    if position in rule.positions:
        return PowerAnswer(
            True, position, unit, rule, f"依{rule.unit.name}权力清单（{rule.effective_from}起）有权决定"
        )
    return PowerAnswer(
        False,
        position,
        unit,
        rule,
        f"依{rule.unit.name}权力清单（{rule.effective_from}起），该职务无权作出此决定",
    )
