"""The peer-outlier kind: a prosecutor's rate of an outcome against the rest of the department."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from lianjian.org.models import Staff, Unit
from lianjian.risk.catalogue.rules.peer_outlier import RULES
from lianjian.risk.kinds.fields import CaseCondition, StageCondition
from lianjian.risk.kinds.peer_outlier import PeerOutlier
from lianjian.risk.tests.builders import (
    CITY,
    COUNTY,
    PROSECUTOR,
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

RULE = {rule.code: rule for rule in RULES}
AFTER_ARREST = RULE["R-XS03-PEER"].params
PLEA = RULE["R-XS12-PEER"].params
PEERS = ("A104", "A105")
FIRST = date(2026, 1, 5)


def colleagues() -> list[str]:
    """A third prosecutor of 第二检察部 (李静) and a second criminal department (第三检察部)."""
    return [
        record(
            "staff", id="A105", name="李静", unit=COUNTY, department="D2", position="PROSECUTOR",
            is_quota_prosecutor=True, joined_on="2014-09-01", left_on=None,
        ),
        json.dumps(
            {"record": "department", "unit": COUNTY, "code": "D3", "name": "第三检察部", "kind": "CRIMINAL"},
            ensure_ascii=False,
        ),
    ]  # fmt: skip


def decided(number: str, on: date, decision: str, prosecutor: str) -> str:
    """A prosecutor's own decision (a discretionary one when not prosecuting)."""
    data: dict[str, Any] = {"decision": decision, "by": prosecutor, "level": "PROSECUTOR"}
    if decision == "NON_PROSECUTE":
        data["kind"] = "DISCRETIONARY"
    return ev(number, "DECIDED", on.isoformat(), data)


def after_arrest(
    prosecutor: str,
    on: date,
    decision: str,
    *,
    arrest: str = "ARREST",
    verdict: str | None = None,
    department: str = "D2",
) -> tuple[str, list[str]]:
    """Arrest review (``arrest``) a month before ``on``, then prosecution review decided on ``on``."""
    number = case_no()
    review = on - timedelta(days=40)
    lines = [
        received(number, review.isoformat(), case_type="ARREST_REVIEW", detained=True),
        assigned(number, review.isoformat(), prosecutor, department=department),
        decided(number, review + timedelta(days=5), arrest, prosecutor),
        received(number, (on - timedelta(days=20)).isoformat(), detained=arrest == "ARREST"),
        decided(number, on, decision, prosecutor),
    ]
    if verdict is not None:
        verdict_data = {"verdict": verdict, "charges": [], "months": 0}
        lines.append(ev(number, "JUDGMENT", (on + timedelta(days=30)).isoformat(), verdict_data))
    return number, lines


def plea_review(prosecutor: str, on: date, decision: str, *, plea: bool = True) -> tuple[str, list[str]]:
    """A prosecution review (plea or not) received 20 days before ``on`` and decided on ``on``."""
    number = case_no()
    start = (on - timedelta(days=20)).isoformat()
    return number, [
        received(number, start, plea=plea),
        assigned(number, start, prosecutor),
        decided(number, on, decision, prosecutor),
    ]


def cases(
    make: Any, prosecutor: str, outcomes: list[str], *, start: date = FIRST, **options: Any
) -> tuple[list[str], list[str]]:
    """One case per outcome, decided four days apart: their numbers and their event lines."""
    numbers: list[str] = []
    lines: list[str] = []
    for index, outcome in enumerate(outcomes):
        number, more = make(prosecutor, start + timedelta(days=4 * index), outcome, **options)
        numbers.append(number)
        lines.extend(more)
    return numbers, lines


def series(make: Any, prosecutor: str, outcomes: list[str], **options: Any) -> list[str]:
    """The event lines of :func:`cases`."""
    return cases(make, prosecutor, outcomes, **options)[1]


def n(count: int, outcome: str) -> list[str]:
    """``count`` times ``outcome``."""
    return [outcome] * count


def department_of_three(own: list[str], peer_outcomes: list[str], make: Any = after_arrest) -> list[str]:
    """何平 with ``own`` outcomes; 周明 and 李静 with ``peer_outcomes`` each."""
    numbers, lines = cases(make, PROSECUTOR, own)
    for peer in PEERS:
        lines += series(make, peer, peer_outcomes)
    load(organisation(*colleagues(), *lines))
    return numbers


