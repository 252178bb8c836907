"""The sequence kind: an event of one kind later followed by one of another, once per case.

Each standard rule of ``catalogue/rules/sequence.py`` is tested with its situation, the generator's
look-alikes (docs/how-to/generate.md) and edge cases: order, same time, window, "as of", scope and
corrections.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from pydantic import ValidationError

from lianjian.org.models import Unit
from lianjian.risk.catalogue.rules.sequence import RULES
from lianjian.risk.kinds.base import ScanContext
from lianjian.risk.kinds.sequence import Sequence
from lianjian.risk.tests.builders import AS_OF, CITY, case_no, detect, ev, load, organisation, received

pytestmark = pytest.mark.django_db


def rule(code: str) -> dict[str, Any]:
    return next(spec.params for spec in RULES if spec.code == code)


def decided(case: str, on: str, decision: str, *, event_id: str | None = None, **data: Any) -> str:
    return ev(
        case,
        "DECIDED",
        on,
        {"decision": decision, "by": "A100", "level": "PROSECUTOR", **data},
        event_id=event_id,
    )


def judged(case: str, on: str, verdict: str, months: int = 0, *, event_id: str | None = None) -> str:
    charges = [] if verdict == "ACQUITTED" else ["盗窃罪"]
    return ev(
        case, "JUDGMENT", on, {"verdict": verdict, "charges": charges, "months": months}, event_id=event_id
    )


def fingerprints(code: str, **scope: Any) -> list[str]:
    return [f.fingerprint for f in detect("sequence", rule(code), **scope)]


def test_the_rules_are_of_this_kind_and_their_params_are_valid() -> None:
    assert [spec.code for spec in RULES] == [
        "R-XS03",
        "R-XS04-WITHDRAW",
        "R-XS06",
        "R-XS10",
        "R-MS03",
        "R-MS04",
    ]
    for spec in RULES:
        assert spec.kind == "sequence"
        Sequence().parse_params(spec.params)


def test_xs03_arrest_then_non_prosecution_or_acquittal_or_exemption() -> None:
    dropped, acquitted, exempted, no_arrest, guilty = (case_no() for _ in range(5))
    load(
        organisation(
            *(
                received(c, "2026-01-05", case_type="ARREST_REVIEW")
                for c in (dropped, acquitted, exempted, no_arrest, guilty)
            ),
            decided(dropped, "2026-01-09", "ARREST", event_id="A1"),
            decided(dropped, "2026-03-02", "NON_PROSECUTE", kind="EVIDENCE", event_id="N1"),
            decided(acquitted, "2026-01-09", "ARREST"),
            decided(acquitted, "2026-03-02", "PROSECUTE", months=12),
            judged(acquitted, "2026-04-20", "ACQUITTED", event_id="J2"),
            decided(exempted, "2026-01-09", "ARREST"),
            decided(exempted, "2026-03-02", "PROSECUTE", months=12),
            judged(exempted, "2026-04-20", "EXEMPTED"),
            # look-alikes: not arrested, then not prosecuted; arrested, then judged guilty
            decided(no_arrest, "2026-01-09", "NO_ARREST"),
            decided(no_arrest, "2026-03-02", "NON_PROSECUTE", kind="DISCRETIONARY"),
            decided(guilty, "2026-01-09", "ARREST"),
            decided(guilty, "2026-03-02", "PROSECUTE", months=12),
            judged(guilty, "2026-04-20", "GUILTY", 12),
        )
    )

    findings = {f.fingerprint: f for f in detect("sequence", rule("R-XS03"))}

    assert sorted(findings) == sorted([dropped, acquitted, exempted])
    first = findings[dropped]
    assert [e["event_id"] for e in first.evidence["events"]] == ["A1", "N1"]
    assert first.evidence["days"] == 52
    assert (first.evidence["first_count"], first.evidence["then_count"]) == (1, 1)
    assert first.occurred_at == datetime.fromisoformat("2026-03-02T09:00:00+08:00")
    assert first.evidence["params"] == rule("R-XS03") | {"within_days": None}
    assert findings[acquitted].evidence["events"][1]["event_id"] == "J2"
    assert findings[acquitted].evidence["events"][1]["data"]["verdict"] == "ACQUITTED"


def test_xs04_prosecution_then_withdrawal_change_or_acquittal() -> None:
    withdrawn, changed, acquitted, within = (case_no() for _ in range(4))
    load(
        organisation(
            *(received(c, "2026-01-05") for c in (withdrawn, changed, acquitted, within)),
            decided(withdrawn, "2026-01-20", "PROSECUTE", months=10, event_id="P1"),
            ev(withdrawn, "PROPOSED", "2026-03-10", {"decision": "WITHDRAW_PROSECUTION", "by": "A100"}),
            decided(withdrawn, "2026-03-10T15:00:00", "WITHDRAW_PROSECUTION", event_id="W1"),
            ev(withdrawn, "CLOSED", "2026-03-20", {"result": "撤回起诉"}),
            decided(changed, "2026-01-20", "PROSECUTE", months=10),
            decided(changed, "2026-02-20", "CHANGE_PROSECUTION", months=14),
            decided(acquitted, "2026-01-20", "PROSECUTE", months=10),
            judged(acquitted, "2026-03-20", "ACQUITTED"),
            # look-alike: judged as recommended
            decided(within, "2026-01-20", "PROSECUTE", months=10),
            judged(within, "2026-03-20", "GUILTY", 10),
            ev(within, "CLOSED", "2026-03-30", {"result": "判决生效"}),
        )
    )

    findings = {f.fingerprint: f for f in detect("sequence", rule("R-XS04-WITHDRAW"))}

    assert sorted(findings) == sorted([withdrawn, changed, acquitted])
    assert [e["event_id"] for e in findings[withdrawn].evidence["events"]] == ["P1", "W1"]
    assert findings[withdrawn].evidence["days"] == 49


def test_xs06_non_custodial_measure_then_absconding() -> None:
    bail, residence, bail_only, absconded_first, arrest_then_gone = (case_no() for _ in range(5))
    load(
        organisation(
            *(
                received(c, "2026-01-05", detained=True)
                for c in (bail, residence, bail_only, absconded_first, arrest_then_gone)
            ),
            ev(bail, "CUSTODY_CHANGED", "2026-01-08", {"from": "ARREST", "to": "BAIL"}, event_id="C1"),
            ev(bail, "ABSCONDED", "2026-01-14", event_id="X1"),
            ev(residence, "CUSTODY_CHANGED", "2026-01-08", {"from": "DETENTION", "to": "RESIDENCE"}),
            ev(residence, "ABSCONDED", "2026-02-14"),
            # look-alikes: bail and the case goes on; absconded before the change; custodial measure
            ev(bail_only, "CUSTODY_CHANGED", "2026-01-08", {"from": "ARREST", "to": "BAIL"}),
            ev(absconded_first, "ABSCONDED", "2026-01-07"),
            ev(absconded_first, "CUSTODY_CHANGED", "2026-01-08", {"from": "ARREST", "to": "BAIL"}),
            ev(arrest_then_gone, "CUSTODY_CHANGED", "2026-01-08", {"from": "DETENTION", "to": "ARREST"}),
            ev(arrest_then_gone, "ABSCONDED", "2026-01-14"),
        )
    )

    findings = {f.fingerprint: f for f in detect("sequence", rule("R-XS06"))}

    assert sorted(findings) == sorted([bail, residence])
    assert [e["event_id"] for e in findings[bail].evidence["events"]] == ["C1", "X1"]
    assert findings[bail].evidence["days"] == 6


def test_xs10_complaint_not_accepted_then_escalated() -> None:
    escalated, accepted_first, escalated_first, none_after = (case_no() for _ in range(4))
    load(
        organisation(
            *(received(c, "2025-10-09") for c in (escalated, accepted_first, escalated_first, none_after)),
            ev(
                escalated, "COMPLAINT", "2026-01-08", {"escalation": "NONE", "accepted": False}, event_id="Q1"
            ),
            ev(
                escalated,
                "COMPLAINT",
                "2026-03-02",
                {"escalation": "CAPITAL", "accepted": True},
                event_id="Q2",
            ),
            # look-alikes: the earlier complaint was accepted; the escalation came first; no escalation
            ev(accepted_first, "COMPLAINT", "2026-01-08", {"escalation": "NONE", "accepted": True}),
            ev(accepted_first, "COMPLAINT", "2026-03-02", {"escalation": "SKIP_LEVEL", "accepted": True}),
            ev(escalated_first, "COMPLAINT", "2026-01-08", {"escalation": "SKIP_LEVEL", "accepted": True}),
            ev(escalated_first, "COMPLAINT", "2026-03-02", {"escalation": "NONE", "accepted": False}),
            ev(none_after, "COMPLAINT", "2026-01-08", {"escalation": "NONE", "accepted": False}),
            ev(none_after, "COMPLAINT", "2026-03-02", {"escalation": "NONE", "accepted": True}),
        )
    )

    findings = detect("sequence", rule("R-XS10"))

    assert [f.fingerprint for f in findings] == [escalated]
    assert [e["event_id"] for e in findings[0].evidence["events"]] == ["Q1", "Q2"]


def test_ms03_new_evidence_then_rejection_or_termination_on_civil_cases() -> None:
    rejected, terminated, supported, other_ground, criminal = (case_no() for _ in range(5))

    def civil(case: str, grounds: str, line: str = "CIVIL") -> str:
        return received(case, "2025-11-03", line=line, case_type="CIVIL_SUPERVISION", grounds=grounds)

    load(
        organisation(
            civil(rejected, "NEW_EVIDENCE"),
            decided(rejected, "2026-01-20", "REJECT_SUPERVISION"),
            civil(terminated, "NEW_EVIDENCE"),
            decided(terminated, "2026-01-20", "TERMINATE_REVIEW"),
            # look-alikes: supported; another ground; another line
            civil(supported, "NEW_EVIDENCE"),
            decided(supported, "2026-01-20", "SUPPORT_SUPERVISION"),
            civil(other_ground, "LAW_APPLICATION"),
            decided(other_ground, "2026-01-20", "REJECT_SUPERVISION"),
            civil(criminal, "NEW_EVIDENCE", line="CRIMINAL"),
            decided(criminal, "2026-01-20", "REJECT_SUPERVISION"),
        )
    )

    findings = {f.fingerprint: f for f in detect("sequence", rule("R-MS03"))}

    assert sorted(findings) == sorted([rejected, terminated])
    assert findings[rejected].evidence["events"][0]["data"]["grounds"] == "NEW_EVIDENCE"


def test_ms04_mediation_then_termination_on_civil_cases() -> None:
    settled, no_mediation, mediation_supported, terminated_first, public = (case_no() for _ in range(5))
    civil = {"line": "CIVIL", "case_type": "CIVIL_SUPERVISION", "grounds": "LAW_APPLICATION"}
    load(
        organisation(
            *(
                received(c, "2025-11-03", **civil)
                for c in (settled, no_mediation, mediation_supported, terminated_first)
            ),
            received(public, "2025-11-03", line="PUBLIC_INTEREST", case_type="PIL_CIVIL"),
            ev(settled, "MEDIATION", "2025-12-01", event_id="M1"),
            decided(settled, "2026-01-20", "TERMINATE_REVIEW", event_id="T1"),
            # look-alikes: termination without mediation; mediation then support; order reversed; other line
            decided(no_mediation, "2026-01-20", "TERMINATE_REVIEW"),
            ev(mediation_supported, "MEDIATION", "2025-12-01"),
            decided(mediation_supported, "2026-01-20", "SUPPORT_SUPERVISION"),
            decided(terminated_first, "2026-01-20", "TERMINATE_REVIEW"),
            ev(terminated_first, "MEDIATION", "2026-02-02"),
            ev(public, "MEDIATION", "2025-12-01"),
            decided(public, "2026-01-20", "TERMINATE_REVIEW"),
        )
    )

    findings = detect("sequence", rule("R-MS04"))

    assert [f.fingerprint for f in findings] == [settled]
    assert [e["event_id"] for e in findings[0].evidence["events"]] == ["M1", "T1"]
    assert findings[0].evidence["days"] == 50


def test_one_finding_per_case_with_the_earliest_pair_and_the_counts() -> None:
    case = case_no()
    load(
        organisation(
            received(case, "2025-10-09"),
            ev(case, "COMPLAINT", "2025-12-01", {"escalation": "NONE", "accepted": False}, event_id="K1"),
            ev(case, "COMPLAINT", "2026-01-08", {"escalation": "NONE", "accepted": False}, event_id="K2"),
            ev(
                case, "COMPLAINT", "2026-02-02", {"escalation": "SKIP_LEVEL", "accepted": True}, event_id="K3"
            ),
            ev(case, "COMPLAINT", "2026-03-02", {"escalation": "CAPITAL", "accepted": True}, event_id="K4"),
        )
    )

    (finding,) = detect("sequence", rule("R-XS10"))

    assert finding.fingerprint == case
    assert [e["event_id"] for e in finding.evidence["events"]] == ["K1", "K3"]
    assert (finding.evidence["first_count"], finding.evidence["then_count"]) == (2, 2)


def test_at_the_same_time_the_event_id_decides_the_order() -> None:
    after, before = case_no(), case_no()
    load(
        organisation(
            received(after, "2026-01-05", detained=True),
            received(before, "2026-01-05", detained=True),
            ev(
                after,
                "CUSTODY_CHANGED",
                "2026-01-08T18:00:00",
                {"from": "ARREST", "to": "BAIL"},
                event_id="S-1",
            ),
            ev(after, "ABSCONDED", "2026-01-08T18:00:00", event_id="S-2"),
            ev(before, "ABSCONDED", "2026-01-08T18:00:00", event_id="T-1"),
            ev(
                before,
                "CUSTODY_CHANGED",
                "2026-01-08T18:00:00",
                {"from": "ARREST", "to": "BAIL"},
                event_id="T-2",
            ),
        )
    )

    assert fingerprints("R-XS06") == [after]


def test_within_days_limits_the_gap() -> None:
    quick, slow = case_no(), case_no()
    load(
        organisation(
            received(quick, "2026-01-05", detained=True),
            received(slow, "2026-01-05", detained=True),
            ev(quick, "CUSTODY_CHANGED", "2026-01-08T10:00:00", {"from": "ARREST", "to": "BAIL"}),
            ev(quick, "ABSCONDED", "2026-02-07T10:00:00"),  # 30 days
            ev(slow, "CUSTODY_CHANGED", "2026-01-08T10:00:00", {"from": "ARREST", "to": "BAIL"}),
            ev(slow, "ABSCONDED", "2026-02-07T10:01:00"),  # a minute more
            ev(slow, "CUSTODY_CHANGED", "2026-03-02T10:00:00", {"from": "ARREST", "to": "RELEASED"}),
        )
    )
    params = rule("R-XS06") | {"within_days": 30}

    assert [f.fingerprint for f in detect("sequence", params)] == [quick]
    assert [f.fingerprint for f in detect("sequence", rule("R-XS06"))] == sorted([quick, slow])


def test_a_later_pair_within_the_window_is_found_after_an_earlier_one_outside_it() -> None:
    case = case_no()
    load(
        organisation(
            received(case, "2025-10-09"),
            ev(case, "COMPLAINT", "2025-10-20", {"escalation": "NONE", "accepted": False}, event_id="L1"),
            ev(case, "COMPLAINT", "2026-03-02", {"escalation": "NONE", "accepted": False}, event_id="L2"),
            ev(case, "COMPLAINT", "2026-03-09", {"escalation": "CAPITAL", "accepted": True}, event_id="L3"),
        )
    )

    (finding,) = detect("sequence", rule("R-XS10") | {"within_days": 10})

    assert [e["event_id"] for e in finding.evidence["events"]] == ["L2", "L3"]
    assert finding.evidence["days"] == 7


def test_events_after_as_of_and_cases_outside_the_scan_are_not_looked_at() -> None:
    later, other, city_case = case_no(), case_no(), case_no(unit=CITY)
    load(
        organisation(
            received(later, "2026-01-05", detained=True),
            ev(later, "CUSTODY_CHANGED", "2026-01-08", {"from": "ARREST", "to": "BAIL"}),
            ev(later, "ABSCONDED", "2026-07-14"),
            received(other, "2026-01-05", detained=True),
            ev(other, "CUSTODY_CHANGED", "2026-01-08", {"from": "ARREST", "to": "BAIL"}),
            ev(other, "ABSCONDED", "2026-01-14"),
            ev(
                city_case,
                "RECEIVED",
                "2026-01-05",
                {"line": "CRIMINAL", "case_type": "PROSECUTION_REVIEW"},
                unit=CITY,
            ),
            ev(city_case, "CUSTODY_CHANGED", "2026-01-08", {"from": "ARREST", "to": "BAIL"}, unit=CITY),
            ev(city_case, "ABSCONDED", "2026-01-14", unit=CITY),
        )
    )
    county = Unit.objects.get(code="510903").pk

    assert fingerprints("R-XS06") == sorted([other, city_case])
    assert fingerprints("R-XS06", as_of=datetime.fromisoformat("2026-07-31T18:00:00+08:00")) == sorted(
        [later, other, city_case]
    )
    assert fingerprints("R-XS06", case_nos=frozenset({later})) == []
    assert fingerprints("R-XS06", unit_ids=frozenset({county})) == [other]


def test_corrections_up_to_as_of_count() -> None:
    corrected_away, corrected_in, corrected_late = case_no(), case_no(), case_no()
    load(
        organisation(
            *(received(c, "2025-10-09") for c in (corrected_away, corrected_in, corrected_late)),
            # not accepted as sent, corrected to accepted: no sequence any more
            ev(
                corrected_away,
                "COMPLAINT",
                "2026-01-08",
                {"escalation": "NONE", "accepted": False},
                event_id="R1",
            ),
            ev(corrected_away, "COMPLAINT", "2026-03-02", {"escalation": "CAPITAL", "accepted": True}),
            ev(corrected_away, "CORRECTED", "2026-03-05", {"corrects": "R1", "accepted": True}),
            # accepted as sent, corrected to not accepted: a sequence
            ev(
                corrected_in,
                "COMPLAINT",
                "2026-01-08",
                {"escalation": "NONE", "accepted": True},
                event_id="R2",
            ),
            ev(
                corrected_in,
                "COMPLAINT",
                "2026-03-02",
                {"escalation": "CAPITAL", "accepted": True},
                event_id="R3",
            ),
            ev(corrected_in, "CORRECTED", "2026-03-05", {"corrects": "R2", "accepted": False}),
            # the correction comes after "as of"
            ev(
                corrected_late,
                "COMPLAINT",
                "2026-01-08",
                {"escalation": "NONE", "accepted": False},
                event_id="R4",
            ),
            ev(corrected_late, "COMPLAINT", "2026-03-02", {"escalation": "CAPITAL", "accepted": True}),
            ev(corrected_late, "CORRECTED", "2026-07-05", {"corrects": "R4", "accepted": True}),
        )
    )

    findings = {f.fingerprint: f for f in detect("sequence", rule("R-XS10"))}

    assert sorted(findings) == sorted([corrected_in, corrected_late])
    assert findings[corrected_in].evidence["events"][0] == {
        "event_id": "R2",
        "type": "COMPLAINT",
        "occurred_at": "2026-01-08T01:00:00+00:00",
        "data": {"escalation": "NONE", "accepted": False},
    }
    assert fingerprints("R-XS10", as_of=datetime.fromisoformat("2026-07-31T18:00:00+08:00")) == [corrected_in]


def test_an_event_matching_both_sides_is_not_a_pair_with_itself() -> None:
    case = case_no()
    load(
        organisation(
            received(case, "2025-10-09"),
            ev(case, "COMPLAINT", "2026-01-08", {"escalation": "CAPITAL", "accepted": False}),
        )
    )

    assert fingerprints("R-XS10") == []


def test_all_rules_in_one_pass_find_what_each_finds_alone() -> None:
    """``detect_many`` (the engine's one pass for every plain rule) gives each rule's findings."""
    xs03, xs06, xs10, corrected_in, city_case = case_no(), case_no(), case_no(), case_no(), case_no(unit=CITY)
    load(
        organisation(
            received(xs03, "2026-01-05", case_type="ARREST_REVIEW"),
            decided(xs03, "2026-01-09", "ARREST"),
            decided(xs03, "2026-03-02", "NON_PROSECUTE", kind="EVIDENCE"),
            received(xs06, "2026-01-05", detained=True),
            ev(xs06, "CUSTODY_CHANGED", "2026-01-08", {"from": "ARREST", "to": "BAIL"}),
            ev(xs06, "ABSCONDED", "2026-03-14"),
            received(xs10, "2025-10-09"),
            ev(xs10, "COMPLAINT", "2026-01-08", {"escalation": "NONE", "accepted": False}),
            ev(xs10, "COMPLAINT", "2026-03-02", {"escalation": "CAPITAL", "accepted": True}),
            received(corrected_in, "2025-10-09"),
            ev(
                corrected_in,
                "COMPLAINT",
                "2026-01-08",
                {"escalation": "NONE", "accepted": True},
                event_id="Q1",
            ),
            ev(corrected_in, "COMPLAINT", "2026-03-02", {"escalation": "CAPITAL", "accepted": True}),
            ev(corrected_in, "CORRECTED", "2026-03-05", {"corrects": "Q1", "accepted": False}),
            ev(
                city_case,
                "RECEIVED",
                "2026-01-05",
                {"line": "CRIMINAL", "case_type": "PROSECUTION_REVIEW"},
                unit=CITY,
            ),
            ev(city_case, "CUSTODY_CHANGED", "2026-01-08", {"from": "ARREST", "to": "BAIL"}, unit=CITY),
            ev(city_case, "ABSCONDED", "2026-01-14", unit=CITY),
        )
    )
    kind = Sequence()
    params = [kind.parse_params(spec.params) for spec in RULES]
    params.append(kind.parse_params(rule("R-XS06") | {"within_days": 30}))
    county = Unit.objects.get(code="510903").pk

    for scope in ({}, {"unit_ids": frozenset({county})}, {"case_nos": frozenset({xs06, corrected_in})}):
        ctx = ScanContext(as_of=AS_OF, **scope)
        together = kind.detect_many(ctx, params)
        alone = [
            [f.fingerprint for f in detect("sequence", p.model_dump(mode="json"), **scope)] for p in params
        ]
        assert [sorted(f.fingerprint for f in findings) for findings in together] == alone
    everything = kind.detect_many(ScanContext(as_of=AS_OF), params)
    assert [sorted(f.fingerprint for f in findings) for findings in everything] == [
        [xs03],
        [],
        sorted([xs06, city_case]),
        sorted([xs10, corrected_in]),
        [],
        [],
        [city_case],
    ]


def test_invalid_parameters_are_refused() -> None:
    with pytest.raises(ValidationError):
        detect("sequence", {"first": [], "then": [{"type": "ABSCONDED"}]})
    with pytest.raises(ValidationError):
        detect(
            "sequence", {"first": [{"type": "ABSCONDED"}], "then": [{"type": "ABSCONDED"}], "within_days": 0}
        )
    with pytest.raises(ValidationError):
        detect("sequence", {"first": [{"type": "ABSCONDED"}], "then": [{"type": "ABSCONDED"}], "typo": 1})
