"""Roles and data scopes (F13.1, F13.2)."""

from django.db import models


class Role(models.TextChoices):
    PROSECUTOR = "PROSECUTOR", "承办检察官"
    DEPT_HEAD = "DEPT_HEAD", "部门负责人"
    LEADER = "LEADER", "院领导"
    CASE_MANAGEMENT = "CASE_MANAGEMENT", "案件管理"
    INSPECTION = "INSPECTION", "检务督察"
    DISCIPLINE = "DISCIPLINE", "纪检监察"
    POLITICAL = "POLITICAL", "政治部"
    SYSTEM_ADMIN = "SYSTEM_ADMIN", "系统管理员"
    SECURITY_ADMIN = "SECURITY_ADMIN", "安全管理员"
    AUDIT_ADMIN = "AUDIT_ADMIN", "审计管理员"


# 三员分立: each administrator role excludes the other two and every business role.
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
BUSINESS_ROLES = frozenset(set(Role) - ADMIN_ROLES)


class DataScope(models.TextChoices):
    """How far a role assignment reaches over the unit tree from its anchor unit."""

    ALL = "ALL", "全部"
    UNIT_AND_BELOW = "UNIT_AND_BELOW", "本院及下级"
    UNIT = "UNIT", "本院"
    DEPARTMENT = "DEPARTMENT", "本部门"
    SELF = "SELF", "本人"


class LoginOutcome(models.TextChoices):
    SUCCESS = "SUCCESS", "成功"
    BAD_CREDENTIALS = "BAD_CREDENTIALS", "用户名或密码错误"
    LOCKED = "LOCKED", "账号已锁定"
    INACTIVE = "INACTIVE", "账号已停用"
    LOGOUT = "LOGOUT", "退出"
    IDLE_TIMEOUT = "IDLE_TIMEOUT", "超时退出"
    FORCED_LOGOUT = "FORCED_LOGOUT", "被强制下线"


class SessionEndReason(models.TextChoices):
    LOGOUT = "LOGOUT", "主动退出"
    IDLE_TIMEOUT = "IDLE_TIMEOUT", "空闲超时"
    FORCED = "FORCED", "强制下线"
    DISPLACED = "DISPLACED", "超出并发会话数"