def test_a_prosecutor_with_four_times_the_rate_after_arrest_is_found() -> None:
    # 何平: 10 decided after arrest, 3 not prosecuted and 1 acquitted; 周明, 李静: 1 of 10 each.
    own = n(3, "NON_PROSECUTE") + n(6, "PROSECUTE")
    numbers, lines = cases(after_arrest, PROSECUTOR, own)
    acquitted, more = after_arrest(PROSECUTOR, FIRST + timedelta(days=70), "PROSECUTE", verdict="ACQUITTED")
    lines += more
    for peer in PEERS:
        lines += series(after_arrest, peer, n(1, "NON_PROSECUTE") + n(9, "PROSECUTE"))
    load(organisation(*colleagues(), *lines))

    findings = detect("peer_outlier", AFTER_ARREST)

    assert [f.fingerprint for f in findings] == [f"{PROSECUTOR}:2026-06"]
    evidence = findings[0].evidence
    assert (evidence["numerator"], evidence["denominator"], evidence["rate"]) == (4, 10, 0.4)
    assert (evidence["peer_numerator"], evidence["peer_denominator"], evidence["peer_rate"]) == (2, 20, 0.1)
    assert (evidence["ratio"], evidence["gap"], evidence["peer_prosecutors"]) == (4.0, 0.3, 2)
    assert evidence["cases"] == [*numbers[:3], acquitted]
    assert (evidence["department"], evidence["department_name"], evidence["period"]) == (
        "D2",
        "第二检察部",
        "2026-06",
    )
    assert (evidence["window_start"], evidence["window_end"]) == (
        "2025-06-30T18:00:00+08:00",
        "2026-06-30T18:00:00+08:00",
    )
    assert evidence["params"]["factor"] == 2.0
    assert json.loads(json.dumps(evidence)) == evidence  # plain JSON values only
    staff = Staff.objects.get(staff_no=PROSECUTOR)
    assert (findings[0].subject_staff_id, findings[0].unit_id, findings[0].case_id) == (
        staff.pk,
        staff.unit_id,
        None,
    )
    assert findings[0].title == (
        "何平（A100）近 12 个月捕后不诉、判无罪或免刑比例为 40%（4/10），第二检察部其他检察官为 10%（2/20）"
    )


def test_non_prosecution_without_arrest_and_guilty_verdicts_after_arrest_are_not_counted() -> None:
    # The generator's look-alikes: NO_ARREST then NON_PROSECUTE; ARREST then guilty as recommended.
    own = series(after_arrest, PROSECUTOR, n(6, "NON_PROSECUTE"), arrest="NO_ARREST")
    own += series(after_arrest, PROSECUTOR, n(10, "PROSECUTE"), start=FIRST + timedelta(days=1))
    guilty = after_arrest(PROSECUTOR, FIRST + timedelta(days=90), "PROSECUTE", verdict="GUILTY")[1]
    peers = [
        line
        for peer in PEERS
        for line in series(after_arrest, peer, n(1, "NON_PROSECUTE") + n(9, "PROSECUTE"))
    ]
    load(organisation(*colleagues(), *own, *guilty, *peers))

    assert detect("peer_outlier", AFTER_ARREST) == []
    # Any rate above the others' passes this test: 周明 and 李静 (1 of 10) against each other and
    # 何平's 0 of 11 — whose six cases without arrest are in no denominator.
    loose = detect("peer_outlier", {**AFTER_ARREST, "factor": 1.0, "min_gap": 0.0})
    assert [(f.fingerprint, f.evidence["peer_numerator"], f.evidence["peer_denominator"]) for f in loose] == [
        ("A104:2026-06", 1, 21),
        ("A105:2026-06", 1, 21),
    ]


def test_the_department_rate_leaves_the_prosecutor_out() -> None:
    # 何平 12 of 30 (40 %); the others 1 of 10 together. With 何平 inside, the department would be
    # 13 of 40 (32.5 %) and 40 % would not be twice it.
    lines = series(after_arrest, PROSECUTOR, n(12, "NON_PROSECUTE") + n(18, "PROSECUTE"))
    lines += series(after_arrest, "A104", n(1, "NON_PROSECUTE") + n(4, "PROSECUTE"))
    lines += series(after_arrest, "A105", n(5, "PROSECUTE"))
    load(organisation(*colleagues(), *lines))

    findings = detect("peer_outlier", AFTER_ARREST)

    assert [(f.evidence["numerator"], f.evidence["denominator"]) for f in findings] == [(12, 30)]
    assert (findings[0].evidence["peer_numerator"], findings[0].evidence["peer_denominator"]) == (1, 10)


