"""Benchmark: importing a province's reference data (issue 2 §3, ``lianjian import``).

Generates the province of ``province.py`` (150 units, ~1,100 departments, 8,000 staff each with
a JOIN staff_change, 300 lawyers in 60 firms, 2,000 relations, the power list with ~20 local
overrides) as a JSON Lines file, then times ``import_batch_run`` on it three times in a fresh
database: the first import (everything created), the same file again (everything unchanged),
and a file with 5 % of the staff renamed (400 updates). Each run is timed without tracemalloc;
then, unless ``--no-tracemalloc``, the same three runs are repeated in a second fresh database
with tracemalloc on, for the Python allocation peak (tracemalloc slows Python code, so those
runs are not timed).

    .venv/bin/python bench/org_import.py [--database-url postgres://postgres@127.0.0.1:5432/] [--json]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness import arguments, bench_database, machine, measure, print_json, print_table, profile_text
from province import province_records, renamed, write_jsonl

RENAMED_SHARE = 0.05


def _import(path: Path) -> Any:
    from lianjian.ingest.readers import reader_for
    from lianjian.ingest.registry import kind_labels
    from lianjian.ingest.services import import_batch_run

    reader = reader_for(path.name, kinds=kind_labels(), path=path)
    result = import_batch_run(actor=None, source_name=path.name, lines_or_reader=[reader])
    if not result.is_accepted:
        raise SystemExit(f"import rejected: {result.issues[:5]}")
    return result


def _changes(result: Any) -> dict[str, int]:
    total = {"created": 0, "updated": 0, "unchanged": 0}
    for counts in result.counts.values():
        for name in total:
            total[name] += counts.get(name, 0)
    return total


def _runs(files: list[tuple[str, Path]], *, trace: bool) -> list[dict[str, Any]]:
    from lianjian.audit.models import AuditEvent

    rows: list[dict[str, Any]] = []
    for label, path in files:
        audit_before = AuditEvent.objects.count()
        measured = measure(lambda path=path: _import(path), trace_memory=trace)
        result = measured.result
        rows.append(
            {
                "run": label,
                "records": result.batch.record_count,
                "seconds": measured.seconds,
                "records_per_second": result.batch.record_count / measured.seconds,
                "queries": measured.queries,
                "audit_events": AuditEvent.objects.count() - audit_before,
                "rss_before_mib": measured.rss_before_mib,
                "peak_rss_mib": measured.peak_rss_mib,
                "tracemalloc_peak_mib": measured.tracemalloc_peak_mib,
                **_changes(result),
            }
        )
    return rows


def main() -> None:
    options = arguments(
        __doc__.splitlines()[0],
        lambda parser: (
            parser.add_argument(
                "--no-tracemalloc", action="store_true", help="skip the second pass that traces allocations"
            ),
            parser.add_argument(
                "--profile",
                action="store_true",
                help="also print cProfile's top functions of a first import (in another fresh database)",
            ),
        ),
    )
    province = province_records()
    with bench_database("org_import", options.database_url) as db:
        # The files live in the benchmark's temporary home, removed with it.
        first = db.home / "province.jsonl"
        changed = db.home / "province-renamed.jsonl"
        lines = write_jsonl(province.records, first)
        size_mib = first.stat().st_size / 2**20
        write_jsonl(renamed(province.records, share=RENAMED_SHARE), changed)
        files = [
            ("1 first import (all created)", first),
            ("2 same file again (all unchanged)", first),
            (f"3 {RENAMED_SHARE:.0%} of staff renamed", changed),
        ]
        label = db.label
        timed = _runs(files, trace=False)
        if not options.no_tracemalloc:
            db.fresh()
            traced = _runs(files, trace=True)
            for row, traced_row in zip(timed, traced, strict=True):
                row["tracemalloc_peak_mib"] = traced_row["tracemalloc_peak_mib"]
        profiled = ""
        if options.profile:
            db.fresh()
            profiled = profile_text(lambda: _import(first), limit=25)

    print(f"org_import — {label}; {lines:,} records ({size_mib:.1f} MiB JSON Lines)")
    print("records: " + ", ".join(f"{kind} {count:,}" for kind, count in province.counts().items()))
    print_table(
        "import_batch_run (wall time without tracemalloc; tracemalloc peak from a second, untimed pass)",
        [
            "run",
            "records",
            "s",
            "records/s",
            "queries",
            "created",
            "updated",
            "unchanged",
            "audit events",
            "RSS before MiB",
            "peak RSS MiB",
            "tracemalloc MiB",
        ],
        [
            [
                row["run"],
                row["records"],
                row["seconds"],
                row["records_per_second"],
                row["queries"],
                row["created"],
                row["updated"],
                row["unchanged"],
                row["audit_events"],
                row["rss_before_mib"],
                row["peak_rss_mib"],
                row["tracemalloc_peak_mib"],
            ]
            for row in timed
        ],
    )
    if profiled:
        print("\ncProfile of a first import (top functions by own time):")
        print(profiled)
    if options.json:
        print_json(
            {
                "benchmark": "org_import",
                "database": label,
                "machine": machine(),
                "records": province.counts(),
                "runs": timed,
            }
        )


if __name__ == "__main__":
    main()
