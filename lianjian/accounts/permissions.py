"""Which role holds which permission. Data reach comes from the assignment's scope."""

from __future__ import annotations

from lianjian.accounts.choices import Role
from lianjian.common.permissions import Perm

_BUSINESS = {
    Perm.ORG_VIEW,
    Perm.POWER_VIEW,
    Perm.LAWYER_VIEW,
    Perm.CASE_VIEW,
    Perm.ALERT_VIEW,
    Perm.RISK_VIEW,
}
# Those who maintain the catalogue and the rules (F3.2, F4.2): case management (案件管理) and
# inspection (检务督察); leaders approve, and may change them too.
_RISK_MAINTAINERS = {Perm.RISK_MANAGE, Perm.SCAN_RUN}
# The disposal workflow (F4.5, docs/risk.md): the handling prosecutor answers the alerts of their
# own cases (a department head handles cases too); the department head reviews; 检务督察 reviews
# the 督办 alerts. Each is exercised within the role's scope and on top of it the workflow's own
# rules (the handler is the case's prosecutor; nobody reviews their own proposal).
_HANDLE = {Perm.ALERT_HANDLE}
# Prosecutors ranked by risk score (F4.6, docs/dashboard.md) are a judgement on named people: for
# those who supervise them — leaders, 检务督察, 纪检监察 — and a department head within their own
# department (the assignment's scope bounds it). Not for the handling prosecutor, case management
# or the political department, whose dashboards stop at departments and cases.
_RANKING = {Perm.RANKING_VIEW}
# The interference register (F5.3, docs/interference/README.md): everyone records and reports; the
# reporting chain sees counts; 检务督察 and 纪检监察 read within scope; the chief prosecutor (a
# leader whose post is 检察长 — checked again on the request) approves read requests.
_RECORD = {Perm.INTERFERENCE_RECORD}
_STATS = {Perm.INTERFERENCE_STATS}

ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.PROSECUTOR: frozenset(_BUSINESS | _HANDLE | _RECORD),
    Role.DEPT_HEAD: frozenset(
        _BUSINESS | _HANDLE | _RANKING | _RECORD | _STATS | {Perm.RELATION_VIEW, Perm.ALERT_REVIEW}
    ),
    Role.LEADER: frozenset(
        _BUSINESS
        | _RISK_MAINTAINERS
        | _RANKING
        | _RECORD
        | _STATS
        | {Perm.RELATION_VIEW, Perm.POWER_MANAGE, Perm.INTERFERENCE_APPROVE}
    ),
    Role.CASE_MANAGEMENT: frozenset(
        _BUSINESS | _RISK_MAINTAINERS | _RECORD | {Perm.IMPORT_RUN, Perm.POWER_MANAGE}
    ),
    Role.INSPECTION: frozenset(
        _BUSINESS
        | _RISK_MAINTAINERS
        | _RANKING
        | _RECORD
        | _STATS
        | {Perm.RELATION_VIEW, Perm.ALERT_SUPERVISE, Perm.INTERFERENCE_READ, Perm.INTERFERENCE_SUPERVISE}
    ),
    Role.DISCIPLINE: frozenset(
        _BUSINESS
        | _RANKING
        | _RECORD
        | _STATS
        | {Perm.RELATION_VIEW, Perm.INTERFERENCE_READ, Perm.CLUE_HANDLE}
    ),
    Role.POLITICAL: frozenset(
        _BUSINESS | _RECORD | {Perm.ORG_MANAGE, Perm.RELATION_VIEW, Perm.RELATION_MANAGE, Perm.IMPORT_RUN}
    ),
    # 三员分立: administrators hold no business permission and none of each other's.
    Role.SYSTEM_ADMIN: frozenset({Perm.USER_MANAGE, Perm.SETTINGS_MANAGE, Perm.NOTIFY_MANAGE, Perm.JOB_VIEW}),
    Role.SECURITY_ADMIN: frozenset({Perm.ROLE_GRANT, Perm.SESSION_MANAGE, Perm.API_TOKEN_MANAGE}),
    Role.AUDIT_ADMIN: frozenset({Perm.AUDIT_VIEW, Perm.LOGIN_LOG_VIEW}),
}
