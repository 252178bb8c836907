"""Helpers of the audit tests: an actor, tampering as a DBA would, appending test events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection

from lianjian.audit import append_only
from lianjian.audit.models import AuditEvent
from lianjian.audit.services import AuditEntry, audit_record_many


@dataclass(frozen=True)
class Actor:
    """What the audit writers ask of an actor (``accounts.User`` offers the same)."""

    pk: int
    name: str
    audit_unit_code: str = ""
    audit_unit_path: str = ""

    def __str__(self) -> str:
        return self.name


@contextmanager
def triggers_off() -> Iterator[None]:
    """Get past the append-only triggers as someone with the rights of a DBA would."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {append_only.TABLE} DISABLE TRIGGER USER")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {append_only.TABLE} ENABLE TRIGGER USER")
    else:
        append_only.remove(connection)
        try:
            yield
        finally:
            append_only.install(connection)


def tamper(sql: str, params: list[Any] | None = None) -> None:
    """Run raw SQL against the audit table with the triggers out of the way."""
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def record(count: int, *, actor: Any = None, first: int = 1) -> list[AuditEvent]:
    """Append ``count`` events about things ``first``, ``first + 1``, …"""
    return audit_record_many(
        actor=actor,
        entries=[
            AuditEntry(
                action="test.thing.update",
                target_type="test.thing",
                target_id=str(n),
                target_repr=f"事项{n}",
                before={"状态": "草稿", "n": n},
                after={"状态": "已提交", "n": n + 1},
            )
            for n in range(first, first + count)
        ],
    )


def event_id(seq: int) -> int:
    return AuditEvent.objects.values_list("id", flat=True).get(seq=seq)
