"""A slot runs once however many workers claim it at once: threads and processes on one database,
and two huey consumers sharing one Redis queue that tick the same minute.

The SQLite test database lives in memory with a shared cache. There a second writer fails at
once with "database table is locked" (SQLITE_LOCKED ignores the busy timeout), which the
embedded default's WAL file never does. The tests that make two threads write at once therefore
run on PostgreSQL; SQLite's contention is tested on a real WAL file, by two worker processes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import close_old_connections, connection, connections

from lianjian.jobs import services
from lianjian.jobs.models import JobRun
from lianjian.jobs.schedule import SHANGHAI, Cadence, Job, Period
from lianjian.jobs.tests import targets

pytestmark = pytest.mark.django_db(transaction=True)

COUNTED = Job("test.counted", "计数", Cadence(Period.DAY, hour=1), "lianjian.jobs.tests.targets.counted")
REDIS_URL = os.environ.get("LIANJIAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _clear_calls() -> None:
    targets.calls.clear()


ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
shared_database = pytest.mark.skipif(
    not ON_POSTGRESQL,
    reason="concurrent writers on the in-memory SQLite test database fail at once (see the module docstring)",
)


@shared_database
def test_two_threads_claiming_one_slot_run_it_once() -> None:
    slot = datetime(2026, 12, 7, 1, 0, tzinfo=SHANGHAI)
    barrier = threading.Barrier(2)
    outcomes: list[services.Outcome] = []
    errors: list[BaseException] = []

    def claim() -> None:
        try:
            barrier.wait()
            outcomes.append(services.job_execute(job=COUNTED, slot_at=slot))
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert errors == []
    assert sorted(o.claimed for o in outcomes) == [False, True]
    assert targets.calls == [slot]
    assert JobRun.objects.filter(job="test.counted", slot_at=slot, state="SUCCEEDED").count() == 1


def _two_workers_at_once(database_url: str, home: Path) -> list[dict[str, Any]]:
    """Start two ``worker --once`` processes on ``database_url`` together; their outcomes."""
    env = {
        **os.environ,
        "LIANJIAN_DATABASE_URL": database_url,
        "LIANJIAN_HOME": str(home),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    command = [sys.executable, "-m", "django", "worker", "--once", "--json"]
    procs = [
        subprocess.Popen(  # noqa: S603 — our own interpreter running our own command
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in results]
    return [o for out, _ in results for o in json.loads(out)]


def _each_slot_ran_once(outcomes: list[dict[str, Any]], runs: list[tuple[str, str]]) -> None:
    assert runs, "the workers claimed nothing"
    assert len(runs) == len(set(runs))
    claimed = Counter((o["job"], o["slot_at"]) for o in outcomes if o["claimed"])
    assert set(claimed.values()) == {1}
    assert len(claimed) == len(runs)
    assert Counter(job for job, _ in runs)["scan.daily"] == 1
    assert all(o["state"] != "FAILED" for o in outcomes), [o["error"] for o in outcomes]


@pytest.mark.skipif(not ON_POSTGRESQL, reason="two processes share the test database only on PostgreSQL")
def test_two_worker_processes_ticking_at_once_run_each_slot_once(tmp_path: Path) -> None:
    db = settings.DATABASES["default"]
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    url = f"postgres://{db['USER']}@{host}/{connection.settings_dict['NAME']}"
    outcomes = _two_workers_at_once(url, tmp_path)
    runs = [(job, slot.isoformat()) for job, slot in JobRun.objects.values_list("job", "slot_at")]
    _each_slot_ran_once(outcomes, runs)


def test_two_worker_processes_on_one_sqlite_file_run_each_slot_once(tmp_path: Path) -> None:
    """The embedded default: a WAL file with IMMEDIATE transactions and a busy timeout."""
    path = tmp_path / "lianjian.sqlite3"
    url = f"sqlite:///{path}"
    env = {**os.environ, "LIANJIAN_DATABASE_URL": url, "LIANJIAN_HOME": str(tmp_path)}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    migrate = subprocess.run(
        [sys.executable, "-m", "django", "migrate", "-v0"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stderr
    outcomes = _two_workers_at_once(url, tmp_path)
    with sqlite3.connect(path) as db:
        runs = [(job, slot) for job, slot in db.execute("SELECT job, slot_at FROM jobs_jobrun")]
        states = {state for (state,) in db.execute("SELECT state FROM jobs_jobrun")}
    assert states == {"SUCCEEDED"}
    _each_slot_ran_once(outcomes, runs)


def _redis_or_skip() -> None:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")


@shared_database
def test_two_consumers_sharing_redis_that_tick_the_same_minute_run_the_slot_once() -> None:
    from huey import signals

    from lianjian.jobs.queue import EmbeddedConsumer, build_huey

    _redis_or_skip()
    name = f"lianjian-test-{uuid.uuid4().hex[:8]}"
    queues = [build_huey(REDIS_URL, name=name, jobs={COUNTED.name: COUNTED}) for _ in range(2)]
    done: list[str] = []

    for queue in queues:

        @queue.signal(signals.SIGNAL_COMPLETE, signals.SIGNAL_ERROR)
        def record(signal: str, task: Any, *args: Any) -> None:
            done.append(f"{task.name}:{signal}")

    consumers = [EmbeddedConsumer(q, workers=2, worker_type="thread", scheduler_interval=1) for q in queues]
    try:
        for consumer in consumers:
            consumer.start()  # each scheduler enqueues its minute's tick at once
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (
            done.count("jobs.tick:complete") < 2
            or not JobRun.objects.filter(finished_at__isnull=False).exists()
        ):
            time.sleep(0.1)
        time.sleep(0.5)  # a second execute, if the other tick enqueued one, finds the claim taken
    finally:
        for consumer in consumers:
            consumer.stop(graceful=True)
        queues[0].flush()
        close_old_connections()

    assert done.count("jobs.tick:complete") == 2
    assert not any(item.endswith(":error") for item in done), done
    assert JobRun.objects.filter(job="test.counted").count() == 1
    assert len(targets.calls) == 1
    assert JobRun.objects.get().state == "SUCCEEDED"
