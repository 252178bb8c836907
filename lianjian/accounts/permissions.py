"""Which role holds which permission. Data reach comes from the assignment's scope."""

from __future__ import annotations

from lianjian.accounts.choices import Role
from lianjian.common.permissions import Perm

_BUSINESS = {Perm.ORG_VIEW, Perm.POWER_VIEW, Perm.LAWYER_VIEW, Perm.CASE_VIEW}

ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.PROSECUTOR: frozenset(_BUSINESS),
    Role.DEPT_HEAD: frozenset(_BUSINESS | {Perm.RELATION_VIEW}),
    Role.LEADER: frozenset(_BUSINESS | {Perm.RELATION_VIEW, Perm.POWER_MANAGE}),
    Role.CASE_MANAGEMENT: frozenset(_BUSINESS | {Perm.IMPORT_RUN, Perm.POWER_MANAGE}),
    Role.INSPECTION: frozenset(_BUSINESS | {Perm.RELATION_VIEW}),
    Role.DISCIPLINE: frozenset(_BUSINESS | {Perm.RELATION_VIEW}),
    Role.POLITICAL: frozenset(
        _BUSINESS | {Perm.ORG_MANAGE, Perm.RELATION_VIEW, Perm.RELATION_MANAGE, Perm.IMPORT_RUN}
    ),
    # 三员分立: administrators hold no business permission and none of each other's.
    Role.SYSTEM_ADMIN: frozenset({Perm.USER_MANAGE, Perm.SETTINGS_MANAGE}),
    Role.SECURITY_ADMIN: frozenset({Perm.ROLE_GRANT, Perm.SESSION_MANAGE, Perm.API_TOKEN_MANAGE}),
    Role.AUDIT_ADMIN: frozenset({Perm.AUDIT_VIEW, Perm.LOGIN_LOG_VIEW}),
}
