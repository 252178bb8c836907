"""Reading the audit log: only the audit administrator, only within their data scope."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from lianjian.audit.models import AuditEvent
from lianjian.common.permissions import Perm


def audit_events_visible_to(user: Any) -> QuerySet[AuditEvent]:
    """The events ``user`` may read under ``Perm.AUDIT_VIEW``, newest first.

    全部 sees every event (system actions included); 本院及下级 sees the events of actors whose
    unit lies in the subtree, matched on the unit path recorded with the event. The narrower
    scopes (本院, 本部门, 本人) are anchored on unit/department/staff ids that the audit app cannot
    resolve without importing org, so they reach nothing here: grant the audit log 全部 or 本院及下级.
    """
    scope = user.scope(Perm.AUDIT_VIEW)
    events = AuditEvent.objects.order_by("-seq")
    if scope.everything:
        return events
    condition = Q(pk__in=[])
    for path in scope.subtree_paths:
        condition |= Q(actor_unit_path__startswith=path)
    return events.filter(condition)


def audit_events_search(
    events: QuerySet[AuditEvent],
    *,
    actor: str = "",
    action: str = "",
    target_type: str = "",
    target_id: str = "",
    target: str = "",
    occurred_from: date | None = None,
    occurred_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """Narrow ``events`` (already scoped) by the audit page's search fields.

    Text fields match anywhere in the value, except the target id, which matches exactly; the
    dates are whole local days, both ends included.
    """
    if actor:
        events = events.filter(actor_name__icontains=actor)
    if action:
        events = events.filter(action__icontains=action)
    if target_type:
        events = events.filter(target_type__icontains=target_type)
    if target_id:
        events = events.filter(target_id=target_id)
    if target:
        events = events.filter(target_repr__icontains=target)
    if occurred_from is not None:
        events = events.filter(occurred_at__gte=_day_start(occurred_from))
    if occurred_to is not None:
        events = events.filter(occurred_at__lt=_day_start(occurred_to + timedelta(days=1)))
    return events


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