def test_twice_the_rate_but_less_than_fifteen_points_above_is_not_an_outlier() -> None:
    department_of_three(n(2, "NON_PROSECUTE") + n(8, "PROSECUTE"), n(1, "NON_PROSECUTE") + n(9, "PROSECUTE"))

    assert detect("peer_outlier", AFTER_ARREST) == []  # 20 % against 10 %: gap 10 points
    assert len(detect("peer_outlier", {**AFTER_ARREST, "min_gap": 0.10})) == 1


def test_fifteen_points_above_but_less_than_twice_is_not_an_outlier() -> None:
    department_of_three(n(6, "NON_PROSECUTE") + n(4, "PROSECUTE"), n(4, "NON_PROSECUTE") + n(6, "PROSECUTE"))

    assert detect("peer_outlier", AFTER_ARREST) == []  # 60 % against 40 %: 1.5 times
    assert len(detect("peer_outlier", {**AFTER_ARREST, "factor": 1.5})) == 1


def test_exactly_twice_and_exactly_fifteen_points_is_enough() -> None:
    # 30 % against 15 %: 6 of 20 and 3 of 20 (two peers with 10 cases each, 3 not prosecuted).
    own = n(6, "NON_PROSECUTE") + n(14, "PROSECUTE")
    lines = series(after_arrest, PROSECUTOR, own)
    lines += series(after_arrest, "A104", n(2, "NON_PROSECUTE") + n(8, "PROSECUTE"))
    lines += series(after_arrest, "A105", n(1, "NON_PROSECUTE") + n(9, "PROSECUTE"))
    load(organisation(*colleagues(), *lines))

    findings = detect("peer_outlier", AFTER_ARREST)

    assert [
        (f.evidence["rate"], f.evidence["peer_rate"], f.evidence["ratio"], f.evidence["gap"])
        for f in findings
    ] == [(0.3, 0.15, 2.0, 0.15)]


def test_too_few_cases_of_the_prosecutor_or_of_the_peers_are_not_compared() -> None:
    department_of_three(n(5, "NON_PROSECUTE") + n(4, "PROSECUTE"), n(10, "PROSECUTE"))

    assert detect("peer_outlier", AFTER_ARREST) == []  # 9 cases
    assert len(detect("peer_outlier", {**AFTER_ARREST, "min_cases": 9})) == 1
    assert detect("peer_outlier", {**AFTER_ARREST, "min_cases": 9, "min_peer_cases": 21}) == []


def test_only_decisions_within_the_window_before_as_of_count_and_the_period_is_the_month_of_as_of() -> None:
    # Decided from 2025-03 on: in the 12 months before 2025-12-31 they are, before 2027-06-30 not.
    own = n(5, "NON_PROSECUTE") + n(5, "PROSECUTE")
    peers = n(1, "NON_PROSECUTE") + n(9, "PROSECUTE")
    lines = series(after_arrest, PROSECUTOR, own, start=date(2025, 3, 3))
    for peer in PEERS:
        lines += series(after_arrest, peer, peers, start=date(2025, 3, 3))
    load(organisation(*colleagues(), *lines))

    december = datetime.fromisoformat("2025-12-31T18:00:00+08:00")
    assert [f.fingerprint for f in detect("peer_outlier", AFTER_ARREST, as_of=december)] == [
        f"{PROSECUTOR}:2025-12"
    ]
    assert (
        detect("peer_outlier", AFTER_ARREST, as_of=datetime.fromisoformat("2027-06-30T18:00:00+08:00")) == []
    )
    # Before the cases were decided: nothing to count (events after "as of" are ignored).
    assert (
        detect("peer_outlier", AFTER_ARREST, as_of=datetime.fromisoformat("2025-03-31T18:00:00+08:00")) == []
    )
    # Three months of window: only the cases decided from 2025-10-01 (none here).
    assert detect("peer_outlier", {**AFTER_ARREST, "window_months": 3}, as_of=december) == []


