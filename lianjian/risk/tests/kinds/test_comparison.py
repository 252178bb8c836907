"""The comparison kind: decisions against proposals, projection fields against each other or given
values, and judgments against sentencing recommendations — once per case.

Each standard rule of ``catalogue/rules/comparison.py`` is tested with its situation, the
generator's look-alikes (docs/how-to/generate.md) and edge cases ("as of", scope, corrections).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from pydantic import ValidationError

from lianjian.cases.models import Case
from lianjian.cases.tests.helpers import CASE as SAMPLE_CASE
from lianjian.cases.tests.helpers import sample_lines
from lianjian.org.models import Unit
from lianjian.risk.catalogue.rules.comparison import RULES
from lianjian.risk.kinds.comparison import Comparison
from lianjian.risk.tests.builders import (
    CITY,
    COUNTY,
    assigned,
    case_no,
    detect,
    ev,
    load,
    organisation,
    received,
)

pytestmark = pytest.mark.django_db

LATER = datetime.fromisoformat("2026-07-31T18:00:00+08:00")


def rule(code: str) -> dict[str, Any]:
    return next(spec.params for spec in RULES if spec.code == code)


def fingerprints(code: str, **scope: Any) -> list[str]:
    return [f.fingerprint for f in detect("comparison", rule(code), **scope)]


def proposed(
    case: str, on: str, decision: str, kind: str | None = None, *, event_id: str | None = None
) -> str:
    data = {"decision": decision, "by": "A100", **({"kind": kind} if kind else {})}
    return ev(case, "PROPOSED", on, data, actor="A100", event_id=event_id)


LEVEL_STAFF = {
    "PROSECUTOR": "A100",
    "DEPT_HEAD": "A101",
    "CHIEF": "A102",
    "DEPUTY_CHIEF": "A103",
    "COMMITTEE": "A102",
}


def decided(
    case: str,
    on: str,
    decision: str,
    kind: str | None = None,
    *,
    level: str = "PROSECUTOR",
    months: int | None = None,
    event_id: str | None = None,
) -> str:
    data: dict[str, Any] = {"decision": decision, "by": LEVEL_STAFF[level], "level": level}
    if kind:
        data["kind"] = kind
    if months is not None:
        data["months"] = months
    return ev(case, "DECIDED", on, data, event_id=event_id)


def judged(
    case: str,
    on: str,
    months: int,
    charges: list[str] | None = None,
    verdict: str = "GUILTY",
    *,
    event_id: str | None = None,
) -> str:
    data = {"verdict": verdict, "charges": ["盗窃罪"] if charges is None else charges, "months": months}
    return ev(case, "JUDGMENT", on, data, event_id=event_id)


def criminal(
    case: str, on: str = "2026-01-05", cause: str = "盗窃罪", transferred: str | None = None, **data: Any
) -> str:
    return received(case, on, cause=cause, transferred_cause=transferred or cause, **data)


def test_the_rules_are_of_this_kind_and_their_params_are_valid() -> None:
    assert [spec.code for spec in RULES] == [
        "R-GX02",
        "R-XS04-DEVIATION",
        "R-XS05-CAUSE",
        "R-XS05-CHARGES",
        "R-XS12",
        "R-GY01",
    ]
    for spec in RULES:
        assert spec.kind == "comparison"
        Comparison().parse_params(spec.params)


# --- GX02: the decision against the proposal it answers -------------------------------------------


def test_gx02_a_deputy_chief_decides_otherwise_than_the_prosecutor_proposed() -> None:
    overruled, latest_equal, kind_changed, own_decision = (case_no() for _ in range(4))
    load(
        organisation(
            *(criminal(c) for c in (overruled, latest_equal, kind_changed, own_decision)),
            proposed(overruled, "2026-01-20", "NON_PROSECUTE", "DISCRETIONARY", event_id="P1"),
            decided(overruled, "2026-01-22", "PROSECUTE", level="DEPUTY_CHIEF", months=8, event_id="D1"),
            # look-alike: an earlier proposal differs, the latest equals the decision
            proposed(latest_equal, "2026-01-08", "NON_PROSECUTE", "DISCRETIONARY"),
            proposed(latest_equal, "2026-01-20", "PROSECUTE"),
            decided(latest_equal, "2026-01-22", "PROSECUTE", level="DEPUTY_CHIEF", months=8),
            # the same decision of another kind of non-prosecution
            proposed(kind_changed, "2026-01-20", "NON_PROSECUTE", "DISCRETIONARY"),
            decided(kind_changed, "2026-01-22", "NON_PROSECUTE", "EVIDENCE", level="CHIEF"),
            # the prosecutor's own decision is not an override
            proposed(own_decision, "2026-01-20", "NON_PROSECUTE", "DISCRETIONARY"),
            decided(own_decision, "2026-01-22", "PROSECUTE", months=8),
        )
    )

    findings = {f.fingerprint: f for f in detect("comparison", rule("R-GX02"))}

    assert sorted(findings) == sorted([overruled, kind_changed])
    finding = findings[overruled]
    assert finding.title == "承办人意见为酌定不起诉，副检察长决定起诉"
    assert finding.evidence["pairs"] == [{"proposed": "P1", "decided": "D1"}]
    assert [e["event_id"] for e in finding.evidence["events"]] == ["P1", "D1"]
    assert finding.evidence["count"] == 1
    assert finding.occurred_at == datetime.fromisoformat("2026-01-22T09:00:00+08:00")
    assert findings[kind_changed].title == "承办人意见为酌定不起诉，检察长决定存疑不起诉"


def test_gx02_only_the_proposal_since_the_previous_decision_is_compared() -> None:
    unanswered, later_decision = case_no(), case_no()
    load(
        organisation(
            received(unanswered, "2025-12-01", case_type="ARREST_REVIEW"),
            proposed(unanswered, "2025-12-04", "ARREST"),
            decided(unanswered, "2025-12-05", "ARREST", level="DEPT_HEAD"),
            criminal(unanswered, "2026-01-05"),
            decided(
                unanswered, "2026-01-22", "PROSECUTE", level="DEPT_HEAD", months=8
            ),  # no proposal of its own
            criminal(later_decision),
            proposed(later_decision, "2026-01-20", "NON_PROSECUTE", "DISCRETIONARY", event_id="P2"),
            decided(later_decision, "2026-01-22", "PROSECUTE", level="COMMITTEE", months=8, event_id="D2"),
            proposed(later_decision, "2026-03-02", "WITHDRAW_PROSECUTION"),
            decided(later_decision, "2026-03-04", "WITHDRAW_PROSECUTION", level="DEPUTY_CHIEF"),
        )
    )

    findings = detect("comparison", rule("R-GX02"))

    # the projection holds only the latest proposal and decision (equal here); the events keep D2
    assert Case.objects.get(case_no=later_decision).proposal_decision == "WITHDRAW_PROSECUTION"
    assert [f.fingerprint for f in findings] == [later_decision]
    assert findings[0].evidence["pairs"] == [{"proposed": "P2", "decided": "D2"}]
    assert findings[0].title == "承办人意见为酌定不起诉，检察委员会决定起诉"


def test_gx02_at_the_same_time_the_event_id_decides_which_proposal_came_first() -> None:
    case = case_no()
    load(
        organisation(
            criminal(case),
            proposed(case, "2026-01-22T18:00:00", "NON_PROSECUTE", "DISCRETIONARY", event_id="Z-1"),
            decided(case, "2026-01-22T18:00:00", "PROSECUTE", level="DEPUTY_CHIEF", months=8, event_id="Z-2"),
            proposed(case, "2026-01-22T18:00:00", "PROSECUTE", event_id="Z-3"),
        )
    )

    (finding,) = detect("comparison", rule("R-GX02"))

    assert finding.evidence["pairs"] == [{"proposed": "Z-1", "decided": "Z-2"}]


def test_gx02_corrections_of_proposals_and_decisions_up_to_as_of_count() -> None:
    proposal_fixed, decision_fixed, late_fix = case_no(), case_no(), case_no()
    load(
        organisation(
            *(criminal(c) for c in (proposal_fixed, decision_fixed, late_fix)),
            # keyed in as non-prosecution, corrected to prosecution: the decision follows it
            proposed(proposal_fixed, "2026-01-20", "NON_PROSECUTE", "DISCRETIONARY", event_id="C1"),
            decided(proposal_fixed, "2026-01-22", "PROSECUTE", level="DEPUTY_CHIEF", months=8),
            ev(
                proposal_fixed,
                "CORRECTED",
                "2026-01-23",
                {"corrects": "C1", "decision": "PROSECUTE", "kind": None},
            ),
            # the decision keyed in as the proposal, corrected to what was decided
            proposed(decision_fixed, "2026-01-20", "NON_PROSECUTE", "DISCRETIONARY"),
            decided(
                decision_fixed, "2026-01-22", "NON_PROSECUTE", "DISCRETIONARY", level="CHIEF", event_id="C2"
            ),
            ev(
                decision_fixed,
                "CORRECTED",
                "2026-01-23",
                {"corrects": "C2", "decision": "PROSECUTE", "kind": None},
            ),
            # a correction after "as of" does not count yet
            proposed(late_fix, "2026-01-20", "NON_PROSECUTE", "DISCRETIONARY", event_id="C3"),
            decided(late_fix, "2026-01-22", "PROSECUTE", level="DEPUTY_CHIEF", months=8),
            ev(
                late_fix, "CORRECTED", "2026-07-06", {"corrects": "C3", "decision": "PROSECUTE", "kind": None}
            ),
        )
    )

    findings = {f.fingerprint: f for f in detect("comparison", rule("R-GX02"))}

    assert sorted(findings) == sorted([decision_fixed, late_fix])
    assert findings[decision_fixed].title == "承办人意见为酌定不起诉，检察长决定起诉"
    assert findings[decision_fixed].evidence["events"][1]["data"]["decision"] == "PROSECUTE"
    assert fingerprints("R-GX02", as_of=LATER) == [decision_fixed]


def test_gx02_scope_lines_and_decisions() -> None:
    county_case, city_case = case_no(), case_no(unit=CITY)
    load(
        organisation(
            criminal(county_case),
            proposed(county_case, "2026-01-20", "NON_PROSECUTE", "DISCRETIONARY"),
            decided(county_case, "2026-01-22", "PROSECUTE", level="DEPUTY_CHIEF", months=8),
            ev(
                city_case,
                "RECEIVED",
                "2026-01-05",
                {"line": "CIVIL", "case_type": "CIVIL_SUPERVISION"},
                unit=CITY,
            ),
            ev(
                city_case,
                "PROPOSED",
                "2026-01-20",
                {"decision": "SUPPORT_SUPERVISION", "by": "A100"},
                unit=CITY,
            ),
            ev(
                city_case,
                "DECIDED",
                "2026-01-22",
                {"decision": "REJECT_SUPERVISION", "by": "A102", "level": "CHIEF"},
                unit=CITY,
            ),
        )
    )
    county = Unit.objects.get(code=COUNTY).pk
    civil_only = rule("R-GX02") | {"lines": ["CIVIL"]}
    prosecutions = rule("R-GX02") | {"compare": {"check": "decision_vs_proposal", "decisions": ["PROSECUTE"]}}

    assert fingerprints("R-GX02") == sorted([county_case, city_case])
    assert fingerprints("R-GX02", unit_ids=frozenset({county})) == [county_case]
    assert fingerprints("R-GX02", case_nos=frozenset({city_case})) == [city_case]
    assert [f.fingerprint for f in detect("comparison", civil_only)] == [city_case]
    assert [f.fingerprint for f in detect("comparison", prosecutions)] == [county_case]
    assert (
        detect("comparison", rule("R-GX02"), as_of=datetime.fromisoformat("2026-01-21T18:00:00+08:00")) == []
    )


# --- XS05: causes and charges ------------------------------------------------------------------------


def test_xs05_final_cause_differs_from_the_transferred_cause() -> None:
    recharacterised, miskeyed, undecided, same = (case_no() for _ in range(4))
    load(
        organisation(
            criminal(recharacterised, cause="寻衅滋事罪", transferred="故意伤害罪"),
            decided(recharacterised, "2026-01-22", "PROSECUTE", months=8, event_id="F1"),
            # look-alike: mis-keyed at receipt, corrected back before the decision
            ev(
                miskeyed,
                "RECEIVED",
                "2026-01-05",
                {
                    "line": "CRIMINAL",
                    "case_type": "PROSECUTION_REVIEW",
                    "cause": "诈骗罪",
                    "transferred_cause": "盗窃罪",
                },
                event_id="M1",
            ),
            ev(miskeyed, "CORRECTED", "2026-01-07", {"corrects": "M1", "cause": "盗窃罪"}),
            decided(miskeyed, "2026-01-22", "PROSECUTE", months=8),
            # arrested in the first stage; the second stage's cause is not final until decided there
            received(
                undecided, "2025-12-01", case_type="ARREST_REVIEW", cause="盗窃罪", transferred_cause="盗窃罪"
            ),
            decided(undecided, "2025-12-05", "ARREST", level="DEPT_HEAD"),
            criminal(undecided, "2026-01-05", cause="诈骗罪", transferred="盗窃罪"),
            criminal(same),
            decided(same, "2026-01-22", "PROSECUTE", months=8),
        )
    )

    findings = detect("comparison", rule("R-XS05-CAUSE"))

    assert [f.fingerprint for f in findings] == [recharacterised]
    finding = findings[0]
    assert finding.title == "移送案由“故意伤害罪”与案由“寻衅滋事罪”不一致"
    assert finding.evidence["values"] == {"cause": "寻衅滋事罪", "transferred_cause": "故意伤害罪"}
    assert finding.evidence["decided_at"] == "2026-01-22T01:00:00+00:00"
    assert [e["type"] for e in finding.evidence["events"]] == ["RECEIVED", "DECIDED"]
    assert finding.evidence["events"][1]["event_id"] == "F1"
    assert (
        detect("comparison", rule("R-XS05-CAUSE"), as_of=datetime.fromisoformat("2026-01-21T18:00:00+08:00"))
        == []
    )


def test_xs05_cause_needs_both_causes() -> None:
    no_transfer = case_no()
    load(
        organisation(
            received(no_transfer, "2026-01-05", cause="盗窃罪"),
            decided(no_transfer, "2026-01-22", "PROSECUTE", months=8),
        )
    )

    assert fingerprints("R-XS05-CAUSE") == []


def test_xs05_judged_charges_differ_from_the_prosecuted_cause() -> None:
    other_charge, extra_charge, as_prosecuted, acquitted, miskeyed = (case_no() for _ in range(5))
    load(
        organisation(
            *(
                criminal(c, cause="故意伤害罪")
                for c in (other_charge, extra_charge, as_prosecuted, acquitted)
            ),
            *(
                decided(c, "2026-01-22", "PROSECUTE", months=8)
                for c in (other_charge, extra_charge, as_prosecuted, acquitted)
            ),
            judged(other_charge, "2026-03-20", 8, ["寻衅滋事罪"], event_id="J1"),
            judged(extra_charge, "2026-03-20", 8, ["故意伤害罪", "寻衅滋事罪"]),
            judged(as_prosecuted, "2026-03-20", 8, ["故意伤害罪"]),
            judged(acquitted, "2026-03-20", 0, [], "ACQUITTED"),
            # look-alike: mis-keyed cause corrected, judged as prosecuted
            ev(
                miskeyed,
                "RECEIVED",
                "2026-01-05",
                {
                    "line": "CRIMINAL",
                    "case_type": "PROSECUTION_REVIEW",
                    "cause": "诈骗罪",
                    "transferred_cause": "盗窃罪",
                },
                event_id="M2",
            ),
            ev(miskeyed, "CORRECTED", "2026-01-07", {"corrects": "M2", "cause": "盗窃罪"}),
            decided(miskeyed, "2026-01-22", "PROSECUTE", months=8),
            judged(miskeyed, "2026-03-20", 8, ["盗窃罪"]),
        )
    )

    findings = {f.fingerprint: f for f in detect("comparison", rule("R-XS05-CHARGES"))}

    assert sorted(findings) == sorted([other_charge, extra_charge])
    finding = findings[other_charge]
    assert finding.title == "判决罪名“寻衅滋事罪”与案由“故意伤害罪”不一致"
    assert finding.evidence["values"] == {"judgment_charges": ["寻衅滋事罪"], "cause": "故意伤害罪"}
    assert [e["type"] for e in finding.evidence["events"]] == ["RECEIVED", "DECIDED", "JUDGMENT"]
    assert finding.occurred_at == datetime.fromisoformat("2026-03-20T09:00:00+08:00")
    assert findings[extra_charge].title == "判决罪名“故意伤害罪、寻衅滋事罪”与案由“故意伤害罪”不一致"
    assert fingerprints("R-XS05-CHARGES", as_of=datetime.fromisoformat("2026-03-19T18:00:00+08:00")) == []


# --- XS04: the judgment against the sentencing recommendation --------------------------------------


def test_xs04_judged_months_deviate_from_the_recommendation() -> None:
    doubled, exact, slightly, short, boundary, over, lighter, protested, changed, exempted = (
        case_no() for _ in range(10)
    )
    pairs = {
        doubled: (10, 26),  # 2 × 10 + 6, as the generator injects
        exact: (10, 10),
        slightly: (12, 11),  # the generator's "within": one twelfth less
        short: (2, 4),  # 2 months allowed at least
        boundary: (12, 15),  # 3 = 25 % of 12: not more than allowed
        over: (12, 16),
        lighter: (24, 12),
    }
    lines = [criminal(c) for c in (*pairs, protested, changed, exempted)]
    for case, (recommended, months) in pairs.items():
        lines += [
            decided(case, "2026-01-22", "PROSECUTE", months=recommended),
            judged(case, "2026-03-20", months),
        ]
    load(
        organisation(
            *lines,
            # a protest after the judgment: the projection's latest decision has no months
            decided(protested, "2026-01-22", "PROSECUTE", months=10, event_id="R1"),
            judged(protested, "2026-03-20", 30, event_id="J1"),
            decided(protested, "2026-03-25", "PROTEST"),
            # the recommendation changed with the charge: the changed one counts
            decided(changed, "2026-01-22", "PROSECUTE", months=10),
            decided(changed, "2026-02-22", "CHANGE_PROSECUTION", months=20),
            judged(changed, "2026-03-20", 20),
            # exempted from punishment: XS04's other rule
            decided(exempted, "2026-01-22", "PROSECUTE", months=10),
            judged(exempted, "2026-03-20", 0, verdict="EXEMPTED"),
        )
    )

    findings = {f.fingerprint: f for f in detect("comparison", rule("R-XS04-DEVIATION"))}

    assert sorted(findings) == sorted([doubled, over, lighter, protested])
    assert Case.objects.get(case_no=protested).decision_months is None
    finding = findings[protested]
    assert [e["event_id"] for e in finding.evidence["events"]] == ["R1", "J1"]
    assert (finding.evidence["recommended_months"], finding.evidence["judged_months"]) == (10, 30)
    assert finding.evidence["deviation_months"] == 20
    assert finding.evidence["allowed_months"] == 2.5
    assert finding.title == "量刑建议 10 个月，判处 30 个月，偏离 20 个月（允许 2.5 个月）"
    assert findings[lighter].evidence["deviation_months"] == -12
    assert findings[doubled].evidence["allowed_months"] == 2.5


def test_xs04_deviation_direction_ratio_and_months_are_parameters() -> None:
    heavier, lighter = case_no(), case_no()
    load(
        organisation(
            criminal(heavier),
            decided(heavier, "2026-01-22", "PROSECUTE", months=12),
            judged(heavier, "2026-03-20", 20),
            criminal(lighter),
            decided(lighter, "2026-01-22", "PROSECUTE", months=12),
            judged(lighter, "2026-03-20", 3),
        )
    )

    def found(**compare: Any) -> list[str]:
        params = rule("R-XS04-DEVIATION") | {"compare": {"check": "sentence_deviation", **compare}}
        return [f.fingerprint for f in detect("comparison", params)]

    assert found() == sorted([heavier, lighter])
    assert found(direction="above") == [heavier]
    assert found(direction="below") == [lighter]
    assert found(ratio=1.0) == []
    assert found(ratio=0.0, months=8) == [lighter]


def test_xs04_only_recommendations_up_to_the_judgment_count() -> None:
    matched_then_changed, deviated_then_matched = case_no(), case_no()
    load(
        organisation(
            criminal(matched_then_changed),
            decided(matched_then_changed, "2026-01-22", "PROSECUTE", months=12),
            judged(matched_then_changed, "2026-03-20", 12),
            decided(matched_then_changed, "2026-04-02", "CHANGE_PROSECUTION", months=30),
            criminal(deviated_then_matched),
            decided(deviated_then_matched, "2026-01-22", "PROSECUTE", months=12),
            judged(deviated_then_matched, "2026-03-20", 30),
            decided(deviated_then_matched, "2026-04-02", "CHANGE_PROSECUTION", months=30),
        )
    )

    findings = detect("comparison", rule("R-XS04-DEVIATION"))

    assert [f.fingerprint for f in findings] == [deviated_then_matched]
    assert findings[0].evidence["recommended_months"] == 12


def test_xs04_deviation_reads_corrected_recommendations() -> None:
    corrected_up, corrected_down, no_recommendation = case_no(), case_no(), case_no()
    load(
        organisation(
            *(criminal(c) for c in (corrected_up, corrected_down, no_recommendation)),
            decided(corrected_up, "2026-01-22", "PROSECUTE", months=10, event_id="K1"),
            ev(corrected_up, "CORRECTED", "2026-01-23", {"corrects": "K1", "months": 26}),
            judged(corrected_up, "2026-03-20", 26),
            decided(corrected_down, "2026-01-22", "PROSECUTE", months=26, event_id="K2"),
            ev(corrected_down, "CORRECTED", "2026-01-23", {"corrects": "K2", "months": 10}),
            judged(corrected_down, "2026-03-20", 26),
            decided(no_recommendation, "2026-01-22", "PROSECUTE"),
            judged(no_recommendation, "2026-03-20", 26),
        )
    )

    findings = detect("comparison", rule("R-XS04-DEVIATION"))

    assert [f.fingerprint for f in findings] == [corrected_down]
    assert findings[0].evidence["recommended_months"] == 10
    assert findings[0].evidence["events"][0]["data"]["months"] == 10


# --- XS12: lenient non-prosecution of plea cases of watched charges --------------------------------


def test_xs12_plea_case_of_a_watched_charge_not_prosecuted() -> None:
    injury, driving, theft, no_plea, short_name = (case_no() for _ in range(5))
    load(
        organisation(
            criminal(injury, cause="故意伤害罪", plea=True),
            decided(
                injury, "2026-01-22", "NON_PROSECUTE", "DISCRETIONARY", level="DEPUTY_CHIEF", event_id="L1"
            ),
            # look-alikes: a watched charge prosecuted; theft not prosecuted; no plea
            criminal(driving, cause="危险驾驶罪", plea=True),
            decided(driving, "2026-01-22", "PROSECUTE", months=2),
            criminal(theft, cause="盗窃罪", plea=True),
            decided(theft, "2026-01-22", "NON_PROSECUTE", "DISCRETIONARY", level="DEPUTY_CHIEF"),
            criminal(no_plea, cause="交通肇事罪", plea=False),
            decided(no_plea, "2026-01-22", "NON_PROSECUTE", "DISCRETIONARY", level="DEPUTY_CHIEF"),
            # the charge without 罪, as the contract's prose writes it
            criminal(short_name, cause="交通肇事", plea=True),
            decided(short_name, "2026-01-22", "NON_PROSECUTE", "STATUTORY", level="DEPUTY_CHIEF"),
        )
    )

    findings = {f.fingerprint: f for f in detect("comparison", rule("R-XS12"))}

    assert sorted(findings) == sorted([injury, short_name])
    finding = findings[injury]
    assert finding.title == ""
    assert finding.evidence["values"] == {
        "has_plea": True,
        "cause": "故意伤害罪",
        "decision": "NON_PROSECUTE",
    }
    assert [e["type"] for e in finding.evidence["events"]] == ["RECEIVED", "DECIDED"]
    assert finding.evidence["events"][1]["event_id"] == "L1"


def test_xs12_finds_the_contract_sample() -> None:
    load(sample_lines())

    findings = detect("comparison", rule("R-XS12"), as_of=datetime.fromisoformat("2026-06-01T12:00:00+08:00"))

    assert [f.fingerprint for f in findings] == [SAMPLE_CASE]
    assert [e["event_id"] for e in findings[0].evidence["events"]] == ["SN-0001", "SN-0004", "SN-0005"]
    assert findings[0].occurred_at == datetime.fromisoformat("2026-03-25T10:00:00+08:00")
    # the sample's chief decided as the prosecutor proposed: no GX02
    assert (
        detect("comparison", rule("R-GX02"), as_of=datetime.fromisoformat("2026-06-01T12:00:00+08:00")) == []
    )


# --- GY01: a public-interest clue closed without filing --------------------------------------------


def test_gy01_clue_closed_without_filing() -> None:
    closed, handed_over, filed, open_clue = (case_no() for _ in range(4))
    clue = {"line": "PUBLIC_INTEREST", "case_type": "PIL_CLUE", "cause": "生态环境和资源保护"}
    load(
        organisation(
            *(ev(c, "RECEIVED", "2026-01-05", clue) for c in (closed, handed_over, filed, open_clue)),
            *(assigned(c, "2026-01-05") for c in (closed, filed, open_clue)),
            ev(closed, "CLOSED", "2026-01-20", {"result": "线索评估后不予立案"}, event_id="G1"),
            # look-alike: outside the county's jurisdiction, handed over, received and filed there
            ev(handed_over, "JURISDICTION_CHANGED", "2026-01-08", {"to_unit": CITY}),
            ev(handed_over, "RECEIVED", "2026-01-12", clue, unit=CITY),
            ev(handed_over, "RECEIVED", "2026-01-30", {**clue, "case_type": "PIL_ADMIN"}, unit=CITY),
            # filed here and closed after the recommendation was followed
            ev(filed, "RECEIVED", "2026-01-20", {**clue, "case_type": "PIL_ADMIN"}),
            ev(filed, "CLOSED", "2026-04-20", {"result": "行政机关已依法履职"}),
        )
    )

    findings = detect("comparison", rule("R-GY01"))

    assert [f.fingerprint for f in findings] == [closed]
    finding = findings[0]
    assert finding.evidence["values"] == {"case_type": "PIL_CLUE"}
    assert finding.evidence["closed_at"] == "2026-01-20T01:00:00+00:00"
    assert [e["event_id"] for e in finding.evidence["events"]][-1] == "G1"
    assert Case.objects.get(case_no=handed_over).unit.code == CITY
    assert (
        detect("comparison", rule("R-GY01"), as_of=datetime.fromisoformat("2026-01-19T18:00:00+08:00")) == []
    )
    assert fingerprints("R-GY01", case_nos=frozenset({handed_over, open_clue})) == []


# --- parameters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},  # nothing to check
        {"where": [{"field": "password", "value": "x"}]},
        {"where": [{"field": "decided_at", "value": "2026-01-01"}]},
        {"where": [{"field": "has_plea", "value": "yes"}]},
        {"where": [{"field": "stage", "value": True}]},
        {"where": [{"field": "has_plea", "op": "contains", "value": [True]}]},
        {"where": [{"field": "cause", "op": "in", "value": []}]},
        {"compare": {"check": "fields_differ", "left": "cause", "right": "judgment_charges"}},
        {"compare": {"check": "sentence_deviation", "ratio": -1}},
        {"compare": {"check": "decision_vs_proposal", "levels": []}},
        {"compare": {"check": "nothing"}},
        {"compare": {"check": "fields_differ"}, "typo": 1},
        {"compare": {"check": "fields_differ"}, "evidence_events": ["received"]},
    ],
)
def test_invalid_parameters_are_refused(params: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        detect("comparison", params)


def test_conditions_ne_not_in_and_empty() -> None:
    plain, fast, unknown = case_no(), case_no(), case_no()
    load(
        organisation(
            criminal(plain, fast_track=False),
            criminal(fast, fast_track=True),
            criminal(unknown),
            *(decided(c, "2026-01-22", "PROSECUTE", months=8) for c in (plain, fast, unknown)),
        )
    )

    def found(*where: dict[str, Any]) -> list[str]:
        return [f.fingerprint for f in detect("comparison", {"where": list(where)})]

    assert found({"field": "is_fast_track", "op": "ne", "value": True}) == sorted([plain, unknown])
    assert found({"field": "is_fast_track", "op": "empty"}) == [unknown]
    assert found(
        {"field": "is_fast_track", "op": "not_empty"}, {"field": "cause", "op": "not_in", "value": ["诈骗罪"]}
    ) == sorted([plain, fast])
    assert found({"field": "decision_months", "op": "in", "value": [7, 8]}) == sorted([plain, fast, unknown])
