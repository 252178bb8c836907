"""What every benchmark shares: a throw-away home and database, query counting, memory, tables.

A benchmark runs against a fresh database that it creates and removes itself: an SQLite file in
a temporary ``LIANJIAN_HOME`` by default, or, given ``--database-url postgres://…``, a database
named ``bench_lianjian_<benchmark>_<pid>`` created on that server and dropped at the end. The
user's ``~/.lianjian`` and any ``LIANJIAN_DATABASE_URL`` in the environment are never touched.

Import this module before Django: :func:`bench_database` sets the environment and only then
calls ``django.setup()``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def arguments(description: str, extra: Callable[[argparse.ArgumentParser], None] | None = None) -> Any:
    """The options every benchmark takes: ``--database-url`` and ``--json``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--database-url",
        default="",
        help="postgres://USER@HOST:PORT/ names the server on which a fresh database "
        "bench_lianjian_<name>_<pid> is created and dropped; sqlite:///PATH a new SQLite file; "
        "default: an SQLite file in a temporary LIANJIAN_HOME",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON as well")
    if extra is not None:
        extra(parser)
    return parser.parse_args()


@dataclass
class BenchDatabase:
    """Where the benchmark's data lives; ``vendor`` is ``sqlite`` or ``postgresql``."""

    home: Path
    vendor: str
    label: str
    recreate: Callable[[], None]

    def fresh(self) -> None:
        """Throw the database away and start again from an empty, migrated one (same settings)."""
        from django.db import connections

        connections.close_all()
        self.recreate()
        _migrate()


def _postgres_admin(url: str) -> tuple[str, str]:
    """(URL of the server's ``postgres`` database, URL with ``{name}`` for the bench database)."""
    parts = urlsplit(url)
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    template = urlunsplit((parts.scheme, parts.netloc, "/{name}", parts.query, ""))
    return admin, template


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


@contextmanager
def bench_database(name: str, database_url: str = "") -> Iterator[BenchDatabase]:
    """A temporary home and a fresh, migrated database; both removed afterwards.

    Django's settings are read once per process, so a benchmark enters this once and calls
    :meth:`BenchDatabase.fresh` for another empty database.
    """
    home = Path(tempfile.mkdtemp(prefix=f"lianjian-bench-{name}-"))
    os.environ["LIANJIAN_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    # Django's test client sends Host: testserver.
    os.environ["LIANJIAN_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.pop("LIANJIAN_DATABASE_URL", None)
    os.environ.pop("LIANJIAN_AUDIT_CHECKPOINT_DIR", None)
    drop: Callable[[], None]
    create: Callable[[], None]
    if database_url.startswith(("postgres://", "postgresql://")):
        import psycopg

        admin, template = _postgres_admin(database_url)
        database = f"bench_lianjian_{name}_{os.getpid()}"

        def drop() -> None:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

        def create() -> None:
            drop()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{database}"')

        os.environ["LIANJIAN_DATABASE_URL"] = template.format(name=database)
        with psycopg.connect(admin) as conn:
            version = conn.execute("SHOW server_version").fetchone()
        label = f"PostgreSQL {str(version[0]).split()[0] if version else '?'} (database {database})"
    else:
        if database_url.startswith("sqlite:///"):
            path = Path(database_url.removeprefix("sqlite:///"))
            if path.exists():
                raise SystemExit(f"{path} exists: a benchmark needs a fresh database")
            os.environ["LIANJIAN_DATABASE_URL"] = database_url
            label = f"SQLite ({path})"
        elif database_url:
            raise SystemExit(f"unsupported --database-url: {database_url!r}")
        else:
            path = home / "lianjian.sqlite3"  # config.settings.base's default under LIANJIAN_HOME
            label = "SQLite (WAL, file in a temporary LIANJIAN_HOME)"

        def drop() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        create = drop
    try:
        import django

        create()
        django.setup()
        _migrate()
        from django.db import connection

        yield BenchDatabase(home=home, vendor=connection.vendor, label=label, recreate=create)
    finally:
        from django.db import connections

        connections.close_all()
        drop()
        shutil.rmtree(home, ignore_errors=True)


class QueryCounter:
    """Counts the statements Django sends (``execute`` and ``executemany`` each count one) and the
    time spent inside them (the database plus the driver; rows fetched later are not included)."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def time_requests(client: Any, url: str, repeat: int) -> tuple[dict[str, Any], Any]:
    """GET ``url`` once to warm up, then ``repeat`` timed times: the figures (``status``: the
    warm-up's if it failed, else the last request's; median and slowest ms, SQL ms and
    statements per request, size) and the last response. A failed warm-up is not timed."""
    from django.db import connection

    response = client.get(url)
    if response.status_code != 200:
        return {"status": response.status_code}, response
    samples, counts, in_database = [], [], []
    for _ in range(repeat):
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - started)
        counts.append(counter.count)
        in_database.append(counter.seconds)
    figures = {
        "status": response.status_code,
        "median_ms": statistics.median(samples) * 1000,
        "max_ms": max(samples) * 1000,
        "sql_median_ms": statistics.median(in_database) * 1000,
        "queries": round(statistics.median(counts)),
        "queries_min": min(counts),
        "queries_max": max(counts),
        "bytes": len(response.content),
    }
    return figures, response


@contextmanager
def counting_queries() -> Iterator[QueryCounter]:
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        yield counter


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux), so a phase's peak is its own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def rss_mib() -> float:
    """The process's resident memory now (Linux ``VmRSS``), in MiB; 0 where unknown."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def peak_rss_mib() -> float:
    """``ru_maxrss`` (KiB on Linux) in MiB: the process's peak resident memory."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Measured:
    """One timed run: wall time, statements, memory."""

    seconds: float
    queries: int
    rss_before_mib: float
    peak_rss_mib: float
    tracemalloc_peak_mib: float | None = None
    result: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def measure(run: Callable[[], Any], *, trace_memory: bool = False) -> Measured:
    """Run once, timing it, counting statements, and taking the peak RSS of this run alone.

    With ``trace_memory`` the Python allocation peak is traced too (tracemalloc slows Python
    code down, so callers time a run without it and trace a separate run).
    """
    import gc

    gc.collect()
    before = rss_mib()
    reset_peak_rss()
    if trace_memory:
        tracemalloc.start()
    with counting_queries() as counter:
        started = time.perf_counter()
        result = run()
        seconds = time.perf_counter() - started
    traced = None
    if trace_memory:
        traced = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return Measured(seconds, counter.count, before, peak_rss_mib(), traced, result)


def profile_text(run: Callable[[], Any], *, limit: int = 20, sort: str = "tottime") -> str:
    """cProfile's top ``limit`` functions of one run (cProfile's own overhead inflates the total)."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(run)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(limit)
    return out.getvalue()


def median_ms(samples: Sequence[float]) -> float:
    return statistics.median(samples) * 1000


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "platform": platform.platform(),
    }


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain text table (wide characters counted as two columns)."""

    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)

    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.3f}"
        if isinstance(value, int):
            return f"{value:,}"
        return "" if value is None else str(value)

    texts = [[cell(v) for v in row] for row in rows]
    widths = [max([width(h)] + [width(r[i]) for r in texts]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        out = []
        for i, value in enumerate(values):
            pad = " " * (widths[i] - width(value))
            out.append(value + pad if i == 0 else pad + value)
        return "  ".join(out)

    print(f"\n{title}")
    print(line(list(headers)))
    print("  ".join("-" * w for w in widths))
    for row in texts:
        print(line(row))


def print_json(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
