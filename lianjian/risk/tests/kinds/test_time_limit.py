"""The time-limit kind, table-driven per standard rule: holidays, month ends, custody, suspension,
extension, return and resubmission, a stage handed on by a change of jurisdiction.

Dates are worked out by hand from 《刑事诉讼法》第一百零五条 and the State Council's holiday
notices (2025 国庆 10-01…10-08, with 09-28 and 10-11 working Saturdays; 2026 春节 02-15…02-23).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from lianjian.risk.catalogue.rules.time_limit import RULES
from lianjian.risk.tests.builders import assigned, case_no, detect, ev, load, organisation, received

pytestmark = pytest.mark.django_db

PARAMS = {rule.code: rule.params for rule in RULES}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text if "+" in text else f"{text}T18:00:00+08:00")


def decided(case: str, on: str, decision: str) -> str:
    return ev(case, "DECIDED", on, {"decision": decision, "by": "A100", "level": "PROSECUTOR"})


def arrest_case(received_on: str, *, detained: bool, decided_on: str | None) -> tuple[str, list[str]]:
    case = case_no()
    lines = [
        received(case, received_on, case_type="ARREST_REVIEW", detained=detained),
        assigned(case, received_on),
    ]
    if decided_on:
        lines.append(decided(case, decided_on, "ARREST"))
    return case, lines


ARREST = [
    # (id, received, detained, decided, as_of, expected state or None, deadline)
    ("detained-day-7", "2026-03-02", True, "2026-03-09", "2026-06-30", None, None),
    ("detained-day-8", "2026-03-02", True, "2026-03-10", "2026-06-30", "OVERDUE", "2026-03-09"),
    # detained: the last day 2025-10-03 is a holiday and does not roll over (第一百零五条第四款)
    ("detained-holiday-no-rollover", "2025-09-26", True, "2025-10-09", "2026-06-30", "OVERDUE", "2025-10-03"),
    # free: day 15 = 2025-10-05, a holiday; rolls over to 10-09, the first workday after
    ("free-holiday-rolls-over", "2025-09-20", False, "2025-10-09", "2026-06-30", None, None),
    ("free-after-rollover", "2025-09-20", False, "2025-10-10", "2026-06-30", "OVERDUE", "2025-10-09"),
    ("open-warning", "2026-06-24", True, None, "2026-06-30T10:00:00+08:00", "WARNING", "2026-07-01"),
    ("open-overdue", "2026-06-20", True, None, "2026-06-30", "OVERDUE", "2026-06-27"),
    ("open-in-time", "2026-06-26", False, None, "2026-06-30", None, None),
]


@pytest.mark.parametrize(
    ("received_on", "detained", "decided_on", "as_of", "state", "deadline"),
    [row[1:] for row in ARREST],
    ids=[row[0] for row in ARREST],
)
def test_arrest_review(
    received_on: str,
    detained: bool,
    decided_on: str | None,
    as_of: str,
    state: str | None,
    deadline: str | None,
) -> None:
    case, lines = arrest_case(received_on, detained=detained, decided_on=decided_on)
    load(organisation(*lines))

    found = detect("time_limit", PARAMS["R-GX08-ARREST"], as_of=at(as_of))

    assert [(f.case_no, f.evidence["state"], f.evidence["deadline"]) for f in found] == (
        [(case, state, deadline)] if state else []
    )


def prosecution(
    received_on: str,
    *more: tuple[str, str, dict[str, Any] | None],
    detained: bool = False,
    fast_track: bool = False,
) -> tuple[str, list[str]]:
    case = case_no()
    lines = [
        received(case, received_on, detained=detained, fast_track=fast_track, plea=fast_track),
        assigned(case, received_on),
        ev(case, "RIGHTS_NOTIFIED", received_on, {"whom": "SUSPECT"}),
    ]
    for event_type, on, data in more:
        lines.append(ev(case, event_type, on, data or {}))
    return case, lines


D = ("DECIDED", "", {"decision": "PROSECUTE", "by": "A100", "level": "PROSECUTOR"})


def dec(on: str) -> tuple[str, str, dict[str, Any] | None]:
    return (D[0], on, D[2])


PROSECUTION = [
    # month-end: received 2026-01-31 → last day 2026-02-28 (第一百零五条; 下月无同日的至月末)
    ("month-end-in-time", "2026-01-31", [dec("2026-02-27")], {}, None, None),
    ("month-end-late", "2026-01-31", [dec("2026-03-03")], {"detained": True}, "OVERDUE", "2026-02-28"),
    # free suspect: 2026-02-16 is in the Spring Festival holiday → rolls over to 2026-02-24
    ("spring-festival-rollover", "2026-01-16", [dec("2026-02-24")], {}, None, None),
    (
        "spring-festival-detained",
        "2026-01-16",
        [dec("2026-02-24")],
        {"detained": True},
        "OVERDUE",
        "2026-02-16",
    ),
    # extended by 15 days (第一百七十二条): last day 2026-03-17 + 15 = 2026-04-01
    (
        "extended",
        "2026-02-17",
        [
            ("EXTENDED", "2026-03-10", {"stage": "PROSECUTION_REVIEW", "days": 15, "approved_by": "A102"}),
            dec("2026-04-01"),
        ],
        {"detained": True},
        None,
        None,
    ),
    # an extension longer than the law allows counts only its 15 days
    (
        "extended-too-long",
        "2026-02-17",
        [
            ("EXTENDED", "2026-03-10", {"stage": "PROSECUTION_REVIEW", "days": 30, "approved_by": "A102"}),
            dec("2026-04-03"),
        ],
        {"detained": True},
        "OVERDUE",
        "2026-04-01",
    ),
    # returned and resubmitted: the month restarts from the resubmission (第一百七十五条第三款)
    (
        "resubmitted",
        "2026-01-05",
        [
            ("RETURNED", "2026-01-20", {"round": 1}),
            ("RESUBMITTED", "2026-02-26", {"round": 1}),
            dec("2026-03-25"),
        ],
        {"detained": True},
        None,
        None,
    ),
    # suspended for a psychiatric appraisal for 10 days (第一百四十九条): last day moves 10 days
    (
        "suspended",
        "2026-03-02",
        [
            ("SUSPENDED", "2026-03-10", {"reason": "PSYCH_APPRAISAL"}),
            ("RESUMED", "2026-03-20", {"reason": "PSYCH_APPRAISAL"}),
            dec("2026-04-12"),
        ],
        {"detained": True},
        None,
        None,
    ),
    (
        "suspended-still-late",
        "2026-03-02",
        [
            ("SUSPENDED", "2026-03-10", {"reason": "PSYCH_APPRAISAL"}),
            ("RESUMED", "2026-03-20", {"reason": "PSYCH_APPRAISAL"}),
            dec("2026-04-13"),
        ],
        {"detained": True},
        "OVERDUE",
        "2026-04-12",
    ),
    # fast track: 10 days (第一百七十二条第一款)
    (
        "fast-track-late",
        "2026-03-02",
        [dec("2026-03-13")],
        {"detained": True, "fast_track": True},
        "OVERDUE",
        "2026-03-12",
    ),
    # a later decision (撤回起诉) does not move the end of the review
    (
        "later-decision-ignored",
        "2026-03-02",
        [
            dec("2026-03-20"),
            ("DECIDED", "2026-05-20", {"decision": "WITHDRAW_PROSECUTION", "by": "A102", "level": "CHIEF"}),
        ],
        {"detained": True},
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("received_on", "events", "facts", "state", "deadline"),
    [row[1:] for row in PROSECUTION],
    ids=[row[0] for row in PROSECUTION],
)
def test_prosecution_review(
    received_on: str, events: list[Any], facts: dict[str, bool], state: str | None, deadline: str | None
) -> None:
    case, lines = prosecution(received_on, *events, **facts)
    load(organisation(*lines))

    found = detect("time_limit", PARAMS["R-GX08-PROSECUTION"], as_of=at("2026-06-30"))

    assert [(f.case_no, f.evidence["state"], f.evidence["deadline"]) for f in found] == (
        [(case, state, deadline)] if state else []
    )


def test_a_pending_return_stops_the_clock() -> None:
    _case, lines = prosecution("2026-03-02", ("RETURNED", "2026-03-20", {"round": 1}))
    load(organisation(*lines))

    assert detect("time_limit", PARAMS["R-GX08-PROSECUTION"], as_of=at("2026-06-30")) == []


def test_a_stage_handed_on_by_a_change_of_jurisdiction_ends_at_the_transfer() -> None:
    case = case_no()
    load(
        organisation(
            received(case, "2026-03-02", detained=True),
            ev(case, "JURISDICTION_CHANGED", "2026-03-05", {"to_unit": "510900"}),
            ev(
                case,
                "RECEIVED",
                "2026-03-06",
                {"line": "CRIMINAL", "case_type": "PROSECUTION_REVIEW", "detained": True},
                unit="510900",
            ),
            ev(
                case,
                "DECIDED",
                "2026-04-03",
                {"decision": "PROSECUTE", "by": "A102", "level": "CHIEF"},
                unit="510900",
            ),
        )
    )

    assert detect("time_limit", PARAMS["R-GX08-PROSECUTION"], as_of=at("2026-06-30")) == []


def test_a_warning_resolves_into_nothing_when_decided_in_time_and_overdue_stays() -> None:
    case, lines = prosecution("2026-05-29", detained=True)
    load(organisation(*lines))
    before = detect("time_limit", PARAMS["R-GX08-PROSECUTION"], as_of=at("2026-06-26"))
    load([ev(case, *D[:1], "2026-06-29", D[2])])
    after = detect("time_limit", PARAMS["R-GX08-PROSECUTION"], as_of=at("2026-06-30"))
    late = detect("time_limit", PARAMS["R-GX08-PROSECUTION"], as_of=at("2026-07-30"))

    assert [(f.fingerprint, f.level) for f in before] == [(f"{case}#1:WARNING", "NOTICE")]
    assert after == [] and late == []


RIGHTS = [
    ("day-3", "2026-03-02T09:40:00", "2026-03-05T16:00:00", False, None),
    ("day-4", "2026-03-02T09:40:00", "2026-03-06T09:10:00", False, "2026-03-05"),
    # free suspect, day 3 = 2025-10-03 (holiday) → rolls over to 2025-10-09
    ("holiday-free", "2025-09-30T10:00:00", "2025-10-09T10:00:00", False, None),
    ("holiday-detained", "2025-09-30T10:00:00", "2025-10-09T10:00:00", True, "2025-10-03"),
    ("never", "2026-03-02T09:40:00", None, False, "2026-03-05"),
]


@pytest.mark.parametrize(
    ("received_at", "notified_at", "detained", "deadline"),
    [row[1:] for row in RIGHTS],
    ids=[row[0] for row in RIGHTS],
)
def test_rights_notified_within_three_days(
    received_at: str, notified_at: str | None, detained: bool, deadline: str | None
) -> None:
    case = case_no()
    lines = [received(case, received_at, detained=detained)]
    if notified_at:
        lines.append(ev(case, "RIGHTS_NOTIFIED", notified_at, {"whom": "SUSPECT"}))
    load(organisation(*lines))

    found = detect("time_limit", PARAMS["R-GX04"], as_of=at("2026-06-30"))

    assert [(f.case_no, f.evidence["deadline"]) for f in found] == ([(case, deadline)] if deadline else [])


def test_civil_supervision_three_months() -> None:
    late, in_time = case_no(), case_no()
    load(
        organisation(
            received(late, "2026-01-05", line="CIVIL", case_type="CIVIL_SUPERVISION"),
            ev(
                late,
                "DECIDED",
                "2026-04-08",
                {"decision": "REJECT_SUPERVISION", "by": "A100", "level": "PROSECUTOR"},
            ),
            received(in_time, "2026-01-05", line="CIVIL", case_type="CIVIL_SUPERVISION"),
            ev(
                in_time,
                "DECIDED",
                "2026-04-07",
                {"decision": "REJECT_SUPERVISION", "by": "A100", "level": "PROSECUTOR"},
            ),
        )
    )

    found = detect("time_limit", PARAMS["R-GX08-CIVIL"], as_of=at("2026-06-30"))

    assert [(f.case_no, f.evidence["deadline"]) for f in found] == [(late, "2026-04-07")]


def test_mode_parameters_are_checked() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        detect("time_limit", {"mode": "stage", "limits": [{"code": "TL-CR-PRO-01"}]})
    with pytest.raises(ValidationError):
        detect("time_limit", {"mode": "stage", "case_types": ["X"], "limits": [{"code": "TL-NOPE"}]})
    with pytest.raises(ValidationError):
        detect("time_limit", {"mode": "events", "limits": [{"code": "TL-CR-PRO-10"}]})


RECONSIDERATION = [
    # 复议 of a 不批准逮捕: 7 days (规则第二百九十条); 复核: 15 days (第二百九十一条)
    ("reconsider-day-7", "RECONSIDER", "NO_ARREST", "2026-03-02", "2026-03-09", None),
    ("reconsider-day-8", "RECONSIDER", "NO_ARREST", "2026-03-02", "2026-03-10", "2026-03-09"),
    ("review-day-15", "REVIEW", "NO_ARREST", "2026-03-02", "2026-03-17", None),
    ("review-day-16", "REVIEW", "NO_ARREST", "2026-03-02", "2026-03-18", "2026-03-17"),
    # 不起诉的复议: 30 days; day 30 = 2026-04-04 (清明, holiday) rolls over to 04-07
    ("np-reconsider-rollover", "RECONSIDER", "NON_PROSECUTE", "2026-03-05", "2026-04-07", None),
    ("never-decided", "RECONSIDER", "NO_ARREST", "2026-03-02", None, "2026-03-09"),
]


@pytest.mark.parametrize(
    ("kind", "target", "requested_on", "decided_on", "deadline"),
    [row[1:] for row in RECONSIDERATION],
    ids=[row[0] for row in RECONSIDERATION],
)
def test_reconsideration_periods(
    kind: str, target: str, requested_on: str, decided_on: str | None, deadline: str | None
) -> None:
    case = case_no()
    lines = [
        received(case, "2026-02-20", case_type="ARREST_REVIEW"),
        ev(case, "RECONSIDERATION_REQUESTED", requested_on, {"kind": kind, "target": target}),
    ]
    if decided_on:
        lines.append(
            ev(
                case,
                "RECONSIDERATION_DECIDED",
                decided_on,
                {"kind": kind, "target": target, "changed": False},
            )
        )
    load(organisation(*lines))

    found = detect("time_limit", PARAMS["R-GX08-RECONSIDERATION"], as_of=at("2026-06-30"))

    assert [(f.case_no, f.evidence["deadline"]) for f in found] == ([(case, deadline)] if deadline else [])


def test_bail_ends_at_the_decision_to_prosecute_and_runs_twelve_months_otherwise() -> None:
    ended, running = case_no(), case_no()
    bail = {"from": "ARREST", "to": "BAIL"}
    load(
        organisation(
            received(ended, "2025-01-06"),
            ev(ended, "CUSTODY_CHANGED", "2025-01-10", bail),
            ev(
                ended, "DECIDED", "2025-02-05", {"decision": "PROSECUTE", "by": "A100", "level": "PROSECUTOR"}
            ),
            received(running, "2025-01-06"),
            ev(running, "CUSTODY_CHANGED", "2025-01-10", bail),
        )
    )

    found = detect("time_limit", PARAMS["R-GX08-CUSTODY"], as_of=at("2026-06-30"))

    # 12 months from 2025-01-10: 2026-01-10, a Saturday, rolls over (not in custody) to 01-12
    assert [(f.case_no, f.evidence["deadline"]) for f in found] == [(running, "2026-01-12")]


def test_investigative_detention_counts_approved_extensions_up_to_five_months() -> None:
    extended, capped = case_no(), case_no()
    arrest = {"decision": "ARREST", "by": "A100", "level": "PROSECUTOR"}
    load(
        organisation(
            received(extended, "2026-01-05", case_type="ARREST_REVIEW", detained=True),
            ev(extended, "DECIDED", "2026-01-09", arrest),
            ev(
                extended,
                "EXTENDED",
                "2026-03-01",
                {"stage": "INVESTIGATION", "days": 30, "approved_by": "A102"},
            ),
            received(extended, "2026-04-08", detained=True),  # within 2026-03-09 + 30 = 04-08
            received(capped, "2026-01-05", case_type="ARREST_REVIEW", detained=True),
            ev(capped, "DECIDED", "2026-01-09", arrest),
            ev(
                capped,
                "EXTENDED",
                "2026-03-01",
                {"stage": "INVESTIGATION", "days": 400, "approved_by": "A102"},
            ),
            received(capped, "2026-09-01", detained=True),
        )
    )

    found = detect("time_limit", PARAMS["R-GX08-INVESTIGATION"], as_of=at("2027-01-04"))

    # extended: 03-09 + 30 days = 04-08, received that day, in time (without the extension: late).
    # capped: 2026-01-09 + 2 months = 03-09, extended at most 5 months in all, counted from the start
    # (periods.extension_in_days): 2026-08-09, a Sunday that does not roll over in custody — the 400
    # days granted count only up to it, so a receipt on 09-01 is late
    assert [(f.case_no, f.evidence["deadline"], f.evidence["extension_days"]) for f in found] == [
        (capped, "2026-08-09", 153)
    ]


def test_an_urgent_recommendation_must_be_answered_within_fifteen_days() -> None:
    urgent, ordinary = case_no(), case_no()
    load(
        organisation(
            received(urgent, "2026-03-02", line="PUBLIC_INTEREST", case_type="PIL_ADMIN"),
            ev(urgent, "RECOMMENDATION_ISSUED", "2026-03-03", {"urgent": True}),
            ev(urgent, "RECOMMENDATION_REPLIED", "2026-03-20", {"urgent": True}),
            received(ordinary, "2026-03-02", line="PUBLIC_INTEREST", case_type="PIL_ADMIN"),
            ev(ordinary, "RECOMMENDATION_ISSUED", "2026-03-03", {"urgent": False}),
            ev(ordinary, "RECOMMENDATION_REPLIED", "2026-03-20", {"urgent": False}),
        )
    )

    found = detect("time_limit", PARAMS["R-GY03-REPLY"], as_of=at("2026-06-30"))

    assert [(f.case_no, f.evidence["deadline"], f.evidence["time_limit"]["limit"]) for f in found] == [
        (urgent, "2026-03-18", "15日")
    ]
