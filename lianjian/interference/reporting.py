"""Periodic reports of the register (F5.2, issue 6 §3; docs/interference/reports.md): submitting a
report or a zero report, the daily reminders and late flags, and the urgent notices.

- One report per person and period (:class:`~lianjian.interference.models.PeriodicReport`),
  immutable once submitted. It lists every record the person wrote in the period, or is a zero
  report (零报告) when there is none. A record found missing afterwards is recorded as a new
  record (补报): it shows in the next period's report, and the register keeps its date.
- A report may be submitted from the period's last day on; after the due date it is still taken,
  and shows as 逾期 (late).
- Every day (job ``periodic.reports``), obliged persons who have not submitted are reminded
  ``remind_days`` days before the due date (default 3 and 1), once per person, period and offset
  (the notification key). The day after the due date, each missing report is flagged once: a
  pending row (``submitted_at`` empty) gets ``late_flagged_at``, and 检务督察 of the unit are
  told the counts per department and the names of the missing people — never record content.
- Urgent matters: a record of category RC-06 that affected a case, a contact outside work or
  office (reported within 3 days, CT-PRC-03) or one recorded late is announced at once to
  检务督察 and 纪检监察 of its reporting unit, by its number and "紧急" only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Prefetch
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from lianjian.audit.services import audit_record
from lianjian.common.permissions import Perm
from lianjian.interference import policy
from lianjian.interference.choices import RecordCategory
from lianjian.interference.models import PeriodicReport, Record
from lianjian.interference.periods import (
    Period,
    due_period,
    local_day,
    obliged_staff_of_units,
    remind_offsets,
    settings_for,
)
from lianjian.notify.choices import NotificationKind
from lianjian.notify.services import Message, notify_many
from lianjian.org.models import Staff, Unit


class ReportError(ValueError):
    """A report that cannot be submitted; the message is for the user."""


class ReportStatus(models.TextChoices):
    """Where one person's report of one period stands."""

    PENDING = "PENDING", "待报"
    SUBMITTED = "SUBMITTED", "已报"
    ZERO = "ZERO", "零报告"
    LATE = "LATE", "逾期"  # submitted after the due date
    MISSING = "MISSING", "逾期未报"


def report_status(report: PeriodicReport | None, period: Period, today: Any) -> str:
    if report is None or report.submitted_at is None:
        return ReportStatus.MISSING if period.is_overdue(today) else ReportStatus.PENDING
    if period.submitted_late(report.submitted_at):
        return ReportStatus.LATE
    return ReportStatus.ZERO if report.is_zero else ReportStatus.SUBMITTED


def records_of_period(staff: Staff, period: Period) -> Any:
    """The records ``staff`` wrote in ``period`` (``recorded_at`` inside it), oldest first."""
    start, until = period.bounds()
    return Record.objects.filter(recorder=staff, recorded_at__gte=start, recorded_at__lt=until).order_by(
        "recorded_at", "pk"
    )


def _user_of(staff: Staff) -> Any:
    return getattr(staff, "user", None)


