"""Reads of the organisation. Everything that reaches a user goes through a ``*_visible_to``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from lianjian.common.listing import TreeNode
from lianjian.common.permissions import Perm
from lianjian.common.scope import Scope
from lianjian.org.choices import Decision
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


# --- Lists and pages of the organisation (the web shell, issue 2 §6) -------------------------


def units_power_manageable_by(user: Any) -> QuerySet[Unit]:
    """Units whose power list the user may override locally (the whole unit within 权力清单维护)."""
    scope: Scope = user.scope(Perm.POWER_MANAGE)
    if scope.is_empty:
        return Unit.objects.none()
    return Unit.objects.filter(scope.filter(unit_path="path", unit="pk"))


def staff_relation_manageable_by(user: Any) -> QuerySet[Staff]:
    """Staff for whom the user may register relations (the scope of 关系维护)."""
    scope: Scope = user.scope(Perm.RELATION_MANAGE)
    if scope.is_empty:
        return Staff.objects.none()
    return Staff.objects.filter(
        scope.filter(unit_path="unit__path", unit="unit", department="department", staff="pk")
    )


@dataclass(frozen=True)
class OrgFilter:
    """The unit or department chosen in the tree, resolved inside the user's scope.

    ``unknown`` is set when a value was given that names nothing the user may see (a code of
    another unit, a malformed id): the list is then empty, never another unit's data.
    """

    unit: Unit | None = None
    department: Department | None = None
    unknown: bool = False

    def apply(
        self, queryset: QuerySet[Any], *, unit_path: str | None, department: str | None
    ) -> QuerySet[Any]:
        """Narrow ``queryset`` (already scoped) to the chosen unit's subtree or the department."""
        if self.unknown:
            return queryset.none()
        if self.unit is not None:
            if unit_path is None:
                return queryset.none()
            queryset = queryset.filter(**{f"{unit_path}__startswith": self.unit.path})
        if self.department is not None:
            if department is None:
                return queryset.none()
            queryset = queryset.filter(**{department: self.department})
        return queryset


def org_filter_for(user: Any, *, unit_code: str = "", department_id: str = "") -> OrgFilter:
    """Resolve ``?unit=<code>`` / ``?department=<id>`` through the user's visible units/departments."""
    unit = department = None
    if unit_code:
        unit = units_visible_to(user).filter(code=unit_code).first()
        if unit is None:
            return OrgFilter(unknown=True)
    if department_id:
        if not department_id.isdigit():
            return OrgFilter(unknown=True)
        department = departments_visible_to(user).filter(pk=int(department_id)).first()
        if department is None:
            return OrgFilter(unknown=True)
    return OrgFilter(unit=unit, department=department)


TREE_EXPAND_ALL_UNITS = 12
"""Up to this many visible units, the tree shows every unit's departments."""


def _selected_unit_id(selected: OrgFilter) -> int | None:
    if selected.department is not None:
        return selected.department.unit_id
    return selected.unit.pk if selected.unit is not None else None


def _own_unit_id(user: Any) -> int | None:
    staff = getattr(user, "staff", None)
    return staff.unit_id if staff is not None else None


def org_tree_for(
    user: Any,
    *,
    url_for: Callable[[str, str], str],
    selected: OrgFilter | None = None,
    with_departments: bool = True,
) -> list[TreeNode]:
    """The unit (and department) tree the user may see, for the side of list pages.

    Two queries whatever the size: the visible units and the visible departments. Under each
    unit come its own departments (in a tree of more than ``TREE_EXPAND_ALL_UNITS`` units only
    under the chosen unit and the user's own), then its subordinate units; a visible unit whose parent is
    not visible becomes a root. ``url_for("unit", code)`` and
    ``url_for("department", id)`` build the links.
    """
    selected = selected or OrgFilter()
    units = list(units_visible_to(user).order_by("path").values("pk", "code", "name", "parent_id"))
    nodes: dict[int, TreeNode] = {}
    roots: list[TreeNode] = []
    for row in units:
        nodes[row["pk"]] = TreeNode(
            key=f"unit-{row['code']}",
            label=row["name"],
            url=url_for("unit", row["code"]),
            active=selected.unit is not None and selected.unit.pk == row["pk"],
        )
    if with_departments:
        departments = departments_visible_to(user).order_by("code").values("pk", "name", "unit_id")
        if len(units) > TREE_EXPAND_ALL_UNITS:
            # A province-wide tree would list every department of every unit (over a thousand
            # nodes): show departments only under the chosen unit and the user's own unit.
            expanded = {unit_id for unit_id in (_selected_unit_id(selected), _own_unit_id(user)) if unit_id}
            departments = departments.filter(unit_id__in=expanded)
        for dept in departments:
            unit_node = nodes.get(dept["unit_id"])
            if unit_node is None:
                continue
            unit_node.children.append(
                TreeNode(
                    key=f"dept-{dept['pk']}",
                    label=dept["name"],
                    url=url_for("department", str(dept["pk"])),
                    active=selected.department is not None and selected.department.pk == dept["pk"],
                    is_department=True,
                )
            )
    for row in units:
        parent = nodes.get(row["parent_id"]) if row["parent_id"] is not None else None
        (parent.children if parent is not None else roots).append(nodes[row["pk"]])
    return roots


