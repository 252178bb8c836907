"""Who sees which cases and events: the 案件查看 scope over unit, department and prosecutor."""

from __future__ import annotations

from typing import Any

import pytest

from lianjian.cases.selectors import cases_visible_to, events_of_case_visible_to
from lianjian.cases.tests.helpers import errors, event, run

RECEIVED = {"line": "CRIMINAL", "case_type": "PROSECUTION_REVIEW"}


@pytest.fixture
def cases(org: Any) -> None:
    """K1/K2 in county 620102 (A100, A103), K3 in county 620103, K4 in 620201, K5 unassigned."""
    lines = []
    for number, (unit, staff) in enumerate(
        [("620102", "A100"), ("620102", "A103"), ("620103", "B200"), ("620201", "C300"), ("620102", None)],
        start=1,
    ):
        no = f"K{number}"
        lines.append(
            event(f"{no}-R", "RECEIVED", "2026-03-02T09:00:00+08:00", RECEIVED, case_no=no, unit=unit)
        )
        if staff is not None:
            data = {"prosecutor": staff, "department": "D2"}
            lines.append(
                event(f"{no}-A", "ASSIGNED", "2026-03-02T10:00:00+08:00", data, case_no=no, unit=unit)
            )
    assert errors(run(lines)) == []


def visible(user: Any) -> list[str]:
    return sorted(cases_visible_to(user).values_list("case_no", flat=True))


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("county_prosecutor", ["K1"]),
        ("department_head", ["K1", "K2"]),
        ("discipline_inspector", ["K1", "K2", "K5"]),
        ("city_supervisor", ["K1", "K2", "K3", "K5"]),
        ("outsider", ["K4"]),
        ("system_admin", []),
        ("audit_admin", []),
    ],
)
def test_cases_visible_to_follow_the_personas_scope(
    cases: None, request: pytest.FixtureRequest, persona: str, expected: list[str]
) -> None:
    assert visible(request.getfixturevalue(persona)) == expected


def test_events_of_a_visible_case_come_in_order(cases: None, county_prosecutor: Any) -> None:
    events = events_of_case_visible_to(county_prosecutor, "K1")

    assert list(events.values_list("event_id", flat=True)) == ["K1-R", "K1-A"]


def test_events_of_a_case_out_of_scope_or_absent_are_the_same_nothing(cases: None, outsider: Any) -> None:
    assert list(events_of_case_visible_to(outsider, "K1")) == []
    assert list(events_of_case_visible_to(outsider, "NO-SUCH-CASE")) == []
