"""Computing and checking the HMAC-SM3 chain over audit events."""

from __future__ import annotations

import json
from datetime import datetime
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
    """The bytes that are hashed: every field of the event in a fixed, unambiguous form."""
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def event_fields(
    *,
    seq: int,
    occurred_at: datetime,
    actor_id: int | None,
    actor_name: str,
    actor_unit: str,
    action: str,
    target_type: str,
    target_id: str,
    target_repr: str,
    before: Any,
    after: Any,
    ip: str | None,
    prev_hash: str,
) -> dict[str, Any]:
    return {
        "seq": seq,
        "occurred_at": occurred_at.isoformat(),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "actor_unit": actor_unit,
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
    return provider.hmac(chain_key(), canonical(fields)).hex()
