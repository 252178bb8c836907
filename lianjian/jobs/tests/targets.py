"""Job targets for the tests: one that counts its calls, one that fails, one with a bad result."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any

calls: list[datetime] = []
_lock = threading.Lock()


def counted(*, now: datetime) -> dict[str, Any]:
    """Records the slot it ran for; sleeps a little so that concurrent claims overlap."""
    time.sleep(0.2)
    with _lock:
        calls.append(now)
    return {"calls": len(calls)}


def failing(*, now: datetime) -> dict[str, Any]:
    raise RuntimeError("磁盘已满")


def not_counts(*, now: datetime) -> Any:
    return 42
