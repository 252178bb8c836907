"""The disposal workflow of an alert (F4.5): its state machine, the services that take each step,
the deadlines of the steps by level, escalation of overdue alerts, and verification attachments.

签收 → 核查 → 处置意见 → 审核 → 办结 (docs/risk.md, "预警处置"):

============  ==========================  ===========================  ======================
step          from                        to                           taken by
============  ==========================  ===========================  ======================
SIGN 签收      PENDING 待签收                SIGNED 核查中                 the handler
VERIFY 核查    SIGNED                      SIGNED                       the handler
PROPOSE 意见   SIGNED (after a VERIFY)     PROPOSED 待审核               the handler
APPROVE 审核   PROPOSED                    CLOSED 已办结                 the reviewer
RETURN 退回    PROPOSED                    SIGNED                       the reviewer
TRANSFER 移送  SIGNED, PROPOSED            TRANSFERRED 已移送线索         the reviewer
REOPEN 重开    CLOSED, TRANSFERRED         SIGNED                       the reviewer
ESCALATE 升级  PENDING, SIGNED, PROPOSED   (unchanged; level + 1)       the clock (系统)
============  ==========================  ===========================  ======================

*The handler* (承办人) is the case's handling prosecutor — for an alert about a person (统计类),
that person — holding 预警处置 (``alert.handle``) with the alert in its scope. *The reviewer* is
whoever holds 预警审核 (``alert.review``, 部门负责人) with the alert in its scope, or for a 督办
alert 督办审核 (``alert.supervise``, 检务督察); never the alert's handler nor the proposer.

Every step is one :class:`~lianjian.risk.models.AlertStep` row and one audit event, in the same
transaction as the change of the alert; a refused step raises :class:`DisposalError` (or
:class:`DisposalForbidden`) with a Chinese message and changes nothing. The engine's
``Alert.status`` (whether detection still sees the finding) is never touched here.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from lianjian.audit.services import AuditEntry, audit_record, audit_record_many
from lianjian.cases.models import Case
from lianjian.common.crypto import provider
from lianjian.common.permissions import Perm
from lianjian.risk.choices import (
    AlertLevel,
    AlertStatus,
    ClueRecipient,
    DisposalOpinion,
    DisposalState,
    DisposalStepKind,
)
from lianjian.risk.models import Alert, AlertAttachment, AlertStep
from lianjian.risk.periods import CHINA_TIME, WorkCalendar
from lianjian.risk.routing import alerts_notify_escalated
from lianjian.risk.selectors import alerts_in_scope

# --- deadlines ---------------------------------------------------------------------------------

STEP_DEADLINE_WORKDAYS: dict[str, dict[str, int]] = {
    AlertLevel.NOTICE: {DisposalState.PENDING: 3, DisposalState.SIGNED: 10, DisposalState.PROPOSED: 5},
    AlertLevel.WARNING: {DisposalState.PENDING: 2, DisposalState.SIGNED: 7, DisposalState.PROPOSED: 3},
    AlertLevel.SUPERVISED: {DisposalState.PENDING: 1, DisposalState.SIGNED: 5, DisposalState.PROPOSED: 2},
}
"""Working days allowed for each step, by the alert's level — the one table of deadlines.

No statute sets these (DOMAIN_RULES.md has no time limit for alert disposal): they are the
platform's defaults, documented in docs/risk.md. A step's clock starts when the alert enters its
state (or, for 待签收, when it is raised) and restarts when the alert escalates; the day the clock
starts is not counted (as PC-01 counts periods), and the step is overdue from the day after its
last working day. Holidays and adjusted working weekends come from :class:`WorkCalendar`.
"""

NEXT_LEVEL: dict[str, str] = {
    AlertLevel.NOTICE: AlertLevel.WARNING,
    AlertLevel.WARNING: AlertLevel.SUPERVISED,
}
CALENDAR = WorkCalendar()
_ONE_DAY = timedelta(days=1)
TEXT_LIMIT = 2000


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment, CHINA_TIME).date() if timezone.is_aware(moment) else moment.date()


def due_after(start_day: date, workdays: int, *, calendar: WorkCalendar) -> date:
    """The last day of ``workdays`` working days begun on ``start_day`` (which is not counted)."""
    day = start_day
    for _ in range(workdays):
        day = calendar.next_workday_from(day + _ONE_DAY)
    return day


def step_started(alert: Alert) -> datetime:
    """When the clock of the alert's current step started."""
    return alert.step_started_at or alert.raised_at


