"""Importing ``event`` records: idempotency, conflicts, corrections, unknown types, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.db.models import ProtectedError

from lianjian.audit.models import AuditEvent
from lianjian.cases.models import Case, Event, ImmutableEventError
from lianjian.cases.tests.helpers import CASE, errors, event, reference_lines, run, sample_lines, table_counts
from lianjian.ingest.models import ImportBatch

pytestmark = pytest.mark.django_db


def test_the_contract_sample_imports_whole_with_an_exact_projection() -> None:
    result = run(sample_lines())

    assert errors(result) == []
    assert result.counts["event"] == {
        "records": 5,
        "duplicates": 0,
        "created": 5,
        "updated": 0,
        "unchanged": 0,
    }
    assert result.counts["case"] == {"created": 1, "updated": 0, "unchanged": 0}
    case = Case.objects.get()
    assert case.case_no == CASE
    assert case.unit.code == "510903"
    assert (case.line, case.case_type, case.stage) == ("CRIMINAL", "PROSECUTION_REVIEW", 1)
    assert (case.cause, case.transferred_cause, case.agency) == (
        "故意伤害罪",
        "故意伤害罪",
        "遂宁市公安局船山区分局",
    )
    assert (case.is_detained, case.is_fast_track, case.has_plea) == (False, False, True)
    assert case.prosecutor is not None and case.prosecutor.staff_no == "A100"
    assert case.department is not None and (case.department.unit.code, case.department.code) == (
        "510903",
        "D2",
    )
    assert case.assign_method == "RANDOM"
    assert (case.proposal_decision, case.proposal_kind) == ("NON_PROSECUTE", "DISCRETIONARY")
    assert case.proposal_by is not None and case.proposal_by.staff_no == "A100"
    assert (case.decision, case.decision_kind, case.decision_level) == (
        "NON_PROSECUTE",
        "DISCRETIONARY",
        "CHIEF",
    )
    assert case.decided_by is not None and case.decided_by.staff_no == "A102"
    assert case.decided_at == datetime(2026, 3, 25, 2, 0, tzinfo=UTC)
    assert case.received_at == case.first_received_at == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert (case.event_count, case.unknown_event_count, case.closed_at) == (5, 0, None)
    assert list(case.lawyers.values_list("license_no", "firm_id", "role", "withdrawn_at")) == [
        ("15109200110001", "31510000MD0000001X", "DEFENDER", None)
    ]
    assert list(case.stages.values_list("number", "case_type", "is_detained")) == [
        (1, "PROSECUTION_REVIEW", False)
    ]


def test_events_name_their_batch_and_keep_the_actor() -> None:
    result = run(sample_lines())

    decided = Event.objects.get(event_id="SN-0005")
    assert decided.import_batch_id == result.batch.pk
    assert (decided.actor_no, decided.actor.staff_no if decided.actor else None) == ("A102", "A102")
    assert decided.data == {
        "decision": "NON_PROSECUTE",
        "kind": "DISCRETIONARY",
        "by": "A102",
        "level": "CHIEF",
    }
    assert decided.is_known_type is True
    assert len(decided.digest) == 64


def test_a_unit_or_staff_member_with_events_cannot_be_deleted_without_a_database_constraint() -> None:
    """ADR 0005: no foreign key in the database, but Django's PROTECT still holds."""
    run(sample_lines())
    decided = Event.objects.select_related("unit", "actor").get(event_id="SN-0005")
    assert decided.actor is not None

    for referenced in (decided.actor, decided.unit):
        with pytest.raises(ProtectedError) as refused:
            referenced.delete()
        assert any(isinstance(row, Event) for row in refused.value.protected_objects)
    assert Event.objects.filter(event_id="SN-0005").exists()


def test_events_are_one_audit_event_per_batch() -> None:
    run(reference_lines())
    before = AuditEvent.objects.count()

    result = run([line for line in sample_lines() if '"record": "event"' in line])

    entries = list(AuditEvent.objects.order_by("seq")[before:])
    assert [entry.action for entry in entries] == ["cases.event.import"]
    assert entries[0].target_id == str(result.batch.pk)
    assert entries[0].after == {
        "events_created": 5,
        "events_unchanged": 0,
        "unknown_types": {},
        "cases_created": 1,
        "cases_updated": 0,
    }


def test_the_same_events_again_change_nothing() -> None:
    run(sample_lines())
    before, case = table_counts(), Case.objects.values().get()

    result = run(sample_lines())

    assert result.is_accepted
    assert result.counts["event"]["unchanged"] == 5
    assert "case" not in result.counts
    assert table_counts() == before
    assert Case.objects.values().get() == case


def test_the_same_instant_written_in_another_offset_is_the_same_event() -> None:
    run(reference_lines())
    run([event("E1", "ASSIGNED", "2026-03-02T10:00:00+08:00", {"prosecutor": "A100"})])

    result = run([event("E1", "ASSIGNED", "2026-03-02T02:00:00Z", {"prosecutor": "A100"})])

    assert errors(result) == []
    assert result.counts["event"]["unchanged"] == 1