def test_incremental_scope_keeps_the_whole_department_as_peers() -> None:
    department_of_three(n(4, "NON_PROSECUTE") + n(6, "PROSECUTE"), n(1, "NON_PROSECUTE") + n(9, "PROSECUTE"))
    prosecutor = Staff.objects.get(staff_no=PROSECUTOR)
    peer = Staff.objects.get(staff_no="A104")
    city = Unit.objects.get(code=CITY)

    alone = detect("peer_outlier", AFTER_ARREST, staff_ids=frozenset({prosecutor.pk}))
    assert [(f.fingerprint, f.evidence["peer_denominator"]) for f in alone] == [(f"{PROSECUTOR}:2026-06", 20)]
    assert detect("peer_outlier", AFTER_ARREST, staff_ids=frozenset({peer.pk})) == []
    assert len(detect("peer_outlier", AFTER_ARREST, unit_ids=frozenset({prosecutor.unit_id}))) == 1
    assert detect("peer_outlier", AFTER_ARREST, unit_ids=frozenset({city.pk})) == []
    assert len(detect("peer_outlier", AFTER_ARREST, case_nos=frozenset({"其他案件"}))) == 1


def test_a_prosecutor_is_compared_in_the_department_of_most_of_their_cases() -> None:
    # 何平 has 10 cases in 第二检察部 (4 not prosecuted) and 3 in 第三检察部 (none).
    lines = series(after_arrest, PROSECUTOR, n(4, "NON_PROSECUTE") + n(6, "PROSECUTE"))
    lines += series(
        after_arrest, PROSECUTOR, n(3, "PROSECUTE"), department="D3", start=FIRST + timedelta(days=1)
    )
    for peer in PEERS:
        lines += series(after_arrest, peer, n(1, "NON_PROSECUTE") + n(9, "PROSECUTE"))
    load(organisation(*colleagues(), *lines))

    findings = detect("peer_outlier", AFTER_ARREST)

    assert [
        (f.evidence["department"], f.evidence["numerator"], f.evidence["denominator"]) for f in findings
    ] == [("D2", 4, 10)]


def test_a_scan_of_some_prosecutors_finds_what_the_full_scan_finds_for_them() -> None:
    # 何平: 10 cases in 第二检察部 (4 not prosecuted), 3 in 第三检察部, and 2 there not counted
    # (no arrest before): the scoped scan reads both departments, and compares him in 第二检察部.
    lines = series(after_arrest, PROSECUTOR, n(4, "NON_PROSECUTE") + n(6, "PROSECUTE"))
    lines += series(
        after_arrest, PROSECUTOR, n(3, "PROSECUTE"), department="D3", start=FIRST + timedelta(days=1)
    )
    lines += series(
        after_arrest,
        PROSECUTOR,
        n(2, "NON_PROSECUTE"),
        arrest="NO_ARREST",
        department="D3",
        start=FIRST + timedelta(days=2),
    )
    for peer in PEERS:
        lines += series(after_arrest, peer, n(1, "NON_PROSECUTE") + n(9, "PROSECUTE"))
    load(organisation(*colleagues(), *lines))
    prosecutor = Staff.objects.get(staff_no=PROSECUTOR)
    colleague = Staff.objects.get(staff_no="A104")

    full = detect("peer_outlier", AFTER_ARREST)
    scoped = detect("peer_outlier", AFTER_ARREST, staff_ids=frozenset({prosecutor.pk, colleague.pk}))

    assert scoped == full
    assert [
        (f.evidence["department"], f.evidence["denominator"], f.evidence["peer_denominator"]) for f in full
    ] == [("D2", 10, 20)]
    assert detect("peer_outlier", AFTER_ARREST, staff_ids=frozenset({colleague.pk})) == []
    assert detect("peer_outlier", AFTER_ARREST, staff_ids=frozenset()) == []


def test_plea_cases_non_prosecution_rate() -> None:
    # 何平: 5 of 12 plea cases not prosecuted, and non-plea cases that do not count either way.
    lines = series(plea_review, PROSECUTOR, n(5, "NON_PROSECUTE") + n(7, "PROSECUTE"))
    lines += series(plea_review, PROSECUTOR, n(8, "PROSECUTE"), plea=False, start=FIRST + timedelta(days=1))
    for peer in PEERS:
        lines += series(plea_review, peer, n(1, "NON_PROSECUTE") + n(11, "PROSECUTE"))
        lines += series(plea_review, peer, n(6, "NON_PROSECUTE"), plea=False, start=FIRST + timedelta(days=2))
    load(organisation(*colleagues(), *lines))

    findings = detect("peer_outlier", PLEA)

    assert [(f.evidence["numerator"], f.evidence["denominator"]) for f in findings] == [(5, 12)]
    assert (findings[0].evidence["peer_numerator"], findings[0].evidence["peer_denominator"]) == (2, 24)
    assert detect("peer_outlier", AFTER_ARREST) == []  # none of these cases was arrested


