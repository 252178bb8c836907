"""The projection of cases: a full timeline, corrections, and rebuild equal to incremental upkeep."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from lianjian.audit.models import AuditEvent
from lianjian.cases.models import Case
from lianjian.cases.projection import EventView, fold
from lianjian.cases.services import cases_rebuild
from lianjian.cases.tests.helpers import errors, event, projections, reference_lines, run, sample_lines

SH = ZoneInfo("Asia/Shanghai")
NO = "遂船检刑诉受[2026]510903000201号"
LAWYER = "15109200110001"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def e(event_id: str, event_type: str, when: str, data: dict[str, object] | None = None) -> str:
    return event(event_id, event_type, f"{when}+08:00", data, case_no=NO)


BATCHES = [
    [
        e(
            "R1",
            "RECEIVED",
            "2026-01-05T09:00:00",
            {
                "line": "CRIMINAL",
                "case_type": "ARREST_REVIEW",
                "cause": "盗窃罪",
                "transferred_cause": "盗窃罪",
                "detained": True,
                "agency": "遂宁市公安局",
            },
        ),
        e(
            "A1",
            "ASSIGNED",
            "2026-01-05T10:00:00",
            {"prosecutor": "A100", "department": "D2", "method": "DESIGNATED"},
        ),
        e("D1", "DECIDED", "2026-01-10T10:00:00", {"decision": "ARREST", "by": "A101", "level": "DEPT_HEAD"}),
        e("CL1", "CLOSED", "2026-01-10T11:00:00", {"result": "批准逮捕"}),
        e(
            "R2",
            "RECEIVED",
            "2026-03-01T09:00:00",
            {
                "line": "CRIMINAL",
                "case_type": "PROSECUTION_REVIEW",
                "cause": "盗窃罪",
                "transferred_cause": "盗窃罪",
                "detained": True,
                "plea": True,
                "fast_track": False,
            },
        ),
        e(
            "L1",
            "LAWYER_ENGAGED",
            "2026-03-02T09:00:00",
            {"lawyer": LAWYER, "firm_id": "31510000MD0000001X", "role": "DEFENDER"},
        ),
        e(
            "X1",
            "EXTENDED",
            "2026-03-25T09:00:00",
            {"stage": "PROSECUTION_REVIEW", "days": 15, "approved_by": "A102"},
        ),
    ],
    [
        e("RT1", "RETURNED", "2026-04-01T09:00:00", {"round": 1}),
        e("RS1", "RESUBMITTED", "2026-05-01T09:00:00", {"round": 1}),
        e("S1", "SUSPENDED", "2026-05-10T09:00:00", {"reason": "鉴定"}),
        e("S2", "RESUMED", "2026-05-13T09:00:00", {"reason": "鉴定完成"}),
        e("CC1", "CUSTODY_CHANGED", "2026-05-15T09:00:00", {"from": "ARREST", "to": "BAIL"}),
        e("L2", "LAWYER_WITHDRAWN", "2026-05-16T09:00:00", {"lawyer": LAWYER}),
        e("P1", "PROPOSED", "2026-05-20T09:00:00", {"decision": "PROSECUTE", "by": "A100"}),
        e(
            "D2",
            "DECIDED",
            "2026-05-25T09:00:00",
            {"decision": "PROSECUTE", "by": "A102", "level": "CHIEF", "months": 36},
        ),
    ],
    [
        e(
            "J1",
            "JUDGMENT",
            "2026-08-01T09:00:00",
            {"verdict": "GUILTY", "charges": ["盗窃罪"], "months": 30},
        ),
        e("CL2", "CLOSED", "2026-08-02T09:00:00", {"result": "判决生效"}),
        e("C1", "CORRECTED", "2026-08-03T09:00:00", {"corrects": "D2", "months": 24}),
        e("S3", "SUSPENDED", "2026-08-05T09:00:00", {"reason": "申诉复查"}),
    ],
]


@pytest.fixture
def timeline(db: None) -> Case:
    assert errors(run(reference_lines())) == []
    for batch in BATCHES:
        assert errors(run(batch)) == []
    return Case.objects.get(case_no=NO)


def test_a_full_arrest_to_judgment_timeline_projects_exactly(timeline: Case) -> None:
    case = timeline
    assert (case.unit.code, case.line, case.case_type, case.stage) == (
        "510903",
        "CRIMINAL",
        "PROSECUTION_REVIEW",
        2,
    )
    assert (case.cause, case.transferred_cause, case.agency) == ("盗窃罪", "盗窃罪", "遂宁市公安局")
    assert (case.is_detained, case.custody_measure, case.has_plea, case.is_fast_track) == (
        False,
        "BAIL",
        True,
        False,
    )
    assert case.prosecutor is not None and case.prosecutor.staff_no == "A100"
    assert case.department is not None and case.department.code == "D2"
    assert (case.assign_method, case.assigned_at) == ("DESIGNATED", at("2026-01-05T10:00:00"))
    assert (case.proposal_decision, case.proposal_kind, case.proposed_at) == (
        "PROSECUTE",
        "",
        at("2026-05-20T09:00:00"),
    )
    assert case.proposal_by is not None and case.proposal_by.staff_no == "A100"
    assert (case.decision, case.decision_level, case.decision_months) == ("PROSECUTE", "CHIEF", 24)
    assert case.decided_by is not None and case.decided_by.staff_no == "A102"
    assert (case.extension_count, case.extension_days) == (1, 15)
    assert (case.return_count, case.return_round, case.returned_at) == (1, 1, None)
    assert case.resubmitted_at == at("2026-05-01T09:00:00")
    assert (case.is_suspended, case.suspended_at) == (True, at("2026-08-05T09:00:00"))
    assert case.suspended_total == timedelta(days=3)
    assert (case.judgment_verdict, case.judgment_charges, case.judgment_months) == ("GUILTY", ["盗窃罪"], 30)
    assert case.judged_at == at("2026-08-01T09:00:00")
    assert (case.closed_at, case.close_result) == (at("2026-08-02T09:00:00"), "判决生效")
    assert (case.received_at, case.first_received_at) == (
        at("2026-03-01T09:00:00"),
        at("2026-01-05T09:00:00"),
    )
    assert (case.last_event_at, case.event_count, case.unknown_event_count) == (
        at("2026-08-05T09:00:00"),
        19,
        0,
    )
    assert list(
        case.stages.order_by("number").values_list(
            "number",
            "case_type",
            "is_detained",
            "extension_days",
            "return_count",
            "suspended_total",
            "decision",
            "closed_at",
        )
    ) == [
        (1, "ARREST_REVIEW", True, 0, 0, timedelta(0), "ARREST", at("2026-01-10T11:00:00")),
        (2, "PROSECUTION_REVIEW", True, 15, 1, timedelta(days=3), "PROSECUTE", at("2026-08-02T09:00:00")),
    ]
    assert list(case.lawyers.values_list("license_no", "role", "engaged_at", "withdrawn_at")) == [
        (LAWYER, "DEFENDER", at("2026-03-02T09:00:00"), at("2026-05-16T09:00:00"))
    ]


def test_an_open_return_is_projected_until_resubmission(db: None) -> None:
    run(reference_lines())
    run(BATCHES[0] + BATCHES[1][:1])

    case = Case.objects.get(case_no=NO)

    assert (case.return_count, case.return_round, case.returned_at) == (1, 1, at("2026-04-01T09:00:00"))
    assert case.resubmitted_at is None


def test_rebuild_equals_incremental_maintenance(timeline: Case) -> None:
    run(sample_lines())
    run(
        [
            event(
                "SN-0006",
                "CORRECTED",
                "2026-03-26T09:00:00+08:00",
                {"corrects": "SN-0005", "level": "COMMITTEE"},
            ),
            event("SN-0007", "VIDEO_HEARING", "2026-03-27T09:00:00+08:00", {"room": 1}),
            event(
                "SN-0008",
                "CORRECTED",
                "2026-03-28T09:00:00+08:00",
                {"corrects": "SN-0006", "level": "DEPUTY_CHIEF"},
            ),
        ]
    )
    incremental = projections()
    assert incremental[NO]["case"]["decision_months"] == 24
    assert incremental["遂船检刑诉受[2026]510903000101号"]["case"]["decision_level"] == "DEPUTY_CHIEF"

    counts = cases_rebuild(actor=None)

    assert (counts.created, counts.updated) == (0, 2)
    assert projections() == incremental
    Case.objects.all().delete()
    assert cases_rebuild(actor=None).created == 2
    assert projections() == incremental


def test_the_rebuild_command_takes_a_unit_and_is_audited(timeline: Case) -> None:
    out = StringIO()

    call_command("cases", "rebuild", "--unit", "510900", stdout=out)

    assert (
        out.getvalue().strip() == "已重建遂宁市人民检察院（510900）及下级单位的案件投影：新建 0 件，更新 1 件"
    )
    entry = AuditEvent.objects.order_by("-seq").first()
    assert entry is not None and entry.action == "cases.case.rebuild"
    assert entry.after == {"unit": "510900", "cases_created": 0, "cases_updated": 1}


def test_the_rebuild_command_refuses_an_unknown_unit(db: None) -> None:
    with pytest.raises(CommandError, match="单位不存在：999 \\[unknown_unit\\]"):
        call_command("cases", "rebuild", "--unit", "999")


def view(event_id: str, event_type: str, day: int, **data: object) -> EventView:
    return EventView(event_id, event_type, datetime(2026, 3, day, 9, tzinfo=SH), "510903", "", data)


def test_the_fold_does_not_depend_on_the_order_events_arrive_in() -> None:
    events = [
        view("1", "RECEIVED", 1, line="CRIMINAL", case_type="ARREST_REVIEW", detained=True),
        view("2", "DECIDED", 5, decision="ARREST", level="PROSECUTOR"),
        view("3", "CORRECTED", 6, corrects="2", level="CHIEF"),
        view("4", "CORRECTED", 7, corrects="3", level="COMMITTEE"),
        view("5", "CUSTODY_CHANGED", 8, to="RESIDENCE"),
    ]
    expected = fold("X", events)
    shuffled = list(events)
    random.Random(7).shuffle(shuffled)

    assert fold("X", shuffled) == expected
    assert (expected.decision, expected.decision_level) == ("ARREST", "COMMITTEE")
    assert (expected.is_detained, expected.custody_measure) == (False, "RESIDENCE")


def test_events_at_the_same_time_fold_in_event_id_order() -> None:
    first = view("A", "ASSIGNED", 2, prosecutor="P1")
    second = view("B", "ASSIGNED", 2, prosecutor="P2")

    assert fold("X", [second, first]).prosecutor == "P2"