@transaction.atomic
def report_submit(
    *,
    staff: Staff,
    period: Period,
    records: Sequence[Record] | Sequence[int],
    is_zero: bool,
    actor: Any,
    now: datetime | None = None,
) -> PeriodicReport:
    """Submit ``staff``'s report of ``period``: ``records`` must be exactly their records of the
    period, or ``is_zero`` with none. Refused (nothing written) when already submitted, not yet
    open, or inconsistent."""
    now = now or timezone.now()
    today = local_day(now)
    if not period.is_open(today):
        raise ReportError(f"{period.label}报告自 {period.end:%Y-%m-%d} 起方可提交")
    report = (
        PeriodicReport.objects.select_for_update()
        .filter(staff=staff, cycle=period.cycle, period_start=period.start)
        .order_by("pk")  # the default ordering joins staff: no FOR UPDATE over an outer join
        .first()
    )
    if report is not None and report.submitted_at is not None:
        raise ReportError(
            f"{period.label}报告已于 {timezone.localtime(report.submitted_at):%Y-%m-%d %H:%M} 提交，"
            "不能重复提交；如有遗漏，请补录记录（补报）"
        )
    own = list(records_of_period(staff, period).values_list("pk", flat=True))
    listed = {r if isinstance(r, int) else r.pk for r in records}
    if is_zero:
        if own:
            raise ReportError(f"本期已有 {len(own)} 条记录，不能提交零报告，请在报告中列明这些记录")
        if listed:
            raise ReportError("零报告不能列入记录")
    else:
        if not own:
            raise ReportError("本期没有记录，请提交零报告")
        if listed - set(own):
            raise ReportError("所列记录不属于本人本期的记录")
        missing = set(own) - listed
        if missing:
            raise ReportError(f"本期还有 {len(missing)} 条记录未列入报告，请全部确认后提交")
    if report is None:
        report = PeriodicReport(staff=staff, cycle=period.cycle, period_start=period.start)
    report.unit = staff.unit
    report.department = staff.department
    report.period_end = period.end
    report.due_on = period.due
    report.submitted_at = now
    report.is_zero = is_zero
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as exc:  # a concurrent submission of the same period
        raise ReportError(f"{period.label}报告已提交，不能重复提交") from exc
    report.records.set(own if not is_zero else [])
    late = period.submitted_late(now)
    audit_record(
        actor=actor,
        action="interference.report.submit",
        target=report,
        target_repr=f"{staff.staff_no} {period.label}",
        after={"period": period.key, "is_zero": is_zero, "late": late},
    )
    return report


# --- who is told --------------------------------------------------------------------------


def _holders(perm: Perm) -> list[Any]:
    """Active users holding a role that grants ``perm`` (their scope still to be checked), with
    their role assignments prefetched so that ``user.scope(perm)`` needs no query: two queries
    whatever the number of holders (a province has hundreds)."""
    from lianjian.accounts.models import RoleAssignment, User
    from lianjian.accounts.permissions import ROLE_PERMISSIONS

    roles = sorted(role for role, perms in ROLE_PERMISSIONS.items() if perm in perms)
    return list(
        User.objects.filter(is_active=True, roles__role__in=roles)
        .distinct()
        .select_related("staff")
        .prefetch_related(Prefetch("roles", queryset=RoleAssignment.objects.select_related("unit")))
        .order_by("pk")
    )


def supervisors_of(unit: Unit, *, holders: list[Any] | None = None) -> list[Any]:
    """检务督察 whose 报告督察 scope covers all of ``unit`` (``holders``: the holders of
    ``interference.supervise`` already read, for a caller that asks for many units)."""
    if holders is None:
        holders = _holders(Perm.INTERFERENCE_SUPERVISE)
    return [u for u in holders if u.scope(Perm.INTERFERENCE_SUPERVISE).covers_unit(unit)]


def readers_told_of(record: Record) -> list[Any]:
    """检务督察 and 纪检监察 of ``record``'s reporting unit (``interference.read`` over it), not
    the people it is about, not its recorder."""
    return [
        user
        for user in _holders(Perm.INTERFERENCE_READ)
        if not (user.staff_id is not None and user.staff_id == record.recorder_id)
        and policy.reported_to(user.scope(Perm.INTERFERENCE_READ), record)
        and not policy.is_about(user, record)
    ]


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


# --- urgent matters ----------------------------------------------------------------------


def is_urgent(record: Record) -> bool:
    """RC-06 that affected a case, a contact outside work or office (CT-PRC-03), or a record
    written more than 3 days after such a contact (逾期报告)."""
    return bool(
        (record.category == RecordCategory.RC06 and record.affected_case)
        or not (record.in_workplace and record.in_hours)
        or record.reported_late
    )


