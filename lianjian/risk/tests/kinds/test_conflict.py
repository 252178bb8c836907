"""The conflict kind (GX07): a lawyer on the case related to its prosecutor, or barred as former
staff (《检察官法》第三十七条), and no granted recusal.

The contract sample registers A100 (何平, the county's prosecutor) as a classmate of lawyer
15109200110001 (邓律, relation RL1); the tests add former staff practising as lawyers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.utils import timezone

from lianjian.org.models import Staff
from lianjian.risk.catalogue.rules.conflict import RULES
from lianjian.risk.kinds.conflict import Conflict, add_years
from lianjian.risk.tests.builders import (
    CITY,
    COUNTY,
    FIRM,
    LAWYER,
    assigned,
    case_no,
    detect,
    ev,
    load,
    organisation,
    received,
    record,
)

pytestmark = pytest.mark.django_db

RELATION_RULE = next(rule for rule in RULES if rule.code == "R-GX07-RELATION")
FORMER_RULE = next(rule for rule in RULES if rule.code == "R-GX07-FORMER-STAFF")
FORMER_LAWYER = "15109200110002"  # F100: left the county in 2016
HISTORY_LAWYER = "15109200110003"  # F101: served in the county, left the city in 2015
RECENT_LAWYER = "15109200110004"  # F102: left the city on 2024-03-01


def engaged(case: str, on: str, lawyer: str = LAWYER, **more: Any) -> str:
    return ev(case, "LAWYER_ENGAGED", on, {"lawyer": lawyer, "firm_id": FIRM, "role": "DEFENDER"}, **more)


def recusal(case: str, on: str, staff: str, *, granted: bool, event_id: str | None = None) -> str:
    return ev(
        case, "RECUSAL_DECIDED", on, {"staff": staff, "granted": granted}, actor="A102", event_id=event_id
    )


def handled(case: str, on: str, prosecutor: str = "A100", *, unit: str = COUNTY) -> list[str]:
    """Received and assigned at random to ``prosecutor``."""
    return (
        [received(case, on), assigned(case, on, prosecutor)]
        if unit == COUNTY
        else [
            ev(case, "RECEIVED", on, {"line": "CRIMINAL", "case_type": "PROSECUTION_REVIEW"}, unit=unit),
            ev(case, "ASSIGNED", on, {"prosecutor": prosecutor, "method": "RANDOM"}, unit=unit),
        ]
    )


def former_staff() -> list[str]:
    """Three former staff practising as lawyers, and a city prosecutor."""

    def person(number: str, unit: str, left_on: str) -> str:
        return record(
            "staff",
            id=number,
            name=f"前{number}",
            unit=unit,
            department="D2" if unit == COUNTY else None,
            position="PROSECUTOR",
            is_quota_prosecutor=True,
            joined_on="2005-09-01",
            left_on=left_on,
        )

    def lawyer(license_no: str, name: str, former: str) -> str:
        return record(
            "lawyer",
            id=license_no,
            name=name,
            firm_id=FIRM,
            firm_name="四川蜀信律师事务所",
            former_staff=former,
        )

    return [
        person("F100", COUNTY, "2016-05-01"),
        person("F101", CITY, "2015-07-01"),
        record(
            "staff_change",
            id="SC-F101-1",
            staff="F101",
            effective_on="2005-09-01",
            change="JOIN",
            unit=COUNTY,
        ),
        record(
            "staff_change",
            id="SC-F101-2",
            staff="F101",
            effective_on="2010-03-01",
            change="TRANSFER",
            unit=CITY,
        ),
        person("F102", CITY, "2024-03-01"),
        lawyer(FORMER_LAWYER, "钱律", "F100"),
        lawyer(HISTORY_LAWYER, "孙律", "F101"),
        lawyer(RECENT_LAWYER, "李律", "F102"),
        record(
            "staff",
            id="B200",
            name="赵城",
            unit=CITY,
            department=None,
            position="PROSECUTOR",
            is_quota_prosecutor=True,
            joined_on="2012-09-01",
            left_on=None,
        ),
    ]


def fingerprints(params: dict[str, Any], **scope: Any) -> list[str]:
    return [f.fingerprint for f in detect("conflict", params, **scope)]


def test_a_prosecutor_related_to_the_engaged_lawyer() -> None:
    related, unrelated = case_no(), case_no()
    load(
        organisation(
            *handled(related, "2026-03-02"),
            engaged(related, "2026-03-04", event_id="L1"),
            *handled(unrelated, "2026-03-02", "A104"),
            engaged(unrelated, "2026-03-04"),
        )
    )

    [finding] = detect("conflict", RELATION_RULE.params)

    assert finding.fingerprint == f"{related}:{LAWYER}:RELATION"
    assert finding.case_no == related
    assert finding.subject_staff_id == Staff.objects.get(staff_no="A100").pk
    assert finding.title == "承办检察官何平与辩护人邓律（15109200110001）有登记关系（同学），未回避"
    assert finding.occurred_at == datetime.fromisoformat("2026-03-04T09:00:00+08:00")
    evidence = finding.evidence
    assert evidence["events"][0]["event_id"] == "L1"
    assert [e["type"] for e in evidence["events"]] == ["LAWYER_ENGAGED", "ASSIGNED"]
    assert {key: evidence[key] for key in ("check", "lawyer", "lawyer_name", "prosecutor", "relations")} == {
        "check": "RELATION",
        "lawyer": LAWYER,
        "lawyer_name": "邓律",
        "prosecutor": "A100",
        "relations": [{"relation_no": "RL1", "relation": "CLASSMATE"}],
    }
    assert evidence["case_unit"] == COUNTY
    assert evidence["params"] == {
        "checks": ["RELATION"],
        "relation_kinds": [],
        "years_after_leaving": 2,
        "lines": [],
    }


def test_a_granted_recusal_of_the_prosecutor_clears_it_whether_or_not_the_case_was_reassigned() -> None:
    reassigned, kept, refused, someone_else, granted_later = (case_no() for _ in range(5))
    load(
        organisation(
            *handled(reassigned, "2026-03-02"),
            engaged(reassigned, "2026-03-04"),
            ev(reassigned, "RECUSAL_APPLIED", "2026-03-04", {"staff": "A100"}, actor="A100"),
            recusal(reassigned, "2026-03-05", "A100", granted=True),
            assigned(reassigned, "2026-03-05", "A104"),
            *handled(kept, "2026-03-02"),
            engaged(kept, "2026-03-04"),
            recusal(kept, "2026-03-05", "A100", granted=True),
            *handled(refused, "2026-03-02"),
            engaged(refused, "2026-03-04"),
            recusal(refused, "2026-03-05", "A100", granted=False),
            *handled(someone_else, "2026-03-02"),
            engaged(someone_else, "2026-03-04"),
            recusal(someone_else, "2026-03-05", "A104", granted=True),
            *handled(granted_later, "2026-03-02"),
            engaged(granted_later, "2026-03-04"),
            recusal(granted_later, "2026-07-02", "A100", granted=True),
        )
    )

    assert fingerprints(RELATION_RULE.params) == sorted(
        f"{case}:{LAWYER}:RELATION" for case in (refused, someone_else, granted_later)
    )


def test_a_replacement_prosecutor_related_to_the_lawyer_too_is_found() -> None:
    case = case_no()
    load(
        organisation(
            record(
                "relation",
                id="RL9",
                staff="A104",
                other_kind="LAWYER",
                other=LAWYER,
                other_name="邓律",
                relation="SPOUSE",
            ),
            *handled(case, "2026-03-02"),
            engaged(case, "2026-03-04"),
            recusal(case, "2026-03-05", "A100", granted=True),
            assigned(case, "2026-03-05", "A104"),
        )
    )

    [finding] = detect("conflict", RELATION_RULE.params)

    assert finding.fingerprint == f"{case}:{LAWYER}:RELATION"
    assert finding.evidence["prosecutor"] == "A104"
    assert finding.evidence["relations"] == [{"relation_no": "RL9", "relation": "SPOUSE"}]
    assert finding.title == "承办检察官周明与辩护人邓律（15109200110001）有登记关系（配偶），未回避"
    assert finding.evidence["events"][-1]["data"]["prosecutor"] == "A104"


def test_relation_kinds_narrow_the_relations_that_count() -> None:
    case = case_no()
    load(organisation(*handled(case, "2026-03-02"), engaged(case, "2026-03-04")))

    assert fingerprints({"checks": ["RELATION"], "relation_kinds": ["SPOUSE", "PARENT"]}) == []
    assert fingerprints({"checks": ["RELATION"], "relation_kinds": ["CLASSMATE"]}) == [
        f"{case}:{LAWYER}:RELATION"
    ]


def test_a_lawyer_who_once_served_in_the_cases_unit_is_barred_however_long_ago() -> None:
    county_case, city_case, history_case = case_no(), case_no(unit=CITY), case_no()
    load(
        organisation(
            *former_staff(),
            *handled(county_case, "2026-03-02", "A104"),
            engaged(county_case, "2026-03-04", FORMER_LAWYER),
            *handled(city_case, "2026-03-02", "B200", unit=CITY),
            engaged(city_case, "2026-03-04", FORMER_LAWYER, unit=CITY),
            *handled(history_case, "2026-03-02", "A104"),
            engaged(history_case, "2026-03-04", HISTORY_LAWYER),
        )
    )

    findings = {f.fingerprint: f for f in detect("conflict", FORMER_RULE.params)}

    assert sorted(findings) == sorted(
        [f"{county_case}:{FORMER_LAWYER}:FORMER_STAFF", f"{history_case}:{HISTORY_LAWYER}:FORMER_STAFF"]
    )
    finding = findings[f"{county_case}:{FORMER_LAWYER}:FORMER_STAFF"]
    assert finding.title == "辩护人钱律（15109200110002）系本院离任人员前F100"
    assert finding.subject_staff_id is None
    assert {
        key: finding.evidence[key]
        for key in (
            "check",
            "former_staff",
            "former_unit",
            "left_on",
            "engaged_on",
            "served_here",
            "within_years",
        )
    } == {
        "check": "FORMER_STAFF",
        "former_staff": "F100",
        "former_unit": COUNTY,
        "left_on": "2016-05-01",
        "engaged_on": "2026-03-04",
        "served_here": True,
        "within_years": False,
    }
    history = findings[f"{history_case}:{HISTORY_LAWYER}:FORMER_STAFF"].evidence
    assert (history["former_unit"], history["served_here"]) == (CITY, True)


def test_a_lawyer_within_two_years_of_leaving_any_procuratorate_is_barred_up_to_the_anniversary() -> None:
    early, anniversary, day_after = case_no(), case_no(), case_no()
    load(
        organisation(
            *former_staff(),
            *handled(early, "2025-06-02", "A104"),
            engaged(early, "2025-06-03", RECENT_LAWYER),
            *handled(anniversary, "2026-02-27", "A104"),
            engaged(anniversary, "2026-03-01T10:00:00", RECENT_LAWYER),
            *handled(day_after, "2026-02-27", "A104"),
            engaged(day_after, "2026-03-02", RECENT_LAWYER),
        )
    )

    findings = {f.case_no: f for f in detect("conflict", FORMER_RULE.params)}

    assert sorted(findings) == sorted([early, anniversary])
    assert findings[early].fingerprint == f"{early}:{RECENT_LAWYER}:FORMER_STAFF"
    assert (
        findings[early].title
        == "律师李律（15109200110004）离开检察机关（2024-03-01）未满 2 年即担任本案辩护人"
    )
    assert findings[anniversary].evidence["barred_until"] == "2026-03-01"
    assert (
        findings[anniversary].evidence["served_here"],
        findings[anniversary].evidence["within_years"],
    ) == (
        False,
        True,
    )
    assert sorted(
        f.case_no for f in detect("conflict", {"checks": ["FORMER_STAFF"], "years_after_leaving": 3})
    ) == (sorted([early, anniversary, day_after]))
    assert detect("conflict", {"checks": ["FORMER_STAFF"], "years_after_leaving": 0}) == []


def test_two_years_run_by_calendar_dates() -> None:
    assert add_years(date(2024, 3, 1), 2) == date(2026, 3, 1)
    assert add_years(date(2024, 2, 29), 2) == date(2026, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_a_granted_recusal_of_the_former_staff_member_clears_the_bar() -> None:
    cleared, other = case_no(), case_no()
    load(
        organisation(
            *former_staff(),
            *handled(cleared, "2026-03-02", "A104"),
            engaged(cleared, "2026-03-04", FORMER_LAWYER),
            recusal(cleared, "2026-03-05", "F100", granted=True),
            *handled(other, "2026-03-02", "A104"),
            engaged(other, "2026-03-04", FORMER_LAWYER),
            recusal(other, "2026-03-05", "A104", granted=True),
        )
    )

    assert fingerprints(FORMER_RULE.params) == [f"{other}:{FORMER_LAWYER}:FORMER_STAFF"]


def test_both_checks_give_one_finding_each_and_a_lawyer_engaged_twice_counts_once() -> None:
    case = case_no()
    load(
        organisation(
            *former_staff(),
            record(
                "relation",
                id="RL8",
                staff="A100",
                other_kind="LAWYER",
                other=FORMER_LAWYER,
                other_name="钱律",
                relation="FORMER_COLLEAGUE",
            ),
            *handled(case, "2026-03-02"),
            engaged(case, "2026-03-04", FORMER_LAWYER),
            ev(case, "LAWYER_WITHDRAWN", "2026-03-10", {"lawyer": FORMER_LAWYER}),
            engaged(case, "2026-03-16", FORMER_LAWYER),
        )
    )

    findings = detect("conflict", {})

    assert [f.fingerprint for f in findings] == [
        f"{case}:{FORMER_LAWYER}:FORMER_STAFF",
        f"{case}:{FORMER_LAWYER}:RELATION",
    ]
    assert [len(f.evidence["engaged_at"]) for f in findings] == [2, 2]
    assert findings[1].evidence["relations"] == [{"relation_no": "RL8", "relation": "FORMER_COLLEAGUE"}]
    assert fingerprints(RELATION_RULE.params) == [f"{case}:{FORMER_LAWYER}:RELATION"]
    assert fingerprints(FORMER_RULE.params) == [f"{case}:{FORMER_LAWYER}:FORMER_STAFF"]


def test_engagements_after_as_of_cases_outside_the_scan_and_other_lines_are_not_looked_at() -> None:
    later, here = case_no(), case_no()
    load(
        organisation(
            *handled(later, "2026-06-29"),
            engaged(later, "2026-07-02"),
            *handled(here, "2026-03-02"),
            engaged(here, "2026-03-04"),
        )
    )

    assert fingerprints(RELATION_RULE.params) == [f"{here}:{LAWYER}:RELATION"]
    assert fingerprints(RELATION_RULE.params, case_nos=frozenset({later})) == []
    assert fingerprints({"checks": ["RELATION"], "lines": ["CIVIL"]}) == []
    assert fingerprints(RELATION_RULE.params, as_of=timezone.make_aware(datetime(2026, 7, 3, 12))) == sorted(
        [f"{here}:{LAWYER}:RELATION", f"{later}:{LAWYER}:RELATION"]
    )
    county = Staff.objects.get(staff_no="A100").unit_id
    assert fingerprints(RELATION_RULE.params, unit_ids=frozenset({county})) == [f"{here}:{LAWYER}:RELATION"]
    assert fingerprints(RELATION_RULE.params, unit_ids=frozenset({county + 1000})) == []


def test_unknown_parameters_are_refused() -> None:
    from pydantic import ValidationError

    bad: dict[str, Any]
    for bad in (
        {"checks": []},
        {"checks": ["BRIBE"]},
        {"years_after_leaving": -1},
        {"relation_kinds": ["NEIGHBOUR"]},
        {"typo": 1},
    ):
        with pytest.raises(ValidationError):
            detect("conflict", bad)


def test_the_standard_rules() -> None:
    assert [(r.code, r.kind, r.risk_codes, r.level) for r in RULES] == [
        ("R-GX07-RELATION", "conflict", ("GX07",), "WARNING"),
        ("R-GX07-FORMER-STAFF", "conflict", ("GX07",), "WARNING"),
    ]
    assert all("INSPECTION" in rule.recipients for rule in RULES)
    assert [Conflict().parse_params(rule.params).model_dump(mode="json")["checks"] for rule in RULES] == [
        ["RELATION"],
        ["FORMER_STAFF"],
    ]
