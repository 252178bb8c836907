"""Deadlines of the disposal steps and escalation of overdue alerts, on a controlled clock.

Deadlines are working days (STEP_DEADLINE_WORKDAYS): 提示 3/10/5, 预警 2/7/3, 督办 1/5/2 for
待签收/核查中/待审核; the day the clock starts is not counted; overdue from the next day.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lianjian.audit.models import AuditEvent
from lianjian.audit.services import audit_record
from lianjian.risk import disposal
from lianjian.risk.choices import AlertLevel, AlertStatus, DisposalStepKind
from lianjian.risk.models import Alert, AlertStep
from lianjian.risk.periods import WorkCalendar
from lianjian.risk.tests.workflow import alert_on, case_of, take


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}+08:00")


def escalate(when: str) -> disposal.EscalationResult:
    return disposal.alerts_escalate(now=at(when))


def level_of(alert: Alert) -> str:
    return Alert.objects.values_list("level", flat=True).get(pk=alert.pk)


def test_the_deadline_table_covers_every_level_and_open_state() -> None:
    assert disposal.STEP_DEADLINE_WORKDAYS == {
        "NOTICE": {"PENDING": 3, "SIGNED": 10, "PROPOSED": 5},
        "WARNING": {"PENDING": 2, "SIGNED": 7, "PROPOSED": 3},
        "SUPERVISED": {"PENDING": 1, "SIGNED": 5, "PROPOSED": 2},
    }


def test_an_unsigned_notice_escalates_the_day_after_its_third_workday(org) -> None:
    # Raised Monday 2026-12-07: Tue, Wed, Thu are its three working days.
    alert = alert_on(case_of(org), raised_at=at("2026-12-07T10:00:00"))
    assert disposal.step_due_on(alert) == date(2026, 12, 10)

    assert escalate("2026-12-10T23:59:00").counts() == {
        "escalated": 0,
        "to_warning": 0,
        "to_supervised": 0,
        "overdue_supervised": 0,
    }
    audit_before = AuditEvent.objects.count()
    result = escalate("2026-12-11T00:30:00")

    assert result.escalated == {alert.pk: "WARNING"}
    assert result.counts()["to_warning"] == 1
    alert.refresh_from_db()
    assert (alert.level, alert.disposal_state, alert.step_started_at) == (
        "WARNING",
        "PENDING",
        at("2026-12-11T00:30:00"),
    )
    step = AlertStep.objects.get(alert=alert)
    assert (
        step.step,
        step.actor_id,
        step.from_state,
        step.to_state,
        step.from_level,
        step.to_level,
        step.at,
    ) == (
        DisposalStepKind.ESCALATE,
        None,
        "PENDING",
        "PENDING",
        "NOTICE",
        "WARNING",
        at("2026-12-11T00:30:00"),
    )
    assert step.reason == "“待签收”环节逾期，由提示升级为预警"
    event = AuditEvent.objects.get(seq=audit_before + 1)
    assert (event.action, event.target_id, event.actor_id, event.before, event.after) == (
        "risk.alert.escalate",
        str(alert.pk),
        None,
        {"level": "NOTICE", "disposal_state": "PENDING"},
        {"level": "WARNING", "disposal_state": "PENDING", "at": "2026-12-11T00:30:00+08:00"},
    )


def test_escalation_is_idempotent_for_the_same_overdue_step(org) -> None:
    alert = alert_on(case_of(org), raised_at=at("2026-12-07T10:00:00"))
    assert escalate("2026-12-11T01:00:00").escalated == {alert.pk: "WARNING"}
    steps, events = AlertStep.objects.count(), AuditEvent.objects.count()

    for hour in ("01:00", "02:00", "23:00"):
        assert escalate(f"2026-12-11T{hour}:00").escalated == {}
    # The new level's clock (2 working days from Fri 12-11: Mon, Tue) has not run out either.
    assert escalate("2026-12-15T23:00:00").escalated == {}
    assert (AlertStep.objects.count(), AuditEvent.objects.count(), level_of(alert)) == (
        steps,
        events,
        "WARNING",
    )

    # Still unsigned after the 预警 deadline: one more level, then it stays at 督办.
    assert escalate("2026-12-16T01:00:00").escalated == {alert.pk: "SUPERVISED"}
    top = escalate("2026-12-18T01:00:00")  # 督办's 1 working day (Thu 12-17) has passed too
    assert (top.escalated, top.overdue_at_top) == ({}, (alert.pk,))
    assert level_of(alert) == "SUPERVISED"
    assert list(AlertStep.objects.filter(alert=alert).values_list("from_level", "to_level")) == [
        ("NOTICE", "WARNING"),
        ("WARNING", "SUPERVISED"),
    ]


def test_deadlines_skip_the_national_day_holiday_and_count_the_adjusted_saturday(org) -> None:
    # Raised Wed 2026-09-30; 10-01…10-07 are holidays, Sat 10-10 is a working day: the three
    # working days are 10-08, 10-09, 10-10 (weekends alone would have given 10-05).
    alert = alert_on(case_of(org), raised_at=at("2026-09-30T10:00:00"))
    assert disposal.step_due_on(alert) == date(2026, 10, 10)
    assert escalate("2026-10-06T09:00:00").escalated == {}
    assert escalate("2026-10-10T23:00:00").escalated == {}
    assert escalate("2026-10-11T00:10:00").escalated == {alert.pk: "WARNING"}


def test_a_year_the_calendar_does_not_know_uses_weekends_and_the_admin_table(org) -> None:
    calendar = WorkCalendar(extra_holidays=frozenset({date(2099, 1, 2)}))
    alert = alert_on(case_of(org), raised_at=at("2098-12-31T10:00:00"))  # a Wednesday
    # 2099-01-01 Thu is a working day in the fallback, 01-02 is listed as a holiday, then Mon, Tue.
    assert disposal.step_due_on(alert, calendar=calendar) == date(2099, 1, 6)
    assert disposal.alerts_escalate(now=at("2099-01-06T20:00:00"), calendar=calendar).escalated == {}
    assert disposal.alerts_escalate(now=at("2099-01-07T00:01:00"), calendar=calendar).escalated == {
        alert.pk: "WARNING"
    }
    assert calendar.unknown_years >= {2099}


def test_each_step_has_its_own_clock(org, county_prosecutor, department_head) -> None:
    alert = alert_on(case_of(org), raised_at=at("2026-12-07T10:00:00"))
    take(DisposalStepKind.SIGN, alert, county_prosecutor, now=at("2026-12-09T09:00:00"))
    # 核查中 of a 提示 has 10 working days from Wed 12-09: up to Wed 12-23.
    assert disposal.step_due_on(alert) == date(2026, 12, 23)
    assert escalate("2026-12-23T22:00:00").escalated == {}
    assert escalate("2026-12-24T08:00:00").escalated == {alert.pk: "WARNING"}
    assert AlertStep.objects.filter(alert=alert, step="ESCALATE").get().from_state == "SIGNED"


def test_closed_transferred_and_cleared_unsigned_alerts_do_not_escalate(
    org, county_prosecutor, department_head
) -> None:
    closed = alert_on(case_of(org))
    for step in ("SIGN", "VERIFY", "PROPOSE"):
        take(step, closed, county_prosecutor)
    take("APPROVE", closed, department_head)
    transferred = alert_on(case_of(org))
    take("SIGN", transferred, county_prosecutor)
    take("TRANSFER", transferred, department_head)
    cleared = alert_on(case_of(org), status=AlertStatus.RESOLVED)  # detection no longer sees it
    # Signed before the engine cleared it: someone is working on it, so its clock still runs.
    signed_then_cleared = alert_on(case_of(org))
    take("SIGN", signed_then_cleared, county_prosecutor, now=at("2026-12-07T11:00:00"))
    Alert.objects.filter(pk=signed_then_cleared.pk).update(status=AlertStatus.RESOLVED)

    assert [disposal.step_due_on(a) for a in (closed, transferred, cleared)] == [None, None, None]
    result = escalate("2027-03-01T09:00:00")

    assert result.escalated == {signed_then_cleared.pk: "WARNING"}
    assert [level_of(a) for a in (closed, transferred, cleared)] == ["NOTICE"] * 3


@pytest.mark.parametrize(
    ("level", "state_steps", "overdue_on", "new_level"),
    [
        ("NOTICE", [], "2026-12-11", "WARNING"),
        ("WARNING", [], "2026-12-10", "SUPERVISED"),
        ("SUPERVISED", [], None, None),
        ("WARNING", ["SIGN"], "2026-12-17", "SUPERVISED"),  # 7 working days from Mon 12-07
        ("NOTICE", ["SIGN", "VERIFY", "PROPOSE"], "2026-12-15", "WARNING"),  # 5 from Mon 12-07
        ("WARNING", ["SIGN", "VERIFY", "PROPOSE"], "2026-12-11", "SUPERVISED"),  # 3 from Mon 12-07
    ],
)
def test_escalation_by_level_and_step(
    level, state_steps, overdue_on, new_level, org, county_prosecutor
) -> None:
    alert = alert_on(case_of(org), level=level, raised_at=at("2026-12-07T09:00:00"))
    for step in state_steps:
        take(step, alert, county_prosecutor, now=at("2026-12-07T10:00:00"))
    if overdue_on is None:
        result = escalate("2026-12-31T10:00:00")
        assert (result.escalated, result.overdue_at_top) == ({}, (alert.pk,))
        return
    day_before = date.fromisoformat(overdue_on).toordinal() - 1
    assert escalate(f"{date.fromordinal(day_before).isoformat()}T23:59:00").escalated == {}
    assert escalate(f"{overdue_on}T00:00:00").escalated == {alert.pk: new_level}


def test_one_pass_escalates_many_alerts_and_counts_them_by_new_level(
    org, django_assert_max_num_queries
) -> None:
    raised = at("2026-12-07T09:00:00")
    notices = [alert_on(case_of(org), raised_at=raised) for _ in range(3)]
    warnings = [alert_on(case_of(org), level=AlertLevel.WARNING, raised_at=raised) for _ in range(2)]
    supervised = alert_on(case_of(org), level=AlertLevel.SUPERVISED, raised_at=raised)
    fresh = alert_on(case_of(org), raised_at=at("2026-12-14T09:00:00"))
    audit_record(actor=None, action="test.start")  # the audit chain's head exists, as in production

    with CaptureQueriesContext(connection) as many:
        result = escalate("2026-12-14T10:00:00")

    assert result.counts() == {"escalated": 5, "to_warning": 3, "to_supervised": 2, "overdue_supervised": 1}
    assert result.escalated == {
        **{a.pk: "WARNING" for a in notices},
        **{a.pk: "SUPERVISED" for a in warnings},
    }
    assert result.overdue_at_top == (supervised.pk,)
    assert level_of(fresh) == "NOTICE"
    assert AlertStep.objects.filter(step="ESCALATE").count() == 5

    # Set-based: a pass over other numbers of alerts costs the same number of queries. A week on,
    # the fresh alert and the five escalated ones are overdue again, with one more warning.
    alert_on(case_of(org), level=AlertLevel.WARNING, raised_at=at("2026-12-14T09:00:00"))
    with CaptureQueriesContext(connection) as other:
        again = escalate("2026-12-21T10:00:00")
    assert again.counts() == {"escalated": 5, "to_warning": 1, "to_supervised": 4, "overdue_supervised": 3}
    assert len(other.captured_queries) == len(many.captured_queries)