def _count_of(queryset: QuerySet[Any], field: str) -> Coalesce:
    """A correlated ``COUNT`` of ``queryset`` rows whose ``field`` is the outer row."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _active_on(day: date, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}joined_on__isnull": True}) | Q(**{f"{prefix}joined_on__lte": day})) & (
        Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gt": day})
    )


def unit_search(user: Any, *, org: OrgFilter, text: str = "", level: str = "") -> QuerySet[Unit]:
    """Visible units (the chosen unit's subtree), with ``staff_count``: visible staff in post today.

    Counting only visible staff keeps a department head from learning the size of the rest
    of the unit.
    """
    if org.unknown:
        return Unit.objects.none()
    queryset = units_visible_to(user)
    if org.unit is not None:
        queryset = queryset.filter(path__startswith=org.unit.path)
    if org.department is not None:
        queryset = queryset.filter(pk=org.department.unit_id)
    if text:
        queryset = queryset.filter(Q(name__contains=text) | Q(code__contains=text))
    if level:
        queryset = queryset.filter(level=level)
    active_staff = staff_visible_to(user).filter(_active_on(date.today()))
    return queryset.select_related("parent").annotate(staff_count=_count_of(active_staff, "unit"))


def department_search(user: Any, *, org: OrgFilter, text: str = "", kind: str = "") -> QuerySet[Department]:
    """Visible departments (of the chosen unit's subtree), with ``staff_count`` in post today."""
    queryset = org.apply(departments_visible_to(user), unit_path="unit__path", department="pk")
    if text:
        queryset = queryset.filter(Q(name__contains=text) | Q(code__contains=text))
    if kind:
        queryset = queryset.filter(kind=kind)
    active_staff = staff_visible_to(user).filter(_active_on(date.today()))
    return queryset.annotate(staff_count=_count_of(active_staff, "department"))


def staff_search(
    user: Any,
    *,
    org: OrgFilter,
    text: str = "",
    position: str = "",
    is_quota: bool | None = None,
    active_on: date | None = None,
) -> QuerySet[Staff]:
    """Visible staff: ``text`` in 姓名 or 工号, a position, 员额 or not, in post on a day."""
    queryset = org.apply(staff_visible_to(user), unit_path="unit__path", department="department")
    if text:
        queryset = queryset.filter(Q(name__contains=text) | Q(staff_no__contains=text))
    if position:
        queryset = queryset.filter(position=position)
    if is_quota is not None:
        queryset = queryset.filter(is_quota_prosecutor=is_quota)
    if active_on is not None:
        queryset = queryset.filter(_active_on(active_on))
    return queryset


def staff_change_search(
    user: Any,
    *,
    org: OrgFilter,
    text: str = "",
    change: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[StaffChange]:
    """Visible post-history entries, newest first."""
    queryset = org.apply(
        staff_changes_visible_to(user), unit_path="staff__unit__path", department="staff__department"
    )
    if text:
        queryset = queryset.filter(Q(staff__name__contains=text) | Q(staff__staff_no__contains=text))
    if change:
        queryset = queryset.filter(change=change)
    if since is not None:
        queryset = queryset.filter(effective_on__gte=since)
    if until is not None:
        queryset = queryset.filter(effective_on__lte=until)
    return queryset.order_by("-effective_on", "change_no")


def power_rule_search(user: Any, *, org: OrgFilter, decision: str = "") -> QuerySet[PowerRule]:
    """Visible power-list lines; for a chosen unit, its own lines and those it inherits.

    A department chosen in the tree stands for its unit (power lists are per unit).
    """
    if org.unknown:
        return PowerRule.objects.none()
    queryset = power_rules_visible_to(user)
    unit = org.unit or (org.department.unit if org.department is not None else None)
    if unit is not None:
        queryset = queryset.filter(unit__code__in=unit.ancestor_codes())
    if decision:
        queryset = queryset.filter(decision=decision)
    return queryset.order_by("unit__path", "decision", "kind", "-effective_from")


def relation_search(
    user: Any, *, org: OrgFilter, text: str = "", relation: str = "", other_kind: str = ""
) -> QuerySet[Relation]:
    """The relationship register within 关系查看 (callers audit the read)."""
    queryset = org.apply(
        relations_visible_to(user), unit_path="staff__unit__path", department="staff__department"
    )
    if text:
        queryset = queryset.filter(
            Q(staff__name__contains=text)
            | Q(staff__staff_no__contains=text)
            | Q(other_name__contains=text)
            | Q(other__contains=text)
        )
    if relation:
        queryset = queryset.filter(relation=relation)
    if other_kind:
        queryset = queryset.filter(other_kind=other_kind)
    return queryset.select_related("staff__department", "other_lawyer__firm")


def lawyer_search(
    user: Any, *, text: str = "", firm: str = "", former_staff_only: bool = False
) -> QuerySet[Lawyer]:
    """Lawyers by 姓名/执业证号, firm name; optionally only former staff (从业限制)."""
    queryset = lawyers_visible_to(user)
    if text:
        queryset = queryset.filter(Q(name__contains=text) | Q(license_no__contains=text))
    if firm:
        queryset = queryset.filter(firm__name__contains=firm)
    if former_staff_only:
        queryset = queryset.filter(former_staff__isnull=False)
    return queryset


@dataclass(frozen=True)
class PowerLine:
    """A power-list line as it applies to one unit: its own, or inherited from a superior."""

    rule: PowerRule
    inherited: bool


def _resolve_power(chain: list[Unit], rules: list[PowerRule], decision: str, kind: str) -> PowerRule | None:
    """:func:`power_rule_for` over rules already loaded (newest first)."""
    kinds = [kind, ""] if kind else [""]
    for candidate in chain:
        for wanted_kind in kinds:
            for rule in rules:
                if rule.unit_id == candidate.pk and rule.decision == decision and rule.kind == wanted_kind:
                    return rule
    return None


def power_lines_in_force(unit: Unit, day: date) -> list[PowerLine]:
    """Every line in force for ``unit`` on ``day`` (own or inherited), in two queries.

    For each decision and non-prosecution kind that any line of the unit's chain names, the
    line :func:`power_rule_for` would pick; inherited lines are marked.
    """
    chain = unit_ancestors(unit)
    rules = list(
        PowerRule.objects.filter(unit__in=chain, effective_from__lte=day)
        .select_related("unit")
        .order_by("-effective_from")
    )
    keys = {(r.decision, r.kind) for r in rules} | {(r.decision, "") for r in rules}
    found: dict[int, PowerRule] = {}
    for decision, kind in keys:
        rule = _resolve_power(chain, rules, decision, kind)
        if rule is not None:
            found[rule.pk] = rule
    order = {code: i for i, code in enumerate(Decision.values)}
    lines = sorted(found.values(), key=lambda r: (order.get(r.decision, 99), r.kind, r.unit.depth))
    return [PowerLine(rule=r, inherited=r.unit_id != unit.pk) for r in lines]


def staff_changes_of(staff: Staff) -> QuerySet[StaffChange]:
    """A visible person's post history, oldest first (call after fetching ``staff`` in scope)."""
    return staff.changes.select_related("unit", "department").order_by("effective_on", "change_no")


def power_lines_visible_for(user: Any, unit: Unit, day: date) -> list[PowerLine]:
    """:func:`power_lines_in_force` for a unit within the user's 权力清单查看 scope, else nothing."""
    if not Unit.objects.filter(_unit_filter(user.scope(Perm.POWER_VIEW)), pk=unit.pk).exists():
        return []
    return power_lines_in_force(unit, day)


def relations_of_staff_visible_to(user: Any, staff: Staff) -> QuerySet[Relation] | None:
    """The relations of ``staff`` if the user's 关系查看 scope reaches them, else ``None``.

    ``None`` (not an empty list) tells the page to show no relation section at all, so that it
    neither reads nor audits anything.
    """
    scope: Scope = user.scope(Perm.RELATION_VIEW)
    if scope.is_empty:
        return None
    q = scope.filter(unit_path="unit__path", unit="unit", department="department", staff="pk")
    if not Staff.objects.filter(q, pk=staff.pk).exists():
        return None
    return relations_visible_to(user).filter(staff=staff).select_related("other_lawyer__firm")
