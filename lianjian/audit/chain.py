"""Computing and checking the HMAC-SM3 chain over audit events."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from lianjian.common.crypto import provider

GENESIS = "0" * 64


def chain_key() -> bytes:
    """The HMAC key, kept outside the database (setting/environment ``LIANJIAN_AUDIT_KEY``).

    Without a configured key the embedded default derives one from the secret key, which also
    lives outside the database (``LIANJIAN_HOME/secret.key``).
    """
    key = settings.LIANJIAN_AUDIT_KEY or f"audit-chain:{settings.SECRET_KEY}"
    return key.encode()


def canonical(fields: dict[str, Any]) -> bytes:
    """The bytes that are hashed: every field of the event in a fixed, unambiguous form.

    Keys are sorted, so PostgreSQL's ``jsonb`` (which reorders keys) gives back the same bytes.
    """
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def timestamp_text(moment: datetime) -> str:
    """The time as hashed: ISO 8601 in UTC, which is how both databases give it back."""
    return moment.astimezone(UTC).isoformat()


HASHED_COLUMNS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_name",
    "actor_unit",
    "actor_unit_path",
    "action",
    "target_type",
    "target_id",
    "target_repr",
    "before",
    "after",
    "ip",
    "prev_hash",
)
"""The columns covered by the link hash, in :func:`event_fields`' argument names."""


def event_fields(
    *,
    seq: int,
    occurred_at: datetime,
    actor_id: int | None,
    actor_name: str,
    actor_unit: str,
    actor_unit_path: str,
    action: str,
    target_type: str,
    target_id: str,
    target_repr: str,
    before: Any,
    after: Any,
    ip: str | None,
    prev_hash: str,
) -> dict[str, Any]:
    """The content of one event as it is hashed (every column but ``id`` and ``hash``)."""
    return {
        "seq": seq,
        "occurred_at": timestamp_text(occurred_at),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "actor_unit": actor_unit,
        "actor_unit_path": actor_unit_path,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "target_repr": target_repr,
        "before": before,
        "after": after,
        "ip": ip,
        "prev_hash": prev_hash,
    }


def link_hash(fields: dict[str, Any]) -> str:
    """HMAC-SM3 of the event's canonical form under :func:`chain_key`, as 64 hex digits."""
    return provider.hmac(chain_key(), canonical(fields)).hex()
