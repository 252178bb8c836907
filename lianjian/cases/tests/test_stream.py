"""Events imported as a stream: chunks, the fast validator, progress — same results as one piece."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lianjian.cases.fastparse import ParsedEvent, Slow, fast_event
from lianjian.cases.models import Case, Event
from lianjian.cases.records import EventRecord
from lianjian.cases.services import cases_rebuild
from lianjian.cases.tests.helpers import (
    errors,
    event,
    projections,
    reference_lines,
    run,
    sample_lines,
    table_counts,
)
from lianjian.ingest.services import import_batch_run

pytestmark = pytest.mark.django_db

RECEIVED = {"line": "CRIMINAL", "case_type": "ARREST_REVIEW", "detained": True}


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("lianjian.ingest.services.EVENT_CHUNK", 2)


def _events_of_two_cases() -> list[str]:
    """Two cases whose events alternate, so that each case spans several chunks."""
    lines = []
    for number in range(1, 5):
        for case in ("C-A", "C-B"):
            kind, data = ("RECEIVED", RECEIVED) if number == 1 else ("EXTENDED", {"days": number})
            lines.append(
                event(f"{case}-{number}", kind, f"2026-03-0{number}T09:00:00+08:00", data, case_no=case)
            )
    return lines


def test_cases_spread_over_chunks_are_projected_as_a_rebuild_would(small_chunks: None) -> None:
    run(reference_lines())

    result = run(_events_of_two_cases())

    assert errors(result) == []
    assert result.counts["event"]["created"] == 8
    assert result.counts["case"] == {"created": 2, "updated": 0, "unchanged": 0}
    incremental = projections()
    assert Case.objects.get(case_no="C-A").extension_days == 2 + 3 + 4
    cases_rebuild(actor=None)
    assert projections() == incremental


def test_reference_records_after_the_events_count(small_chunks: None) -> None:
    lines = sample_lines()
    events = [line for line in lines if '"record": "event"' in line]
    others = [line for line in lines if '"record": "event"' not in line]

    result = run(events + others)

    assert errors(result) == []
    assert result.counts["event"]["created"] == 5
    assert Case.objects.get().prosecutor is not None


def test_a_repeat_in_a_later_chunk_is_a_duplicate_or_a_conflict(small_chunks: None) -> None:
    run(reference_lines())
    first = event("E1", "RECEIVED", "2026-03-02T09:00:00+08:00", RECEIVED)
    filler = [event(f"F{n}", "EXTENDED", "2026-03-03T09:00:00+08:00", {"days": n}) for n in range(3)]

    same = run([first, *filler, first])
    assert errors(same) == []
    assert same.counts["event"]["duplicates"] == 1

    before = table_counts()
    other = event("E2", "RECEIVED", "2026-03-02T09:00:00+08:00", RECEIVED)
    changed = other.replace('"ARREST_REVIEW"', '"PROSECUTION_REVIEW"')
    result = run([other, *filler, changed])
    assert errors(result) == [
        (5, "event_id", "duplicate_conflict", "案件事件 E2 在本批次前面已出现，内容不同"),
    ]
    assert table_counts() == before


def test_an_error_in_a_late_chunk_rolls_back_the_earlier_chunks(small_chunks: None) -> None:
    run(reference_lines())
    before = table_counts()
    lines = [*_events_of_two_cases(), event("BAD", "RECEIVED", "2026-03-02", RECEIVED)]

    result = run(lines)

    assert [(line, code) for line, _field, code, _message in errors(result)] == [(9, "invalid_datetime")]
    assert table_counts() == before
    assert not Event.objects.exists()


def test_progress_is_reported_every_chunk(small_chunks: None) -> None:
    run(reference_lines())
    calls: list[tuple[int, int | None]] = []

    import_batch_run(
        actor=None,
        source_name="batch.jsonl",
        lines_or_reader=_events_of_two_cases(),
        progress=lambda done, total: calls.append((done, total)),
    )

    assert calls == [(2, 8), (4, 8), (6, 8), (8, 8), (8, 8)]


def test_a_dry_run_of_a_streamed_batch_writes_nothing(small_chunks: None) -> None:
    run(reference_lines())
    before = table_counts()

    result = import_batch_run(
        actor=None, source_name="batch.jsonl", lines_or_reader=_events_of_two_cases(), dry_run=True
    )

    assert result.status == "VALIDATED"
    assert result.counts["event"]["created"] == 8
    assert table_counts() == before


SAMPLES: list[dict[str, Any]] = [
    {
        "event_id": "E1",
        "case_no": "C",
        "unit": "510903",
        "type": "RECEIVED",
        "occurred_at": "2026-03-02T09:00:00",
        "data": {"line": "CRIMINAL", "case_type": "X", "plea": True, "note": 2.0},
    },
    {
        "event_id": "E1",
        "case_no": "C",
        "unit": "510903",
        "type": "DECIDED",
        "occurred_at": "2026-03-02T09:00:00Z",
        "actor": "A1",
        "data": {"decision": "PROSECUTE", "months": 12, "level": "CHIEF"},
        "source": "UBA",
    },
    {
        "event_id": "E1",
        "case_no": "C",
        "unit": "510903",
        "type": "JUDGMENT",
        "occurred_at": "2026-03-02 09:00:00+08:00",
        "data": {"verdict": "GUILTY", "charges": ["盗窃罪"]},
    },
    {
        "event_id": "E1",
        "case_no": "C",
        "unit": "510903",
        "type": "CUSTODY_CHANGED",
        "occurred_at": "2026-03-02T09:00:00+08:00",
        "data": {"from": "DETENTION", "to": "BAIL"},
    },
    {
        "event_id": "E1",
        "case_no": "C",
        "unit": "510903",
        "type": "PROPERTY_SEIZED",
        "occurred_at": "2026-03-02T09:00:00+08:00",
        "data": {"value": 3.0, "approved": False},
    },
    {
        "event_id": "E1",
        "case_no": "C",
        "unit": "510903",
        "type": "NOTE",
        "occurred_at": "2026-03-02T09:00:00+08:00",
        "data": {"n": 1.0},
    },
]
"""Records the fast path accepts itself."""

HANDED_OVER: list[dict[str, Any]] = [
    {**SAMPLES[0], "event_id": 17},
    {**SAMPLES[0], "case_no": " C "},
    {**SAMPLES[0], "data": {"line": "CRIMINAL", "case_type": "X", "plea": "是"}},
    {**SAMPLES[3], "data": {"from_": "DETENTION", "to": "BAIL"}},
    {**SAMPLES[1], "data": {"decision": "PROSECUTE", "months": 12.0}},
    {**SAMPLES[2], "data": {"verdict": "GUILTY", "charges": "盗窃罪、抢劫罪"}},
]
"""Records the fast path hands to pydantic (valid all the same)."""


@pytest.mark.parametrize("record", SAMPLES + [json.loads(line) for line in sample_lines()[-5:]])
def test_the_fast_validator_gives_what_pydantic_gives(record: dict[str, Any]) -> None:
    record = {name: value for name, value in record.items() if name != "record"}
    fast = fast_event(record)
    slow = ParsedEvent.of(EventRecord.model_validate(record))

    assert {name: getattr(fast, name) for name in ParsedEvent.__slots__} == {
        name: getattr(slow, name) for name in ParsedEvent.__slots__
    }


@pytest.mark.parametrize("record", HANDED_OVER)
def test_the_fast_validator_hands_over_what_it_is_unsure_of(record: dict[str, Any]) -> None:
    with pytest.raises(Slow):
        fast_event(record)
    EventRecord.model_validate(record)  # valid: pydantic accepts it