def test_conditions_compile_to_the_projection_lookups() -> None:
    department_of_three(n(4, "NON_PROSECUTE") + n(6, "PROSECUTE"), n(10, "PROSECUTE"), make=plea_review)
    base: dict[str, Any] = {"denominator": {"where": [{"field": "decision", "op": "not_empty"}]}}

    def found(numerator: dict[str, Any], **more: Any) -> list[tuple[str, int, int]]:
        params = {**base, "numerator": numerator, **more}
        return [
            (f.fingerprint, f.evidence["numerator"], f.evidence["denominator"])
            for f in detect("peer_outlier", params)
        ]

    not_prosecuted = [(f"{PROSECUTOR}:2026-06", 4, 10)]
    titles = [
        f.title
        for f in detect(
            "peer_outlier",
            {**base, "numerator": {"where": [{"field": "decision_kind", "value": "DISCRETIONARY"}]}},
        )
    ]
    assert titles == ["何平（A100）近 12 个月该比例为 40%（4/10），第二检察部其他检察官为 0%（0/20）"]
    assert found({"where": [{"field": "decision_kind", "value": "DISCRETIONARY"}]}) == not_prosecuted
    assert found({"where": [{"field": "decision", "op": "ne", "value": "PROSECUTE"}]}) == not_prosecuted
    assert (
        found({"where": [{"field": "decision", "op": "not_in", "value": ["PROSECUTE", "ARREST"]}]})
        == not_prosecuted
    )
    assert found(
        {
            "where": [
                {"field": "judgment_verdict", "op": "empty"},
                {"field": "decision_kind", "op": "not_empty"},
            ]
        }
    ) == (not_prosecuted)
    assert found({"where": [{"field": "stage", "op": "gte", "value": 2}]}) == []
    assert found({"stages": [{"where": [{"field": "decision", "value": "NON_PROSECUTE"}]}]}) == not_prosecuted
    # Every rate 100 %: 1.0 ≥ 1.0 × 1.0 and a gap of 0 ≥ 0 hold for all three (null is matched
    # by value None, as SQL's IN would not).
    assert [
        f[0] for f in found({"where": [{"field": "decision_months", "value": None}]}, factor=1.0, min_gap=0)
    ] == [
        f"{PROSECUTOR}:2026-06",
        "A104:2026-06",
        "A105:2026-06",
    ]
    assert found({"where": [{"field": "decided_at", "op": "not_empty"}]}, factor=1.0, min_gap=0.0) == [
        (f"{PROSECUTOR}:2026-06", 10, 10),
        ("A104:2026-06", 10, 10),
        ("A105:2026-06", 10, 10),
    ]


def test_every_rule_of_the_catalogue_fits_the_kind() -> None:
    kind = PeerOutlier()
    seen = []
    for rule in RULES:
        kind.parse_params(rule.params)
        seen.append((rule.code, rule.kind, rule.risk_codes, rule.level, rule.recipients))
    assert seen == [
        ("R-XS03-PEER", "peer_outlier", ("XS03",), "NOTICE", ("DEPT_HEAD", "LEADER")),
        ("R-XS12-PEER", "peer_outlier", ("XS12",), "NOTICE", ("DEPT_HEAD", "LEADER")),
    ]


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "data", "value": "x"},  # not whitelisted
        {"field": "decision", "op": "gte", "value": 1},  # ordered test on a code
        {"field": "return_count", "op": "gte", "value": "1"},  # not an integer
        {"field": "decided_at", "value": "2026-01-01"},  # a time only for empty / not_empty
        {"field": "decision", "op": "in", "value": "NON_PROSECUTE"},  # in needs a list
        {"field": "decision", "op": "like", "value": "NON%"},  # no such operator
    ],
)
def test_conditions_outside_the_whitelist_are_refused(condition: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        CaseCondition.model_validate(condition)


def test_stage_conditions_have_their_own_whitelist_and_params_refuse_typos() -> None:
    StageCondition.model_validate({"field": "number", "op": "gte", "value": 2})
    with pytest.raises(ValidationError):
        StageCondition.model_validate({"field": "has_plea", "value": True})
    with pytest.raises(ValidationError):
        PeerOutlier().parse_params({**AFTER_ARREST, "factr": 2})
    with pytest.raises(ValidationError):
        PeerOutlier().parse_params({**AFTER_ARREST, "date_field": "last_event_at"})
    with pytest.raises(ValidationError):
        PeerOutlier().parse_params({"numerator": {}})
