"""R-3G-03 (unreported_contact): a CONTACT outside office or hours, without approval, and no
record by the contacting staff member within 3 days (CT-PRC-03)."""

from __future__ import annotations

import pytest

from lianjian.interference.kinds.watch import RULES
from lianjian.interference.tests.builders import make_record
from lianjian.interference.tests.kinds.helpers import at, cases_for, contact, detect

pytestmark = pytest.mark.django_db

RULE = next(rule for rule in RULES if rule.code == "R-3G-03")


def _contact_record(staff, case, when, **overrides):
    values = {
        "subject_type": "PARTY",
        "subject_position": "律师",
        "category": "RC-05",
        "violation_codes": [],
        "in_workplace": False,
        "channel": "IN_PERSON",
        "case_no": case.case_no,
        "occurred_at": at("2026-06-01 20:00"),
    }
    values.update(overrides)
    return make_record(staff, now=when, **values)


def test_a_contact_outside_office_with_no_record_is_found_after_the_third_day(org) -> None:
    [case] = cases_for(org.prosecutor, 1, assigned=at("2026-05-01 09:00"))
    event = contact(case, org.prosecutor, at("2026-06-01 20:00"), in_office=False)
    # The day of the contact does not count: the period ends at the end of 4 June.
    assert detect("unreported_contact", RULE.params, as_of=at("2026-06-04 23:00")) == []
    [finding] = detect("unreported_contact", RULE.params, as_of=at("2026-06-05 08:00"))
    assert finding.case_id == case.pk and finding.unit_id == org.county.pk
    assert finding.subject_staff_id == org.prosecutor.pk
    assert finding.fingerprint == f"{case.case_no}:{event.event_id}"
    assert finding.evidence["events"][0]["event_id"] == event.event_id
    assert "非工作场所" in finding.title and "何平" in finding.title


def test_a_record_within_three_days_answers_it_a_late_one_does_not(org) -> None:
    first, second = cases_for(org.prosecutor, 2, assigned=at("2026-05-01 09:00"))
    contact(first, org.prosecutor, at("2026-06-01 20:00"), in_office=True, in_hours=False)
    contact(second, org.prosecutor, at("2026-06-01 20:00"))
    _contact_record(org.prosecutor, first, at("2026-06-04 21:00"))  # on the third day: in time
    late = _contact_record(org.prosecutor, second, at("2026-06-05 09:00"))
    assert late.reported_late
    [finding] = detect("unreported_contact", RULE.params, as_of=at("2026-06-10 08:00"))
    assert finding.case_no == second.case_no


def test_what_counts_as_the_report(org) -> None:
    a, b, c, d = cases_for(org.prosecutor, 4, assigned=at("2026-05-01 09:00"))
    for case in (a, b, d):
        contact(case, org.prosecutor, at("2026-06-01 20:00"))
    contact(c, org.prosecutor, at("2026-06-02 20:00"))
    # An RC-05 record naming no case answers a contact of its day; any record linking the case
    # answers; an RC-05 record of another case, of another day, or by someone else does not.
    _contact_record(org.prosecutor, a, at("2026-06-02 09:00"), case_no="", matter_ref="某律师约见")
    _contact_record(org.prosecutor, b, at("2026-06-02 09:00"), category="RC-04", subject_type="INTERNAL_OWN")
    _contact_record(org.prosecutor, d, at("2026-06-02 09:00"))  # links d, not c
    _contact_record(org.colleague, c, at("2026-06-03 09:00"), occurred_at=at("2026-06-02 20:00"))
    found = detect("unreported_contact", RULE.params, as_of=at("2026-06-10 08:00"))
    assert [f.case_no for f in found] == [c.case_no]


def test_approved_and_in_office_contacts_are_not_its_business(org) -> None:
    a, b = cases_for(org.prosecutor, 2, assigned=at("2026-05-01 09:00"))
    contact(a, org.prosecutor, at("2026-06-01 20:00"), approval_ref="SP-2026-018")
    contact(b, org.prosecutor, at("2026-06-01 10:00"), in_office=True, in_hours=True)
    assert detect("unreported_contact", RULE.params, as_of=at("2026-06-10 08:00")) == []
    with_approved = {**RULE.params, "include_approved": True}
    assert [f.case_no for f in detect("unreported_contact", with_approved, as_of=at("2026-06-10 08:00"))] == [
        a.case_no
    ]


def test_a_record_before_as_of_only(org) -> None:
    [case] = cases_for(org.prosecutor, 1, assigned=at("2026-05-01 09:00"))
    contact(case, org.prosecutor, at("2026-06-01 20:00"))
    _contact_record(org.prosecutor, case, at("2026-06-03 09:00"))
    assert detect("unreported_contact", RULE.params, as_of=at("2026-06-10 08:00")) == []
    assert detect("unreported_contact", RULE.params, as_of=at("2026-06-01 21:00")) == []  # not yet due
