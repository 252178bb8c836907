"""The batch service: the sample imports, idempotency, updates, forward references, bad input."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from lianjian.audit.models import AuditEvent
from lianjian.ingest.choices import ImportBatchStatus
from lianjian.ingest.models import ImportBatch
from lianjian.ingest.tests.conftest import run, sample_lines, table_counts
from lianjian.org.models import Department, LawFirm, Lawyer, PowerRule, Relation, Staff, StaffChange, Unit
from lianjian.org.records import PowerHandler

pytestmark = pytest.mark.django_db


def line(**fields: Any) -> str:
    return json.dumps(fields, ensure_ascii=False)


UNIT_P = line(record="unit", code="510000", name="四川省人民检察院", level="PROVINCE", parent=None)
UNIT_C = line(record="unit", code="510900", name="遂宁市人民检察院", level="CITY", parent="510000")
UNIT_K = line(record="unit", code="510903", name="船山区人民检察院", level="COUNTY", parent="510900")
DEPT = line(record="department", unit="510903", code="D2", name="第二检察部", kind="CRIMINAL")
STAFF = line(
    record="staff",
    id="A100",
    name="何平",
    unit="510903",
    department="D2",
    position="PROSECUTOR",
    is_quota_prosecutor=True,
    joined_on="2016-09-01",
    left_on=None,
)


def test_sample_reference_records_import(reference_lines: list[str]) -> None:
    result = run(reference_lines)

    assert result.is_accepted
    assert result.issues == []
    assert result.counts["unit"] == {
        "records": 3,
        "duplicates": 0,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
    }
    assert {kind: c["created"] for kind, c in result.counts.items()} == {
        "unit": 3,
        "department": 1,
        "staff": 3,
        "staff_change": 1,
        "lawyer": 1,
        "relation": 1,
        "power": 1,
        "lawfirm": 1,
    }
    assert list(Unit.objects.values_list("code", "path", "depth")) == [
        ("510000", "/510000/", 0),
        ("510900", "/510000/510900/", 1),
        ("510903", "/510000/510900/510903/", 2),
    ]
    staff = Staff.objects.get(staff_no="A100")
    assert (staff.name, staff.unit.code, staff.department.code if staff.department else None) == (
        "何平",
        "510903",
        "D2",
    )
    assert staff.joined_on == date(2016, 9, 1)
    change = StaffChange.objects.get(change_no="SC1")
    assert (change.staff, change.department, change.change) == (staff, Department.objects.get(), "TRANSFER")
    lawyer = Lawyer.objects.get(license_no="15109200110001")
    assert lawyer.firm == LawFirm.objects.get(firm_id="31510000MD0000001X", name="四川蜀信律师事务所")
    relation = Relation.objects.get(relation_no="RL1")
    assert (relation.other_lawyer, relation.other_staff, relation.relation) == (lawyer, None, "CLASSMATE")
    rule = PowerRule.objects.get()
    assert (rule.unit.code, rule.decision, rule.kind, rule.positions) == (
        "510900",
        "NON_PROSECUTE",
        "",
        ["CHIEF", "DEPUTY_CHIEF", "COMMITTEE_MEMBER"],
    )
    assert AuditEvent.objects.count() == 12  # 11 records and the law firm
    assert AuditEvent.objects.filter(action="org.staff.create").count() == 3
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.record_count, batch.error_count) == (ImportBatchStatus.ACCEPTED, 11, 0)


def test_second_import_is_all_unchanged_and_writes_no_audit(reference_lines: list[str]) -> None:
    run(reference_lines)
    before = table_counts()

    result = run(reference_lines)

    assert result.is_accepted
    assert all(c.get("created", 0) == 0 and c.get("updated", 0) == 0 for c in result.counts.values())
    assert result.counts["staff"]["unchanged"] == 3
    assert result.counts["lawfirm"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert table_counts() == before


def test_changed_name_is_updated_with_audit_before_after(reference_lines: list[str]) -> None:
    run(reference_lines)
    changed = [entry.replace('"name": "何平"', '"name": "何萍"') for entry in reference_lines]

    result = run(changed)

    assert result.counts["staff"] == {
        "records": 3,
        "duplicates": 0,
        "created": 0,
        "updated": 1,
        "unchanged": 2,
    }
    assert Staff.objects.get(staff_no="A100").name == "何萍"
    event = AuditEvent.objects.get(action="org.staff.update")
    assert (event.before, event.after) == ({"name": "何平"}, {"name": "何萍"})
    assert event.target_id == str(Staff.objects.get(staff_no="A100").pk)


def test_unknown_fields_are_kept_in_extra() -> None:
    result = run([UNIT_P.replace("}", ', "source_system": "TYYW"}')])

    assert result.is_accepted
    assert Unit.objects.get(code="510000").extra == {"source_system": "TYYW"}


def test_forward_references_inside_the_batch_resolve(reference_lines: list[str]) -> None:
    result = run(list(reversed(reference_lines)))

    assert result.is_accepted, result.issues
    assert Staff.objects.get(staff_no="A100").department == Department.objects.get(code="D2")
    assert Unit.objects.get(code="510903").path == "/510000/510900/510903/"


def test_references_resolve_against_the_database(reference_lines: list[str]) -> None:
    run(reference_lines[:3])

    result = run([DEPT, STAFF])

    assert result.is_accepted
    assert result.counts["staff"]["created"] == 1


def test_same_content_twice_is_one_record() -> None:
    result = run([UNIT_P, UNIT_P])

    assert result.is_accepted
    assert result.counts["unit"] == {
        "records": 2,
        "duplicates": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
    }
    assert Unit.objects.count() == 1


def _rejected(lines: list[str] | bytes, before: dict[str, int]) -> list[dict[str, Any]]:
    result = run(lines)
    assert not result.is_accepted
    assert table_counts() == before
    batch = ImportBatch.objects.get(pk=result.batch.pk)
    assert batch.status == ImportBatchStatus.REJECTED
    assert batch.error_count == len(result.issues)
    return [issue.as_dict() for issue in result.issues]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(
            [UNIT_P, '{"record": "unit", "code": "510900",'],
            {"line": 2, "field": "", "code": "invalid_json"},
            id="malformed-json",
        ),
        pytest.param(
            [DEPT.replace("510903", "510999")],
            {"line": 1, "field": "unit", "code": "unknown_reference", "message": "引用的单位不存在：510999"},
            id="unknown-unit",
        ),
        pytest.param(
            [UNIT_P, UNIT_P.replace("四川省人民检察院", "四川省检察院")],
            {
                "line": 2,
                "field": "name",
                "code": "duplicate_conflict",
                "message": "单位 510000 在 batch.jsonl:1",
            },
            id="key-repeated-with-different-content",
        ),
        pytest.param(
            [STAFF, UNIT_P, UNIT_C, UNIT_K],
            {
                "line": 1,
                "field": "department",
                "code": "unknown_reference",
                "message": "部门不存在：510903/D2",
            },
            id="forward-reference-never-resolves",
        ),
        pytest.param(
            [UNIT_P.replace('"PROVINCE"', '"STATE"')],
            {"line": 1, "field": "level", "code": "invalid_choice", "message": '层级取值无效："STATE"'},
            id="invalid-enum",
        ),
        pytest.param(
            [UNIT_P.replace('"name": "四川省人民检察院", ', "")],
            {"line": 1, "field": "name", "code": "required", "message": "缺少必填字段：单位名称（name）"},
            id="missing-required-field",
        ),
        pytest.param(
            (UNIT_P + "\n" + UNIT_C + "\n").encode("gb18030"),
            {"line": 1, "field": "", "code": "bad_encoding", "message": "文件编码无法识别"},
            id="wrong-encoding",
        ),
        pytest.param(
            [UNIT_P.replace('"record": "unit", ', "")],
            {
                "line": 1,
                "field": "record",
                "code": "missing_record_kind",
                "message": "缺少记录类型字段 record",
            },
            id="missing-record",
        ),
        pytest.param(
            [UNIT_P.replace('"record": "unit"', '"record": "court"')],
            {"line": 1, "field": "record", "code": "unknown_record_kind", "message": "未知的记录类型"},
            id="unknown-kind",
        ),
        pytest.param(
            [STAFF.replace("2016-09-01", "2016/09/01"), UNIT_P, UNIT_C, UNIT_K, DEPT],
            {"line": 1, "field": "joined_on", "code": "invalid_date", "message": "入职日期日期无效"},
            id="invalid-date",
        ),
        pytest.param(
            [
                UNIT_P,
                line(
                    record="power",
                    unit="510000",
                    decision="ARREST",
                    effective_from="2021-01-01",
                    positions=["CHIEF", "JUDGE"],
                ),
            ],
            {
                "line": 2,
                "field": "positions.1",
                "code": "invalid_choice",
                "message": '有权职务取值无效："JUDGE"',
            },
            id="invalid-position",
        ),
        pytest.param(
            [UNIT_P.replace('"parent": null', '"parent": "510900"'), UNIT_C],
            {"line": 1, "field": "parent", "code": "unit_cycle", "message": "上级单位形成循环"},
            id="unit-cycle",
        ),
        pytest.param(
            [UNIT_P, UNIT_C, UNIT_K, DEPT, line(record="lawyer", id="L1", name="甲", former_staff="Z9")],
            {"line": 5, "field": "former_staff", "code": "unknown_reference", "message": "人员不存在：Z9"},
            id="lawyer-former-staff-unknown",
        ),
        pytest.param(
            [
                UNIT_P,
                UNIT_C,
                UNIT_K,
                DEPT,
                STAFF,
                line(
                    record="relation",
                    id="R1",
                    staff="A100",
                    other_kind="STAFF",
                    other="Z9",
                    relation="SPOUSE",
                ),
            ],
            {"line": 6, "field": "other", "code": "unknown_reference", "message": "人员不存在：Z9"},
            id="relation-staff-unknown",
        ),
        pytest.param(
            [line(record="event", event_id="E1")],
            {"line": 1, "field": "case_no", "code": "required", "message": "缺少必填字段：案件编号"},
            id="event-incomplete",
        ),
        pytest.param([""], {"line": 0, "field": "", "code": "empty_file", "message": "文件为空"}, id="empty"),
    ],
)
def test_bad_input_is_reported_and_nothing_is_written(lines: Any, expected: dict[str, Any]) -> None:
    before = table_counts()

    errors = _rejected(lines, before)

    first = errors[0]
    message = expected.pop("message", "")
    assert {name: first[name] for name in expected} == expected
    assert message in first["message"]
    assert first["source"] == "batch.jsonl"


def test_every_error_of_a_batch_is_reported_with_its_line() -> None:
    lines = [UNIT_P.replace('"PROVINCE"', '"X"'), "not json", UNIT_C, DEPT.replace('"CRIMINAL"', '"Y"')]

    errors = _rejected(lines, table_counts())

    assert [(e["line"], e["field"], e["code"]) for e in errors] == [
        (1, "level", "invalid_choice"),
        (2, "", "invalid_json"),
        (4, "kind", "invalid_choice"),
    ]


def test_errors_on_the_batch_row_are_capped_with_the_total() -> None:
    result = run(["nope"] * 1200)

    batch = ImportBatch.objects.get(pk=result.batch.pk)
    assert (batch.error_count, len(batch.errors)) == (1200, 1000)
    assert len(result.issues) == 1200


def test_unit_parent_change_updates_the_subtree_paths(reference_lines: list[str]) -> None:
    run(reference_lines)
    other_city = line(record="unit", code="510800", name="广元市人民检察院", level="CITY", parent="510000")
    moved_city = UNIT_C.replace('"parent": "510000"', '"parent": "510800"')

    result = run([other_city, moved_city])

    assert result.is_accepted
    assert result.counts["unit"]["updated"] == 1
    assert result.counts["unit_path"] == {"updated": 1}
    assert dict(Unit.objects.values_list("code", "path")) == {
        "510000": "/510000/",
        "510800": "/510000/510800/",
        "510900": "/510000/510800/510900/",
        "510903": "/510000/510800/510900/510903/",
    }
    assert dict(Unit.objects.values_list("code", "depth"))["510903"] == 3
    moved = AuditEvent.objects.filter(action="org.unit.update").order_by("seq")
    assert [(e.before, e.after) for e in moved] == [
        ({"parent": "510000"}, {"parent": "510800"}),
        ({"path": "/510000/510900/510903/"}, {"path": "/510000/510800/510900/510903/"}),
    ]


def test_dry_run_writes_only_the_batch_row(reference_lines: list[str]) -> None:
    before = table_counts()

    result = run(reference_lines, dry_run=True)

    assert result.batch.status == ImportBatchStatus.VALIDATED
    assert result.counts["staff"]["created"] == 3
    assert table_counts() == before


def test_a_failure_while_writing_rolls_everything_back(
    reference_lines: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(PowerHandler, "write", explode)
    before = table_counts()

    result = run(reference_lines)

    assert result.batch.status == ImportBatchStatus.REJECTED
    assert [issue.code for issue in result.issues] == ["write_failed"]
    assert table_counts() == before


def test_lawfirm_names_must_agree_within_a_batch() -> None:
    first = line(record="lawyer", id="L1", name="甲", firm_id="F1", firm_name="甲所")
    second = line(record="lawyer", id="L2", name="乙", firm_id="F1", firm_name="乙所")

    errors = _rejected([first, second], table_counts())

    assert [(e["line"], e["field"], e["code"]) for e in errors] == [(2, "firm_name", "duplicate_conflict")]


def test_the_whole_sample_imports_with_its_events() -> None:
    result = run(sample_lines())

    assert result.is_accepted
    assert result.counts["event"]["created"] == 5


def test_case_statistics_are_refreshed_on_postgresql_after_a_large_import_only(db: None) -> None:
    from django.db import connection

    from lianjian.ingest.services import ANALYZE_AFTER_EVENTS, case_statistics_refresh

    assert case_statistics_refresh(events_created=ANALYZE_AFTER_EVENTS - 1) is False
    assert case_statistics_refresh(events_created=ANALYZE_AFTER_EVENTS) is (connection.vendor == "postgresql")