def urgent_notify(record: Record, *, now: datetime | None = None) -> int:
    """Tell 检务督察 and 纪检监察 of an urgent record at once: its number and "紧急", nothing
    else. Once per record and person (notification key). Returns the number told."""
    record = Record.objects.select_related("report_unit").get(pk=record.pk)
    if not is_urgent(record):
        return 0
    users = readers_told_of(record)
    if not users:
        return 0
    result = notify_many(
        [
            Message(
                users=users,
                kind=NotificationKind.OTHER,
                title=f"紧急：“三个规定”记录 {record.no}",
                body="有一条需立即报告的“三个规定”记录，请登录查阅并及时处理。",
                url=_url("interference:record_detail", record.no),
                key=f"interference.urgent:{record.pk}",
            )
        ],
        now=now,
    )
    return len(result.recipients.get(f"interference.urgent:{record.pk}", set()))


def urgent_after_commit(record: Record) -> None:
    """Hook of ``record_create`` / ``record_correct``: :func:`urgent_notify` once the write is
    committed (a rolled-back record tells nobody). ``robust``: a failure to notify is logged and
    does not turn the committed write into an error page."""
    transaction.on_commit(lambda: urgent_notify(record), robust=True)


# --- the daily job -------------------------------------------------------------------------


def _units_with_staff() -> list[Unit]:
    ids = Staff.objects.filter(user__is_active=True).values("unit_id").distinct()
    return list(Unit.objects.filter(pk__in=ids).order_by("path"))


STAFF_CHUNK = 5000  # staff ids per query (SQLite's default limit is 32,766 variables)


def reports_of_obliged(
    unit_periods: Mapping[Unit, Period], obliged: Mapping[int, list[Staff]], *, lock: bool = False
) -> dict[tuple[Period, int], PeriodicReport]:
    """The report rows of each unit's obliged people (``obliged``, from
    :func:`obliged_staff_of_units`) for the unit's period, by (period, staff pk): one query per
    distinct period, the people's ids in chunks below SQLite's variable limit; ``lock``: rows
    locked for update (the caller holds the transaction)."""
    staff_by_period: dict[Period, list[int]] = defaultdict(list)
    for unit, period in unit_periods.items():
        staff_by_period[period].extend(s.pk for s in obliged[unit.pk])
    found: dict[tuple[Period, int], PeriodicReport] = {}
    for period, staff_ids in staff_by_period.items():
        ids = sorted(staff_ids)
        for start in range(0, len(ids), STAFF_CHUNK):
            rows = PeriodicReport.objects.filter(
                cycle=period.cycle, period_start=period.start, staff_id__in=ids[start : start + STAFF_CHUNK]
            ).order_by("pk")  # not the default ordering: it joins staff (no FOR UPDATE over a join)
            for row in rows.select_for_update() if lock else rows:
                found[(period, row.staff_id)] = row
    return found


def report_row(staff: Staff, period: Period, **values: Any) -> PeriodicReport:
    """An unsaved report row of ``staff`` for ``period`` (unit, department, dates filled)."""
    return PeriodicReport(
        unit=staff.unit,
        department=staff.department,
        staff=staff,
        cycle=period.cycle,
        period_start=period.start,
        period_end=period.end,
        due_on=period.due,
        **values,
    )


