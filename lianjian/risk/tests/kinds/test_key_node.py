"""The key-node kind: a case with a watched event, once per case, on the lines asked for."""

from __future__ import annotations

import pytest

from lianjian.risk.tests.builders import assigned, case_no, detect, ev, load, organisation, received

pytestmark = pytest.mark.django_db

DIRECTIVE = {"events": [{"type": "SUPERIOR_DIRECTIVE"}]}
CONTACT_OUTSIDE = {
    "events": [
        {
            "type": "CONTACT",
            "where": [{"field": "in_office", "value": False}, {"field": "approval_ref", "op": "empty"}],
        },
        {
            "type": "CONTACT",
            "where": [{"field": "in_hours", "value": False}, {"field": "approval_ref", "op": "empty"}],
        },
    ]
}


def test_a_case_with_a_directive_is_found_once_with_every_directive_as_evidence() -> None:
    watched, quiet = case_no(), case_no()
    load(
        organisation(
            received(watched, "2026-03-02"),
            ev(watched, "SUPERIOR_DIRECTIVE", "2026-03-05", {"kind": "CORRECT"}, event_id="D1"),
            ev(watched, "SUPERIOR_DIRECTIVE", "2026-03-09", {"kind": "CHANGE"}, event_id="D2"),
            received(quiet, "2026-03-02"),
        )
    )

    findings = detect("key_node", DIRECTIVE)

    assert [f.fingerprint for f in findings] == [watched]
    assert [e["event_id"] for e in findings[0].evidence["events"]] == ["D1", "D2"]
    assert findings[0].evidence["event_count"] == 2


def test_contact_outside_office_or_hours_needs_an_approval() -> None:
    outside, approved, inside, out_of_hours = case_no(), case_no(), case_no(), case_no()
    contact = {"with_kind": "LAWYER", "with": "15109200110001"}
    load(
        organisation(
            *(received(c, "2026-03-02") for c in (outside, approved, inside, out_of_hours)),
            ev(
                outside,
                "CONTACT",
                "2026-03-04",
                {**contact, "in_office": False, "in_hours": True, "approval_ref": None},
            ),
            ev(
                approved,
                "CONTACT",
                "2026-03-04",
                {**contact, "in_office": False, "in_hours": False, "approval_ref": "批2026-7"},
            ),
            ev(
                inside,
                "CONTACT",
                "2026-03-04",
                {**contact, "in_office": True, "in_hours": True, "approval_ref": ""},
            ),
            ev(
                out_of_hours,
                "CONTACT",
                "2026-03-04T21:00:00",
                {**contact, "in_office": True, "in_hours": False},
            ),
        )
    )

    assert [f.fingerprint for f in detect("key_node", CONTACT_OUTSIDE)] == sorted([outside, out_of_hours])


def test_lines_limit_the_cases() -> None:
    civil, criminal = case_no(), case_no()
    load(
        organisation(
            received(civil, "2026-03-02", line="CIVIL", case_type="CIVIL_SUPERVISION"),
            ev(civil, "EXECUTION_SUPERVISION", "2026-03-10"),
            received(criminal, "2026-03-02"),
            ev(criminal, "EXECUTION_SUPERVISION", "2026-03-10"),
        )
    )

    found = detect("key_node", {"events": [{"type": "EXECUTION_SUPERVISION"}], "lines": ["CIVIL"]})

    assert [f.fingerprint for f in found] == [civil]


def test_conditions_in_and_not_in() -> None:
    notify, prosecute, complaint_none, complaint_up = case_no(), case_no(), case_no(), case_no()
    load(
        organisation(
            *(received(c, "2026-03-02") for c in (notify, prosecute, complaint_none, complaint_up)),
            assigned(notify, "2026-03-02"),
            ev(
                notify,
                "DECIDED",
                "2026-03-20",
                {"decision": "NOTIFY_DISMISS", "by": "A100", "level": "PROSECUTOR"},
            ),
            ev(
                prosecute,
                "DECIDED",
                "2026-03-20",
                {"decision": "PROSECUTE", "by": "A100", "level": "PROSECUTOR"},
            ),
            ev(complaint_none, "COMPLAINT", "2026-03-20", {"escalation": "NONE", "accepted": True}),
            ev(complaint_up, "COMPLAINT", "2026-03-20", {"escalation": "CAPITAL", "accepted": True}),
        )
    )

    notified = detect(
        "key_node",
        {
            "events": [
                {
                    "type": "DECIDED",
                    "where": [{"field": "decision", "op": "in", "value": ["NOTIFY_FILE", "NOTIFY_DISMISS"]}],
                }
            ]
        },
    )
    escalated = detect(
        "key_node",
        {
            "events": [
                {"type": "COMPLAINT", "where": [{"field": "escalation", "op": "not_in", "value": ["NONE"]}]}
            ]
        },
    )

    assert [f.fingerprint for f in notified] == [notify]
    assert [f.fingerprint for f in escalated] == [complaint_up]


def test_events_after_as_of_and_cases_outside_the_scan_are_not_looked_at() -> None:
    later, other = case_no(), case_no()
    load(
        organisation(
            received(later, "2026-03-02"),
            ev(later, "SUPERIOR_DIRECTIVE", "2026-07-05", {"kind": "CORRECT"}),
            received(other, "2026-03-02"),
            ev(other, "SUPERIOR_DIRECTIVE", "2026-03-05", {"kind": "CORRECT"}),
        )
    )

    assert [f.fingerprint for f in detect("key_node", DIRECTIVE)] == [other]
    assert detect("key_node", DIRECTIVE, case_nos=frozenset({later})) == []


def test_unknown_parameters_are_refused() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        detect("key_node", {"events": [{"type": "CONTACT", "where": [{"field": "in office"}]}]})
    with pytest.raises(ValidationError):
        detect("key_node", {"events": [], "lines": []})
    with pytest.raises(ValidationError):
        detect("key_node", {"events": [{"type": "CONTACT"}], "typo": 1})
