"""The huey queue of the background jobs, and the worker embedded in ``lianjian serve``.

One periodic task, ``jobs.tick``, runs every minute on every consumer; it enqueues a
``jobs.execute`` task for each job's due slot, and that task claims the slot and runs it. With
several consumers every one of them ticks, and the claim (services.job_claim) leaves each slot
to exactly one of them; the queue itself needs no coordination.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer

from lianjian.jobs import services
from lianjian.jobs.schedule import JOBS, Job

logger = logging.getLogger(__name__)

# Slots before this are not caught up by the consumers of this process (set by `lianjian demo`).
_not_before: datetime | None = None


def is_embedded(url: str | None = None) -> bool:
    """The SQLite queue: its worker runs inside ``lianjian serve`` (no separate process)."""
    return (url or settings.LIANJIAN_QUEUE_URL).startswith("sqlite:///")


def build_huey(url: str, *, name: str = "lianjian", jobs: Mapping[str, Job] = JOBS) -> Huey:
    """A huey instance on ``url`` with the tick and execute tasks of ``jobs`` registered."""
    # No result store: the JobRun row is the result, and unread results would pile up in Redis.
    queue: Huey
    if is_embedded(url):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        queue = SqliteHuey(name, filename=str(path), results=False)
    else:
        queue = RedisHuey(name, url=url, results=False)

    @queue.task(name="jobs.execute")
    def execute(job_name: str, slot_iso: str) -> dict[str, Any]:
        close_old_connections()
        try:
            job = jobs.get(job_name)
            if job is None:  # a task left in the queue by an older version of the schedule
                logger.warning("job %s is no longer scheduled; task dropped", job_name)
                return {}
            return services.job_execute(job=job, slot_at=datetime.fromisoformat(slot_iso)).as_dict()
        finally:
            close_old_connections()

    @queue.periodic_task(crontab(minute="*"), name="jobs.tick")
    def tick() -> int:
        close_old_connections()
        try:
            services.runs_interrupted_close()
            due = services.slots_due(now=timezone.now(), jobs=jobs, not_before=_not_before)
        finally:
            close_old_connections()
        for job, slot in due:
            execute(job.name, slot.isoformat())
        return len(due)

    return queue


@cache
def huey() -> Huey:
    """The queue of ``LIANJIAN_QUEUE_URL``."""
    return build_huey(settings.LIANJIAN_QUEUE_URL)


class EmbeddedConsumer(Consumer):
    """A consumer on threads of another program (``lianjian serve``).

    huey's consumer takes over SIGINT/SIGTERM/SIGHUP when it starts; inside the web server that
    would swallow Ctrl+C, so this one leaves the program's signal handlers alone and is stopped
    by :func:`embedded_worker_stop` instead.
    """

    def _set_signal_handlers(self) -> None:
        return None


def embedded_worker_start(*, catch_up: bool = True, threads: int = 2) -> EmbeddedConsumer | None:
    """Start the worker threads when the queue is the embedded SQLite one; None otherwise.

    ``catch_up=False``: slots before now are not run late (the demo has just scanned its data).
    """
    global _not_before
    if not is_embedded():
        return None
    if not catch_up:
        _not_before = timezone.now()
    consumer = EmbeddedConsumer(huey(), workers=threads, worker_type="thread", shutdown_timeout=10)
    consumer.start()
    return consumer


def embedded_worker_stop(consumer: EmbeddedConsumer | None) -> None:
    """Stop the embedded worker, letting a running job finish for up to its shutdown timeout."""
    if consumer is not None:
        consumer.stop(graceful=True)
