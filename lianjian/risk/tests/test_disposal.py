"""The disposal workflow's state machine (F4.5): every step from every state, by every persona.

The expected outcome of each (state, step, persona) comes from :data:`ALLOWED` below, written out
by hand from the workflow table of docs/risk.md, not from the code's own ``TRANSITIONS``. A
refused step raises and leaves the alert, its history and the audit log exactly as they were.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

from lianjian.accounts.tests.factories import UserFactory, grant
from lianjian.audit.models import AuditEvent
from lianjian.org.tests.factories import DepartmentFactory, StaffFactory
from lianjian.risk import disposal
from lianjian.risk.choices import AlertLevel, DisposalState, DisposalStepKind
from lianjian.risk.models import Alert, AlertStep, AppendOnlyError
from lianjian.risk.tests.workflow import RAISED, alert_on, case_of, snapshot, take

S = DisposalStepKind
STEPS = [S.SIGN, S.VERIFY, S.PROPOSE, S.APPROVE, S.RETURN, S.TRANSFER, S.REOPEN]
# Where an alert can stand: "SIGNED_VERIFIED" is 核查中 with a verification recorded.
STATES = ["PENDING", "SIGNED", "SIGNED_VERIFIED", "PROPOSED", "CLOSED", "TRANSFERRED"]
PATHS: dict[str, list[tuple[str, str]]] = {
    "PENDING": [],
    "SIGNED": [(S.SIGN, "handler")],
    "SIGNED_VERIFIED": [(S.SIGN, "handler"), (S.VERIFY, "handler")],
    "PROPOSED": [(S.SIGN, "handler"), (S.VERIFY, "handler"), (S.PROPOSE, "handler")],
    "CLOSED": [(S.SIGN, "handler"), (S.VERIFY, "handler"), (S.PROPOSE, "handler"), (S.APPROVE, "reviewer")],
    "TRANSFERRED": [(S.SIGN, "handler"), (S.TRANSFER, "reviewer")],
}
# (state, step) → who may take it; every pair not listed is refused to everyone.
ALLOWED: dict[tuple[str, str], str] = {
    ("PENDING", S.SIGN): "handler",
    ("SIGNED", S.VERIFY): "handler",
    ("SIGNED_VERIFIED", S.VERIFY): "handler",
    ("SIGNED_VERIFIED", S.PROPOSE): "handler",
    ("PROPOSED", S.APPROVE): "reviewer",
    ("PROPOSED", S.RETURN): "reviewer",
    ("SIGNED", S.TRANSFER): "reviewer",
    ("SIGNED_VERIFIED", S.TRANSFER): "reviewer",
    ("PROPOSED", S.TRANSFER): "reviewer",
    ("CLOSED", S.REOPEN): "reviewer",
    ("TRANSFERRED", S.REOPEN): "reviewer",
}
# Whose step each one is when the persona is not the right actor for it.
STEP_ROLE = {
    S.SIGN: "handler",
    S.VERIFY: "handler",
    S.PROPOSE: "handler",
    S.APPROVE: "reviewer",
    S.RETURN: "reviewer",
    S.TRANSFER: "reviewer",
    S.REOPEN: "reviewer",
}
PERSONAS = [
    "handler",  # 何平 A100, the case's prosecutor (本人)
    "department_head",  # 罗兰 A101, head of the case's department (本部门)
    "city_supervisor",  # 检务督察 of the city and its counties
    "colleague",  # 周敏 A103, a prosecutor of the same department (本部门 scope), not the handler
    "other_department_head",  # head of another department of the same county
    "other_county_head",  # head of the criminal department of county 620103
    "discipline_inspector",  # 纪检监察 of the county: sees the alert, takes no step
    "outsider",  # a prosecutor of another city's county
]


@pytest.fixture
def people(
    org: Any,
    county_prosecutor: Any,
    department_head: Any,
    city_supervisor: Any,
    discipline_inspector: Any,
    outsider: Any,
) -> dict[str, Any]:
    colleague: Any = UserFactory(username="colleague", display_name="周敏", staff=org.colleague)
    grant(colleague, "PROSECUTOR", "DEPARTMENT")
    civil = DepartmentFactory(unit=org.county, code="D6", name="第六检察部", kind="CIVIL")
    other_head_staff = StaffFactory(staff_no="A201", name="林民", department=civil, position="DEPT_HEAD")
    other_head: Any = UserFactory(username="civil_head", display_name="林民", staff=other_head_staff)
    grant(other_head, "DEPT_HEAD", "DEPARTMENT")
    b_head_staff = StaffFactory(staff_no="B201", name="高远", department=org.criminal_b, position="DEPT_HEAD")
    b_head: Any = UserFactory(username="b_head", display_name="高远", staff=b_head_staff)
    grant(b_head, "DEPT_HEAD", "DEPARTMENT")
    return {
        "handler": county_prosecutor,
        "department_head": department_head,
        "city_supervisor": city_supervisor,
        "colleague": colleague,
        "other_department_head": other_head,
        "other_county_head": b_head,
        "discipline_inspector": discipline_inspector,
        "outsider": outsider,
    }


def reviewer_of(level: str) -> str:
    return "city_supervisor" if level == AlertLevel.SUPERVISED else "department_head"


def bring_to(alert: Alert, state: str, people: dict[str, Any], level: str) -> None:
    roles = {"handler": people["handler"], "reviewer": people[reviewer_of(level)]}
    for step, by in PATHS[state]:
        take(step, alert, roles[by])


class _Undo(Exception):
    """Raised inside a savepoint to undo a step that succeeded."""


def attempt(step: str, alert: Alert, user: Any) -> str:
    """Try ``step`` as ``user`` and undo it: "ok", "forbidden" or "invalid"."""
    try:
        with transaction.atomic():
            take(step, alert, user)
            raise _Undo
    except _Undo:
        return "ok"
    except disposal.DisposalForbidden:
        return "forbidden"
    except disposal.DisposalError:
        return "invalid"
    finally:
        alert.refresh_from_db()


@pytest.mark.parametrize("level", [AlertLevel.NOTICE, AlertLevel.SUPERVISED])
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("step", STEPS)
def test_each_step_from_each_state_by_each_persona(level, state, step, people, org) -> None:
    alert = alert_on(case_of(org), level=level)
    bring_to(alert, state, people, level)
    right_actor = {"handler": "handler", "reviewer": reviewer_of(level)}[STEP_ROLE[step]]

    outcomes = {}
    for persona in PERSONAS:
        before = snapshot(alert)
        outcomes[persona] = attempt(step, alert, people[persona])
        assert snapshot(alert) == before, persona

    expected = {persona: "forbidden" for persona in PERSONAS}
    expected[right_actor] = "ok" if (state, step) in ALLOWED else "invalid"
    assert outcomes == expected


@pytest.mark.parametrize("state", STATES)
def test_the_steps_offered_are_exactly_those_allowed(state, people, org) -> None:
    alert = alert_on(case_of(org))
    bring_to(alert, state, people, AlertLevel.NOTICE)
    for persona in PERSONAS:
        role = {"handler": "handler", "department_head": "reviewer"}.get(persona, "nobody")
        expected = [step for step in STEPS if ALLOWED.get((state, step)) == role]
        assert disposal.allowed_steps(people[persona], alert) == expected, persona


def test_the_whole_way_from_signing_to_closing_is_recorded(people, org) -> None:
    alert = alert_on(case_of(org))
    handler, head = people["handler"], people["department_head"]
    audit_before = AuditEvent.objects.count()
    times = [RAISED + timedelta(days=n) for n in range(1, 5)]

    disposal.alert_sign(alert=alert, actor=handler, note="已签收", now=times[0])
    disposal.alert_verify(alert=alert, actor=handler, note="调阅卷宗", now=times[1])
    disposal.alert_propose(alert=alert, actor=handler, opinion="PARTLY_TRUE", note="部分属实", now=times[2])
    disposal.alert_approve(alert=alert, actor=head, note="同意", now=times[3])

    rows = list(
        AlertStep.objects.filter(alert=alert).values_list(
            "step", "actor_id", "from_state", "to_state", "opinion", "note", "at"
        )
    )
    assert rows == [
        ("SIGN", handler.pk, "PENDING", "SIGNED", "", "已签收", times[0]),
        ("VERIFY", handler.pk, "SIGNED", "SIGNED", "", "调阅卷宗", times[1]),
        ("PROPOSE", handler.pk, "SIGNED", "PROPOSED", "PARTLY_TRUE", "部分属实", times[2]),
        ("APPROVE", head.pk, "PROPOSED", "CLOSED", "", "同意", times[3]),
    ]
    alert.refresh_from_db()
    assert (alert.disposal_state, alert.disposal_opinion, alert.closed_at, alert.step_started_at) == (
        "CLOSED",
        "PARTLY_TRUE",
        times[3],
        times[3],
    )
    assert alert.status == "OPEN"  # the engine's status is not the workflow's
    events = AuditEvent.objects.order_by("seq")[audit_before:]
    assert [(e.action, e.target_id, e.actor_id) for e in events] == [
        ("risk.alert.sign", str(alert.pk), handler.pk),
        ("risk.alert.verify", str(alert.pk), handler.pk),
        ("risk.alert.propose", str(alert.pk), handler.pk),
        ("risk.alert.approve", str(alert.pk), head.pk),
    ]
    approved_before: Any = events[3].before
    assert approved_before["disposal_state"] == "PROPOSED"
    assert events[3].after == {
        "disposal_state": "CLOSED",
        "level": "NOTICE",
        "disposal_opinion": "PARTLY_TRUE",
        "transferred_to": "",
        "note": "同意",
    }


def test_a_returned_proposal_needs_a_new_verification(people, org) -> None:
    alert = alert_on(case_of(org))
    handler, head = people["handler"], people["department_head"]
    for step in (S.SIGN, S.VERIFY, S.PROPOSE):
        take(step, alert, handler)
    disposal.alert_return(alert=alert, actor=head, reason="未核实律师关系")
    assert alert.disposal_state == DisposalState.SIGNED

    with pytest.raises(disposal.DisposalError, match="请先记录核查情况"):
        take(S.PROPOSE, alert, handler)
    take(S.VERIFY, alert, handler)
    take(S.PROPOSE, alert, handler)
    assert alert.disposal_state == DisposalState.PROPOSED


def test_reopening_clears_the_conclusion_and_needs_a_reason(people, org) -> None:
    alert = alert_on(case_of(org))
    bring_to(alert, "CLOSED", people, AlertLevel.NOTICE)
    before = snapshot(alert)
    with pytest.raises(disposal.DisposalError, match="请填写重新打开理由"):
        disposal.alert_reopen(alert=alert, actor=people["department_head"], reason="  ")
    assert snapshot(alert) == before

    step = disposal.alert_reopen(alert=alert, actor=people["department_head"], reason="当事人申诉")
    assert (step.from_state, step.to_state, step.reason) == ("CLOSED", "SIGNED", "当事人申诉")
    assert (alert.disposal_state, alert.disposal_opinion, alert.closed_at) == ("SIGNED", "", None)


def test_a_transfer_names_its_recipient_and_reason(people, org) -> None:
    alert = alert_on(case_of(org), level=AlertLevel.SUPERVISED)
    take(S.SIGN, alert, people["handler"])
    step = disposal.alert_transfer(
        alert=alert, actor=people["city_supervisor"], to="DISCIPLINE", reason="涉嫌违纪"
    )
    assert (step.to_state, step.transferred_to, step.reason) == ("TRANSFERRED", "DISCIPLINE", "涉嫌违纪")
    assert (alert.disposal_state, alert.transferred_to) == ("TRANSFERRED", "DISCIPLINE")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"to": "POLICE", "reason": "x"}, "请选择移送对象"),
        ({"to": "INSPECTION", "reason": ""}, "请填写移送理由"),
    ],
)
def test_an_invalid_transfer_changes_nothing(kwargs, message, people, org) -> None:
    alert = alert_on(case_of(org))
    take(S.SIGN, alert, people["handler"])
    before = snapshot(alert)
    with pytest.raises(disposal.DisposalError, match=message):
        disposal.alert_transfer(alert=alert, actor=people["department_head"], **kwargs)
    assert snapshot(alert) == before


def test_an_invalid_opinion_or_an_empty_verification_is_refused(people, org) -> None:
    alert = alert_on(case_of(org))
    take(S.SIGN, alert, people["handler"])
    before = snapshot(alert)
    with pytest.raises(disposal.DisposalError, match="请填写核查情况"):
        disposal.alert_verify(alert=alert, actor=people["handler"], note="")
    take(S.VERIFY, alert, people["handler"])
    before = snapshot(alert)
    with pytest.raises(disposal.DisposalError, match="请选择处置意见"):
        disposal.alert_propose(alert=alert, actor=people["handler"], opinion="MAYBE", note="x")
    assert snapshot(alert) == before


def test_a_department_head_never_reviews_an_alert_on_their_own_case(people, org) -> None:
    alert = alert_on(case_of(org, prosecutor=org.head))
    head = people["department_head"]
    for step in (S.SIGN, S.VERIFY, S.PROPOSE):
        take(step, alert, head)  # the head handles their own case
    before = snapshot(alert)
    with pytest.raises(disposal.DisposalForbidden, match="不得审核本人承办或提出的处置"):
        take(S.APPROVE, alert, head)
    assert snapshot(alert) == before
    assert disposal.allowed_steps(head, alert) == []


def test_an_escalated_proposal_goes_to_inspection_for_review(people, org) -> None:
    alert = alert_on(case_of(org), level=AlertLevel.WARNING)
    bring_to(alert, "PROPOSED", people, AlertLevel.WARNING)
    Alert.objects.filter(pk=alert.pk).update(level=AlertLevel.SUPERVISED)
    alert.refresh_from_db()
    assert attempt(S.APPROVE, alert, people["department_head"]) == "forbidden"
    assert attempt(S.APPROVE, alert, people["city_supervisor"]) == "ok"


def test_an_alert_about_a_person_is_answered_by_that_person(people, org) -> None:
    alert = alert_on(None, subject=org.prosecutor)
    assert attempt(S.SIGN, alert, people["colleague"]) == "forbidden"
    take(S.SIGN, alert, people["handler"])
    take(S.VERIFY, alert, people["handler"])
    take(S.PROPOSE, alert, people["handler"])
    # The head of the person's department reviews it (本部门 reaches the person's alerts).
    take(S.APPROVE, alert, people["department_head"])
    assert alert.disposal_state == DisposalState.CLOSED


def test_steps_are_append_only(people, org) -> None:
    alert = alert_on(case_of(org))
    step = take(S.SIGN, alert, people["handler"])
    step.note = "改写"
    with pytest.raises(AppendOnlyError):
        step.save()
    with pytest.raises(AppendOnlyError):
        step.delete()
