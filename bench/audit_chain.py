"""Benchmark: appending to the audit chain and verifying it (issue 2 §5, ARCHITECTURE.md).

In a fresh database, appends N events (default 100,000) through ``audit_record_many`` in
batches of 1,000 (how an import writes them), then 1,000 more one by one through
``audit_record`` (one transaction each, as a single edit in the web UI writes them), then
verifies the whole chain with ``audit_chain_verify`` (lianjian/audit/verify.py — what
``lianjian audit verify`` runs). To show where verification time goes, it also times the two
halves separately: streaming the rows out of the database alone (the raw cursor verification
uses), and recomputing the HMAC-SM3 links over rows already in memory.

Each event looks like an import's: a staff record's fields as ``after``, no actor (系统).

    .venv/bin/python bench/audit_chain.py [--events N] [--profile] [--json]
        [--database-url postgres://postgres@127.0.0.1:5432/]
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from harness import arguments, bench_database, machine, measure, print_json, print_table, profile_text

BATCH = 1_000
SINGLES = 1_000


def _entry(number: int) -> Any:
    from lianjian.audit.services import AuditEntry

    staff_id = f"62{number % 150:04d}{number:06d}"
    return AuditEntry(
        action="org.staff.create",
        target_type="org.staff",
        target_id=str(number),
        target_repr=f"张伟{number % 97}（{staff_id}）",
        before=None,
        after={
            "id": staff_id,
            "name": f"张伟{number % 97}",
            "unit": staff_id[:6],
            "department": "D01",
            "position": "PROSECUTOR",
            "is_quota_prosecutor": True,
            "joined_on": "2012-09-01",
            "left_on": None,
            "extra": {},
        },
    )


def _write_batches(events: int) -> int:
    from lianjian.audit.services import audit_record_many

    written = 0
    for start in range(0, events, BATCH):
        entries = [_entry(number) for number in range(start, min(start + BATCH, events))]
        written += len(audit_record_many(actor=None, entries=entries))
    return written


def _write_singles(start: int, count: int) -> list[float]:
    from lianjian.audit.services import audit_record

    samples = []
    for number in range(start, start + count):
        entry = _entry(number)
        began = time.perf_counter()
        audit_record(
            actor=None,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            target_repr=entry.target_repr,
            after=entry.after,
        )
        samples.append(time.perf_counter() - began)
    return samples


def _stream_rows() -> list[tuple[Any, ...]]:
    """The rows exactly as verification reads them (same query, same chunking), nothing else."""
    from lianjian.audit.verify import chain_rows

    return list(chain_rows())


def _link_bytes(rows: list[tuple[Any, ...]]) -> list[bytes]:
    from lianjian.audit.chain import HASHED_COLUMNS, link_bytes

    return [link_bytes(row[: len(HASHED_COLUMNS)]) for row in rows]


def _recompute(rows: list[tuple[Any, ...]]) -> int:
    """Verification's per-row work on rows in memory: the link's bytes and HMAC-SM3, compared."""
    from lianjian.audit.chain import HASHED_COLUMNS, chain_key, link_bytes
    from lianjian.common.crypto import provider

    hmac = provider.hmac_keyed(chain_key())
    end = len(HASHED_COLUMNS)
    good = 0
    for row in rows:
        good += hmac(link_bytes(row[:end])).hex() == row[-1]
    return good


def _hmac_only(prepared: list[bytes]) -> int:
    """Only the HMAC-SM3 calls, over link bytes prepared beforehand (timed by the caller)."""
    from lianjian.audit.chain import chain_key
    from lianjian.common.crypto import provider

    hmac = provider.hmac_keyed(chain_key())
    return sum(len(hmac(data)) for data in prepared)


def main() -> None:
    options = arguments(
        __doc__.splitlines()[0],
        lambda parser: (
            parser.add_argument(
                "--events", type=int, default=100_000, help="events appended in batches (default 100,000)"
            ),
            parser.add_argument(
                "--profile",
                action="store_true",
                help="also print cProfile's top functions of one verification",
            ),
        ),
    )
    events = options.events
    with bench_database("audit_chain", options.database_url) as db:
        from lianjian.audit.verify import audit_chain_verify

        batched = measure(lambda: _write_batches(events))
        singles = measure(lambda: _write_singles(events, SINGLES))
        total = events + SINGLES
        verified = measure(audit_chain_verify)
        result = verified.result
        if not result.ok or result.checked != total:
            raise SystemExit(f"verification failed: {result}")
        streamed = measure(_stream_rows)
        rows = streamed.result
        recomputed = measure(lambda: _recompute(rows))
        if recomputed.result != total:
            raise SystemExit(f"recomputed {recomputed.result} of {total} links")
        prepared = _link_bytes(rows)
        hmac_only = measure(lambda: _hmac_only(prepared))
        label = db.label
        profiled = profile_text(audit_chain_verify) if options.profile else ""

    single_samples: list[float] = singles.result
    figures: dict[str, Any] = {
        "benchmark": "audit_chain",
        "database": label,
        "machine": machine(),
        "events": total,
        "write_batched": {
            "events": events,
            "batch": BATCH,
            "seconds": batched.seconds,
            "events_per_second": events / batched.seconds,
            "us_per_event": batched.seconds / events * 1e6,
            "queries": batched.queries,
            "peak_rss_mib": batched.peak_rss_mib,
        },
        "write_single": {
            "events": SINGLES,
            "seconds": singles.seconds,
            "events_per_second": SINGLES / singles.seconds,
            "median_ms": statistics.median(single_samples) * 1000,
            "p95_ms": sorted(single_samples)[int(len(single_samples) * 0.95)] * 1000,
            "queries_per_event": singles.queries / SINGLES,
        },
        "verify": {
            "rows": result.checked,
            "seconds": verified.seconds,
            "rows_per_second": result.checked / verified.seconds,
            "queries": verified.queries,
            "peak_rss_mib": verified.peak_rss_mib,
        },
        "verify_parts": {
            "stream_rows_seconds": streamed.seconds,
            "recompute_seconds": recomputed.seconds,
            "hmac_only_seconds": hmac_only.seconds,
        },
    }

    print(f"audit_chain — {label}; {total:,} events")
    w, s, v, p = figures["write_batched"], figures["write_single"], figures["verify"], figures["verify_parts"]
    print_table(
        "writing",
        ["how", "events", "s", "events/s", "µs/event", "median ms", "p95 ms", "queries"],
        [
            [
                f"audit_record_many, batches of {BATCH:,}",
                w["events"],
                w["seconds"],
                w["events_per_second"],
                w["us_per_event"],
                None,
                None,
                w["queries"],
            ],
            [
                "audit_record, one transaction each",
                s["events"],
                s["seconds"],
                s["events_per_second"],
                s["seconds"] / SINGLES * 1e6,
                s["median_ms"],
                s["p95_ms"],
                round(s["queries_per_event"] * SINGLES),
            ],
        ],
    )
    print_table(
        "verifying (audit_chain_verify over the whole chain)",
        ["step", "rows", "s", "rows/s"],
        [
            ["audit_chain_verify (all of it)", v["rows"], v["seconds"], v["rows_per_second"]],
            ["  part, timed alone: stream rows (raw cursor)", total, p["stream_rows_seconds"], None],
            ["  part, timed alone: link bytes + HMAC-SM3", total, p["recompute_seconds"], None],
            ["    HMAC-SM3 calls alone (prepared bytes)", total, p["hmac_only_seconds"], None],
        ],
    )
    print(
        f"\nstatements sent by verification: {v['queries']}; "
        f"peak RSS during verification {v['peak_rss_mib']:.1f} MiB"
    )
    if profiled:
        print("\ncProfile of one audit_chain_verify (top functions by own time):")
        print(profiled)
    if options.json:
        print_json(figures)


if __name__ == "__main__":
    main()