def step_due_on(alert: Alert, *, calendar: WorkCalendar | None = None) -> date | None:
    """The last day of the alert's current step; None once it is closed or transferred, and for
    an unsigned alert that detection has cleared (it does not escalate either)."""
    days = STEP_DEADLINE_WORKDAYS.get(alert.level, {}).get(alert.disposal_state)
    if days is None or (alert.disposal_state == DisposalState.PENDING and alert.status != AlertStatus.OPEN):
        return None
    return due_after(_local_day(step_started(alert)), days, calendar=calendar or CALENDAR)


def _overdue_cutoff(today: date, workdays: int, *, calendar: WorkCalendar) -> datetime:
    """The moment before which a step's clock must have started for it to be overdue ``today``.

    ``due_after`` grows with its start day, so the overdue start days are exactly those up to the
    latest one whose last day is before ``today``; the cutoff is the midnight after that day.
    """
    start = today - _ONE_DAY
    while due_after(start, workdays, calendar=calendar) >= today:
        start -= _ONE_DAY
    return datetime.combine(start + _ONE_DAY, time(0), tzinfo=CHINA_TIME)


# --- errors and roles --------------------------------------------------------------------------


class DisposalError(ValueError):
    """A step that cannot be taken now (wrong state, missing reason, bad file): Chinese message."""


class DisposalForbidden(DisposalError):
    """A step the user may not take on this alert (not the handler or the reviewer)."""


class UploadedFileLike(Protocol):
    """What a step needs of an uploaded file (Django's ``UploadedFile``)."""

    @property
    def name(self) -> str | None: ...
    @property
    def size(self) -> int | None: ...
    def read(self, num_bytes: int | None = ...) -> bytes: ...


@dataclass(frozen=True)
class Transition:
    step: str
    sources: frozenset[str]
    target: str | None  # None: the state stays
    by: str  # "handler" or "reviewer"


TRANSITIONS: dict[str, Transition] = {
    t.step: t
    for t in (
        Transition(
            DisposalStepKind.SIGN, frozenset({DisposalState.PENDING}), DisposalState.SIGNED, "handler"
        ),
        Transition(DisposalStepKind.VERIFY, frozenset({DisposalState.SIGNED}), None, "handler"),
        Transition(
            DisposalStepKind.PROPOSE, frozenset({DisposalState.SIGNED}), DisposalState.PROPOSED, "handler"
        ),
        Transition(
            DisposalStepKind.APPROVE, frozenset({DisposalState.PROPOSED}), DisposalState.CLOSED, "reviewer"
        ),
        Transition(
            DisposalStepKind.RETURN, frozenset({DisposalState.PROPOSED}), DisposalState.SIGNED, "reviewer"
        ),
        Transition(
            DisposalStepKind.TRANSFER,
            frozenset({DisposalState.SIGNED, DisposalState.PROPOSED}),
            DisposalState.TRANSFERRED,
            "reviewer",
        ),
        Transition(
            DisposalStepKind.REOPEN,
            frozenset({DisposalState.CLOSED, DisposalState.TRANSFERRED}),
            DisposalState.SIGNED,
            "reviewer",
        ),
    )
}
"""The steps people take (escalation is the clock's: :func:`alerts_escalate`)."""


def handler_staff_id(alert: Alert) -> int | None:
    """The staff member who answers the alert: the case's handling prosecutor, else its subject."""
    if alert.case_id is not None:
        return Case.objects.filter(pk=alert.case_id).values_list("prosecutor_id", flat=True).first()
    return alert.subject_staff_id


def review_perm(alert: Alert) -> Perm:
    """督办 alerts are reviewed by 检务督察; the others by the department head."""
    return Perm.ALERT_SUPERVISE if alert.level == AlertLevel.SUPERVISED else Perm.ALERT_REVIEW


def _in_scope(user: Any, alert: Alert, perm: Perm) -> bool:
    return bool(user.has_lianjian_perm(perm)) and alerts_in_scope(user, perm).filter(pk=alert.pk).exists()


def _latest_proposer_id(alert: Alert) -> int | None:
    return (
        AlertStep.objects.filter(alert=alert, step=DisposalStepKind.PROPOSE)
        .order_by("-at", "-id")
        .values_list("actor_id", flat=True)
        .first()
    )


