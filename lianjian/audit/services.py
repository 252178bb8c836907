"""Writing audit events. Callers invoke these inside the transaction of the change they record."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from lianjian.audit import checkpoints
from lianjian.audit.chain import GENESIS, link_hash, link_values
from lianjian.audit.checkpoints import Checkpoint
from lianjian.audit.context import client_ip
from lianjian.audit.models import AuditChainHead, AuditEvent
from lianjian.audit.verify import VerifyResult, audit_chain_verify


@dataclass(frozen=True)
class AuditEntry:
    """What one audit event says; the chain fields are added when it is written."""

    action: str
    target_type: str = ""
    target_id: str = ""
    target_repr: str = ""
    before: Any = None
    after: Any = None


def _integral_floats_as_int(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral_floats_as_int(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral_floats_as_int(item) for item in value]
    return value


def jsonable(value: Any) -> Any:
    """A JSON-plain copy (dates and decimals as text), equal to what the database gives back.

    Whole-number floats become ints, so that ``2.0`` and ``2`` are one value in the log whichever
    way a caller spelled it.
    """
    if value is None:
        return None
    return _integral_floats_as_int(json.loads(json.dumps(value, ensure_ascii=False, default=str)))


def normalised_ip(value: str | None) -> str | None:
    """The address as the database gives it back (``2001:db8::1``), or None if it is not one.

    Django compresses IPv6 addresses on save; hashing the raw text would make an honest row look
    tampered. A malformed address must not fail the caller's write, so it is dropped.
    """
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def _actor_fields(actor: Any | None) -> tuple[int | None, str, str, str]:
    if actor is None:
        return None, "系统", "", ""
    return (
        actor.pk,
        str(actor)[:150],
        getattr(actor, "audit_unit_code", "") or "",
        getattr(actor, "audit_unit_path", "") or "",
    )


def _lock_head() -> AuditChainHead:
    """The chain head, locked until the caller's transaction ends (serialises appends).

    If the head row is missing (never written, or removed by hand) it is rebuilt from the newest
    event, so that appends continue the chain instead of failing on a duplicate ``seq`` forever.
    """
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    newest = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    defaults = {"seq": newest["seq"], "hash": newest["hash"]} if newest else {"seq": 0, "hash": GENESIS}
    AuditChainHead.objects.get_or_create(pk=1, defaults=defaults)
    return AuditChainHead.objects.select_for_update().get(pk=1)


@transaction.atomic
def audit_record_many(*, actor: Any | None, entries: list[AuditEntry]) -> list[AuditEvent]:
    """Append several events to the chain at once (used by imports: one event per record)."""
    if not entries:
        return []
    actor_id, actor_name, actor_unit, actor_unit_path = _actor_fields(actor)
    ip = normalised_ip(client_ip.get())
    now = timezone.now()
    head = _lock_head()
    seq, prev = head.seq, head.hash
    events = []
    for entry in entries:
        seq += 1
        target_repr = entry.target_repr[:300]
        before, after = jsonable(entry.before), jsonable(entry.after)
        digest = link_hash(
            link_values(
                seq=seq,
                occurred_at=now,
                actor_id=actor_id,
                actor_name=actor_name,
                actor_unit=actor_unit,
                actor_unit_path=actor_unit_path,
                action=entry.action,
                target_type=entry.target_type,
                target_id=entry.target_id,
                target_repr=target_repr,
                before=before,
                after=after,
                ip=ip,
                prev_hash=prev,
            )
        )
        events.append(
            AuditEvent(
                seq=seq,
                occurred_at=now,
                actor_id=actor_id,
                actor_name=actor_name,
                actor_unit=actor_unit,
                actor_unit_path=actor_unit_path,
                action=entry.action,
                target_type=entry.target_type,
                target_id=entry.target_id,
                target_repr=target_repr,
                before=before,
                after=after,
                ip=ip,
                prev_hash=prev,
                hash=digest,
            )
        )
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


class ChainBrokenError(RuntimeError):
    """The chain does not verify, so its head must not be signed as a checkpoint."""

    def __init__(self, result: VerifyResult) -> None:
        super().__init__(result.reason)
        self.result = result


def audit_checkpoint_write(*, directory: Path | None = None) -> Checkpoint:
    """Verify the chain and sign its head into a new checkpoint file (daily, and on demand).

    A broken chain is not signed (that would bless the tampering): :class:`ChainBrokenError`. A
    forged file among the checkpoints does not stop a new one (the chain itself is intact; verify
    keeps reporting the file). Writes no audit event, so the checkpoint is the head as it stands.
    """
    result = audit_chain_verify(checkpoint_directory=directory)
    if not result.ok and result.code != "checkpoint_tampered":
        raise ChainBrokenError(result)
    checkpoint = Checkpoint(
        seq=result.head_seq, hash=result.head_hash, count=result.checked, created_at=timezone.now()
    )
    path = checkpoints.store(checkpoint, directory)
    return replace(checkpoint, path=path)