def test_an_event_sent_again_with_different_content_is_a_conflict() -> None:
    run(sample_lines())
    before = table_counts()
    changed = [line.replace('"level": "CHIEF"', '"level": "DEPUTY_CHIEF"') for line in sample_lines()]

    result = run(changed)

    assert not result.is_accepted
    assert errors(result) == [
        (16, "event_id", "event_conflict", "事件已存在且内容不同（事件不可修改，更正请用 CORRECTED 事件）")
    ]
    assert table_counts() == before
    assert Case.objects.get().decision_level == "CHIEF"


def test_a_correction_of_a_decided_level_changes_the_projection_not_the_event() -> None:
    run(sample_lines())
    correction = event(
        "SN-0006", "CORRECTED", "2026-03-26T09:00:00+08:00", {"corrects": "SN-0005", "level": "COMMITTEE"}
    )

    result = run([correction])

    assert errors(result) == []
    assert result.counts["case"] == {"created": 0, "updated": 1, "unchanged": 0}
    case = Case.objects.get()
    assert (case.decision, case.decision_level, case.event_count) == ("NON_PROSECUTE", "COMMITTEE", 6)
    assert Event.objects.get(event_id="SN-0005").data["level"] == "CHIEF"
    assert Event.objects.get(event_id="SN-0006").corrects == "SN-0005"


def test_a_correction_may_come_in_the_batch_of_the_event_it_corrects_and_before_it() -> None:
    run(reference_lines())
    lines = [
        event("C1", "CORRECTED", "2026-03-03T09:00:00+08:00", {"corrects": "A1", "prosecutor": "A101"}),
        event("A1", "ASSIGNED", "2026-03-02T10:00:00+08:00", {"prosecutor": "A100", "department": "D2"}),
    ]

    result = run(lines)

    assert errors(result) == []
    case = Case.objects.get()
    assert case.prosecutor is not None and case.prosecutor.staff_no == "A101"


def test_corrected_fields_are_checked_against_the_corrected_events_type() -> None:
    run(sample_lines())
    before = table_counts()
    lines = [
        event("SN-0006", "CORRECTED", "2026-03-26T09:00:00+08:00", {"corrects": "SN-0005", "level": "BOSS"}),
        event(
            "SN-0007", "CORRECTED", "2026-03-26T09:00:00+08:00", {"corrects": "SN-0002", "prosecutor": "Z9"}
        ),
    ]

    result = run(lines)

    assert [(line, field, code) for line, field, code, _message in errors(result)] == [
        (1, "data.level", "invalid_choice"),
        (2, "data.prosecutor", "unknown_reference"),
    ]
    assert table_counts() == before


def test_an_unknown_event_type_is_stored_flagged_and_reported() -> None:
    run(sample_lines())
    lines = [
        event("X1", "VIDEO_HEARING", "2026-03-27T09:00:00+08:00", {"room": 3}),
        event("X2", "VIDEO_HEARING", "2026-03-28T09:00:00+08:00"),
        event("X3", "NOTE", "2026-03-28T10:00:00+08:00", {"text": "备注"}),
    ]

    result = run(lines)

    assert errors(result) == []
    assert result.counts["event_unknown_type"] == {"NOTE": 1, "VIDEO_HEARING": 2}
    assert ImportBatch.objects.get(pk=result.batch.pk).counts["event_unknown_type"] == {
        "NOTE": 1,
        "VIDEO_HEARING": 2,
    }
    stored = Event.objects.get(event_id="X1")
    assert (stored.type, stored.is_known_type, stored.data) == ("VIDEO_HEARING", False, {"room": 3})
    case = Case.objects.get()
    assert (case.event_count, case.unknown_event_count) == (8, 3)


def test_unknown_data_fields_and_envelope_fields_are_kept() -> None:
    run(reference_lines())
    line = event(
        "E1", "ASSIGNED", "2026-03-02T10:00:00+08:00", {"prosecutor": "A100", "note": "x"}, source="UBA"
    )

    run([line])

    stored = Event.objects.get()
    assert stored.data == {"prosecutor": "A100", "note": "x"}
    assert stored.extra == {"source": "UBA"}


def test_a_time_without_offset_means_asia_shanghai() -> None:
    run(reference_lines())

    result = run(
        [event("E1", "RECEIVED", "2026-03-02T09:00:00", {"line": "CRIMINAL", "case_type": "ARREST_REVIEW"})]
    )

    assert errors(result) == []
    assert Event.objects.get().occurred_at == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_tables_give_the_same_data_as_json() -> None:
    run(reference_lines())
    line = json.loads(event("E1", "RECEIVED", "2026-03-02T09:00:00+08:00"))
    line["data"] = {"line": "CRIMINAL", "case_type": "ARREST_REVIEW", "detained": "是", "plea": "否"}

    run([json.dumps(line, ensure_ascii=False)])

    assert Event.objects.get().data == {
        "line": "CRIMINAL",
        "case_type": "ARREST_REVIEW",
        "detained": True,
        "plea": False,
    }


