"""Writing a run: the reference records, then case after case, and the ground truth beside them.

Nothing holds more than one case: the cases come from a generator and go to the file as they are
made (memory does not grow with the case count).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from lianjian.ingest.generator.cases import build_case
from lianjian.ingest.generator.org import OrgNeeds, build_org, reference_records
from lianjian.ingest.generator.situations import Schedule
from lianjian.ingest.generator.timeline import AS_OF

GENERATOR_VERSION = 1
_dumps = json.JSONEncoder(ensure_ascii=False).encode


@dataclass(frozen=True)
class GeneratorConfig:
    """What a run depends on: the same configuration writes the same bytes.

    ``counties``, ``cities`` and ``compact`` shape the organisation (``org.build_org``); left at
    their defaults, the organisation follows the case count and the output is what it was before
    they existed.
    """

    cases: int
    seed: int = 2026
    risk_rate: float = 0.05
    province: str = "620000"
    counties: int | None = None
    cities: int | None = None
    compact: bool = False


@dataclass
class RunSummary:
    cases: int = 0
    events: int = 0
    reference: int = 0
    must_raise: int = 0
    must_not_raise: int = 0
    by_code: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


class Generator:
    """A configured run: its organisation and schedule, and the lines it writes, lazily."""

    def __init__(self, config: GeneratorConfig) -> None:
        self.config = config
        self.schedule = Schedule(config.cases, config.risk_rate)
        needs: OrgNeeds = self.schedule.needs()
        self.org = build_org(
            seed=config.seed,
            cases=config.cases,
            province_code=config.province,
            needs=needs,
            counties=config.counties,
            cities=config.cities,
            compact=config.compact,
        )

    def meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "kind": "meta",
            "generator": f"lianjian generate {GENERATOR_VERSION}",
            "cases": self.config.cases,
            "seed": self.config.seed,
            "risk_rate": self.config.risk_rate,
            "province": self.config.province,
        }
        # The organisation options appear only when set (a default run's truth is unchanged).
        for name in ("counties", "cities"):
            if getattr(self.config, name) is not None:
                meta[name] = getattr(self.config, name)
        if self.config.compact:
            meta["compact"] = True
        meta["as_of"] = AS_OF.isoformat()
        return meta

    def reference_lines(self) -> Iterator[str]:
        for record in reference_records(self.org):
            yield _dumps(record) + "\n"

    def case_chunks(
        self, start: int = 0, stop: int | None = None
    ) -> Iterator[tuple[str, str, int, list[dict[str, Any]]]]:
        """Per case: its event lines, its truth lines, its event count and its truth records."""
        stop = self.config.cases if stop is None else stop
        org, schedule, seed = self.org, self.schedule, self.config.seed
        for index in range(start, stop):
            events, truth = build_case(org, schedule, seed, index)
            yield (
                "".join([_dumps(event) + "\n" for event in events]),
                "".join([_dumps(line) + "\n" for line in truth]),
                len(events),
                truth,
            )


def truth_path_for(out: Path) -> Path:
    """The ground truth sits beside the data: ``FILE.truth.jsonl``."""
    name = out.name[: -len(".jsonl")] if out.name.endswith(".jsonl") else out.name
    return out.with_name(f"{name}.truth.jsonl")


def write_stream(
    chunks: Iterable[tuple[str, str, int, list[dict[str, Any]]]],
    data: IO[str],
    truth: IO[str],
    summary: RunSummary,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Consume ``chunks`` one case at a time, writing each before taking the next."""
    for text, truth_text, count, truth_lines in chunks:
        data.write(text)
        if truth_text:
            truth.write(truth_text)
            for line in truth_lines:
                if line["kind"] == "must_raise":
                    summary.must_raise += 1
                else:
                    summary.must_not_raise += 1
                summary.by_code[line["risk_code"]] = summary.by_code.get(line["risk_code"], 0) + 1
        summary.cases += 1
        summary.events += count
        if progress is not None:
            progress(summary.cases)


def generate(
    config: GeneratorConfig,
    out: Path,
    *,
    truth_out: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> RunSummary:
    """Write the run's JSON Lines to ``out`` and its ground truth to ``truth_out``."""
    began = time.monotonic()
    generator = Generator(config)
    summary = RunSummary()
    truth_file = truth_out or truth_path_for(out)
    with (
        out.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as data,
        truth_file.open("w", encoding="utf-8", newline="\n") as truth,
    ):
        truth.write(_dumps(generator.meta()) + "\n")
        for line in generator.reference_lines():
            data.write(line)
            summary.reference += 1
        write_stream(generator.case_chunks(), data, truth, summary, progress)
    summary.seconds = time.monotonic() - began
    return summary