def is_handler(user: Any, alert: Alert) -> bool:
    staff_id = getattr(user, "staff_id", None)
    return (
        staff_id is not None
        and staff_id == handler_staff_id(alert)
        and _in_scope(user, alert, Perm.ALERT_HANDLE)
    )


def is_reviewer(user: Any, alert: Alert) -> bool:
    """Whether ``user`` reviews ``alert`` now: the right permission in scope, and not its handler
    or the author of the proposal under review (nobody approves their own disposal)."""
    if not _in_scope(user, alert, review_perm(alert)):
        return False
    staff_id = getattr(user, "staff_id", None)
    if staff_id is not None and staff_id == handler_staff_id(alert):
        return False
    return _latest_proposer_id(alert) != user.pk


def _entered_state_step(alert: Alert) -> AlertStep | None:
    return (
        AlertStep.objects.filter(alert=alert, to_state=alert.disposal_state)
        .exclude(from_state=alert.disposal_state)
        .order_by("-at", "-id")
        .first()
    )


def is_verified(alert: Alert) -> bool:
    """Whether a 核查 has been recorded since the alert (last) entered 核查中."""
    entered = _entered_state_step(alert)
    steps = AlertStep.objects.filter(alert=alert, step=DisposalStepKind.VERIFY)
    if entered is not None:
        steps = steps.filter(id__gt=entered.pk)
    return steps.exists()


class _Standing:
    """Whether a user is the handler or the reviewer of an alert, each asked at most once."""

    def __init__(self, user: Any, alert: Alert) -> None:
        self.user, self.alert = user, alert
        self._handler: bool | None = None
        self._reviewer: bool | None = None

    @property
    def handler(self) -> bool:
        if self._handler is None:
            self._handler = is_handler(self.user, self.alert)
        return self._handler

    @property
    def reviewer(self) -> bool:
        if self._reviewer is None:
            self._reviewer = is_reviewer(self.user, self.alert)
        return self._reviewer


def _refusal(user: Any, alert: Alert, step: str, standing: _Standing | None = None) -> DisposalError | None:
    """Why ``user`` may not take ``step`` on ``alert`` now, or None if they may."""
    transition = TRANSITIONS.get(step)
    if transition is None:
        return DisposalError(f"未知的处置环节：{step}")
    standing = standing or _Standing(user, alert)
    label = DisposalStepKind(step).label
    if transition.by == "handler" and not standing.handler:
        return DisposalForbidden(f"只有该预警的承办检察官可以{label}")
    if transition.by == "reviewer" and not standing.reviewer:
        who = "检务督察部门" if review_perm(alert) == Perm.ALERT_SUPERVISE else "承办部门负责人"
        return DisposalForbidden(f"只有{who}可以对该预警{label}，且不得审核本人承办或提出的处置")
    if alert.disposal_state not in transition.sources:
        state = DisposalState(alert.disposal_state).label
        return DisposalError(f"预警当前为“{state}”，不能{label}")
    if step == DisposalStepKind.PROPOSE and not is_verified(alert):
        return DisposalError("请先记录核查情况，再提出处置意见")
    return None


def allowed_steps(user: Any, alert: Alert) -> list[str]:
    """The steps ``user`` may take on ``alert`` now (the buttons of the alert page)."""
    standing = _Standing(user, alert)
    return [step for step in TRANSITIONS if _refusal(user, alert, step, standing) is None]


# --- attachments -------------------------------------------------------------------------------

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_MAX_FILES = 5
# Accepted types by extension, with the content type served and the leading bytes the content must
# have (DOCX, XLSX and OFD are ZIP containers; DOC and XLS are OLE compound files). The client's
# own content type is never trusted.
_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
ATTACHMENT_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".ofd": ("application/ofd", _ZIP),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    ".doc": ("application/msword", _OLE),
    ".xls": ("application/vnd.ms-excel", _OLE),
    ".txt": ("text/plain; charset=utf-8", ()),
}


def attachment_path(digest: str) -> Path:
    """Where the content of a digest is kept: ``<LIANJIAN_ATTACHMENT_DIR>/ab/abcdef…``."""
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError("invalid digest")
    return Path(settings.LIANJIAN_ATTACHMENT_DIR) / digest[:2] / digest


