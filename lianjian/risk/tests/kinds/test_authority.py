"""The authority kind (GX03): a decision taken by a position the power list does not allow.

The organisation is the contract sample's (province 510000 → city 510900 → county 510903; the
city's line lets only the chief, deputies and committee members decide non-prosecution from
2021), with the lines each test adds. The answers are checked against
``org.selectors.staff_may_decide``, whose semantics the kind reproduces set-wise.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pytest
from django.utils import timezone

from lianjian.cases.models import Event
from lianjian.org.models import Staff
from lianjian.org.selectors import staff_may_decide
from lianjian.risk.catalogue.rules.authority import RULES
from lianjian.risk.kinds.authority import Authority
from lianjian.risk.tests.builders import AS_OF, CITY, COUNTY, case_no, detect, ev, load, organisation, record

pytestmark = pytest.mark.django_db

PROVINCE = "510000"
LEADERS = ["DEPT_HEAD", "DEPUTY_CHIEF", "CHIEF"]
ALL_DECIDERS = ["PROSECUTOR", "DEPT_HEAD", "COMMITTEE_MEMBER", "DEPUTY_CHIEF", "CHIEF"]
PARAMS = RULES[0].params


def power(unit: str, decision: str, start: str, positions: list[str], kind: str | None = None) -> str:
    """A power-list line (built by hand: ``kind`` is also ``record``'s first argument)."""
    fields: dict[str, Any] = {
        "record": "power",
        "unit": unit,
        "decision": decision,
        "effective_from": start,
        "positions": positions,
    }
    if kind:
        fields["kind"] = kind
    return json.dumps(fields, ensure_ascii=False)


def decided(
    case: str,
    on: str,
    decision: str,
    by: str | None,
    kind: str | None = None,
    *,
    actor: str | None = None,
    event_id: str | None = None,
    level: str = "PROSECUTOR",
) -> str:
    data: dict[str, Any] = {"decision": decision, "level": level}
    if by is not None:
        data["by"] = by
    if kind:
        data["kind"] = kind
    return ev(case, "DECIDED", on, data, actor=actor or by, event_id=event_id)


def staff(number: str, unit: str, position: str, **more: Any) -> str:
    return record(
        "staff",
        id=number,
        name=f"人员{number}",
        unit=unit,
        department="D2" if unit == COUNTY else None,
        position=position,
        is_quota_prosecutor=True,
        joined_on="2012-09-01",
        left_on=None,
        **more,
    )


def change(number: str, on: str, kind: str, **post: Any) -> str:
    return record("staff_change", id=f"SC-{number}-{on}", staff=number, effective_on=on, change=kind, **post)


def fingerprints(params: dict[str, Any] | None = None, **scope: Any) -> list[str]:
    return [f.fingerprint for f in detect("authority", PARAMS if params is None else params, **scope)]


def test_a_prosecutor_deciding_doubtful_evidence_non_prosecution_beyond_the_inherited_list() -> None:
    beyond, allowed = case_no(), case_no()
    load(
        organisation(
            decided(beyond, "2026-03-20", "NON_PROSECUTE", "A100", "EVIDENCE", event_id="D1"),
            decided(allowed, "2026-03-20", "NON_PROSECUTE", "A103", "EVIDENCE", level="DEPUTY_CHIEF"),
        )
    )

    [finding] = detect("authority", PARAMS)

    assert finding.fingerprint == beyond
    assert finding.case_no == beyond
    assert finding.subject_staff_id == Staff.objects.get(staff_no="A100").pk
    assert finding.title == "何平（检察官）于 2026-03-20 作出存疑不起诉决定，超出权力清单"
    assert finding.evidence["decision_count"] == 1
    assert [e["event_id"] for e in finding.evidence["events"]] == ["D1"]
    assert finding.evidence["decisions"] == [
        {
            "event_id": "D1",
            "decision": "NON_PROSECUTE",
            "kind": "EVIDENCE",
            "level": "PROSECUTOR",
            "decided_on": "2026-03-20",
            "decider": "A100",
            "decider_name": "何平",
            "position": "PROSECUTOR",
            "decider_unit": COUNTY,
            "allowed_positions": ["CHIEF", "DEPUTY_CHIEF", "COMMITTEE_MEMBER"],
            "power_line": {
                "unit": CITY,
                "decision": "NON_PROSECUTE",
                "kind": "",
                "effective_from": "2021-01-01",
                "inherited": True,
            },
        }
    ]
    assert finding.evidence["params"] == {"lines": [], "decisions": [], "exempt_levels": []}


def test_a_county_line_for_discretionary_non_prosecution_lets_its_department_head_decide_it() -> None:
    local, other_kind, before = case_no(), case_no(), case_no()
    load(
        organisation(
            power(COUNTY, "NON_PROSECUTE", "2023-07-01", LEADERS, kind="DISCRETIONARY"),
            decided(local, "2026-03-20", "NON_PROSECUTE", "A101", "DISCRETIONARY", level="DEPT_HEAD"),
            decided(other_kind, "2026-03-20", "NON_PROSECUTE", "A101", "EVIDENCE", level="DEPT_HEAD"),
            decided(before, "2023-06-20", "NON_PROSECUTE", "A101", "DISCRETIONARY", level="DEPT_HEAD"),
        )
    )

    findings = {f.fingerprint: f for f in detect("authority", PARAMS)}

    assert sorted(findings) == sorted([other_kind, before])
    assert findings[before].evidence["decisions"][0]["power_line"]["unit"] == CITY
    assert findings[other_kind].evidence["decisions"][0]["allowed_positions"] == [
        "CHIEF",
        "DEPUTY_CHIEF",
        "COMMITTEE_MEMBER",
    ]


def test_a_city_withdrawing_arrest_power_binds_its_counties_from_that_day_in_local_time() -> None:
    eve, first_minutes, later, head = case_no(), case_no(), case_no(), case_no()
    load(
        organisation(
            power(PROVINCE, "ARREST", "2018-01-01", ALL_DECIDERS),
            power(CITY, "ARREST", "2025-01-01", LEADERS),
            decided(eve, "2024-12-31T23:59:00", "ARREST", "A100"),
            decided(first_minutes, "2025-01-01T00:30:00+08:00", "ARREST", "A100"),  # 2024-12-31 in UTC
            decided(later, "2025-03-03", "ARREST", "A104"),
            decided(head, "2025-03-03", "ARREST", "A101", level="DEPT_HEAD"),
        )
    )

    findings = {f.fingerprint: f for f in detect("authority", PARAMS)}

    assert sorted(findings) == sorted([first_minutes, later])
    assert findings[first_minutes].evidence["decisions"][0]["decided_on"] == "2025-01-01"
    assert findings[first_minutes].evidence["decisions"][0]["power_line"] == {
        "unit": CITY,
        "decision": "ARREST",
        "kind": "",
        "effective_from": "2025-01-01",
        "inherited": True,
    }


def test_a_units_own_line_for_every_kind_comes_before_a_superiors_line_for_the_kind() -> None:
    county_case = case_no()
    load(
        organisation(
            power(CITY, "NON_PROSECUTE", "2022-01-01", ["PROSECUTOR", *LEADERS], kind="EVIDENCE"),
            power(COUNTY, "NON_PROSECUTE", "2022-01-01", ["CHIEF"]),
            decided(county_case, "2026-03-20", "NON_PROSECUTE", "A100", "EVIDENCE"),
        )
    )

    [finding] = detect("authority", PARAMS)

    assert finding.fingerprint == county_case
    assert finding.evidence["decisions"][0]["power_line"]["unit"] == COUNTY
    assert finding.evidence["decisions"][0]["allowed_positions"] == ["CHIEF"]
    prosecutor = Staff.objects.get(staff_no="A100")
    assert staff_may_decide(prosecutor, "NON_PROSECUTE", date(2026, 3, 20), "EVIDENCE").allowed is False


def test_the_position_on_the_decision_day_comes_from_the_post_history() -> None:
    before, after = case_no(), case_no()
    load(
        organisation(
            power(CITY, "NON_PROSECUTE", "2018-01-01", LEADERS, kind="STATUTORY"),
            staff("A105", COUNTY, "DEPT_HEAD"),  # the record holds the current post
            change("A105", "2015-09-01", "JOIN", unit=COUNTY, department="D2", position="PROSECUTOR"),
            change("A105", "2026-02-01", "AWARD"),  # names no position: the post stays
            change("A105", "2026-03-01", "PROMOTE", position="DEPT_HEAD"),
            decided(before, "2026-02-10", "NON_PROSECUTE", "A105", "STATUTORY"),
            decided(after, "2026-03-10", "NON_PROSECUTE", "A105", "STATUTORY", level="DEPT_HEAD"),
        )
    )

    [finding] = detect("authority", PARAMS)

    assert finding.fingerprint == before
    assert finding.evidence["decisions"][0]["position"] == "PROSECUTOR"
    assert finding.title == "人员A105（检察官）于 2026-02-10 作出法定不起诉决定，超出权力清单"


def test_only_the_days_a_decider_was_outside_the_list_count_across_several_post_changes() -> None:
    """Outside, within, outside again and within again: the days in between raise nothing, in a
    full scan and in one limited to some cases."""
    early, promoted, demoted, restored = case_no(), case_no(), case_no(), case_no()
    load(
        organisation(
            power(CITY, "NON_PROSECUTE", "2018-01-01", LEADERS, kind="STATUTORY"),
            staff("A105", COUNTY, "DEPT_HEAD"),
            change("A105", "2015-09-01", "JOIN", unit=COUNTY, department="D2", position="PROSECUTOR"),
            change("A105", "2025-03-01", "PROMOTE", position="DEPT_HEAD"),
            change("A105", "2025-09-01", "DEMOTE", position="PROSECUTOR"),
            change("A105", "2026-02-01", "PROMOTE", position="DEPT_HEAD"),
            decided(early, "2025-02-28", "NON_PROSECUTE", "A105", "STATUTORY"),
            decided(promoted, "2025-03-01", "NON_PROSECUTE", "A105", "STATUTORY"),
            decided(demoted, "2025-09-01", "NON_PROSECUTE", "A105", "STATUTORY"),
            decided(restored, "2026-03-10", "NON_PROSECUTE", "A105", "STATUTORY"),
        )
    )

    assert fingerprints() == sorted([early, demoted])
    assert fingerprints(case_nos=frozenset({promoted, demoted})) == [demoted]
    assert fingerprints(case_nos=frozenset({promoted, restored})) == []


def test_the_list_that_applies_is_that_of_the_deciders_unit_on_the_day() -> None:
    in_county, after_transfer = case_no(), case_no()
    load(
        organisation(
            power(COUNTY, "NON_PROSECUTE", "2023-01-01", ["PROSECUTOR", *LEADERS], kind="DISCRETIONARY"),
            staff("A106", CITY, "PROSECUTOR"),
            change("A106", "2015-09-01", "JOIN", unit=COUNTY, department="D2", position="PROSECUTOR"),
            change("A106", "2026-03-01", "TRANSFER", unit=CITY),
            decided(in_county, "2026-02-10", "NON_PROSECUTE", "A106", "DISCRETIONARY"),
            decided(after_transfer, "2026-03-10", "NON_PROSECUTE", "A106", "DISCRETIONARY"),
        )
    )

    [finding] = detect("authority", PARAMS)

    assert finding.fingerprint == after_transfer
    assert finding.evidence["decisions"][0]["decider_unit"] == CITY
    assert finding.evidence["decisions"][0]["power_line"]["inherited"] is False


def test_without_by_the_decider_is_the_events_actor() -> None:
    beyond = case_no()
    load(organisation(decided(beyond, "2026-03-20", "NON_PROSECUTE", None, "EVIDENCE", actor="A100")))

    [finding] = detect("authority", PARAMS)

    assert finding.fingerprint == beyond
    assert finding.evidence["decisions"][0]["decider"] == "A100"


def test_a_decision_no_line_in_force_names_raises_nothing() -> None:
    protest, before_the_list = case_no(), case_no()
    load(
        organisation(
            decided(protest, "2026-03-20", "PROTEST", "A100"),
            decided(before_the_list, "2020-06-01", "NON_PROSECUTE", "A100", "EVIDENCE"),
        )
    )

    assert fingerprints() == []
    prosecutor = Staff.objects.get(staff_no="A100")
    assert staff_may_decide(prosecutor, "PROTEST", date(2026, 3, 20)).rule is None


def test_a_corrected_decision_is_judged_on_its_corrected_data() -> None:
    now_beyond, now_allowed, corrected_later = case_no(), case_no(), case_no()
    load(
        organisation(
            decided(now_beyond, "2026-03-20", "NON_PROSECUTE", "A103", "EVIDENCE", event_id="X1"),
            ev(now_beyond, "CORRECTED", "2026-03-23", {"corrects": "X1", "by": "A100"}),
            decided(now_allowed, "2026-03-20", "NON_PROSECUTE", "A100", "EVIDENCE", event_id="X2"),
            ev(now_allowed, "CORRECTED", "2026-03-23", {"corrects": "X2", "by": "A103"}),
            decided(corrected_later, "2026-03-20", "NON_PROSECUTE", "A100", "EVIDENCE", event_id="X3"),
            ev(corrected_later, "CORRECTED", "2026-07-02", {"corrects": "X3", "by": "A103"}),
        )
    )

    findings = {f.fingerprint: f for f in detect("authority", PARAMS)}

    assert sorted(findings) == sorted([now_beyond, corrected_later])
    assert findings[now_beyond].evidence["decisions"][0]["decider"] == "A100"
    assert findings[now_beyond].evidence["events"][0]["data"]["by"] == "A100"
    assert findings[corrected_later].evidence["decisions"][0]["event_id"] == "X3"


def test_several_decisions_beyond_the_list_on_one_case_make_one_finding() -> None:
    case = case_no()
    load(
        organisation(
            power(PROVINCE, "ARREST", "2018-01-01", ALL_DECIDERS),
            power(CITY, "ARREST", "2025-01-01", LEADERS),
            decided(case, "2025-02-03", "ARREST", "A100", event_id="S1"),
            decided(case, "2025-04-07", "NON_PROSECUTE", "A100", "EVIDENCE", event_id="S2"),
        )
    )

    [finding] = detect("authority", PARAMS)

    assert finding.fingerprint == case
    assert finding.evidence["decision_count"] == 2
    assert [d["event_id"] for d in finding.evidence["decisions"]] == ["S1", "S2"]
    assert finding.title == "何平（检察官）于 2025-02-03 作出批准逮捕决定，超出权力清单（共 2 项决定）"
    assert finding.occurred_at == datetime.fromisoformat("2025-02-03T09:00:00+08:00")


def test_events_after_as_of_cases_outside_the_scan_and_other_lines_are_not_looked_at() -> None:
    later, here, civil = case_no(), case_no(), case_no()
    load(
        organisation(
            power(PROVINCE, "TERMINATE_REVIEW", "2018-01-01", LEADERS),
            decided(later, "2026-07-02", "NON_PROSECUTE", "A100", "EVIDENCE"),
            decided(here, "2026-03-20", "NON_PROSECUTE", "A100", "EVIDENCE"),
            ev(civil, "RECEIVED", "2026-03-02", {"line": "CIVIL", "case_type": "CIVIL_SUPERVISION"}),
            decided(civil, "2026-03-20", "TERMINATE_REVIEW", "A100"),
        )
    )

    assert fingerprints() == sorted([here, civil])
    assert fingerprints(case_nos=frozenset({later, civil})) == [civil]
    assert fingerprints({"lines": ["CIVIL"]}) == [civil]
    assert fingerprints(as_of=timezone.make_aware(datetime(2026, 7, 3, 12))) == sorted([later, here, civil])
    county = Staff.objects.get(staff_no="A100").unit_id
    assert fingerprints(unit_ids=frozenset({county + 1000})) == []


def test_decisions_and_exempt_levels_narrow_what_is_checked() -> None:
    arrest, committee = case_no(), case_no()
    load(
        organisation(
            power(PROVINCE, "ARREST", "2018-01-01", LEADERS),
            decided(arrest, "2026-03-20", "ARREST", "A100"),
            decided(committee, "2026-03-20", "NON_PROSECUTE", "A100", "EVIDENCE", level="COMMITTEE"),
        )
    )

    assert fingerprints() == sorted([arrest, committee])
    assert fingerprints({"decisions": ["ARREST"]}) == [arrest]
    assert fingerprints({"exempt_levels": ["COMMITTEE"]}) == [arrest]


def test_unknown_parameters_and_codes_are_refused() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        detect("authority", {"typo": 1})
    with pytest.raises(ValidationError):
        detect("authority", {"decisions": ["NOT_A_DECISION"]})
    with pytest.raises(ValidationError):
        detect("authority", {"exempt_levels": ["NOBODY"]})


def test_the_findings_are_exactly_the_decisions_staff_may_decide_refuses_under_a_line() -> None:
    """Every staff member × decision × kind × day against ``staff_may_decide``."""
    lines = [
        power(PROVINCE, "ARREST", "2018-01-01", ALL_DECIDERS),
        power(PROVINCE, "NON_PROSECUTE", "2018-01-01", ["DEPUTY_CHIEF", "CHIEF"]),
        power(PROVINCE, "NON_PROSECUTE", "2018-01-01", LEADERS, kind="STATUTORY"),
        power(CITY, "ARREST", "2025-01-01", LEADERS),
        power(CITY, "NON_PROSECUTE", "2025-07-01", ["PROSECUTOR"], kind="CONDITIONAL"),
        power(COUNTY, "NON_PROSECUTE", "2023-07-01", LEADERS, kind="DISCRETIONARY"),
        power(COUNTY, "NON_PROSECUTE", "2026-01-01", ["CHIEF"], kind="STATUTORY"),
        power(COUNTY, "PROSECUTE", "2024-07-01", ALL_DECIDERS),
    ]
    people = [
        staff("A107", COUNTY, "DEPT_HEAD"),
        change("A107", "2014-09-01", "JOIN", unit=COUNTY, department="D2", position="PROSECUTOR"),
        change("A107", "2025-03-01", "PROMOTE", position="DEPT_HEAD"),
        staff("A108", CITY, "DEPUTY_CHIEF"),
    ]
    choices = [
        ("ARREST", None),
        ("NON_PROSECUTE", None),
        ("NON_PROSECUTE", "STATUTORY"),
        ("NON_PROSECUTE", "DISCRETIONARY"),
        ("NON_PROSECUTE", "CONDITIONAL"),
        ("NON_PROSECUTE", "EVIDENCE"),
        ("PROSECUTE", None),
        ("PROTEST", None),
    ]
    days = ["2017-06-01", "2023-08-01", "2024-12-31", "2025-01-02", "2025-08-01", "2026-03-02"]
    events = []
    cases: dict[str, tuple[str, str, str | None, str]] = {}
    for person in ("A100", "A101", "A102", "A103", "A107", "A108"):
        for decision, kind in choices:
            for day in days:
                case = case_no()
                cases[case] = (person, decision, kind, day)
                events.append(decided(case, day, decision, person, kind))
    load(organisation(*lines, *people, *events))

    expected = set()
    staff_by_no = {person.staff_no: person for person in Staff.objects.all()}
    for case, (person, decision, kind, day) in cases.items():
        answer = staff_may_decide(staff_by_no[person], decision, date.fromisoformat(day), kind or "")
        if answer.rule is not None and not answer.allowed:
            expected.add(case)

    assert 30 < len(expected) < len(cases) - 30
    assert set(fingerprints()) == expected
    assert Event.objects.filter(type="DECIDED").count() == len(cases)


def test_the_standard_rule() -> None:
    [rule] = RULES

    assert (rule.code, rule.kind, rule.risk_codes, rule.level) == (
        "R-GX03",
        "authority",
        ("GX03",),
        "WARNING",
    )
    assert Authority().parse_params(rule.params).model_dump(mode="json") == {
        "lines": [],
        "decisions": [],
        "exempt_levels": [],
    }
    assert AS_OF.year == 2026
