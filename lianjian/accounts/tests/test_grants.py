"""Role grants: within the grantor's scope, 三员分立, no self-grant; refusals write nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianjian.accounts import services
from lianjian.accounts.models import RoleAssignment, User
from lianjian.accounts.tests.factories import UserFactory, grant
from lianjian.audit.models import AuditEvent
from lianjian.common.permissions import Perm
from lianjian.org.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(org: Any) -> User:
    """A county 620102 account without roles, inside the security administrator's city."""
    user: Any = UserFactory(username="target", staff=StaffFactory(staff_no="T001", department=org.criminal))
    return user


def _refused(action: Callable[[], Any], message: str, error: type[Exception] = ValidationError) -> None:
    """The action raises ``message``, and no grant and no audit row has appeared or gone."""
    grants = list(
        RoleAssignment.objects.order_by("pk").values_list("pk", "user_id", "role", "scope", "unit_id")
    )
    audits = AuditEvent.objects.count()
    with pytest.raises(error) as exc:
        action()
    shown = exc.value.messages if isinstance(exc.value, ValidationError) else [str(exc.value)]
    assert shown == [message]
    assert list(
        RoleAssignment.objects.order_by("pk").values_list("pk", "user_id", "role", "scope", "unit_id")
    ) == (grants)
    assert AuditEvent.objects.count() == audits


def test_grant_within_scope_is_recorded_and_audited(security_admin, target, org):
    assignment = services.role_grant(
        actor=security_admin, user=target, role="DISCIPLINE", scope="UNIT", unit=org.county
    )
    assert (assignment.role, assignment.scope, assignment.unit, assignment.granted_by) == (
        "DISCIPLINE",
        "UNIT",
        org.county,
        security_admin,
    )
    assert target.has_lianjian_perm(Perm.RELATION_VIEW)
    audit = AuditEvent.objects.get()
    assert (audit.action, audit.actor_id, audit.target_id) == (
        "accounts.role.grant",
        security_admin.pk,
        str(assignment.pk),
    )
    assert audit.after == {
        "user": "target",
        "role": "DISCIPLINE",
        "scope": "UNIT",
        "unit": "620102",
        "department": None,
    }


def test_unit_and_below_at_a_unit_whose_subtree_is_covered_is_allowed(security_admin, target, org):
    assignment = services.role_grant(
        actor=security_admin, user=target, role="INSPECTION", scope="UNIT_AND_BELOW", unit=org.city
    )
    assert assignment.unit == org.city


def test_department_and_self_scopes_are_anchored_correctly(security_admin, target, org):
    dept = services.role_grant(
        actor=security_admin, user=target, role="DEPT_HEAD", scope="DEPARTMENT", department=org.criminal
    )
    assert (dept.unit, dept.department) == (org.county, org.criminal)
    own = services.role_grant(actor=security_admin, user=target, role="PROSECUTOR", scope="SELF")
    assert (own.unit, own.department) == (org.county, None)


def test_unit_and_below_beyond_own_scope_is_refused(security_admin, target, org):
    _refused(
        lambda: services.role_grant(
            actor=security_admin, user=target, role="LEADER", scope="UNIT_AND_BELOW", unit=org.province
        ),
        "您的授权范围未覆盖甘肃省人民检察院及其全部下级院，不能授予“本院及下级”",
    )


def test_unit_outside_own_scope_is_refused(security_admin, target, org):
    _refused(
        lambda: services.role_grant(
            actor=security_admin, user=target, role="LEADER", scope="UNIT", unit=org.other_county
        ),
        "嘉峪关市城区人民检察院不在您的授权范围内",
    )


def test_department_outside_own_scope_is_refused(security_admin, target, org):
    _refused(
        lambda: services.role_grant(
            actor=security_admin,
            user=target,
            role="DEPT_HEAD",
            scope="DEPARTMENT",
            department=org.other_criminal,
        ),
        "嘉峪关市城区人民检察院第二检察部不在您的授权范围内",
    )


def test_scope_all_by_a_city_grantor_is_refused(security_admin, target):
    _refused(
        lambda: services.role_grant(actor=security_admin, user=target, role="LEADER", scope="ALL"),
        "只有授权范围为“全部”的安全管理员才能授予“全部”数据范围",
    )


def test_user_outside_own_scope_is_refused(security_admin, outsider, org):
    _refused(
        lambda: services.role_grant(
            actor=security_admin, user=outsider, role="LEADER", scope="UNIT", unit=org.county
        ),
        "该用户不在您的授权范围内",
    )


def test_admin_role_with_a_business_role_is_refused(security_admin, target, org):
    grant(target, "PROSECUTOR", "SELF")
    _refused(
        lambda: services.role_grant(
            actor=security_admin, user=target, role="AUDIT_ADMIN", scope="UNIT", unit=org.county
        ),
        "三员分立：系统管理员、安全管理员、审计管理员角色不能与其他任何角色授予同一用户",
    )


