"""Routing alerts to people (issue 5 §2, MISSION.md F4.4, F13.6): who is told of an alert.

A rule names its recipients by their relation to the case or person (:class:`Recipient`); they
are resolved from the organisation when the alert is routed, which happens outside detection:
right after a scan run commits, and every minute by the scheduler (``alerts_route``), so routing
never slows or blocks a scan. Escalation tells the next recipient (:data:`ESCALATION_RECIPIENTS`).

Everyone resolved is then checked against their own 预警查看 scope with the test of
``alerts_visible_to`` (:func:`lianjian.risk.selectors.alert_in_scope`): nobody is told of an alert
they could not open. The work is set-based: per batch of alerts, one query for the alerts, one
for the candidate users with their role assignments, and the bulk writes of ``notify_many``.

====================  =========================================================================
承办检察官 HANDLER      the user of the case's prosecutor, or of the alert's subject (人员类预警)
部门负责人 DEPT_HEAD    staff in post 部门负责人 of the handling department (the case's, or the
                        subject's), and users holding the role 部门负责人 anchored there
分管院领导 LEADER       the department's 分管院领导 when the organisation names one (department
                        ``extra["leader"]`` = 工号) and that user holds the role 院领导; otherwise
                        every 院领导 of the alert's unit (staff of the unit, or role anchored there)
案件管理 / 检务督察 /   users holding that role whose assignment reaches the alert's unit (全部,
纪检监察               本院及下级 above it, 本院 on it) or its department (本部门)
====================  =========================================================================
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from lianjian.accounts.choices import DataScope, Role
from lianjian.accounts.models import RoleAssignment, User
from lianjian.accounts.scope import scope_of_assignments
from lianjian.audit.services import AuditEntry, audit_record_many
from lianjian.common.permissions import Perm
from lianjian.common.scope import Scope
from lianjian.notify.choices import NotificationKind
from lianjian.notify.services import Message, notify_many
from lianjian.org.choices import StaffPosition
from lianjian.risk.choices import AlertLevel, AlertStatus, Recipient
from lianjian.risk.models import Alert
from lianjian.risk.selectors import alert_in_scope, user_person_tags

logger = logging.getLogger(__name__)

# Who else is told when an alert is raised a level by the clock (docs/notify.md).
ESCALATION_RECIPIENTS: dict[str, tuple[Recipient, ...]] = {
    AlertLevel.WARNING: (Recipient.DEPT_HEAD,),
    AlertLevel.SUPERVISED: (Recipient.LEADER, Recipient.INSPECTION),
}
# Who is reminded, once a day, of a 督办 alert overdue with no higher level to go to.
OVERDUE_RECIPIENTS: tuple[Recipient, ...] = (
    Recipient.HANDLER,
    Recipient.DEPT_HEAD,
    Recipient.LEADER,
    Recipient.INSPECTION,
)
# Recipients that are the holders of a role over the alert's unit.
ROLE_RECIPIENTS: dict[str, str] = {
    Recipient.CASE_MANAGEMENT: Role.CASE_MANAGEMENT,
    Recipient.INSPECTION: Role.INSPECTION,
    Recipient.DISCIPLINE: Role.DISCIPLINE,
}
BATCH_SIZE = 500


@dataclass
class _Directory:
    """The candidate recipients of one batch of alerts, with what resolving them needs."""

    users: list[Any] = field(default_factory=list)
    by_staff: dict[int, list[Any]] = field(default_factory=dict)
    scopes: dict[int, Scope] = field(default_factory=dict)


def _department(alert: Alert) -> Any:
    if alert.case is not None and alert.case.department is not None:
        return alert.case.department
    return alert.subject_staff.department if alert.subject_staff is not None else None


def _handler_staff_id(alert: Alert) -> int | None:
    if alert.case is not None and alert.case.prosecutor_id is not None:
        return alert.case.prosecutor_id
    return alert.subject_staff_id


def _alerts(ids_or_query: Any) -> Any:
    return ids_or_query.select_related(
        "rule", "unit", "case", "case__department", "subject_staff", "subject_staff__department"
    )


def _directory(alerts: Sequence[Alert]) -> _Directory:
    """Every active user who could be a recipient of one of ``alerts`` (one query, with their
    role assignments prefetched), and their 预警查看 scopes computed without further queries."""
    staff_ids = {s for a in alerts if (s := _handler_staff_id(a)) is not None}
    departments = {d.pk: d for a in alerts if (d := _department(a)) is not None}
    unit_ids = {a.unit_id for a in alerts}
    ancestors = {code for a in alerts for code in a.unit.ancestor_codes()}
    leader_nos = {str(d.extra.get("leader")) for d in departments.values() if d.extra.get("leader")}
    unit_roles = [Role.LEADER, *ROLE_RECIPIENTS.values()]
    q = (
        Q(staff_id__in=sorted(staff_ids))
        | Q(staff__position=StaffPosition.DEPT_HEAD, staff__department_id__in=sorted(departments))
        | Q(roles__role=Role.DEPT_HEAD, roles__department_id__in=sorted(departments))
        | Q(roles__role__in=unit_roles, roles__scope=DataScope.ALL)
        | Q(roles__role__in=unit_roles, roles__unit__code__in=sorted(ancestors))
        | Q(roles__role__in=unit_roles, roles__department_id__in=sorted(departments))
        | Q(roles__role=Role.LEADER, staff__unit_id__in=sorted(unit_ids))
        | Q(roles__role=Role.LEADER, staff__staff_no__in=sorted(leader_nos))
    )
    ids = User.objects.filter(q, is_active=True).values("pk").distinct()
    users = list(
        User.objects.filter(pk__in=ids)
        .select_related("staff")
        .prefetch_related(Prefetch("roles", queryset=RoleAssignment.objects.select_related("unit")))
        .order_by("pk")
    )
    directory = _Directory(users=users)
    for user in users:
        if user.staff_id is not None:
            directory.by_staff.setdefault(user.staff_id, []).append(user)
        directory.scopes[user.pk] = scope_of_assignments(
            user.roles.all(), perm=Perm.ALERT_VIEW, staff_id=user.staff_id
        )
    return directory


def _reaches(assignment: Any, alert: Alert, department_id: int | None) -> bool:
    """Whether one role assignment's scope reaches the alert's unit (or its department)."""
    if assignment.scope == DataScope.ALL:
        return True
    if assignment.scope == DataScope.UNIT_AND_BELOW:
        return bool(alert.unit.path.startswith(assignment.unit.path))
    if assignment.scope == DataScope.UNIT:
        return bool(assignment.unit_id == alert.unit_id)
    if assignment.scope == DataScope.DEPARTMENT:
        return department_id is not None and assignment.department_id == department_id
    return False


def _candidates(alert: Alert, recipient: str, directory: _Directory) -> list[Any]:
    department = _department(alert)
    department_id = department.pk if department is not None else None
    if recipient == Recipient.HANDLER:
        staff_id = _handler_staff_id(alert)
        return directory.by_staff.get(staff_id, []) if staff_id is not None else []
    if recipient == Recipient.DEPT_HEAD:
        if department_id is None:
            return []
        return [
            u
            for u in directory.users
            if (
                u.staff is not None
                and u.staff.position == StaffPosition.DEPT_HEAD
                and u.staff.department_id == department_id
            )
            or any(a.role == Role.DEPT_HEAD and a.department_id == department_id for a in u.roles.all())
        ]
    if recipient == Recipient.LEADER:
        leaders = [u for u in directory.users if any(a.role == Role.LEADER for a in u.roles.all())]
        named = str(department.extra.get("leader") or "") if department is not None else ""
        if named:
            return [u for u in leaders if u.staff is not None and u.staff.staff_no == named]
        return [
            u
            for u in leaders
            if (u.staff is not None and u.staff.unit_id == alert.unit_id)
            or any(a.role == Role.LEADER and a.unit_id == alert.unit_id for a in u.roles.all())
        ]
    role = ROLE_RECIPIENTS.get(recipient)
    if role is None:
        return []
    return [
        u
        for u in directory.users
        if any(a.role == role and _reaches(a, alert, department_id) for a in u.roles.all())
    ]


def alert_recipients(alert: Alert, recipients: Iterable[str], directory: _Directory) -> list[Any]:
    """The users ``recipients`` name for ``alert``, each at most once, who may see the alert."""
    found: dict[int, Any] = {}
    for recipient in recipients:
        for user in _candidates(alert, recipient, directory):
            found.setdefault(user.pk, user)
    if alert.audience:
        return [u for _, u in sorted(found.items()) if _may_see_restricted(u, alert)]
    return [u for pk, u in sorted(found.items()) if alert_in_scope(alert, directory.scopes[pk])]


def _may_see_restricted(user: Any, alert: Alert) -> bool:
    """The test of ``alerts_in_scope`` for an alert with an audience: the user holds the audience
    permission over the alert and is not among the people it hides from."""
    scope = scope_of_assignments(user.roles.all(), perm=Perm(alert.audience), staff_id=user.staff_id)
    if not alert_in_scope(alert, scope):
        return False
    hidden = alert.hidden_from_key
    return not (hidden and any(f"|{tag}|" in hidden for tag in user_person_tags(user)))


def resolve_recipients(alert: Alert, recipients: Iterable[str] | None = None) -> list[Any]:
    """The recipients of one alert (default: its rule's), for pages and tests."""
    loaded = _alerts(Alert.objects.filter(pk=alert.pk)).get()
    return alert_recipients(
        loaded, recipients if recipients is not None else loaded.rule.recipients, _directory([loaded])
    )


def _payload(alert: Alert, event: str, url: str) -> dict[str, Any]:
    """What a webhook receives of an alert: identifiers and the headline only — no evidence, no
    case details, no names (docs/notify.md)."""
    return {
        "event": event,
        "alert_id": alert.pk,
        "rule": alert.rule.code,
        "level": alert.level,
        "level_label": AlertLevel(alert.level).label,
        "title": alert.title,
        "unit": alert.unit.code,
        "unit_name": alert.unit.name,
        "url": url,
    }


def _message(alert: Alert, users: list[Any], *, escalated: bool = False, overdue_on: str = "") -> Message:
    url = reverse("risk:alert_detail", args=[alert.pk])
    level = AlertLevel(alert.level).label
    about = alert.case_no or (alert.subject_staff.name if alert.subject_staff else "")
    if overdue_on:
        kind, title = NotificationKind.ALERT_OVERDUE, f"督办预警逾期未办：{alert.title}"
        key, event = f"alert:{alert.pk}:overdue:{overdue_on}", "alert.overdue"
    elif escalated:
        kind, title = NotificationKind.ALERT_ESCALATED, f"预警升级为{level}：{alert.title}"
        key, event = f"alert:{alert.pk}:escalated:{alert.level}", "alert.escalated"
    else:
        kind, title = NotificationKind.ALERT_RAISED, f"{level}：{alert.title}"
        key, event = f"alert:{alert.pk}:raised", "alert.raised"
    return Message(
        users=users,
        kind=kind,
        title=title,
        body="｜".join(
            part for part in (f"{alert.rule.code} {alert.rule.name}", alert.unit.name, about) if part
        ),
        url=url,
        key=key,
        # An alert with an audience (the interference register's) is for its holders only: not
        # for the webhook receivers, whose deliveries the system administrator reads.
        payload=None if alert.audience else _payload(alert, event, url),
    )


def _route_batch(*, now: datetime) -> tuple[int, int, int]:
    with transaction.atomic():
        pending = Alert.objects.filter(routed_at__isnull=True, status=AlertStatus.OPEN).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True, of=("self",))
        alerts = list(_alerts(pending)[:BATCH_SIZE])
        if not alerts:
            return 0, 0, 0
        directory = _directory(alerts)
        resolved = [(alert, alert_recipients(alert, alert.rule.recipients, directory)) for alert in alerts]
        result = notify_many([_message(a, users, escalated=False) for a, users in resolved if users], now=now)
        by_count: dict[int, list[int]] = {}
        for alert, users in resolved:
            by_count.setdefault(len(users), []).append(alert.pk)
        for count, ids in by_count.items():
            Alert.objects.filter(pk__in=ids).update(routed_at=now, routed_count=count)
        audit_record_many(
            actor=None,
            entries=[
                AuditEntry(
                    action="risk.alert.route",
                    target_type="risk.alert",
                    target_id=str(alert.pk),
                    target_repr=f"预警 #{alert.pk}",
                    after={"recipients": [u.pk for u in users], "at": now.isoformat()},
                )
                for alert, users in resolved
            ],
        )
        unreachable = len(by_count.get(0, []))
        return len(alerts), result.notifications, unreachable