RECEIVED = {"line": "CRIMINAL", "case_type": "ARREST_REVIEW"}
TIME_HINT = "应为带时区的 ISO 8601 时间（如 2026-03-02T09:30:00+08:00；不带时区按北京时间）"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(
            event("E1", "RECEIVED", "2026-02-30T09:00:00+08:00", RECEIVED),
            (
                "occurred_at",
                "invalid_datetime",
                '发生时间无效："2026-02-30T09:00:00+08:00"，' + TIME_HINT,
            ),
            id="impossible-date",
        ),
        pytest.param(
            event("E1", "RECEIVED", "2026-03-02", RECEIVED),
            (
                "occurred_at",
                "invalid_datetime",
                '发生时间无效："2026-03-02"，' + TIME_HINT,
            ),
            id="date-without-time",
        ),
        pytest.param(
            event("E1", "RECEIVED", "2026-03-02T09:00:00+08:00", RECEIVED, unit="999999"),
            ("unit", "unknown_reference", "引用的单位不存在：999999（数据库和本批次中均未找到）"),
            id="unknown-unit",
        ),
        pytest.param(
            event("E1", "ASSIGNED", "2026-03-02T09:00:00+08:00", {"prosecutor": "Z9", "department": "D2"}),
            ("data.prosecutor", "unknown_reference", "引用的人员不存在：Z9（数据库和本批次中均未找到）"),
            id="unknown-prosecutor",
        ),
        pytest.param(
            event("E1", "ASSIGNED", "2026-03-02T09:00:00+08:00", {"prosecutor": "A100", "department": "D9"}),
            (
                "data.department",
                "unknown_reference",
                "引用的部门不存在：510903/D9（数据库和本批次中均未找到）",
            ),
            id="unknown-department",
        ),
        pytest.param(
            event("E1", "LAWYER_ENGAGED", "2026-03-02T09:00:00+08:00", {"lawyer": "L404"}),
            ("data.lawyer", "unknown_reference", "引用的律师不存在：L404（数据库和本批次中均未找到）"),
            id="unknown-lawyer",
        ),
        pytest.param(
            event("E1", "RECUSAL_APPLIED", "2026-03-02T09:00:00+08:00", {"staff": "Z9"}),
            ("data.staff", "unknown_reference", "引用的人员不存在：Z9（数据库和本批次中均未找到）"),
            id="unknown-recusal-staff",
        ),
        pytest.param(
            event("E1", "RECEIVED", "2026-03-02T09:00:00+08:00", RECEIVED, actor="Z9"),
            ("actor", "unknown_reference", "引用的人员不存在：Z9（数据库和本批次中均未找到）"),
            id="unknown-actor",
        ),
        pytest.param(
            event("E1", "CORRECTED", "2026-03-02T09:00:00+08:00", {"corrects": "NOPE", "level": "CHIEF"}),
            ("data.corrects", "unknown_event", "被更正的事件不存在：NOPE（数据库和本批次中均未找到）"),
            id="correction-pointing-nowhere",
        ),
        pytest.param(
            event(
                "E1", "DECIDED", "2026-03-02T09:00:00+08:00", {"decision": "NON_PROSECUTE", "level": "BOSS"}
            ),
            (
                "data.level",
                "invalid_choice",
                '决定层级（level）取值无效："BOSS"，'
                "应为 PROSECUTOR、DEPT_HEAD、DEPUTY_CHIEF、CHIEF、COMMITTEE 之一",
            ),
            id="bad-level",
        ),
        pytest.param(
            event("E1", "RECEIVED", "2026-03-02T09:00:00+08:00", {"line": "CRIMINAL", "detained": "maybe"}),
            ("data.case_type", "required", "事件数据缺少必填字段：案件类别（case_type）（另有 1 处错误）"),
            id="missing-case-type",
        ),
        pytest.param(
            event("E1", "EXTENDED", "2026-03-02T09:00:00+08:00", {"days": "十五"}),
            ("data.days", "invalid_type", '延长天数（days）应为数字，实为 "十五"'),
            id="days-not-a-number",
        ),
        pytest.param(
            event("E1", "RECEIVED", "2026-03-02T09:00:00+08:00", RECEIVED)
            .replace('"data": {', '"data": [{')
            .replace("}}", "}]}"),
            (
                "data",
                "invalid_type",
                '事件数据应为 JSON 对象，实为 [{"line": "CRIMINAL", "case_type": "ARREST_REVIEW"}]',
            ),
            id="data-not-an-object",
        ),
    ],
)
def test_bad_events_are_reported_in_chinese_and_nothing_is_written(
    line: str, expected: tuple[str, str, str]
) -> None:
    run(reference_lines())
    before = table_counts()

    result = run([line])

    assert not result.is_accepted
    assert errors(result) == [(1, *expected)]
    assert table_counts() == before


def test_events_cannot_be_changed_or_deleted_through_the_application() -> None:
    run(sample_lines())
    stored = Event.objects.get(event_id="SN-0001")

    with pytest.raises(ImmutableEventError):
        stored.save()
    with pytest.raises(ImmutableEventError):
        stored.delete()
    with pytest.raises(ImmutableEventError):
        Event.objects.filter(pk=stored.pk).update(type="X")
    with pytest.raises(ImmutableEventError):
        Event.objects.all().delete()
    assert Event.objects.count() == 5
