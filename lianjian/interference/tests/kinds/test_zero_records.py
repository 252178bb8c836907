"""R-3G-02 (zero_records): no record for N months while the caseload is above the threshold."""

from __future__ import annotations

from datetime import date

import pytest

from lianjian.interference.kinds.watch import RULES
from lianjian.interference.models import PeriodicReport, ReportingSetting
from lianjian.interference.tests.builders import make_record
from lianjian.interference.tests.kinds.helpers import AS_OF, at, cases_for, change, detect
from lianjian.risk.kinds import KINDS

pytestmark = pytest.mark.django_db

RULE = next(rule for rule in RULES if rule.code == "R-3G-02")


def test_the_rule_is_for_discipline_only_with_valid_parameters() -> None:
    assert RULE.kind == "zero_records" and RULE.audience == "clue.handle"
    assert RULE.recipients == ("DISCIPLINE",)
    KINDS[RULE.kind].parse_params(RULE.params)


def test_many_cases_and_no_record_for_six_months(org) -> None:
    cases_for(org.prosecutor, 31, assigned=at("2026-05-10 09:00"))
    cases_for(org.colleague, 30, assigned=at("2026-05-10 09:00"))  # not above the threshold
    [finding] = detect("zero_records", RULE.params)
    assert finding.subject_staff_id == org.prosecutor.pk and finding.unit_id == org.county.pk
    assert finding.evidence["caseload"] == 31 and finding.evidence["months"] == 6
    assert finding.fingerprint == "A100"
    assert "何平" in finding.title and "6 个月" in finding.title


def test_a_record_in_the_window_clears_it_an_older_one_does_not(org) -> None:
    cases_for(org.prosecutor, 31, assigned=at("2026-05-10 09:00"))
    cases_for(org.colleague, 31, assigned=at("2026-05-10 09:00"))
    make_record(org.prosecutor, now=at("2026-04-01 10:00"), occurred_at=at("2026-03-31 10:00"))
    make_record(org.colleague, now=at("2025-11-01 10:00"), occurred_at=at("2025-10-31 10:00"))
    assert [f.subject_staff_id for f in detect("zero_records", RULE.params)] == [org.colleague.pk]


def test_cases_before_the_window_do_not_count(org) -> None:
    cases_for(org.prosecutor, 20, assigned=at("2026-05-10 09:00"))
    cases_for(org.prosecutor, 20, assigned=at("2025-12-01 09:00"))  # more than six months ago
    assert detect("zero_records", RULE.params) == []


def test_people_who_left_retired_or_joined_lately_are_not_obliged_for_the_window(org) -> None:
    for person in (org.prosecutor, org.colleague, org.head):
        cases_for(person, 31, assigned=at("2026-05-10 09:00"))
    change(org.prosecutor, "LEAVE", "2026-06-01")
    org.colleague.joined_on = date(2026, 3, 1)
    org.colleague.save()
    change(org.head, "PROMOTE", "2026-06-01")  # still obliged
    assert [f.subject_staff_id for f in detect("zero_records", RULE.params)] == [org.head.pk]


def test_only_zero_reports_still_counts_a_report_listing_records_does_not(org) -> None:
    cases_for(org.prosecutor, 31, assigned=at("2026-05-10 09:00"))
    cases_for(org.colleague, 31, assigned=at("2026-05-10 09:00"))
    common = {"cycle": "MONTHLY", "period_start": date(2026, 4, 1), "period_end": date(2026, 4, 30)}
    PeriodicReport.objects.create(
        unit=org.county,
        staff=org.prosecutor,
        due_on=date(2026, 5, 3),
        submitted_at=at("2026-05-02 09:00"),
        is_zero=True,
        **common,
    )
    PeriodicReport.objects.create(
        unit=org.county,
        staff=org.colleague,
        due_on=date(2026, 5, 3),
        submitted_at=at("2026-05-02 09:00"),
        is_zero=False,
        **common,
    )
    [finding] = detect("zero_records", RULE.params)
    assert finding.subject_staff_id == org.prosecutor.pk and finding.evidence["zero_reports"] == 1


def test_the_nearest_setting_in_the_chain_gives_months_and_threshold(org) -> None:
    ReportingSetting.objects.create(unit=org.city, zero_months=3, caseload_threshold=10)
    cases_for(org.prosecutor, 11, assigned=at("2026-05-10 09:00"))
    cases_for(org.colleague, 11, assigned=at("2026-02-10 09:00"))  # 4.5 months ago: outside 3 months
    make_record(org.colleague, now=at("2026-02-20 10:00"), occurred_at=at("2026-02-19 10:00"))
    [finding] = detect("zero_records", RULE.params)
    assert finding.subject_staff_id == org.prosecutor.pk
    assert (finding.evidence["months"], finding.evidence["threshold"]) == (3, 10)
    ReportingSetting.objects.create(unit=org.county, zero_months=6, caseload_threshold=40)
    assert detect("zero_records", RULE.params) == []  # the county's own setting wins


def test_scope_of_units_and_people(org) -> None:
    cases_for(org.prosecutor, 31, assigned=at("2026-05-10 09:00"))
    cases_for(org.county_b_prosecutor, 31, assigned=at("2026-05-10 09:00"))
    assert [f.subject_staff_id for f in detect("zero_records", RULE.params, unit_ids={org.county_b.pk})] == [
        org.county_b_prosecutor.pk
    ]
    assert [
        f.subject_staff_id for f in detect("zero_records", RULE.params, staff_ids={org.prosecutor.pk})
    ] == [org.prosecutor.pk]
    assert AS_OF.month == 6
