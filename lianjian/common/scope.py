"""The data scope of a user for one permission, as a filter over the unit tree (F13.2).

Domain apps build their ``*_visible_to(user)`` selectors from ``user.scope(perm)``: the user
object (``lianjian.accounts.models.User``) computes it from its role assignments, so apps below
accounts in the dependency order depend only on this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db.models import Q

from lianjian.common.permissions import Perm

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Scope:
    """The reach of one permission for one user: the union of its role assignments' scopes."""

    everything: bool = False
    subtree_paths: tuple[str, ...] = ()
    unit_ids: frozenset[int] = field(default_factory=frozenset)
    department_ids: frozenset[int] = field(default_factory=frozenset)
    staff_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not (
            self.everything or self.subtree_paths or self.unit_ids or self.department_ids or self.staff_ids
        )

    def filter(
        self,
        *,
        unit_path: str | None = None,
        unit: str | None = None,
        department: str | None = None,
        staff: str | None = None,
    ) -> Q:
        """A ``Q`` for a model that reaches its unit, department and staff by the given lookups.

        ``unit_path`` is the lookup of the unit's materialised ``path`` (``unit__path``); a lookup
        left out means the model cannot be reached that way.
        """
        if self.everything:
            return Q()
        q = NOTHING
        if unit_path is not None:
            for path in self.subtree_paths:
                q |= Q(**{f"{unit_path}__startswith": path})
        if unit is not None and self.unit_ids:
            q |= Q(**{f"{unit}__in": sorted(self.unit_ids)})
        if department is not None and self.department_ids:
            q |= Q(**{f"{department}__in": sorted(self.department_ids)})
        if staff is not None and self.staff_ids:
            q |= Q(**{f"{staff}__in": sorted(self.staff_ids)})
        return q

    def covers_unit(self, unit: Any) -> bool:
        """Whether all of ``unit``'s data lies inside this scope (bounds what may be granted)."""
        return bool(self.everything or unit.pk in self.unit_ids or unit.path.startswith(self.subtree_paths))

    def covers_department(self, department: Any) -> bool:
        return self.covers_unit(department.unit) or department.pk in self.department_ids


class ScopedUser(Protocol):
    """What apps may ask of ``request.user`` (implemented by ``accounts.User``)."""

    is_authenticated: bool

    def has_lianjian_perm(self, perm: Perm) -> bool: ...
    def scope(self, perm: Perm) -> Scope: ...
