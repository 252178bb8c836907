"""Benchmark of importing case events end to end (parse, validate, write, project).

Generates a file with ``lianjian generate`` (reference data first, then the cases' events), then
imports it into a fresh database with ``import_batch_run`` and the JSON Lines reader that
``lianjian import`` uses: first import, then the same file again (all unchanged). On PostgreSQL it
also times a bare ``COPY`` of the same event rows into a scratch table with the same columns and
indexes (no foreign keys), for the ratio. Usage::

    .venv/bin/python bench/event_import.py --events 1000000 [--database-url postgres://postgres@127.0.0.1:5432/]
        [--file existing.jsonl] [--no-reimport] [--json]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    arguments,
    bench_database,
    machine,
    peak_rss_mib,
    print_json,
    print_table,
    reset_peak_rss,
    rss_mib,
)

EVENTS_PER_CASE = 8.56
"""What the generator gives on average (measured: 85,646 events for 10,000 cases)."""


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=200_000, help="about this many events")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--file", default="", help="import this file instead of generating one")
    parser.add_argument("--no-reimport", action="store_true", help="skip the second import")
    parser.add_argument("--profile", action="store_true", help="cProfile the first import")


def _generate(events: int, seed: int, directory: Path) -> tuple[Path, float]:
    from lianjian.ingest.generator.writer import GeneratorConfig, generate

    out = directory / "events.jsonl"
    began = time.perf_counter()
    generate(GeneratorConfig(cases=max(1, round(events / EVENTS_PER_CASE)), seed=seed), out)
    return out, time.perf_counter() - began


def _import(path: Path) -> tuple[float, float, Any]:
    import gc

    from lianjian.ingest.readers import JsonLinesReader
    from lianjian.ingest.services import import_batch_run

    gc.collect()
    reset_peak_rss()
    began = time.perf_counter()
    result = import_batch_run(
        actor=None,
        source_name=path.name,
        lines_or_reader=JsonLinesReader(path.name, path=path),
        progress=lambda done, total: print(f"\r  {done:,} / {total or 0:,}", end="", file=sys.stderr),
    )
    seconds = time.perf_counter() - began
    print(file=sys.stderr)
    return seconds, peak_rss_mib(), result


def _bare_copy(directory: Path) -> float:
    """Seconds to COPY the stored event rows into a scratch table with the same indexes."""
    from django.db import connection

    dump = directory / "events.copy"
    columns = (
        "event_id, case_no, unit_id, type, is_known_type, occurred_at, actor_id, actor_no, data, corrects, "
        "extra, digest, import_batch_id, created_at"
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor
        query = f"COPY (SELECT {columns} FROM cases_event) TO STDOUT"  # noqa: S608 (fixed names)
        with dump.open("wb") as out, raw.copy(query) as copy:
            for block in copy:
                out.write(block)
        cursor.execute("DROP TABLE IF EXISTS bench_event_copy")
        cursor.execute(
            "CREATE TABLE bench_event_copy "
            "(LIKE cases_event INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING INDEXES)"
        )
        began = time.perf_counter()
        with dump.open("rb") as source, raw.copy(f"COPY bench_event_copy ({columns}) FROM STDIN") as copy:
            while block := source.read(1 << 20):
                copy.write(block)
        seconds = time.perf_counter() - began
        cursor.execute("DROP TABLE bench_event_copy")
    dump.unlink()
    return seconds


def main() -> None:
    options = arguments(__doc__.splitlines()[0], _options)
    with tempfile.TemporaryDirectory(prefix="bench-events-") as scratch:
        directory = Path(scratch)
        with bench_database("event_import", options.database_url) as db:
            if options.file:
                path, generated = Path(options.file), 0.0
            else:
                path, generated = _generate(options.events, options.seed, directory)
            size_mb = path.stat().st_size / 1e6
            rss_before = rss_mib()
            if options.profile:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                first, first_peak, result = profiler.runcall(_import, path)
                stats = pstats.Stats(profiler).strip_dirs()
                stats.sort_stats("tottime").print_stats(25)
                stats.sort_stats("cumulative").print_stats(40)
            else:
                first, first_peak, result = _import(path)
            if not result.is_accepted:
                raise SystemExit(f"import rejected: {[str(issue) for issue in result.issues[:5]]}")
            events = result.counts["event"]["created"]
            cases = result.counts.get("case", {}).get("created", 0)
            rows: list[list[Any]] = [
                ["first import", first, events / first, first_peak, result.counts["event"]["created"]],
            ]
            figures: dict[str, Any] = {
                "database": db.label,
                "machine": machine(),
                "file_mb": round(size_mb, 1),
                "records": result.batch.record_count,
                "events": events,
                "cases": cases,
                "generate_seconds": round(generated, 1),
                "rss_before_mib": round(rss_before, 1),
                "first_seconds": round(first, 2),
                "first_events_per_second": round(events / first),
                "first_peak_rss_mib": round(first_peak, 1),
            }
            if not options.no_reimport:
                second, second_peak, again = _import(path)
                rows.append(
                    [
                        "same file again",
                        second,
                        events / second,
                        second_peak,
                        again.counts["event"]["unchanged"],
                    ],
                )
                figures.update(
                    reimport_seconds=round(second, 2),
                    reimport_events_per_second=round(events / second),
                    reimport_peak_rss_mib=round(second_peak, 1),
                    reimport_unchanged=again.counts["event"]["unchanged"],
                )
            if db.vendor == "postgresql":
                copy_seconds = _bare_copy(directory)
                rows.append(["bare COPY of the rows", copy_seconds, events / copy_seconds, None, events])
                figures.update(
                    copy_seconds=round(copy_seconds, 2),
                    copy_rows_per_second=round(events / copy_seconds),
                    import_to_copy_ratio=round(first / copy_seconds, 1),
                )
            print(f"{db.label}: {path.name} {size_mb:,.0f} MB, {events:,} events in {cases:,} cases")
            print_table(
                "event import",
                ["run", "seconds", "events/s", "peak RSS MiB", "events"],
                rows,
            )
            if options.json:
                print_json(figures)


if __name__ == "__main__":
    main()
