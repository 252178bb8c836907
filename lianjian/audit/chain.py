"""Computing the HMAC-SM3 chain over audit events.

A link is the HMAC-SM3, under :func:`chain_key`, of one event's :data:`HASHED_COLUMNS` written as
a compact JSON array in that fixed order (:func:`link_bytes`). Every value in it is either an
integer, ``null`` or text exactly as both databases give it back from a raw cursor, so that
verification hashes the rows it reads without converting them into Python values first:

- ``before``/``after`` are stored as their canonical JSON text (:func:`canonical_json`) and
  enter the array as that text, a JSON string inside the array;
- ``occurred_at`` enters as UTC with microseconds, ``2026-11-23T02:03:04.000005``
  (:func:`timestamp_text`), which verification asks each database to produce
  (:data:`OCCURRED_AT_SQL`).

An array also keeps links apart from checkpoint signatures, which are over JSON objects.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from lianjian.common.crypto import provider

GENESIS = "0" * 64

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
"""The columns covered by a link hash (every column but ``id`` and ``hash``), in array order."""

OCCURRED_AT_SQL = {
    # timestamptz → the UTC wall time, always with six fractional digits.
    "postgresql": """to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')""",
    # Django stores naive UTC text, 'YYYY-MM-DD HH:MM:SS' plus '.ffffff' unless it is zero.
    "sqlite": (
        "replace(CASE WHEN length(occurred_at) = 19 THEN occurred_at || '.000000' "
        "ELSE occurred_at END, ' ', 'T')"
    ),
}
"""Per database vendor, the SQL giving ``occurred_at`` as :func:`timestamp_text` writes it."""

_canonical_encoder = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
_link_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
# ``JSONEncoder.encode`` builds a new C encoder on every call, a third of the cost of encoding a
# link; verification encodes 100,000 of them, so it keeps one (same output, tested).
_c_link_encoder = (
    json.encoder.c_make_encoder(  # type: ignore[attr-defined]
        None, None, json.encoder.encode_basestring, None, ":", ",", False, False, True
    )
    if json.encoder.c_make_encoder is not None  # type: ignore[attr-defined]
    else None
)


def chain_key() -> bytes:
    """The HMAC key, kept outside the database (setting/environment ``LIANJIAN_AUDIT_KEY``).

    Without a configured key the embedded default derives one from the secret key, which also
    lives outside the database (``LIANJIAN_HOME/secret.key``).
    """
    key = settings.LIANJIAN_AUDIT_KEY or f"audit-chain:{settings.SECRET_KEY}"
    return key.encode()


def canonical_json(value: Any) -> str:
    """``value`` as canonical JSON text: keys sorted, no spaces, non-ASCII kept as is.

    ``value`` must already be JSON-plain (see ``services.jsonable``).
    """
    return _canonical_encoder.encode(value)


def canonical(fields: dict[str, Any]) -> bytes:
    """The bytes of a JSON object in a fixed, unambiguous form (what checkpoints sign)."""
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def timestamp_text(moment: datetime) -> str:
    """The time as hashed: UTC, ``YYYY-MM-DDTHH:MM:SS.ffffff`` (microseconds always written)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def link_values(
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
) -> tuple[Any, ...]:
    """One event's hashed values in :data:`HASHED_COLUMNS` order, as verification reads them.

    ``before``/``after`` are the (JSON-plain) values; they enter as their canonical text.
    """
    return (
        seq,
        timestamp_text(occurred_at),
        actor_id,
        actor_name,
        actor_unit,
        actor_unit_path,
        action,
        target_type,
        target_id,
        target_repr,
        canonical_json(before),
        canonical_json(after),
        ip,
        prev_hash,
    )


def link_bytes(values: Sequence[Any]) -> bytes:
    """The bytes that are hashed: the values as a compact JSON array (UTF-8).

    ``values`` is a tuple or list of ints, ``None`` and text; the same bytes as
    ``json.dumps(list(values), ensure_ascii=False, separators=(",", ":"))``.
    """
    if _c_link_encoder is not None:
        return "".join(_c_link_encoder(values, 0)).encode()
    return _link_encoder.encode(values).encode()


def link_hash(values: Sequence[Any]) -> str:
    """HMAC-SM3 of :func:`link_bytes` under :func:`chain_key`, as 64 hex digits."""
    return provider.hmac(chain_key(), link_bytes(values)).hex()