def reports_remind(*, now: datetime | None = None) -> dict[str, int]:
    """Remind obliged persons who have not submitted, on the days ``remind_days`` before due."""
    now = now or timezone.now()
    today = local_day(now)
    units = _units_with_staff()
    effective = settings_for(units)
    due: dict[Unit, tuple[Period, list[int]]] = {}
    for unit in units:
        setting = effective[unit.pk]
        period = due_period(setting.cycle, today)
        offsets = remind_offsets(period, today, setting.remind_days)
        if offsets:
            due[unit] = (period, offsets)
    periods = {unit: period for unit, (period, _offsets) in due.items()}
    obliged = obliged_staff_of_units(periods, accounts=True)
    done = {key for key, row in reports_of_obliged(periods, obliged).items() if row.submitted_at is not None}
    messages: list[Message] = []
    for unit, (period, offsets) in due.items():
        for offset in offsets:
            when = "今天" if offset == 0 else f"{offset} 天后"
            for person in obliged[unit.pk]:
                user = _user_of(person)
                if (period, person.pk) in done or user is None:
                    continue
                messages.append(
                    Message(
                        users=[user],
                        kind=NotificationKind.OTHER,
                        title=f"“三个规定”{period.label}报告{when}截止（{period.due:%m月%d日}）",
                        body="请在截止日期前提交本期报告：有记录的列明记录，没有记录的提交零报告。",
                        url=_url("interference:my_reports") + f"?period={period.key}",
                        key=f"interference.report:{person.pk}:{period.key}:remind:{offset}",
                    )
                )
    result = notify_many(messages, now=now) if messages else None
    return {"reminded": result.notifications if result else 0}


def reports_flag_late(*, now: datetime | None = None) -> dict[str, int]:
    """After the due date, flag each missing report once and tell 检务督察 of the unit: counts per
    department and the names of the missing people."""
    now = now or timezone.now()
    today = local_day(now)
    units = _units_with_staff()
    effective = settings_for(units)
    # due_period is the one being collected; the one before it is past its due date.
    periods = {
        unit: period
        for unit in units
        if (period := due_period(effective[unit.pk].cycle, today).previous()).is_overdue(today)
    }
    obliged = obliged_staff_of_units(periods)
    newly_by_unit: dict[Unit, list[Staff]] = {}
    with transaction.atomic():
        rows = reports_of_obliged(periods, obliged, lock=True)
        created: list[PeriodicReport] = []
        pending: list[int] = []
        for unit, period in periods.items():
            for person in obliged[unit.pk]:
                found = rows.get((period, person.pk))
                if found is not None and (
                    found.submitted_at is not None or found.late_flagged_at is not None
                ):
                    continue
                if found is None:
                    created.append(report_row(person, period, late_flagged_at=now))
                else:
                    pending.append(found.pk)
                newly_by_unit.setdefault(unit, []).append(person)
        PeriodicReport.objects.bulk_create(created, batch_size=500)
        for start in range(0, len(pending), STAFF_CHUNK):
            PeriodicReport.objects.filter(pk__in=pending[start : start + STAFF_CHUNK]).update(
                late_flagged_at=now
            )
    flagged = sum(len(people) for people in newly_by_unit.values())
    holders = _holders(Perm.INTERFERENCE_SUPERVISE) if newly_by_unit else []
    messages: list[Message] = []
    for unit, newly in newly_by_unit.items():
        supervisors = supervisors_of(unit, holders=holders)
        if supervisors:
            messages.append(_missing_message(unit, periods[unit], newly, supervisors))
    if messages:
        notify_many(messages, now=now)
    if flagged:
        audit_record(actor=None, action="interference.report.flag_late", after={"flagged": flagged})
    return {"flagged": flagged, "notices": len(messages)}


def _missing_message(unit: Unit, period: Period, missing: list[Staff], users: list[Any]) -> Message:
    by_department: dict[str, list[str]] = defaultdict(list)
    for person in missing:
        by_department[person.department.name if person.department else "未设部门"].append(person.name)
    lines = [
        f"{name}：{len(names)} 人（{'、'.join(names)}）" for name, names in sorted(by_department.items())
    ]
    return Message(
        users=users,
        kind=NotificationKind.OTHER,
        title=f"{unit.name}{period.label}“三个规定”报告逾期未报 {len(missing)} 人",
        body="；".join(lines),
        url=_url("interference:report_overview") + f"?unit={unit.code}&period={period.key}",
        key=f"interference.report:missing:{unit.code}:{period.key}",
    )


def reports_daily(*, now: datetime | None = None) -> dict[str, int]:
    """The daily job ``periodic.reports``: reminders, then late flags."""
    now = now or timezone.now()
    return {**reports_remind(now=now), **reports_flag_late(now=now)}
