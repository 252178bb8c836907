"""One case from its index: the ordinary case, or the situation the schedule puts there."""

from __future__ import annotations

import random
from typing import Any

from lianjian.ingest.generator import calendar as cal
from lianjian.ingest.generator.lookalikes import LOOKALIKE
from lianjian.ingest.generator.org import Org
from lianjian.ingest.generator.situations import (
    INJECTED,
    LINE_OF_BUILDER,
    Plan,
    Schedule,
    Variant,
    special_day,
)
from lianjian.ingest.generator.timeline import (
    ORDINARY_LAST_DAY,
    START_DAY,
    Case,
    criminal,
    draw_charge,
    filing_supervision,
    public_interest,
    supervision,
)

LINE_SHARES = (("CRIMINAL", 0.785), ("CIVIL", 0.10), ("ADMINISTRATIVE", 0.055), ("PUBLIC_INTEREST", 0.06))
BUILDERS = {
    "criminal": criminal,
    "filing": filing_supervision,
    "supervision": supervision,
    "public_interest": public_interest,
}


VARIANTS: dict[str, Variant] = {**INJECTED, **LOOKALIKE}


def case_rng(seed: int, index: int) -> random.Random:
    """The case's own generator: a function of (seed, index) only, so cases are independent."""
    return random.Random(seed * 4_294_967_296 + index)  # noqa: S311 - synthetic data, not security


def ordinary_plan(rng: random.Random) -> Plan:
    roll = rng.random()
    line = LINE_SHARES[-1][0]
    for candidate, share in LINE_SHARES:
        roll -= share
        if roll < 0:
            line = candidate
            break
    if line == "CRIMINAL":
        return Plan("criminal", {"charge": draw_charge(rng)})
    if line == "PUBLIC_INTEREST":
        return Plan("public_interest", {})
    return Plan(
        "supervision",
        {"line": line, "case_type": "CIVIL_SUPERVISION" if line == "CIVIL" else "ADMIN_SUPERVISION"},
    )


def first_case_type(plan: Plan) -> str:
    if plan.builder == "criminal":
        return "ARREST_REVIEW" if plan.options["arrest_review"] else "PROSECUTION_REVIEW"
    if plan.builder == "filing":
        return "FILING_SUPERVISION"
    if plan.builder == "public_interest":
        return "PIL_CLUE"
    return str(plan.options["case_type"])


def build_case(
    org: Org, schedule: Schedule, seed: int, index: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The events of case ``index`` and the ground-truth lines it carries."""
    rng = case_rng(seed, index)
    slot = schedule.at(index)
    if slot is None:
        plan = ordinary_plan(rng)
        start = cal.workday_on_or_after(rng.randint(START_DAY, ORDINARY_LAST_DAY))
    else:
        _injected, name, occurrence = slot
        plan = VARIANTS[name](org, rng, occurrence)
        start = plan.start if plan.start is not None else special_day(rng)
    options = plan.options
    if plan.builder == "criminal" and "arrest_review" not in options:
        options["arrest_review"] = rng.random() < options["charge"].arrest_share
    unit_code = plan.unit or org.pick_unit(rng)
    if plan.builder == "filing" and org.by_code[unit_code].level == "PROVINCE":
        unit_code = org.units[-1].code
    case = Case(index, org.by_code[unit_code], first_case_type(plan), start, rng)
    BUILDERS[plan.builder](case, org, options)
    truth: list[dict[str, Any]] = []
    if plan.truth:
        written = {event["type"] for event in case.events}
        if all(kind in written for kind in plan.requires):
            for kind, code, note, staff in plan.truth:
                line = {
                    "kind": kind,
                    "risk_code": code,
                    "case_no": None if staff else case.case_no,
                    "subject_staff": staff,
                    "line": LINE_OF_BUILDER.get(plan.builder, options.get("line")),
                    "note": note,
                }
                if plan.truth_extra:
                    line.update(plan.truth_extra)
                truth.append(line)
    return case.events, truth
