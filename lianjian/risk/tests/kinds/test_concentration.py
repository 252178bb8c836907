"""The concentration kind (GX06): the same lawyer or firm on many of one prosecutor's cases."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db.models import F

from lianjian.cases.models import Case
from lianjian.org.models import Staff, Unit
from lianjian.risk.catalogue.rules.concentration import RULES
from lianjian.risk.kinds.concentration import Concentration, MonthNumber, MonthsBefore, months_before
from lianjian.risk.tests.builders import (
    CITY,
    FIRM,
    LAWYER,
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
BY_LAWYER = RULE["R-GX06-LAWYER"].params
BY_FIRM = RULE["R-GX06-FIRM"].params
COLLEAGUE = "15109200110002"  # 钱律, the same firm as 邓律
OUTSIDER = "15109200110003"  # 孙律, another firm
OTHER_FIRM = "31510000MD0000002X"
FIRM_OF = {LAWYER: FIRM, COLLEAGUE: FIRM, OUTSIDER: OTHER_FIRM}
START = date(2025, 9, 1)


def lawyers() -> list[str]:
    """A colleague of 邓律 in the same firm, and a lawyer of another firm."""
    return [
        record(
            "lawyer",
            id=COLLEAGUE,
            name="钱律",
            firm_id=FIRM,
            firm_name="四川蜀信律师事务所",
            former_staff=None,
        ),
        record(
            "lawyer",
            id=OUTSIDER,
            name="孙律",
            firm_id=OTHER_FIRM,
            firm_name="四川锦江律师事务所",
            former_staff=None,
        ),
    ]


def defended(
    on: date, lawyer: str | None, *, prosecutor: str = PROSECUTOR, engaged: date | None = None
) -> tuple[str, list[str]]:
    """A prosecution review assigned on ``on`` to ``prosecutor``, ``lawyer`` engaged the same day."""
    number = case_no()
    lines = [received(number, on.isoformat()), assigned(number, on.isoformat(), prosecutor)]
    if lawyer is not None:
        lines.append(
            ev(
                number,
                "LAWYER_ENGAGED",
                (engaged or on).isoformat(),
                {"lawyer": lawyer, "firm_id": FIRM_OF[lawyer], "role": "DEFENDER"},
            )
        )
    return number, lines


def build(plan: list[tuple[int, str | None]], *, prosecutor: str = PROSECUTOR) -> list[str]:
    """Cases ``days`` after START with their lawyer; loads them and returns their numbers."""
    numbers: list[str] = []
    lines: list[str] = []
    for days, lawyer in plan:
        number, more = defended(START + timedelta(days=days), lawyer, prosecutor=prosecutor)
        numbers.append(number)
        lines.extend(more)
    load(organisation(*lawyers(), *lines))
    return numbers


def at(day: date) -> str:
    """The ISO form, as evidence writes it, of 09:00 Beijing time on ``day``."""
    return datetime.fromisoformat(f"{day.isoformat()}T09:00:00+08:00").isoformat()


def test_five_of_six_cases_with_one_lawyer_within_five_months_raise_once() -> None:
    # The generator's situation: five cases 25 days apart with one lawyer, a sixth with another.
    numbers = build([(0, LAWYER), (25, LAWYER), (50, OUTSIDER), (75, LAWYER), (100, LAWYER), (125, LAWYER)])

    findings = detect("concentration", BY_LAWYER)

    assert [f.fingerprint for f in findings] == [f"{PROSECUTOR}:{LAWYER}"]
    finding = findings[0]
    evidence = finding.evidence
    assert evidence["cases"] == [numbers[i] for i in (0, 1, 3, 4, 5)]
    assert (evidence["case_count"], evidence["total_cases"], evidence["share"]) == (5, 6, 0.8333)
    assert evidence["window_end"] == at(START + timedelta(days=125))
    assert evidence["window_start"] == at(date(2025, 1, 4))  # 12 months before 2026-01-04
    assert (evidence["lawyer"], evidence["lawyer_name"], evidence["firm_id"]) == (LAWYER, "邓律", FIRM)
    assert evidence["lawyers"] == [LAWYER]
    assert evidence["params"]["min_cases"] == 5
    assert json.loads(json.dumps(evidence)) == evidence  # plain JSON values only
    staff = Staff.objects.get(staff_no=PROSECUTOR)
    assert (finding.subject_staff_id, finding.unit_id, finding.case_id) == (staff.pk, staff.unit_id, None)
    assert finding.title == "何平（A100）12 个月内承办的 6 件案件中，5 件由律师邓律代理（83%）"
    assert finding.occurred_at == datetime.fromisoformat(at(START + timedelta(days=125)))


def test_four_of_six_with_one_lawyer_do_not_raise() -> None:
    build([(0, LAWYER), (25, LAWYER), (50, OUTSIDER), (75, LAWYER), (100, LAWYER), (125, OUTSIDER)])

    assert detect("concentration", BY_LAWYER) == []


def test_five_cases_never_more_than_three_within_twelve_months_do_not_raise_but_do_within_two_years() -> None:
    # The generator's spread look-alike: days 0, 30, 60, then 430, 460; a sixth with another lawyer.
    build([(-500, LAWYER), (-470, LAWYER), (-440, LAWYER), (-70, LAWYER), (-40, LAWYER), (-10, OUTSIDER)])

    assert detect("concentration", BY_LAWYER) == []
    wide = detect("concentration", {**BY_LAWYER, "window_months": 24})
    assert [(f.evidence["case_count"], f.evidence["total_cases"]) for f in wide] == [(5, 5)]


def test_the_window_slides_an_old_concentration_is_found_at_a_later_as_of() -> None:
    # Five in the autumn of 2024, nothing with this lawyer in the twelve months before "as of".
    build([(-360, LAWYER), (-340, LAWYER), (-320, LAWYER), (-300, LAWYER), (-280, LAWYER), (200, OUTSIDER)])

    findings = detect("concentration", BY_LAWYER)

    assert [(f.evidence["case_count"], f.evidence["total_cases"]) for f in findings] == [(5, 5)]
    assert findings[0].evidence["window_end"] == at(START - timedelta(days=280))


def test_the_share_is_of_all_their_cases_in_the_window_and_thirty_percent_is_enough() -> None:
    # 6 of 20 is exactly 30 % (which 20 × 0.3 in floating point would miss); 5 of 20 is 25 %.
    plan: list[tuple[int, str | None]] = [(day, LAWYER) for day in (0, 10, 20, 30, 40, 50)]
    plan += [(day, None) for day in range(1, 15)]
    build(plan)

    findings = detect("concentration", BY_LAWYER)
    assert [(f.evidence["case_count"], f.evidence["total_cases"], f.evidence["share"]) for f in findings] == [
        (6, 20, 0.3)
    ]
    assert detect("concentration", {**BY_LAWYER, "min_share": 0.31}) == []


def test_cases_after_the_anchor_do_not_dilute_its_window() -> None:
    # Five with the lawyer, then fifteen without: the window ending at the fifth holds five of five.
    plan: list[tuple[int, str | None]] = [(day, LAWYER) for day in (0, 10, 20, 30, 40)]
    plan += [(day, None) for day in range(50, 65)]
    build(plan)

    findings = detect("concentration", BY_LAWYER)

    assert [(f.evidence["case_count"], f.evidence["total_cases"]) for f in findings] == [(5, 5)]


def test_a_firm_rotating_its_lawyers_raises_the_firm_rule_only() -> None:
    build([(0, LAWYER), (20, COLLEAGUE), (40, LAWYER), (60, COLLEAGUE), (80, LAWYER), (100, OUTSIDER)])

    assert detect("concentration", BY_LAWYER) == []
    findings = detect("concentration", BY_FIRM)
    assert [f.fingerprint for f in findings] == [f"{PROSECUTOR}:{FIRM}"]
    evidence = findings[0].evidence
    assert (evidence["firm_id"], evidence["firm_name"], evidence["lawyers"]) == (
        FIRM,
        "四川蜀信律师事务所",
        [LAWYER, COLLEAGUE],
    )
    assert (evidence["case_count"], evidence["total_cases"]) == (5, 5)
    assert "lawyer" not in evidence
    assert (
        findings[0].title
        == "何平（A100）12 个月内承办的 5 件案件中，5 件由律师事务所四川蜀信律师事务所代理（100%）"
    )


def test_one_lawyer_alone_is_left_to_the_lawyer_rule_unless_the_firm_rule_asks_for_one_lawyer() -> None:
    build([(0, LAWYER), (25, LAWYER), (50, LAWYER), (75, LAWYER), (100, LAWYER), (125, OUTSIDER)])

    assert [f.fingerprint for f in detect("concentration", BY_LAWYER)] == [f"{PROSECUTOR}:{LAWYER}"]
    assert detect("concentration", BY_FIRM) == []
    assert [f.fingerprint for f in detect("concentration", {**BY_FIRM, "min_lawyers": 1})] == [
        f"{PROSECUTOR}:{FIRM}"
    ]


def test_each_prosecutor_is_counted_on_their_own_cases() -> None:
    # 何平 has three cases with 邓律, 周明 two: neither reaches five.
    plan = [(0, LAWYER), (10, LAWYER), (20, LAWYER)]
    lines: list[str] = []
    for days, lawyer in plan:
        lines.extend(defended(START + timedelta(days=days), lawyer)[1])
    for days in (5, 15):
        lines.extend(defended(START + timedelta(days=days), LAWYER, prosecutor="A104")[1])
    load(organisation(*lawyers(), *lines))

    assert detect("concentration", BY_LAWYER) == []
    found = detect("concentration", {**BY_LAWYER, "min_cases": 2})
    assert [(f.fingerprint, f.evidence["case_count"], f.evidence["total_cases"]) for f in found] == [
        (f"{PROSECUTOR}:{LAWYER}", 3, 3),
        (f"A104:{LAWYER}", 2, 2),
    ]


def test_engagements_and_assignments_after_as_of_are_not_counted() -> None:
    lines: list[str] = []
    for days in (0, 10, 20, 30):
        lines.extend(defended(START + timedelta(days=days), LAWYER)[1])
    late_engaged = defended(START + timedelta(days=40), LAWYER, engaged=date(2026, 7, 2))[1]
    late_assigned = defended(date(2026, 7, 3), LAWYER)[1]
    load(organisation(*lawyers(), *lines, *late_engaged))

    assert detect("concentration", BY_LAWYER) == []
    later = datetime.fromisoformat("2026-07-02T18:00:00+08:00")
    assert len(detect("concentration", BY_LAWYER, as_of=later)) == 1
    load(late_assigned)
    found = detect("concentration", BY_LAWYER, as_of=datetime.fromisoformat("2026-07-03T18:00:00+08:00"))
    assert [f.evidence["case_count"] for f in found] == [6]


def test_one_case_with_the_same_lawyer_engaged_twice_counts_once() -> None:
    number, lines = defended(START, LAWYER)
    lines += [
        ev(number, "LAWYER_WITHDRAWN", "2025-09-05", {"lawyer": LAWYER, "firm_id": FIRM}),
        ev(number, "LAWYER_ENGAGED", "2025-09-10", {"lawyer": LAWYER, "firm_id": FIRM, "role": "DEFENDER"}),
    ]
    for days in (10, 20, 30):
        lines.extend(defended(START + timedelta(days=days), LAWYER)[1])
    load(organisation(*lawyers(), *lines))

    assert detect("concentration", BY_LAWYER) == []  # four cases, not five
    assert [f.evidence["case_count"] for f in detect("concentration", {**BY_LAWYER, "min_cases": 4})] == [4]


def test_incremental_scope_by_staff_and_by_unit() -> None:
    build([(0, LAWYER), (25, LAWYER), (50, LAWYER), (75, LAWYER), (100, LAWYER)])
    prosecutor = Staff.objects.get(staff_no=PROSECUTOR)
    other = Staff.objects.get(staff_no="A104")
    city = Unit.objects.get(code=CITY)

    assert len(detect("concentration", BY_LAWYER, staff_ids=frozenset({prosecutor.pk}))) == 1
    assert detect("concentration", BY_LAWYER, staff_ids=frozenset({other.pk})) == []
    assert len(detect("concentration", BY_LAWYER, unit_ids=frozenset({prosecutor.unit_id}))) == 1
    assert detect("concentration", BY_LAWYER, unit_ids=frozenset({city.pk})) == []
    # A staff kind ignores the changed cases: the statistic needs all of the prosecutor's cases.
    assert len(detect("concentration", BY_LAWYER, case_nos=frozenset({"其他案件"}))) == 1


def test_lines_limit_the_cases_counted() -> None:
    build([(0, LAWYER), (25, LAWYER), (50, LAWYER), (75, LAWYER), (100, LAWYER)])

    assert len(detect("concentration", {**BY_LAWYER, "lines": ["CRIMINAL"]})) == 1
    assert detect("concentration", {**BY_LAWYER, "lines": ["CIVIL"]}) == []


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        ("2026-01-04T01:00:00+00:00", 12, "2025-01-04T01:00:00+00:00"),
        ("2024-02-29T01:00:00+00:00", 12, "2023-02-28T01:00:00+00:00"),
        ("2024-03-31T23:30:00+00:00", 1, "2024-02-29T23:30:00+00:00"),
        ("2025-12-31T08:00:00+00:00", 10, "2025-02-28T08:00:00+00:00"),
        ("2025-01-15T08:00:00+00:00", 1, "2024-12-15T08:00:00+00:00"),
    ],
)
def test_months_before_clamps_the_same_in_python_and_in_the_database(
    moment: str, months: int, expected: str
) -> None:
    number, lines = defended(START, None)
    load(organisation(*lines))
    value = datetime.fromisoformat(moment)
    Case.objects.filter(case_no=number).update(assigned_at=value)

    in_db = (
        Case.objects.filter(case_no=number).annotate(start=MonthsBefore(F("assigned_at"), months)).get().start
    )

    assert months_before(value, months).isoformat() == expected
    assert in_db.isoformat() == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2025-03-01T05:00:00+08:00", 2025 * 12 + 1),  # still February in UTC
        ("2025-12-31T23:59:59.500000+00:00", 2025 * 12 + 11),
        ("2026-01-01T00:00:00+00:00", 2026 * 12),
    ],
)
def test_month_number_is_the_utc_month_in_the_database(moment: str, expected: int) -> None:
    number, lines = defended(START, None)
    load(organisation(*lines))
    Case.objects.filter(case_no=number).update(assigned_at=datetime.fromisoformat(moment))

    month = Case.objects.filter(case_no=number).annotate(month=MonthNumber("assigned_at")).get().month

    assert month == expected


def test_every_rule_of_the_catalogue_fits_the_kind() -> None:
    kind = Concentration()
    codes: list[tuple[str, Any, str, tuple[str, ...]]] = []
    for rule in RULES:
        kind.parse_params(rule.params)
        codes.append((rule.code, rule.risk_codes, rule.level, rule.recipients))
    assert codes == [
        ("R-GX06-LAWYER", ("GX06",), "WARNING", ("DEPT_HEAD", "CASE_MANAGEMENT", "INSPECTION")),
        ("R-GX06-FIRM", ("GX06",), "WARNING", ("DEPT_HEAD", "CASE_MANAGEMENT", "INSPECTION")),
    ]
    assert all(rule.kind == "concentration" for rule in RULES)


def test_unknown_or_out_of_range_parameters_are_refused() -> None:
    from pydantic import ValidationError

    for bad in ({"by": "party"}, {"min_share": 1.5}, {"window_months": 0}, {"typo": 1}):
        with pytest.raises(ValidationError):
            detect("concentration", bad)
