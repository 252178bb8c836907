"""`lianjian serve` runs the worker on its own threads with the SQLite queue, and not with Redis."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from lianjian.jobs import queue


@pytest.fixture
def fake_serve(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> list[dict[str, Any]]:
    """waitress.serve replaced: records whether the worker threads were alive while serving.

    The queue is one with no job, so the worker's tick touches no database.
    """
    import threading

    import waitress

    seen: list[dict[str, Any]] = []

    def serve(app: Any, **kwargs: Any) -> None:
        names = {t.name for t in threading.enumerate() if t.is_alive()}
        seen.append({"port": kwargs["port"], "threads": names, "not_before": queue._not_before})

    monkeypatch.setattr(waitress, "serve", serve)
    monkeypatch.setattr(queue, "_not_before", None)
    empty = queue.build_huey(f"sqlite:///{tmp_path / 'queue.sqlite3'}", jobs={})
    monkeypatch.setattr(queue, "huey", lambda: empty)
    return seen


def _worker_threads() -> set[str]:
    import threading

    return {
        t.name for t in threading.enumerate() if t.is_alive() and t.name.startswith(("Scheduler", "Worker"))
    }


def test_serve_runs_the_embedded_worker_and_stops_it(fake_serve: list[dict[str, Any]]) -> None:
    out = StringIO()
    call_command("serve", port=8123, stdout=out)

    assert len(fake_serve) == 1
    assert {"Scheduler", "Worker-1", "Worker-2"} <= fake_serve[0]["threads"]
    assert fake_serve[0]["not_before"] is None  # serve catches up what it missed
    assert "后台任务：已在本进程内运行" in out.getvalue()
    assert _worker_threads() == set()


def test_serve_without_worker_starts_none(fake_serve: list[dict[str, Any]]) -> None:
    out = StringIO()
    call_command("serve", port=8123, no_worker=True, stdout=out)
    assert "Scheduler" not in fake_serve[0]["threads"]
    assert "后台任务" not in out.getvalue()


def test_without_catch_up_the_worker_skips_slots_before_its_start(fake_serve: list[dict[str, Any]]) -> None:
    before = timezone.now()
    call_command("serve", port=8123, no_catch_up=True, stdout=StringIO())
    floor = fake_serve[0]["not_before"]
    assert floor is not None and floor >= before


@override_settings(LIANJIAN_QUEUE_URL="redis://127.0.0.1:6379/0")
def test_with_a_redis_queue_serve_leaves_the_work_to_lianjian_worker(
    fake_serve: list[dict[str, Any]],
) -> None:
    out = StringIO()
    call_command("serve", port=8123, stdout=out)
    assert "Scheduler" not in fake_serve[0]["threads"]
    assert "后台任务" not in out.getvalue()


def test_the_queue_url_is_read_and_checked(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from config import env

    monkeypatch.delenv("LIANJIAN_QUEUE_URL", raising=False)
    assert env.queue(tmp_path / "q.sqlite3") == f"sqlite:///{tmp_path / 'q.sqlite3'}"
    monkeypatch.setenv("LIANJIAN_QUEUE_URL", "redis://10.0.0.5:6379/2")
    assert env.queue(tmp_path / "q.sqlite3") == "redis://10.0.0.5:6379/2"
    monkeypatch.setenv("LIANJIAN_QUEUE_URL", "amqp://broker")
    with pytest.raises(env.ConfigurationError, match="LIANJIAN_QUEUE_URL 无法识别"):
        env.queue(tmp_path / "q.sqlite3")


@pytest.mark.django_db
def test_demo_starts_its_worker_without_catch_up(
    fake_serve: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo scans its own data before serving: its worker must not scan again at once."""
    from types import SimpleNamespace

    from lianjian.dashboard.management.commands import demo

    loaded = SimpleNamespace(
        accepted=True, summary="（略）", truth=None, password="x", accounts=[], errors=[]
    )
    scanned = SimpleNamespace(outcomes=[], seconds=0.0, totals=lambda: {"new": 0, "still_open": 0})
    monkeypatch.setattr(demo, "demo_load", lambda: loaded)
    monkeypatch.setattr(demo, "scan_run", lambda **kwargs: scanned)
    before = timezone.now()

    call_command("demo", port=8124, stdout=StringIO())

    assert fake_serve[0]["port"] == 8124
    assert "Scheduler" in fake_serve[0]["threads"]
    assert fake_serve[0]["not_before"] is not None and fake_serve[0]["not_before"] >= before