def _checked_upload(upload: UploadedFileLike) -> tuple[str, str, bytes]:
    name = Path(str(upload.name or "")).name.strip()[:200]
    extension = Path(name).suffix.lower()
    if extension not in ATTACHMENT_TYPES:
        allowed = "、".join(sorted(ext.lstrip(".") for ext in ATTACHMENT_TYPES))
        raise DisposalError(f"不支持的附件类型：{name or '（无文件名）'}；只接受 {allowed}")
    if (upload.size or 0) > ATTACHMENT_MAX_BYTES:
        raise DisposalError(f"附件 {name} 超过 {ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB")
    content = upload.read(ATTACHMENT_MAX_BYTES + 1)
    if len(content) > ATTACHMENT_MAX_BYTES:
        raise DisposalError(f"附件 {name} 超过 {ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB")
    if not content:
        raise DisposalError(f"附件 {name} 是空文件")
    content_type, signatures = ATTACHMENT_TYPES[extension]
    if signatures and not content.startswith(signatures):
        raise DisposalError(f"附件 {name} 的内容与扩展名不符")
    if not signatures:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            try:
                content.decode("gb18030")
            except UnicodeDecodeError:
                raise DisposalError(f"附件 {name} 不是文本文件") from None
            content_type = "text/plain; charset=gb18030"
    return name, content_type, content


