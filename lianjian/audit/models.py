"""The tamper-evident audit log (F13.3).

Each :class:`AuditEvent` carries ``seq`` (1, 2, 3 … without gaps), the hash of its predecessor
and its own HMAC-SM3 over its content and that hash (:mod:`lianjian.audit.chain`), so that
editing, deleting or reordering a row breaks the chain at that row. :class:`AuditChainHead`
holds the newest ``seq``/hash; writers lock it, which serialises appends on PostgreSQL (SQLite
serialises writers by itself).
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

from django.db import models

from lianjian.audit.chain import canonical_json


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete an audit row through the application."""


class CanonicalJSONField(models.TextField):
    """A JSON value stored as its canonical text (:func:`~lianjian.audit.chain.canonical_json`).

    The chain hashes this text exactly as the database holds it, so verification reads it raw and
    never decodes it. A ``jsonb`` column would not do: PostgreSQL reorders keys and respaces the
    text, so it would have to be decoded and re-encoded for every row. ``None`` is stored as the
    text ``null``; attribute access gives back the decoded value.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        return None if value is None else json.loads(value)

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> str:
        return canonical_json(value)

    def value_to_string(self, obj: models.Model) -> Any:
        return self.value_from_object(obj)


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("审计记录不可修改")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("审计记录不可删除")


class AuditEvent(models.Model):
    """One audited action: a write, or a read of confidential data."""

    seq = models.BigIntegerField("序号", unique=True)
    occurred_at = models.DateTimeField("时间", db_index=True)
    actor_id = models.BigIntegerField("操作人编号", null=True, blank=True, db_index=True)
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    actor_unit = models.CharField("操作人单位编码", max_length=32, blank=True, db_index=True)
    # The actor's unit path ('/620000/620100/620102/') at the time of the action, so that an audit
    # administrator's 本院及下级 scope is a prefix match without asking the org app.
    actor_unit_path = models.CharField("操作人单位路径", max_length=400, blank=True, db_index=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    target_type = models.CharField("对象类型", max_length=64, blank=True, db_index=True)
    target_id = models.CharField("对象标识", max_length=128, blank=True, db_index=True)
    target_repr = models.CharField("对象", max_length=300, blank=True)
    before = CanonicalJSONField("变更前", blank=True, default=None)
    after = CanonicalJSONField("变更后", blank=True, default=None)
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    prev_hash = models.CharField("前一条哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("审计记录不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("审计记录不可删除")


class AuditChainHead(models.Model):
    """The newest link of the chain (a single row, id 1)."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "审计链头"

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"
