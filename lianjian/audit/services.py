"""Writing audit events. Callers invoke these inside the transaction of the change they record."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from lianjian.audit.chain import GENESIS, event_fields, link_hash
from lianjian.audit.context import client_ip
from lianjian.audit.models import AuditChainHead, AuditEvent


@dataclass(frozen=True)
class AuditEntry:
    """What one audit event says; the chain fields are added when it is written."""

    action: str
    target_type: str = ""
    target_id: str = ""
    target_repr: str = ""
    before: Any = None
    after: Any = None


def jsonable(value: Any) -> Any:
    """A JSON-safe copy (dates and decimals as text), equal to what the database gives back."""
    if value is None:
        return None
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def _actor_fields(actor: Any | None) -> tuple[int | None, str, str]:
    if actor is None:
        return None, "系统", ""
    return actor.pk, str(actor), getattr(actor, "audit_unit_code", "") or ""


def _lock_head() -> AuditChainHead:
    head, _ = AuditChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})
    if connection.vendor == "postgresql":
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


@transaction.atomic
def audit_record_many(*, actor: Any | None, entries: list[AuditEntry]) -> list[AuditEvent]:
    """Append several events to the chain at once (used by imports: one event per record)."""
    if not entries:
        return []
    actor_id, actor_name, actor_unit = _actor_fields(actor)
    ip = client_ip.get()
    now = timezone.now()
    head = _lock_head()
    seq, prev = head.seq, head.hash
    events = []
    for entry in entries:
        seq += 1
        fields = event_fields(
            seq=seq,
            occurred_at=now,
            actor_id=actor_id,
            actor_name=actor_name,
            actor_unit=actor_unit,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            target_repr=entry.target_repr[:300],
            before=jsonable(entry.before),
            after=jsonable(entry.after),
            ip=ip,
            prev_hash=prev,
        )
        digest = link_hash(fields)
        fields.pop("occurred_at")
        events.append(AuditEvent(occurred_at=now, hash=digest, **fields))
        prev = digest
    AuditEvent.objects.bulk_create(events, batch_size=500)
    AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    return events


def audit_record(
    *,
    actor: Any | None,
    action: str,
    target: Model | None = None,
    target_type: str = "",
    target_id: str = "",
    target_repr: str = "",
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    """Record one write (or confidential read) by ``actor`` on ``target``.

    ``action`` is ``<app>.<noun>.<verb>`` (``org.staff.update``); ``before``/``after`` hold the
    changed values. Must run inside the caller's transaction so that the change and its record
    commit or roll back together.
    """
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
        target_repr = target_repr or str(target)
    entry = AuditEntry(action, target_type, target_id, target_repr, before, after)
    return audit_record_many(actor=actor, entries=[entry])[0]


def audit_read(*, actor: Any | None, action: str, target: Model | None = None, **details: Any) -> AuditEvent:
    """Record a read of confidential data (who looked at what)."""
    return audit_record(actor=actor, action=action, target=target, after=details or None)
