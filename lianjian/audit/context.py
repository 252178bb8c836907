"""The request's client address, set by middleware and read when an audit event is written."""

from __future__ import annotations

from contextvars import ContextVar

client_ip: ContextVar[str | None] = ContextVar("lianjian_client_ip", default=None)
