"""Every permission code of the platform, in one greppable place.

Apps check these codes on ``request.user`` (duck-typed, :class:`ScopedUser`); which roles hold
them is decided by ``lianjian.accounts.permissions.ROLE_PERMISSIONS``, above every domain app, so
that lower apps need not import accounts.
"""

from __future__ import annotations

from enum import StrEnum


class Perm(StrEnum):
    ORG_VIEW = "org.view"  # units, departments, staff, post history
    ORG_MANAGE = "org.manage"
    POWER_VIEW = "power.view"
    POWER_MANAGE = "power.manage"
    RELATION_VIEW = "relation.view"  # the relationship register (personal data, reads audited)
    RELATION_MANAGE = "relation.manage"
    LAWYER_VIEW = "lawyer.view"
    CASE_VIEW = "case.view"  # cases (projections) and their events
    IMPORT_RUN = "import.run"
    ALERT_VIEW = "alert.view"  # alerts on cases and people in scope
    ALERT_HANDLE = "alert.handle"  # 承办检察官: sign, verify and propose a disposal of own alerts
    ALERT_REVIEW = "alert.review"  # 部门负责人: review disposals (提示/预警), return, reopen, transfer
    ALERT_SUPERVISE = "alert.supervise"  # 检务督察: review disposals of 督办 alerts, reopen, transfer
    RANKING_VIEW = "ranking.view"  # prosecutors ranked by risk score on the dashboard (docs/dashboard.md)
    RISK_VIEW = "risk.view"  # the risk-point catalogue and the rules
    RISK_MANAGE = "risk.manage"  # revise risk points, change rule parameters, back-test
    SCAN_RUN = "scan.run"  # start a detection run
    # The interference register (三个规定, F5; docs/interference/README.md "谁能看到什么").
    INTERFERENCE_RECORD = "interference.record"  # every business user: record, correct own, report
    INTERFERENCE_READ = "interference.read"  # 检务督察, 纪检监察: read records in scope (audited)
    INTERFERENCE_STATS = "interference.stats"  # leaders in the reporting chain: counts by category
    INTERFERENCE_APPROVE = "interference.approve"  # 检察长 (a leader whose post is CHIEF): read requests
    INTERFERENCE_SUPERVISE = "interference.supervise"  # 检务督察: reporting settings, late reports, GX05
    CLUE_HANDLE = "clue.handle"  # 纪检监察: clues, compliance watch alerts
    USER_MANAGE = "user.manage"  # 系统管理员: accounts and passwords
    SETTINGS_MANAGE = "settings.manage"  # 系统管理员: system settings
    NOTIFY_MANAGE = "notify.manage"  # 系统管理员: webhook endpoints and the deliveries' log
    JOB_VIEW = "job.view"  # 系统管理员: runs of the background jobs
    ROLE_GRANT = "role.grant"  # 安全管理员: roles and grants
    SESSION_MANAGE = "session.manage"  # 安全管理员: online sessions, forced logout
    API_TOKEN_MANAGE = "apitoken.manage"  # noqa: S105 — 安全管理员: API tokens of integrating systems
    AUDIT_VIEW = "audit.view"  # 审计管理员: the audit log
    LOGIN_LOG_VIEW = "loginlog.view"  # 审计管理员: the login log
