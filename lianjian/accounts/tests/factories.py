"""factory_boy factories for accounts."""

from __future__ import annotations

from typing import Any

import factory

from lianjian.accounts.models import RoleAssignment, User

PASSWORD = "Lianjian#2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance: User, create: bool, results: Any = None) -> None:
        if create:
            instance.save()


def grant(user: User, role: str, scope: str, *, unit: Any = None, department: Any = None) -> RoleAssignment:
    """Give ``user`` a role with a data scope anchored at ``unit`` (or the department's unit)."""
    if unit is None and department is not None:
        unit = department.unit
    if unit is None and scope != "ALL" and user.staff is not None:
        unit = user.staff.unit
    if department is None and scope == "DEPARTMENT" and user.staff is not None:
        department = user.staff.department
    assignment = RoleAssignment.objects.create(
        user=user, role=role, scope=scope, unit=unit, department=department
    )
    user.__dict__.pop("_scope_cache", None)
    user.__dict__.pop("_perm_cache", None)
    return assignment
