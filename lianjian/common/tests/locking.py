"""A row held by another connection, for tests of ``select_for_update(skip_locked=True)`` claims."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction


@contextmanager
def locked_elsewhere(queryset: Any) -> Iterator[None]:
    """Hold ``select_for_update`` locks on ``queryset``'s rows in another thread's transaction
    (another database connection) for the duration of the block."""
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                list(queryset.select_for_update())
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert locked.wait(10), "the other connection did not get its lock"
        yield
    finally:
        release.set()
        thread.join()
