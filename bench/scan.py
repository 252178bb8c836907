"""Benchmark of detection (issue 4 §5): a full scan of every rule, a rerun, and an incremental
scan after importing 1,000 new events; the full scan against one bare pass over the events.

Either generates ``--cases`` cases into a fresh database (as the other benchmarks do), or runs
against a database already loaded with ``lianjian import`` (``--existing-database-url``; its
catalogue is installed if missing, and the incremental step adds 1,000 events to it — new cases
copied from existing ones, with new event ids and case numbers). Usage::

    .venv/bin/python bench/scan.py --cases 20000 [--database-url postgres://postgres@127.0.0.1:5432/] [--json]
    .venv/bin/python bench/scan.py --existing-database-url postgres://postgres@127.0.0.1:5432/NAME [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import arguments, bench_database, machine, peak_rss_mib, print_json, print_table, reset_peak_rss

AS_OF = "2026-06-30T18:00:00+08:00"  # the generator's "as of"
NEW_EVENTS = 1000


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cases", type=int, default=20_000, help="cases to generate into a fresh database")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--existing-database-url", default="", help="scan this loaded database instead")
    parser.add_argument("--repeat", type=int, default=3, help="timings of the bare pass (median)")
    parser.add_argument("--no-rerun", action="store_true", help="skip the second full scan")


def _load(cases: int, seed: int) -> dict[str, Any]:
    from lianjian.ingest.generator.writer import GeneratorConfig, generate
    from lianjian.ingest.readers import JsonLinesReader
    from lianjian.ingest.services import import_batch_run

    directory = Path(tempfile.mkdtemp(prefix="lianjian-bench-scan-"))
    out = directory / "g.jsonl"
    generate(GeneratorConfig(cases=cases, seed=seed), out)
    began = time.perf_counter()
    result = import_batch_run(
        actor=None, source_name=out.name, lines_or_reader=JsonLinesReader(out.name, path=out)
    )
    if not result.is_accepted:
        raise SystemExit(f"the generated file was rejected: {result.issues[:3]}")
    return {"file": str(out), "import_seconds": round(time.perf_counter() - began, 1)}


def _bare_pass(repeat: int) -> float:
    from django.db import connection

    samples = []
    for _ in range(repeat):
        with connection.cursor() as cursor:
            began = time.perf_counter()
            cursor.execute("SELECT count(*) FROM cases_event")
            cursor.fetchone()
            samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def _new_events(count: int) -> list[str]:
    """``count`` new events: the events of existing cases copied onto new case numbers. The ids and
    case numbers carry this run's time, so that a second run on the same database adds new events
    again instead of re-importing (unchanged) the first run's."""
    from lianjian.cases.models import Event

    stamp = time.strftime("%Y%m%d%H%M%S")
    lines: list[str] = []
    rows = (
        Event.objects.exclude(type="CORRECTED")  # a correction names an event of its own case
        .exclude(event_id__startswith="BENCH")  # copies of an earlier run's copies
        .order_by("-id")
        .select_related("unit", "actor")
        .values_list("case_no", "event_id", "unit__code", "type", "occurred_at", "actor__staff_no", "data")
    )
    for case_no, event_id, unit, kind, occurred_at, actor, data in rows[:count].iterator():
        lines.append(
            json.dumps(
                {
                    "record": "event",
                    "event_id": f"BENCH{stamp}-{event_id}",
                    "case_no": f"{case_no}-增{stamp}",
                    "unit": unit,
                    "type": kind,
                    "occurred_at": occurred_at.isoformat(),
                    "actor": actor,
                    "data": data,
                },
                ensure_ascii=False,
            )
        )
    return lines


