"""Benchmark of `lianjian generate`: cases and events per second, file size and peak memory.

Runs the generator in this process (no database), writes into a temporary directory (removed at
the end unless ``--keep``) and extrapolates the time of a 1,000,000-case run from the measured
rate. Usage::

    .venv/bin/python bench/generate.py --cases 100000 [--seed 2026] [--risk-rate 0.05] [--json] [--keep]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lianjian.ingest.generator.writer import GeneratorConfig, generate, truth_path_for  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--risk-rate", type=float, default=0.05)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON as well")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    options = parser.parse_args()

    directory = Path(tempfile.mkdtemp(prefix="bench-generate-"))
    out = directory / "generated.jsonl"
    began = time.perf_counter()
    config = GeneratorConfig(cases=options.cases, seed=options.seed, risk_rate=options.risk_rate)
    summary = generate(config, out)
    seconds = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "python": platform.python_version(),
        "cases": summary.cases,
        "events": summary.events,
        "reference_records": summary.reference,
        "truth_lines": summary.must_raise + summary.must_not_raise,
        "seconds": round(seconds, 2),
        "cases_per_second": round(summary.cases / seconds),
        "events_per_second": round(summary.events / seconds),
        "file_mb": round(out.stat().st_size / 1_000_000, 1),
        "peak_rss_mb": round(peak_mb, 1),
        "extrapolated_seconds_for_1m_cases": round(seconds * 1_000_000 / summary.cases),
    }
    width = max(len(name) for name in figures)
    for name, value in figures.items():
        print(f"{name:<{width}}  {value}")
    if options.json:
        print(json.dumps(figures))
    if options.keep:
        print(f"kept: {out} and {truth_path_for(out)}")
    else:
        shutil.rmtree(directory)


if __name__ == "__main__":
    main()
