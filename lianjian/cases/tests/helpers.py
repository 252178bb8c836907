"""Building event lines and running batches in the cases app's tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.forms.models import model_to_dict

from lianjian.cases.models import Case, CaseLawyer, CaseStage, Event
from lianjian.ingest.services import BatchResult, import_batch_run

SAMPLE = Path(__file__).parents[2] / "ingest" / "tests" / "sample.jsonl"  # the contract's example
CASE = "遂船检刑诉受[2026]510903000101号"


def sample_lines() -> list[str]:
    return [line for line in SAMPLE.read_text(encoding="utf-8").split("\n") if line.strip()]


def reference_lines() -> list[str]:
    return [line for line in sample_lines() if '"record": "event"' not in line]


def event(
    event_id: str,
    event_type: str,
    occurred_at: str,
    data: dict[str, Any] | None = None,
    *,
    case_no: str = CASE,
    unit: str = "510903",
    actor: str | None = None,
    **more: Any,
) -> str:
    record = {
        "record": "event",
        "event_id": event_id,
        "case_no": case_no,
        "unit": unit,
        "type": event_type,
        "occurred_at": occurred_at,
        "actor": actor,
        "data": data or {},
        **more,
    }
    return json.dumps(record, ensure_ascii=False)


def run(lines: list[str], *, actor: Any = None) -> BatchResult:
    return import_batch_run(actor=actor, source_name="batch.jsonl", lines_or_reader=lines)


def errors(result: BatchResult) -> list[tuple[int, str, str, str]]:
    return [(i.location.line, i.field, i.code, i.message) for i in result.issues]


def table_counts() -> dict[str, int]:
    from lianjian.audit.models import AuditEvent

    return {
        model.__name__: model._default_manager.count()
        for model in (Event, Case, CaseStage, CaseLawyer, AuditEvent)
    }


def projections() -> dict[str, Any]:
    """Every projection row by case number, without surrogate ids (to compare two states)."""
    result: dict[str, Any] = {}
    for case in Case.objects.order_by("case_no"):
        values = model_to_dict(case, exclude=["id"])
        stages = [
            model_to_dict(s, exclude=["id", "case"])
            for s in CaseStage.objects.filter(case=case).order_by("number")
        ]
        lawyers = [
            model_to_dict(lawyer, exclude=["id", "case"])
            for lawyer in CaseLawyer.objects.filter(case=case).order_by("engaged_at", "license_no")
        ]
        result[case.case_no] = {"case": values, "stages": stages, "lawyers": lawyers}
    return result