def _run(args: Any, label: str) -> dict[str, Any]:
    from django.db import connection

    from lianjian.cases.models import Case, Event
    from lianjian.ingest.services import import_batch_run
    from lianjian.risk.engine import planner_for_detection, scan_run
    from lianjian.risk.services import risk_catalogue_install

    risk_catalogue_install()
    as_of = datetime.fromisoformat(AS_OF)
    events, cases = Event.objects.count(), Case.objects.count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as `lianjian import` does after a large batch
    planner_for_detection()  # the same session settings as the scans, for a fair bare pass
    bare = _bare_pass(args.repeat)
    reset_peak_rss()
    full = scan_run(full=True, as_of=as_of, note="bench")
    full_rss = peak_rss_mib()
    rerun = None if args.no_rerun else scan_run(full=True, as_of=as_of, note="bench rerun")
    extra = _new_events(NEW_EVENTS)
    began = time.perf_counter()
    imported = import_batch_run(actor=None, source_name="bench-new.jsonl", lines_or_reader=extra)
    import_seconds = time.perf_counter() - began
    if not imported.is_accepted:
        raise SystemExit(f"the new events were rejected: {imported.issues[:3]}")
    incremental = scan_run(as_of=as_of, note="bench incremental")
    return {
        "database": label,
        "vendor": connection.vendor,
        "machine": machine(),
        "events": events,
        "cases": cases,
        "bare_pass_seconds": round(bare, 4),
        "full_scan_seconds": round(full.seconds, 2),
        "full_scan_passes": round(full.seconds / bare, 1) if bare else None,
        "full_scan_peak_rss_mib": round(full_rss, 1),
        "full_totals": full.totals(),
        "rerun_seconds": round(rerun.seconds, 2) if rerun else None,
        "rerun_totals": rerun.totals() if rerun else None,
        "new_events": len(extra),
        "new_events_import_seconds": round(import_seconds, 2),
        "incremental_cases": incremental.case_count,
        "incremental_seconds": round(incremental.seconds, 3),
        "incremental_totals": incremental.totals(),
        "incremental_rules": sorted(
            (
                {"rule": o.rule, "seconds": round(o.seconds, 3), "found": o.found}
                for o in incremental.outcomes
            ),
            key=lambda r: -r["seconds"],
        )[:10],
        "failed_rules": [o.rule for o in full.failed],
        "rules": sorted(
            ({"rule": o.rule, "seconds": round(o.seconds, 3), "found": o.found} for o in full.outcomes),
            key=lambda r: -r["seconds"],
        ),
    }


def _report(result: dict[str, Any]) -> None:
    print(f"{result['database']}: {result['cases']:,} cases, {result['events']:,} events")
    print_table(
        "Detection",
        ("measure", "value"),
        [
            (
                "bare SELECT count(*) over cases_event, ms (median)",
                round(result["bare_pass_seconds"] * 1000, 1),
            ),
            ("full scan, every rule, s", result["full_scan_seconds"]),
            ("full scan ÷ bare pass", result["full_scan_passes"]),
            ("full scan peak RSS, MiB", result["full_scan_peak_rss_mib"]),
            ("alerts found (full)", result["full_totals"]["found"]),
            ("rerun (all still open), s", result["rerun_seconds"]),
            (f"import of {result['new_events']:,} new events, s", result["new_events_import_seconds"]),
            ("incremental scan after it, s", result["incremental_seconds"]),
            ("cases in the incremental scan", result["incremental_cases"]),
        ],
    )
    print_table(
        "Per rule (full scan), slowest first",
        ("rule", "s", "found"),
        [(r["rule"], r["seconds"], r["found"]) for r in result["rules"]],
    )
    print_table(
        "Incremental scan, the 10 slowest rules",
        ("rule", "s", "found"),
        [(r["rule"], r["seconds"], r["found"]) for r in result["incremental_rules"]],
    )


def main() -> None:
    args = arguments(__doc__ or "", _options)
    context: AbstractContextManager[Any]
    if args.existing_database_url:
        os.environ["LIANJIAN_DATABASE_URL"] = args.existing_database_url
        os.environ.setdefault("LIANJIAN_HOME", tempfile.mkdtemp(prefix="lianjian-bench-scan-"))
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
        import django

        django.setup()
        context = nullcontext(None)
        label = f"existing database {args.existing_database_url.rsplit('/', 1)[-1]}"
    else:
        context = bench_database("scan", args.database_url)
    with context as database:
        loaded: dict[str, Any] = {}
        if database is not None:
            loaded = _load(args.cases, args.seed)
            label = database.label
        result = {**_run(args, label), **loaded}
    _report(result)
    if args.json:
        print_json(result)


if __name__ == "__main__":
    main()
