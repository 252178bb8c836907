"""Building alerts for the disposal workflow's tests, and taking steps as given personas.

Alerts are written here directly (in production only the engine writes them): the workflow
does not care how an alert was found, and a scan per test would only slow the matrix down.
"""

from __future__ import annotations

from datetime import datetime
from itertools import count
from typing import Any

from lianjian.audit.models import AuditEvent
from lianjian.cases.models import Case
from lianjian.risk import disposal
from lianjian.risk.choices import AlertLevel, AlertStatus, DisposalStepKind
from lianjian.risk.models import Alert, AlertStep, Rule

RAISED = datetime.fromisoformat("2026-12-07T10:00:00+08:00")  # a Monday
_numbers = count(1)


def rule(code: str = "R-TEST", level: str = AlertLevel.NOTICE) -> Rule:
    found, _ = Rule.objects.get_or_create(
        code=code,
        defaults={"name": "测试规则", "kind": "key_node", "risk_codes": ["GX01"], "level": level},
    )
    return found


def case_of(org: Any, *, prosecutor: Any = None, department: Any = None, unit: Any = None) -> Case:
    prosecutor = prosecutor if prosecutor is not None else org.prosecutor
    number = next(_numbers)
    return Case.objects.create(
        case_no=f"甘兰城检刑诉受[2026]620102{number:06d}号",
        unit=unit or prosecutor.unit,
        line="CRIMINAL",
        prosecutor=prosecutor,
        department=department or prosecutor.department,
        last_event_at=RAISED,
    )


def alert_on(
    case: Case | None,
    *,
    level: str = AlertLevel.NOTICE,
    raised_at: datetime = RAISED,
    status: str = AlertStatus.OPEN,
    subject: Any = None,
    of_rule: Rule | None = None,
) -> Alert:
    """An alert on ``case`` (or about ``subject``, a staff member), as the engine would raise it."""
    unit = case.unit if case is not None else subject.unit
    return Alert.objects.create(
        rule=of_rule or rule(),
        fingerprint=f"fp-{next(_numbers)}",
        risk_codes=["GX01"],
        codes_key="|GX01|",
        level=level,
        status=status,
        unit=unit,
        case=case,
        case_no=case.case_no if case is not None else "",
        subject_staff=subject,
        title="上级院对案件作出指令",
        raised_at=raised_at,
        last_seen_at=raised_at,
    )


def take(step: str, alert: Alert, actor: Any, *, now: datetime | None = None) -> AlertStep:
    """Take ``step`` with valid input (the inputs are not what the test is about)."""
    if step == DisposalStepKind.SIGN:
        return disposal.alert_sign(alert=alert, actor=actor, now=now)
    if step == DisposalStepKind.VERIFY:
        return disposal.alert_verify(alert=alert, actor=actor, note="调阅卷宗，询问承办人", now=now)
    if step == DisposalStepKind.PROPOSE:
        return disposal.alert_propose(alert=alert, actor=actor, opinion="TRUE", note="指令已执行", now=now)
    if step == DisposalStepKind.APPROVE:
        return disposal.alert_approve(alert=alert, actor=actor, now=now)
    if step == DisposalStepKind.RETURN:
        return disposal.alert_return(alert=alert, actor=actor, reason="核查不充分", now=now)
    if step == DisposalStepKind.TRANSFER:
        return disposal.alert_transfer(alert=alert, actor=actor, to="DISCIPLINE", reason="涉嫌违纪", now=now)
    if step == DisposalStepKind.REOPEN:
        return disposal.alert_reopen(alert=alert, actor=actor, reason="发现新情况", now=now)
    raise AssertionError(step)


def snapshot(alert: Alert) -> tuple[Any, ...]:
    """What a refused step must leave unchanged: the alert's row, its steps and the audit log."""
    row = Alert.objects.filter(pk=alert.pk).values_list(
        "disposal_state",
        "level",
        "status",
        "step_started_at",
        "disposal_opinion",
        "closed_at",
        "transferred_to",
    )
    return (row.get(), AlertStep.objects.filter(alert=alert).count(), AuditEvent.objects.count())
