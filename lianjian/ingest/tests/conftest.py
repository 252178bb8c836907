"""Fixtures of the importer's tests: the contract's sample (reference records only) and helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lianjian.audit.models import AuditEvent
from lianjian.ingest.services import BatchResult, import_batch_run
from lianjian.org.models import Department, LawFirm, Lawyer, PowerRule, Relation, Staff, StaffChange, Unit

SAMPLE = Path(__file__).with_name("sample.jsonl")  # a verbatim copy of the contract's example


def sample_lines() -> list[str]:
    return [line for line in SAMPLE.read_text(encoding="utf-8").split("\n") if line.strip()]


@pytest.fixture
def reference_lines() -> list[str]:
    """The sample without its ``event`` lines (events arrive with the cases app)."""
    return [line for line in sample_lines() if '"record": "event"' not in line]


def run(lines: list[str] | str | bytes, *, actor: Any = None, dry_run: bool = False) -> BatchResult:
    return import_batch_run(actor=actor, source_name="batch.jsonl", lines_or_reader=lines, dry_run=dry_run)


def table_counts() -> dict[str, int]:
    """Row counts of every table an import may write (the ImportBatch log aside)."""
    models = [Unit, Department, Staff, StaffChange, LawFirm, Lawyer, Relation, PowerRule, AuditEvent]
    return {model.__name__: model._default_manager.count() for model in models}