def alerts_route(*, now: datetime | None = None, limit: int = 5000) -> dict[str, int]:
    """Route every open alert not yet routed (up to ``limit`` per call, in batches): notify its
    rule's recipients who may see it, and set ``routed_at`` and ``routed_count`` (0 = 无可送达
    接收人). Idempotent: a routed alert is not routed again, and a user is told of an alert once
    (the notification's key). Called after each scan run and every minute by the scheduler."""
    now = now or timezone.now()
    totals = {"routed": 0, "notifications": 0, "unreachable": 0}
    while totals["routed"] < limit:
        routed, notifications, unreachable = _route_batch(now=now)
        if not routed:
            break
        totals["routed"] += routed
        totals["notifications"] += notifications
        totals["unreachable"] += unreachable
    return totals


def alerts_route_after_scan() -> None:
    """Route what a scan raised, once its transaction has committed; a failure is logged and
    left to the scheduler's next pass, never raised into the scan."""
    try:
        alerts_route()
    except Exception:
        logger.exception("扫描后的预警送达失败，将由定时任务重试")


def alerts_notify_escalated(
    escalated: dict[int, str], *, now: datetime, overdue_at_top: Sequence[int] = ()
) -> int:
    """Tell the next recipients of alerts raised a level (id → new level), inside the escalation's
    transaction: 预警 adds 部门负责人, 督办 adds 分管院领导 and 检务督察. 督办 alerts overdue with no
    level above (``overdue_at_top``) remind :data:`OVERDUE_RECIPIENTS`, once per day (China time).
    Returns the notifications made."""
    made = 0
    day = timezone.localtime(now).date().isoformat()
    work = [(pk, False) for pk in sorted(escalated)] + [(pk, True) for pk in sorted(set(overdue_at_top))]
    for start in range(0, len(work), BATCH_SIZE):
        chunk = work[start : start + BATCH_SIZE]
        loaded = {a.pk: a for a in _alerts(Alert.objects.filter(pk__in=[pk for pk, _ in chunk]))}
        directory = _directory(list(loaded.values()))
        messages = []
        for pk, overdue in chunk:
            alert = loaded[pk]
            wanted = OVERDUE_RECIPIENTS if overdue else ESCALATION_RECIPIENTS.get(alert.level, ())
            users = alert_recipients(alert, wanted, directory)
            if users:
                messages.append(
                    _message(alert, users, escalated=not overdue, overdue_on=day if overdue else "")
                )
        made += notify_many(messages, now=now).notifications
    return made