def test_business_role_for_an_administrator_is_refused(security_admin, target, org):
    grant(target, "SYSTEM_ADMIN", "UNIT", unit=org.county)
    _refused(
        lambda: services.role_grant(actor=security_admin, user=target, role="PROSECUTOR", scope="SELF"),
        "三员分立：系统管理员、安全管理员、审计管理员角色不能与其他任何角色授予同一用户",
    )


def test_two_admin_roles_on_one_user_are_refused(security_admin, target, org):
    grant(target, "SECURITY_ADMIN", "UNIT", unit=org.county)
    _refused(
        lambda: services.role_grant(
            actor=security_admin, user=target, role="AUDIT_ADMIN", scope="UNIT", unit=org.county
        ),
        "三员分立：系统管理员、安全管理员、审计管理员角色不能与其他任何角色授予同一用户",
    )


def test_granting_to_oneself_is_refused(security_admin, org):
    _refused(
        lambda: services.role_grant(
            actor=security_admin, user=security_admin, role="AUDIT_ADMIN", scope="UNIT", unit=org.city
        ),
        "不能给自己授予角色",
    )


def test_the_same_role_twice_is_refused(security_admin, target, org):
    grant(target, "PROSECUTOR", "SELF")
    _refused(
        lambda: services.role_grant(
            actor=security_admin, user=target, role="PROSECUTOR", scope="UNIT", unit=org.county
        ),
        "该用户已拥有此角色，如需调整请先撤销",
    )


def test_department_must_belong_to_the_anchor_unit(security_admin, target, org):
    _refused(
        lambda: services.role_grant(
            actor=security_admin,
            user=target,
            role="DEPT_HEAD",
            scope="DEPARTMENT",
            unit=org.county,
            department=org.criminal_b,
        ),
        "范围部门须属于所选范围单位",
    )
    _refused(
        lambda: services.role_grant(
            actor=security_admin, user=target, role="DEPT_HEAD", scope="DEPARTMENT", unit=org.county
        ),
        "“本部门”数据范围须选择范围部门",
    )


def test_self_scope_needs_a_linked_staff_member(org):
    province_security = UserFactory(username="prov_sec")
    grant(province_security, "SECURITY_ADMIN", "ALL")
    unlinked = UserFactory(username="unlinked")
    _refused(
        lambda: services.role_grant(actor=province_security, user=unlinked, role="PROSECUTOR", scope="SELF"),
        "该用户未关联人员，不能授予“本人”数据范围",
    )


def test_a_grantor_with_scope_all_may_grant_scope_all(org, target):
    province_security = UserFactory(username="prov_sec")
    grant(province_security, "SECURITY_ADMIN", "ALL")
    assignment = services.role_grant(
        actor=province_security, user=target, role="LEADER", scope="ALL", unit=org.county
    )
    assert (assignment.scope, assignment.unit) == ("ALL", None)


def test_someone_without_role_grant_may_not_grant(system_admin, target, org):
    _refused(
        lambda: services.role_grant(
            actor=system_admin, user=target, role="LEADER", scope="UNIT", unit=org.county
        ),
        "您没有权限执行此操作",
        PermissionDenied,
    )


def test_revoke_within_scope_is_audited_with_before(security_admin, target, org):
    assignment = grant(target, "LEADER", "UNIT", unit=org.county)
    services.role_revoke(actor=security_admin, assignment=assignment)
    assert RoleAssignment.objects.filter(user=target).count() == 0
    audit = AuditEvent.objects.get()
    assert audit.action == "accounts.role.revoke"
    assert audit.before == {
        "user": "target",
        "role": "LEADER",
        "scope": "UNIT",
        "unit": "620102",
        "department": None,
    }
    assert audit.after is None


def test_revoking_a_grant_wider_than_own_scope_is_refused(security_admin, target, org):
    assignment = grant(target, "LEADER", "UNIT_AND_BELOW", unit=org.province)
    _refused(
        lambda: services.role_revoke(actor=security_admin, assignment=assignment),
        "您的授权范围未覆盖甘肃省人民检察院及其全部下级院，不能撤销“本院及下级”",
    )


def test_revoking_outside_own_scope_is_refused(security_admin, outsider):
    assignment = outsider.roles.get()
    _refused(
        lambda: services.role_revoke(actor=security_admin, assignment=assignment),
        "该授权不在您的管理范围内",
        PermissionDenied,
    )


@pytest.mark.parametrize("scope", ["UNIT", "DEPARTMENT", "SELF"])
def test_administrator_roles_take_only_unit_wide_scopes(security_admin, target, org, scope):
    _refused(
        lambda: services.role_grant(
            actor=security_admin,
            user=target,
            role="AUDIT_ADMIN",
            scope=scope,
            unit=org.county,
            department=org.criminal if scope == "DEPARTMENT" else None,
        ),
        "管理员角色的数据范围只能是“全部”或“本院及下级”",
    )


def test_administrator_role_below_a_unit_is_granted(security_admin, target, org):
    assignment = services.role_grant(
        actor=security_admin, user=target, role="AUDIT_ADMIN", scope="UNIT_AND_BELOW", unit=org.county
    )
    assert (assignment.role, assignment.scope, assignment.unit) == (
        "AUDIT_ADMIN",
        "UNIT_AND_BELOW",
        org.county,
    )
