"""Who may read what in the interference register (F5.3; docs/interference/README.md "谁能看到什么").

Every read of records goes through these functions; views, exports, search, statistics and the
API call nothing else:

- the recorder reads their own records;
- 检务督察 and 纪检监察 (``interference.read``) read records reported to a unit in their scope;
  a record marked 重要 only 纪检监察 (``clue.handle``) reads in full;
- leaders in the reporting chain (``interference.stats``) see counts, and read a named record only
  while a read request (查阅审批) approved by the chief prosecutor is in its window;
- a person recorded as the intervener never reaches a record about them, whatever their role — not
  in lists, counts, exports or alerts (blind tags, :mod:`lianjian.common.sealing`);
- administrators hold none of these permissions and see nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from lianjian.common.permissions import Perm
from lianjian.common.scope import NOTHING, Scope
from lianjian.interference.choices import Confidentiality, ReadRequestState
from lianjian.interference.models import ReadRequest, Record
from lianjian.org.choices import StaffPosition
from lianjian.risk.selectors import user_person_tags


def not_about(user: Any, records: QuerySet[Any], field: str = "intervener_tags") -> QuerySet[Any]:
    """``records`` without those about ``user`` (their tags in ``field``)."""
    for tag in user_person_tags(user):
        records = records.exclude(**{f"{field}__contains": f"|{tag}|"})
    return records


def is_about(user: Any, record: Any, field: str = "intervener_tags") -> bool:
    """:func:`not_about` for one loaded record, in Python: whether it is about ``user``."""
    stored = getattr(record, field) or ""
    return any(f"|{tag}|" in stored for tag in user_person_tags(user))


def reported_to(scope: Scope, record: Record) -> bool:
    """:func:`_reporting_q` for one loaded record, in Python (kept equal by a test), for callers
    that test many users against one record without a query each."""
    if scope.covers_unit(record.report_unit):
        return True
    return record.department_id in scope.department_ids and not record.skip_level


def _reporting_q(scope: Scope) -> Q:
    """Records reported to a unit of ``scope``; for a department scope, the department's records
    reported in its own unit — a record reported past it (越级报告) is for the superior's chain."""
    q = scope.filter(unit_path="report_unit__path", unit="report_unit")
    if scope.department_ids:
        q |= Q(department_id__in=sorted(scope.department_ids), skip_level=False)
    return q


def _own_q(user: Any) -> Q:
    return Q(recorder_id=user.staff_id) if getattr(user, "staff_id", None) else NOTHING


def _discipline_q(user: Any) -> Q:
    if not user.has_lianjian_perm(Perm.INTERFERENCE_READ):
        return NOTHING
    q = _reporting_q(user.scope(Perm.INTERFERENCE_READ))
    if not user.has_lianjian_perm(Perm.CLUE_HANDLE):
        q &= Q(confidentiality=Confidentiality.NORMAL)
    return q


def _approved_q(user: Any, now: datetime) -> Q:
    if not getattr(user, "pk", None):
        return NOTHING
    ids = ReadRequest.objects.filter(
        requester_id=user.pk,
        state=ReadRequestState.APPROVED,
        window_start__lte=now,
        window_end__gte=now,
    ).values("record_id")
    return Q(pk__in=ids)


def records_readable_by(user: Any, *, now: datetime | None = None) -> QuerySet[Record]:
    """Records ``user`` may open in full now (content, the intervener, attachments)."""
    if not getattr(user, "is_authenticated", False):
        return Record.objects.none()
    now = now or timezone.now()
    q = _own_q(user) | _discipline_q(user) | _approved_q(user, now)
    return not_about(user, Record.objects.filter(q))


def records_countable_by(user: Any) -> QuerySet[Record]:
    """Records that ``user``'s statistics count (by category, subject type, unit, month — never
    listed one by one to a leader): the reporting chain's scope, their own, and what they read."""
    if not getattr(user, "is_authenticated", False):
        return Record.objects.none()
    q = _own_q(user) | _discipline_q(user)
    if user.has_lianjian_perm(Perm.INTERFERENCE_STATS):
        q |= _reporting_q(user.scope(Perm.INTERFERENCE_STATS))
    return not_about(user, Record.objects.filter(q))


def record_readable(user: Any, record: Record, *, now: datetime | None = None) -> bool:
    return records_readable_by(user, now=now).filter(pk=record.pk).exists()


def read_basis(user: Any, record: Record, *, now: datetime | None = None) -> str:
    """Why ``user`` may read ``record`` (written to the audit log with every read), "" if not."""
    now = now or timezone.now()
    base = not_about(user, Record.objects.filter(pk=record.pk))
    if base.filter(_own_q(user)).exists():
        return "记录人本人"
    if base.filter(_discipline_q(user)).exists():
        return "督察纪检职责"
    if base.filter(_approved_q(user, now)).exists():
        return "查阅审批"
    return ""


def may_request_read(user: Any, record: Record) -> bool:
    """A leader of the reporting chain who cannot read ``record`` may ask to (查阅审批)."""
    if not user.has_lianjian_perm(Perm.INTERFERENCE_STATS):
        return False
    chain = not_about(user, Record.objects.filter(pk=record.pk)).filter(
        _reporting_q(user.scope(Perm.INTERFERENCE_STATS))
    )
    return chain.exists() and not record_readable(user, record)


def may_approve(user: Any, request: ReadRequest) -> bool:
    """The chief prosecutor (检察长) of the record's reporting unit or of a unit above it decides a
    read request — never their own, and never about a record of which they are the intervener."""
    staff = getattr(user, "staff", None)
    if staff is None or not user.has_lianjian_perm(Perm.INTERFERENCE_APPROVE):
        return False
    if staff.position != StaffPosition.CHIEF or request.requester_id == user.pk:
        return False
    record = request.record
    if not record.report_unit.path.startswith(staff.unit.path):
        return False
    return not_about(user, Record.objects.filter(pk=record.pk)).exists()


def requests_decidable_by(user: Any) -> QuerySet[ReadRequest]:
    """Pending read requests ``user`` may decide."""
    staff = getattr(user, "staff", None)
    if (
        staff is None
        or not user.has_lianjian_perm(Perm.INTERFERENCE_APPROVE)
        or staff.position != StaffPosition.CHIEF
    ):
        return ReadRequest.objects.none()
    records = not_about(user, Record.objects.filter(report_unit__path__startswith=staff.unit.path))
    return (
        ReadRequest.objects.filter(record__in=records)
        .exclude(requester_id=user.pk)
        .select_related("record", "requester")
    )
