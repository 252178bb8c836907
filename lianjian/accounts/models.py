"""Accounts: users linked to staff, role assignments with a data scope, login security records."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Q

from lianjian.accounts.choices import DataScope, LoginOutcome, Role, SessionEndReason
from lianjian.common.permissions import Perm
from lianjian.common.scope import Scope
from lianjian.org.models import Department, Staff, Unit


class UserManager(BaseUserManager["User"]):
    def create_user(self, username: str, password: str | None = None, **fields: object) -> User:
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    """A login account. Business users are linked to a staff member; permissions come from roles.

    Django's ``is_superuser``/groups are deliberately absent: every power is a role assignment
    with a data scope, and no account holds all of them (三员分立).
    """

    username = models.CharField("用户名", max_length=50, unique=True)
    display_name = models.CharField("显示名称", max_length=50)
    email = models.EmailField("电子邮箱", blank=True, help_text="接收预警邮件；为空则只有站内消息")
    staff = models.OneToOneField(
        Staff, verbose_name="对应人员", null=True, blank=True, on_delete=models.PROTECT, related_name="user"
    )
    is_active = models.BooleanField("启用", default=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.display_name}（{self.username}）"

    @property
    def is_staff(self) -> bool:
        """Django admin is not used; kept False for contrib code that asks."""
        return False

    @property
    def audit_unit_code(self) -> str:
        """The unit the audit log files this user's actions under."""
        return self.staff.unit.code if self.staff_id and self.staff else ""

    @property
    def audit_unit_path(self) -> str:
        """The materialised path of that unit, so audit scopes filter by subtree."""
        return self.staff.unit.path if self.staff_id and self.staff else ""

    def has_lianjian_perm(self, perm: Perm) -> bool:
        from lianjian.accounts.scope import held_perms

        return perm in held_perms(self)

    def scope(self, perm: Perm) -> Scope:
        from lianjian.accounts.scope import scope_for

        return scope_for(self, perm)

    def role_codes(self) -> set[str]:
        return set(self.roles.values_list("role", flat=True))


class RoleAssignment(models.Model):
    """A role held by a user, reaching the data of ``scope`` measured from ``unit``.

    For 本部门 the department is ``department``; for 本人 it is the user's own staff record. Several
    assignments give the union of their scopes.
    """

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="roles")
    role = models.CharField("角色", max_length=24, choices=Role.choices)
    scope = models.CharField("数据范围", max_length=24, choices=DataScope.choices)
    unit = models.ForeignKey(Unit, verbose_name="范围单位", null=True, blank=True, on_delete=models.PROTECT)
    department = models.ForeignKey(
        Department, verbose_name="范围部门", null=True, blank=True, on_delete=models.PROTECT
    )
    granted_by = models.ForeignKey(
        User, verbose_name="授权人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField("授权时间", auto_now_add=True)

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        ordering = ["user", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="accounts_roleassignment_user_role_uniq"),
            models.CheckConstraint(
                condition=Q(scope="ALL") | Q(unit__isnull=False), name="accounts_roleassignment_anchor"
            ),
            models.CheckConstraint(
                condition=~Q(scope="DEPARTMENT") | Q(department__isnull=False),
                name="accounts_roleassignment_department",
            ),
        ]

    def __str__(self) -> str:
        anchor = self.department or self.unit or ""
        return f"{self.get_role_display()}·{self.get_scope_display()}{f'（{anchor}）' if anchor else ''}"


class PasswordHistory(models.Model):
    """Hashes of a user's previous passwords, for the no-reuse rule."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "历史密码"
        verbose_name_plural = "历史密码"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


class LoginEvent(models.Model):
    """The login log: every attempt, success or failure, with address and browser."""

    username = models.CharField("用户名", max_length=150, db_index=True)
    user = models.ForeignKey(User, verbose_name="用户", null=True, blank=True, on_delete=models.SET_NULL)
    outcome = models.CharField("结果", max_length=24, choices=LoginOutcome.choices)
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    user_agent = models.CharField("浏览器", max_length=300, blank=True)
    occurred_at = models.DateTimeField("时间", db_index=True)

    class Meta:
        verbose_name = "登录日志"
        verbose_name_plural = "登录日志"
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["username", "occurred_at"], name="accounts_login_user_at_idx")]

    def __str__(self) -> str:
        return f"{self.username} {self.get_outcome_display()} {self.occurred_at:%Y-%m-%d %H:%M}"


class UserSessionQuerySet(models.QuerySet["UserSession"]):
    def live(self) -> UserSessionQuerySet:
        """Sessions not ended by logout, timeout, force or displacement."""
        return self.filter(ended_at__isnull=True)


class UserSession(models.Model):
    """A live login session, so that concurrent sessions can be limited and forced out.

    ``session_key`` is a bearer credential: it is never shown on a page nor written to the audit log.
    """

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField("会话标识", max_length=40, unique=True)
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    user_agent = models.CharField("浏览器", max_length=300, blank=True)
    started_at = models.DateTimeField("登录时间")
    last_seen_at = models.DateTimeField("最近活动")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    end_reason = models.CharField("结束原因", max_length=16, choices=SessionEndReason.choices, blank=True)

    objects = UserSessionQuerySet.as_manager()

    class Meta:
        verbose_name = "在线会话"
        verbose_name_plural = "在线会话"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.started_at:%Y-%m-%d %H:%M}"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self, *, as_of: datetime) -> ApiTokenQuerySet:
        """Tokens that authenticate at ``as_of``: active and not expired."""
        return self.filter(is_active=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=as_of))


class ApiToken(models.Model):
    """A credential of an integrating system (统一业务应用系统 …) for the ingestion API (F2.3).

    Only the SM3 digest of the secret is stored; the secret is shown once, when the token is
    created, and cannot be recovered. ``prefix`` (the token's first characters) identifies it on
    pages and in logs. The token reaches ``units`` and their subordinates (本院及下级): records
    it writes and cases it reads must lie there.
    """

    name = models.CharField("名称", max_length=100, unique=True)
    prefix = models.CharField("令牌前缀", max_length=16, db_index=True)
    token_hash = models.CharField("令牌摘要（SM3）", max_length=64, unique=True, editable=False)
    units = models.ManyToManyField(Unit, verbose_name="授权单位（含下级）", related_name="+")
    created_by = models.ForeignKey(
        User, verbose_name="创建人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    expires_at = models.DateTimeField("失效时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    is_active = models.BooleanField("启用", default=True)
    revoked_by = models.ForeignKey(
        User, verbose_name="撤销人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"
