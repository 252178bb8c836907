"""The retaliation watch (retaliation, CF-01, LB-03): a recorder with an adverse post change
within 12 months after recording — never shown to the people they recorded."""

from __future__ import annotations

from typing import Any

import pytest

from lianjian.common.sealing import person_tags
from lianjian.interference.kinds import watch
from lianjian.interference.kinds.watch import RULES, hidden_tags
from lianjian.interference.tests.builders import make_record
from lianjian.interference.tests.kinds.helpers import AS_OF, at, change, detect
from lianjian.org.tests.factories import StaffFactory
from lianjian.risk.kinds import KINDS

pytestmark = pytest.mark.django_db

RULE = next(rule for rule in RULES if rule.code == "R-3G-RETALIATION")


def test_the_rule_is_for_discipline_only() -> None:
    assert (RULE.kind, RULE.level, RULE.audience, RULE.recipients) == (
        "retaliation",
        "WARNING",
        "clue.handle",
        ("DISCIPLINE",),
    )
    KINDS[RULE.kind].parse_params(RULE.params)


def test_a_demotion_after_recording_is_found_and_hidden_from_the_interveners(org) -> None:
    first = make_record(
        org.prosecutor, now=at("2026-01-10 10:00"), subject_name="赵干预", subject_staff_no="X900"
    )
    make_record(
        org.prosecutor, now=at("2026-02-10 10:00"), subject_name="钱过问", occurred_at=at("2026-02-09 09:00")
    )
    demoted = change(org.prosecutor, "DEMOTE", "2026-05-01")
    [finding] = detect("retaliation", RULE.params)
    assert finding.subject_staff_id == org.prosecutor.pk and finding.unit_id == org.county.pk
    assert finding.fingerprint == f"A100:{demoted.change_no}"
    assert finding.evidence["records"][0] == first.no and len(finding.evidence["records"]) == 2
    assert "降职" in finding.title and "3 个月" in finding.title
    for tag in [*person_tags(staff_no="X900", name="赵干预"), *person_tags(name="钱过问")]:
        assert tag in finding.hidden_from
    # The title names no intervener and no content.
    assert "赵干预" not in finding.title and "钱过问" not in str(finding.evidence)


@pytest.mark.parametrize("kind", ["TRANSFER", "PUNISH", "LEAVE"])
def test_the_other_adverse_changes(org, kind) -> None:
    make_record(org.prosecutor, now=at("2026-01-10 10:00"))
    change(org.prosecutor, kind, "2026-03-01")
    assert len(detect("retaliation", RULE.params)) == 1


def test_look_alikes(org) -> None:
    make_record(org.prosecutor, now=at("2026-01-10 10:00"))
    change(org.prosecutor, "PROMOTE", "2026-03-01")  # not adverse
    change(org.prosecutor, "AWARD", "2026-03-02")
    change(org.prosecutor, "RETIRE", "2026-04-01")  # by age, not adverse
    change(org.prosecutor, "DEMOTE", "2025-12-01")  # before recording
    make_record(org.colleague, now=at("2025-03-01 10:00"), occurred_at=at("2025-02-28 10:00"))
    change(org.colleague, "DEMOTE", "2026-03-02")  # more than 12 months later
    change(org.head, "PUNISH", "2026-03-01")  # recorded nothing
    make_record(org.county_b_prosecutor, now=at("2026-01-10 10:00"))
    change(org.county_b_prosecutor, "PUNISH", "2026-07-01")  # after "as of"
    assert detect("retaliation", RULE.params) == []
    only_demotions = {**RULE.params, "changes": ["DEMOTE"]}
    make_record(org.head, now=at("2026-03-05 10:00"), occurred_at=at("2026-03-04 10:00"))
    change(org.head, "TRANSFER", "2026-04-01")  # the punishment before this record stays out
    assert detect("retaliation", only_demotions) == []
    assert len(detect("retaliation", RULE.params)) == 1


def test_on_the_last_day_of_the_window(org) -> None:
    make_record(org.prosecutor, now=at("2025-07-01 10:00"), occurred_at=at("2025-06-30 10:00"))
    change(org.prosecutor, "DEMOTE", "2026-07-01")
    assert detect("retaliation", RULE.params, as_of=at("2026-07-02 12:00")) != []
    assert at("2026-07-01 00:00") > AS_OF


def test_hidden_tags_fall_back_to_staff_members_when_too_many(org, monkeypatch) -> None:
    staff: Any = StaffFactory(staff_no="X901", name="孙领导", department=org.criminal)
    tags = {f"{n:024x}" for n in range(10)} | set(person_tags(staff_no=staff.staff_no, name=staff.name))
    kept = hidden_tags(tags)
    assert kept is not None and len(kept) == 1 and kept[0] in person_tags(staff_no="X901", name="孙领导")
    assert hidden_tags({"a" * 24, "b" * 24}) == ("a" * 24, "b" * 24)
    monkeypatch.setattr(watch, "MAX_HIDDEN_TAGS", 0)
    assert hidden_tags(tags) is None