def _store(content: bytes) -> str:
    """Write ``content`` under its SM3 digest (atomically; an existing copy is kept) and return it.

    A transaction that rolls back afterwards leaves the file behind, unreferenced and harmless:
    the same content uploaded again reuses it.
    """
    digest = provider.hash(content).hex()
    path = attachment_path(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return digest


def attachment_content(attachment: AlertAttachment) -> bytes:
    """The stored bytes of ``attachment``, checked against its digest."""
    content = attachment_path(attachment.digest).read_bytes()
    if provider.hash(content).hex() != attachment.digest:
        raise DisposalError(f"附件 {attachment.name} 的存储内容已被改动")
    return content


# --- the steps ---------------------------------------------------------------------------------


def _text(value: str, label: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DisposalError(f"请填写{label}")
    if len(value) > TEXT_LIMIT:
        raise DisposalError(f"{label}不能超过 {TEXT_LIMIT} 字")
    return value


def _state_of(alert: Alert) -> dict[str, Any]:
    return {
        "disposal_state": alert.disposal_state,
        "level": alert.level,
        "disposal_opinion": alert.disposal_opinion,
        "transferred_to": alert.transferred_to,
    }


@dataclass(frozen=True)
class _Input:
    """What a step records, checked only once the actor may take the step."""

    note: tuple[str, str, bool] = ("", "说明", False)  # value, label, required
    reason: tuple[str, str, bool] = ("", "理由", False)
    opinion: str = ""
    transferred_to: str = ""
    files: Sequence[UploadedFileLike] = ()


def _checked_input(step: str, given: _Input) -> tuple[str, str, list[tuple[str, str, bytes]]]:
    if step == DisposalStepKind.PROPOSE and given.opinion not in DisposalOpinion.values:
        raise DisposalError("请选择处置意见：属实、部分属实、不属实或已纠正")
    if step == DisposalStepKind.TRANSFER and given.transferred_to not in ClueRecipient.values:
        raise DisposalError("请选择移送对象：检务督察部门或派驻纪检监察组")
    note = _text(given.note[0], given.note[1], required=given.note[2])
    reason = _text(given.reason[0], given.reason[1], required=given.reason[2])
    if len(given.files) > ATTACHMENT_MAX_FILES:
        raise DisposalError(f"每次最多上传 {ATTACHMENT_MAX_FILES} 个附件")
    return note, reason, [_checked_upload(f) for f in given.files]


def _take(step: str, *, alert: Alert, actor: Any, now: datetime | None, given: _Input) -> AlertStep:
    """Take ``step`` on ``alert`` as ``actor``: authorise against the locked row, check the input,
    then record the step, its files, the alert's new state and the audit event together."""
    now = now or timezone.now()
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    refusal = _refusal(actor, locked, step)
    if refusal is not None:
        raise refusal
    note, reason, uploads = _checked_input(step, given)
    transition = TRANSITIONS[step]
    before = _state_of(locked)
    target = transition.target or locked.disposal_state
    record = AlertStep.objects.create(
        alert=locked,
        step=step,
        actor=actor,
        actor_name=str(getattr(actor, "display_name", "") or actor)[:150],
        from_state=locked.disposal_state,
        to_state=target,
        opinion=given.opinion,
        note=note,
        reason=reason,
        transferred_to=given.transferred_to,
        at=now,
    )
    attachments = [
        AlertAttachment.objects.create(
            step=record,
            name=name,
            content_type=content_type,
            size=len(content),
            digest=_store(content),
            uploaded_at=now,
        )
        for name, content_type, content in uploads
    ]
    if target != locked.disposal_state:
        locked.step_started_at = now
    locked.disposal_state = target
    if step == DisposalStepKind.APPROVE:
        locked.disposal_opinion = (
            AlertStep.objects.filter(alert=locked, step=DisposalStepKind.PROPOSE)
            .order_by("-at", "-id")
            .values_list("opinion", flat=True)
            .first()
            or ""
        )
        locked.closed_at = now
    elif step == DisposalStepKind.TRANSFER:
        locked.transferred_to = given.transferred_to
    elif step == DisposalStepKind.REOPEN:
        locked.disposal_opinion, locked.closed_at, locked.transferred_to = "", None, ""
    locked.save(
        update_fields=["disposal_state", "step_started_at", "disposal_opinion", "closed_at", "transferred_to"]
    )
    recorded = {"note": note, "reason": reason, "opinion": given.opinion}
    after: dict[str, Any] = {**_state_of(locked), **{k: v for k, v in recorded.items() if v}}
    if attachments:
        after["attachments"] = [{"name": a.name, "size": a.size, "sm3": a.digest} for a in attachments]
    audit_record(actor=actor, action=f"risk.alert.{step.lower()}", target=locked, before=before, after=after)
    alert.refresh_from_db()
    return record


@transaction.atomic
def alert_sign(*, alert: Alert, actor: Any, note: str = "", now: datetime | None = None) -> AlertStep:
    """签收: the handling prosecutor takes the alert on (待签收 → 核查中)."""
    return _take(
        DisposalStepKind.SIGN, alert=alert, actor=actor, now=now, given=_Input(note=(note, "签收说明", False))
    )


@transaction.atomic
def alert_verify(
    *,
    alert: Alert,
    actor: Any,
    note: str,
    files: Sequence[UploadedFileLike] = (),
    now: datetime | None = None,
) -> AlertStep:
    """核查: record what the verification found, with supporting files; may be repeated."""
    given = _Input(note=(note, "核查情况", True), files=files)
    return _take(DisposalStepKind.VERIFY, alert=alert, actor=actor, now=now, given=given)


@transaction.atomic
def alert_propose(
    *, alert: Alert, actor: Any, opinion: str, note: str, now: datetime | None = None
) -> AlertStep:
    """处置意见: the handler's conclusion (属实/部分属实/不属实/已纠正), for review (→ 待审核)."""
    given = _Input(note=(note, "处置意见说明", True), opinion=opinion)
    return _take(DisposalStepKind.PROPOSE, alert=alert, actor=actor, now=now, given=given)


@transaction.atomic
def alert_approve(*, alert: Alert, actor: Any, note: str = "", now: datetime | None = None) -> AlertStep:
    """审核通过: the reviewer accepts the proposal and the alert is closed (办结)."""
    given = _Input(note=(note, "审核意见", False))
    return _take(DisposalStepKind.APPROVE, alert=alert, actor=actor, now=now, given=given)


@transaction.atomic
def alert_return(*, alert: Alert, actor: Any, reason: str, now: datetime | None = None) -> AlertStep:
    """退回: the reviewer sends the proposal back to verification, with a reason (→ 核查中)."""
    given = _Input(reason=(reason, "退回理由", True))
    return _take(DisposalStepKind.RETURN, alert=alert, actor=actor, now=now, given=given)


@transaction.atomic
def alert_reopen(*, alert: Alert, actor: Any, reason: str, now: datetime | None = None) -> AlertStep:
    """重新打开: the reviewer reopens a closed or transferred alert, with a reason (→ 核查中)."""
    given = _Input(reason=(reason, "重新打开理由", True))
    return _take(DisposalStepKind.REOPEN, alert=alert, actor=actor, now=now, given=given)


@transaction.atomic
def alert_transfer(
    *, alert: Alert, actor: Any, to: str, reason: str, now: datetime | None = None
) -> AlertStep:
    """线索移送: the reviewer hands the alert to 检务督察 or 纪检监察 as a clue (→ 已移送线索)."""
    given = _Input(reason=(reason, "移送理由", True), transferred_to=to)
    return _take(DisposalStepKind.TRANSFER, alert=alert, actor=actor, now=now, given=given)


# --- escalation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EscalationResult:
    """What one escalation pass did: the alerts raised a level (id → new level) and the 督办
    alerts overdue that cannot go higher (for the notifier to remind)."""

    escalated: dict[int, str] = field(default_factory=dict)
    overdue_at_top: tuple[int, ...] = ()

    def counts(self) -> dict[str, int]:
        return {
            "escalated": len(self.escalated),
            "to_warning": sum(1 for level in self.escalated.values() if level == AlertLevel.WARNING),
            "to_supervised": sum(1 for level in self.escalated.values() if level == AlertLevel.SUPERVISED),
            "overdue_supervised": len(self.overdue_at_top),
        }


def _overdue(now: datetime, levels: Iterable[str], *, calendar: WorkCalendar) -> Q:
    today = _local_day(now)
    q = Q(pk__in=[])
    for level in levels:
        for state, days in STEP_DEADLINE_WORKDAYS[level].items():
            condition = Q(
                level=level, disposal_state=state, clock__lt=_overdue_cutoff(today, days, calendar=calendar)
            )
            if state == DisposalState.PENDING:
                # An alert that detection cleared before anyone signed it needs no disposal.
                condition &= Q(status=AlertStatus.OPEN)
            q |= condition
    return q


@transaction.atomic
def alerts_escalate(*, now: datetime, calendar: WorkCalendar | None = None) -> EscalationResult:
    """Raise every alert overdue in its current step one level (提示 → 预警 → 督办).

    Run hourly by the scheduler with its own clock. Each escalation is an ``ESCALATE`` step (actor
    系统) and an audit event, and restarts the step's clock under the new level's deadline, so a
    second pass for the same overdue step changes nothing; the step escalates again only if it
    stays undone past that new deadline. Set-based: one query per level finds the overdue alerts
    (their rows locked), one update per level raises them.
    """
    calendar = calendar or CALENDAR
    clocked = Alert.objects.annotate(clock=Coalesce("step_started_at", "raised_at"))
    rows = list(
        clocked.select_for_update()
        .filter(_overdue(now, NEXT_LEVEL, calendar=calendar))
        .order_by("pk")
        .values_list("pk", "level", "disposal_state")
    )
    at_top = tuple(
        clocked.filter(_overdue(now, [AlertLevel.SUPERVISED], calendar=calendar))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    escalated: dict[int, str] = {}
    for level, new_level in NEXT_LEVEL.items():
        ids = [pk for pk, old, _ in rows if old == level]
        for start in range(0, len(ids), 500):
            Alert.objects.filter(pk__in=ids[start : start + 500], level=level).update(
                level=new_level, step_started_at=now
            )
        escalated.update((pk, new_level) for pk in ids)
    AlertStep.objects.bulk_create(
        [
            AlertStep(
                alert_id=pk,
                step=DisposalStepKind.ESCALATE,
                actor=None,
                actor_name="系统",
                from_state=state,
                to_state=state,
                from_level=level,
                to_level=NEXT_LEVEL[level],
                reason=f"“{DisposalState(state).label}”环节逾期，由{AlertLevel(level).label}升级为"
                f"{AlertLevel(NEXT_LEVEL[level]).label}",
                at=now,
            )
            for pk, level, state in rows
        ],
        batch_size=500,
    )
    audit_record_many(
        actor=None,
        entries=[
            AuditEntry(
                action="risk.alert.escalate",
                target_type="risk.alert",
                target_id=str(pk),
                target_repr=f"预警 #{pk}",
                before={"level": level, "disposal_state": state},
                after={"level": NEXT_LEVEL[level], "disposal_state": state, "at": now.isoformat()},
            )
            for pk, level, state in rows
        ],
    )
    # The next recipients are told in the same transaction: the notifications exist exactly when
    # the escalation does; sending them is left to deliveries_process (lianjian.notify).
    alerts_notify_escalated(escalated, now=now, overdue_at_top=at_top)
    return EscalationResult(escalated=escalated, overdue_at_top=at_top)
