"""Clue handling by 纪检监察 (F5.4): take a clue, choose a disposal with a deadline, record the
steps and the outcome, and issue the notice of 一案一通报.

Who: holders of ``clue.handle`` (纪检监察), over clues of a unit in their scope, and never a clue
about themselves (the intervener tags copied from the record, :func:`policy.not_about`).
What is sealed: the summary, the outcome and every step's note (SM4, bound to the clue number);
every opening of them is audited without the text. A step is written once (``ClueStep`` is
append-only).

Deadlines: a real-name report (实名举报) is verified within one month of being taken (seed 004
"核查实名举报一个月内完毕"); other clues take the handler's date or the platform default of
``LIANJIAN_CLUE_DUE_MONTHS`` months (3; a platform default, grade C, not a rule of the seeds).
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from lianjian.audit.services import audit_read, audit_record
from lianjian.common.officedoc import OfficialDocument, chinese_date
from lianjian.common.permissions import Perm
from lianjian.common.sealing import seal, unseal
from lianjian.interference import policy
from lianjian.interference.choices import ClueDisposal, ClueSource, ClueState
from lianjian.interference.models import Clue, ClueStep, Record
from lianjian.interference.statistics import CHINA_TIME
from lianjian.org.models import Unit

REAL_NAME_MONTHS = 1  # seed 004: 核查实名举报一个月内完毕
DEFAULT_DUE_MONTHS = 3  # platform default (grade C), LIANJIAN_CLUE_DUE_MONTHS overrides
MAX_TEXT = 2000
NOTICE_ACTION = "NOTICE"


class ClueError(ValueError):
    """A clue action that cannot be done; the message is for the user."""


class StepAction:
    """The steps of a clue (``ClueStep.action``) and their names."""

    TAKE = "TAKE"
    DISPOSE = "DISPOSE"
    PROGRESS = "PROGRESS"
    CLOSE = "CLOSE"
    NOTICE = NOTICE_ACTION
    LABELS = {
        TAKE: "受理",
        DISPOSE: "确定处置方式",
        PROGRESS: "办理",
        CLOSE: "办结",
        NOTICE: "一案一通报",
    }


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where it is shorter)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_due_months() -> int:
    return int(getattr(settings, "LIANJIAN_CLUE_DUE_MONTHS", DEFAULT_DUE_MONTHS))


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment, CHINA_TIME).date()


def _context(clue_no: str, part: str) -> str:
    return f"interference.clue:{clue_no}:{part}"


def _seal_text(clue_no: str, part: str, text: str) -> bytes:
    return seal(text.encode(), context=_context(clue_no, part))


# --- reads ---------------------------------------------------------------------------------------


def clues_visible_to(user: Any) -> QuerySet[Clue]:
    """Clues of units in ``user``'s 线索处置 scope, less those about ``user``."""
    if not getattr(user, "is_authenticated", False) or not user.has_lianjian_perm(Perm.CLUE_HANDLE):
        return Clue.objects.none()
    scope = user.scope(Perm.CLUE_HANDLE)
    clues = Clue.objects.filter(scope.filter(unit_path="unit__path", unit="unit"))
    return policy.not_about(user, clues).select_related("unit", "record")


def overdue_q(on: date) -> Q:
    return Q(due_on__lt=on) & ~Q(state=ClueState.CLOSED)


def is_overdue(clue: Clue, on: date) -> bool:
    return bool(clue.due_on and clue.due_on < on and clue.state != ClueState.CLOSED)


@dataclass(frozen=True)
class StepView:
    step: ClueStep
    label: str
    note: str


@dataclass(frozen=True)
class ClueContent:
    summary: str
    outcome: str
    steps: list[StepView]


def clue_content(*, clue: Clue, actor: Any) -> ClueContent:
    """The sealed fields of ``clue``, opened, with one audited read (no text in the audit)."""
    summary = unseal(bytes(clue.sealed_summary), context=_context(clue.no, "summary")).decode()
    outcome = (
        unseal(bytes(clue.sealed_outcome), context=_context(clue.no, "outcome")).decode()
        if clue.sealed_outcome
        else ""
    )
    steps = []
    for step in clue.steps.select_related("actor").order_by("at", "id"):
        note = _open_note(clue.no, step.sealed_note) if step.sealed_note else ""
        steps.append(StepView(step, StepAction.LABELS.get(step.action, step.action), note))
    audit_read(actor=actor, action="interference.clue.read", target=clue, basis="纪检监察职责")
    return ClueContent(summary, outcome, steps)


# --- writes --------------------------------------------------------------------------------------


def _open_note(clue_no: str, sealed: Any) -> str:
    key, _, body = bytes(sealed).partition(b":")
    return unseal(body, context=_context(clue_no, f"step:{key.decode()}")).decode()


def _step(clue: Clue, *, action: str, actor: Any, at: datetime, note: str = "") -> ClueStep:
    # A step is written once, so its note is bound to a fresh key stored in front of it.
    key = uuid.uuid4().hex
    sealed = key.encode() + b":" + _seal_text(clue.no, f"step:{key}", note) if note else None
    return ClueStep.objects.create(clue=clue, action=action, actor=actor, at=at, sealed_note=sealed)


def _check_handler(actor: Any, unit: Unit) -> None:
    if not actor.has_lianjian_perm(Perm.CLUE_HANDLE) or not actor.scope(Perm.CLUE_HANDLE).covers_unit(unit):
        raise ClueError("您无权受理该单位的问题线索")


def _clean(text: str, label: str, *, required: bool = False) -> str:
    value = (text or "").strip()
    if required and not value:
        raise ClueError(f"请填写{label}")
    if len(value) > MAX_TEXT:
        raise ClueError(f"{label}不能超过 {MAX_TEXT} 字")
    return value


@transaction.atomic
def clue_take(
    *,
    actor: Any,
    source: str,
    summary: str = "",
    record: Record | None = None,
    alert_id: int | None = None,
    unit: Unit | None = None,
    real_name: bool = False,
    now: datetime | None = None,
) -> Clue:
    """Take a clue: from a record ``actor`` may read (its intervener tags come along, so that the
    person recorded never sees the clue), from an alert ``actor`` sees (its hidden-from tags come
    along), or from a report or another source with a summary."""
    from lianjian.risk.selectors import alerts_visible_to

    now = now or timezone.now()
    if source not in ClueSource.values:
        raise ClueError("线索来源无效")
    tags = ""
    if source == ClueSource.RECORD:
        if record is None or not policy.records_readable_by(actor, now=now).filter(pk=record.pk).exists():
            raise ClueError("未找到该登记编号的记录，或您无权查阅")
        unit, tags, alert_id = record.report_unit, record.intervener_tags, None
        summary = _clean(summary, "线索摘要")
    elif source == ClueSource.ALERT:
        alert = alerts_visible_to(actor).filter(pk=alert_id).first() if alert_id else None
        if alert is None:
            raise ClueError("未找到该编号的预警，或您无权查看")
        record, unit, tags = None, alert.unit, alert.hidden_from_key
        summary = _clean(summary, "线索摘要")
    else:
        record, alert_id = None, None
        summary = _clean(summary, "线索摘要", required=True)
    if unit is None:
        staff = getattr(actor, "staff", None)
        unit = staff.unit if staff is not None else None
    if unit is None:
        raise ClueError("请选择受理单位")
    _check_handler(actor, unit)
    clue = Clue(
        no=f"tmp-{uuid.uuid4().hex}",
        unit=unit,
        source=source,
        record=record,
        alert_id=alert_id,
        real_name=real_name,
        sealed_summary=b"",
        taken_by=actor,
        taken_at=now,
        intervener_tags=tags,
    )
    clue.save()
    clue.no = f"XS{now:%Y}{clue.pk:07d}"
    clue.sealed_summary = _seal_text(clue.no, "summary", summary)
    clue.save(update_fields=["no", "sealed_summary"])
    _step(clue, action=StepAction.TAKE, actor=actor, at=now)
    audit_record(
        actor=actor,
        action="interference.clue.take",
        target=clue,
        target_repr=clue.no,
        after={
            "source": source,
            "record": record.no if record else "",
            "alert": alert_id or "",
            "real_name": real_name,
        },
    )
    return clue


def due_on_for(clue: Clue, *, chosen: date | None = None) -> date:
    """The deadline: one month from taking for a real-name report (never later), otherwise the
    handler's date or the platform default."""
    taken = _local_day(clue.taken_at)
    if clue.real_name:
        limit = add_months(taken, REAL_NAME_MONTHS)
        if chosen is not None and chosen > limit:
            raise ClueError(f"实名举报应在受理后一个月内核查完毕，期限不能晚于 {limit:%Y-%m-%d}")
        return chosen or limit
    return chosen or add_months(taken, default_due_months())


def _locked(clue: Clue) -> Clue:
    locked = Clue.objects.select_for_update().get(pk=clue.pk)
    if locked.state == ClueState.CLOSED:
        raise ClueError("该线索已办结")
    return locked


@transaction.atomic
def clue_dispose(
    *,
    actor: Any,
    clue: Clue,
    disposal: str,
    due_on: date | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Clue:
    """Choose (or change) the disposal of an open clue and set its deadline."""
    now = now or timezone.now()
    if disposal not in ClueDisposal.values:
        raise ClueError("请选择处置方式")
    transfer = disposal == ClueDisposal.TRANSFER  # the note names the receiver (routes.py)
    note = _clean(note, "移送对象（说明）" if transfer else "说明", required=transfer)
    locked = _locked(clue)
    _check_handler(actor, locked.unit)
    if due_on is not None and due_on < _local_day(locked.taken_at):
        raise ClueError("办结期限不能早于受理日期")
    before = {"disposal": locked.disposal, "due_on": locked.due_on}
    locked.disposal = disposal
    locked.due_on = due_on_for(locked, chosen=due_on) if due_on or not locked.due_on else locked.due_on
    locked.state = ClueState.IN_PROGRESS
    locked.save(update_fields=["disposal", "due_on", "state"])
    _step(locked, action=StepAction.DISPOSE, actor=actor, at=now, note=note)
    audit_record(
        actor=actor,
        action="interference.clue.dispose",
        target=locked,
        target_repr=locked.no,
        before=before,
        after={"disposal": disposal, "due_on": locked.due_on},
    )
    return locked


@transaction.atomic
def clue_progress(*, actor: Any, clue: Clue, note: str, now: datetime | None = None) -> ClueStep:
    """Record a step of the handling (谈话、函询、核实 …) with a sealed note."""
    now = now or timezone.now()
    note = _clean(note, "办理情况", required=True)
    locked = _locked(clue)
    _check_handler(actor, locked.unit)
    step = _step(locked, action=StepAction.PROGRESS, actor=actor, at=now, note=note)
    audit_record(actor=actor, action="interference.clue.progress", target=locked, target_repr=locked.no)
    return step


@transaction.atomic
def clue_close(*, actor: Any, clue: Clue, outcome: str, now: datetime | None = None) -> Clue:
    """Close a clue with its outcome (sealed); a clue needs a disposal first."""
    now = now or timezone.now()
    outcome = _clean(outcome, "处置结果", required=True)
    locked = _locked(clue)
    _check_handler(actor, locked.unit)
    if not locked.disposal:
        raise ClueError("请先确定处置方式")
    locked.state = ClueState.CLOSED
    locked.closed_at = now
    locked.sealed_outcome = _seal_text(locked.no, "outcome", outcome)
    locked.save(update_fields=["state", "closed_at", "sealed_outcome"])
    _step(locked, action=StepAction.CLOSE, actor=actor, at=now)
    overdue = bool(locked.due_on and _local_day(now) > locked.due_on)
    audit_record(
        actor=actor,
        action="interference.clue.close",
        target=locked,
        target_repr=locked.no,
        after={"disposal": locked.disposal, "closed_late": overdue},
    )
    return locked


# --- the notice (一案一通报) ----------------------------------------------------------------------


def notice_step(clue: Clue) -> ClueStep | None:
    return clue.steps.filter(action=StepAction.NOTICE).order_by("at", "id").first()


@transaction.atomic
def clue_notice_issue(*, actor: Any, clue: Clue, summary: str, now: datetime | None = None) -> ClueStep:
    """Issue the one notice of a closed clue: the case summary in general terms the handler
    writes (kept sealed with the step), the disposal and the outcome."""
    now = now or timezone.now()
    summary = _clean(summary, "通报内容（概述）", required=True)
    locked = Clue.objects.select_for_update().get(pk=clue.pk)
    _check_handler(actor, locked.unit)
    if locked.state != ClueState.CLOSED:
        raise ClueError("线索办结后才能通报")
    if notice_step(locked) is not None:
        raise ClueError("该线索已通报（一案一通报），可再次下载通报文书")
    step = _step(locked, action=StepAction.NOTICE, actor=actor, at=now, note=summary)
    audit_record(actor=actor, action="interference.clue.notice", target=locked, target_repr=locked.no)
    return step


def notice_docx(*, clue: Clue, actor: Any) -> bytes:
    """The notice document of ``clue`` (Word), opened and audited; the clue must have one."""
    clue = Clue.objects.select_related("unit").get(pk=clue.pk)
    step = notice_step(clue)
    if step is None:
        raise ClueError("该线索尚未通报")
    content = clue_content(clue=clue, actor=actor)
    general = next((s.note for s in content.steps if s.step.pk == step.pk), "")
    issued = _local_day(step.at)
    doc = OfficialDocument(
        title=f"关于{clue.unit.name}问题线索处置情况的通报",
        issuing_unit=clue.unit.name,
        issued_on=issued,
        doc_no=f"线索编号 {clue.no}",
    )
    doc.heading("一、基本情况")
    doc.paragraph(general)
    doc.heading("二、处置方式")
    taken = chinese_date(_local_day(clue.taken_at))
    doc.paragraph(f"该线索于 {taken}受理，经研究采取“{clue.get_disposal_display()}”方式处置。")
    doc.heading("三、处置结果")
    doc.paragraph(content.outcome)
    doc.paragraph("特此通报。")
    doc.signature()
    return doc.to_bytes()


def clues_rekey(*, batch: int = 500) -> dict[str, int]:
    """Seal every clue's summary, outcome and step notes again under the current key (rotation,
    with :func:`lianjian.interference.services.rekey`); steps are append-only for users, and
    rotation rewrites only their ciphertext (``_append_only_ok``)."""
    from lianjian.common.sealing import keyring, sealed_key_id

    current = keyring().current
    counts = {"clues": 0, "clue_steps": 0}
    with transaction.atomic():
        for clue in Clue.objects.iterator(chunk_size=batch):
            fields = []
            summary = bytes(clue.sealed_summary)
            if summary and sealed_key_id(summary) != current:
                ctx = _context(clue.no, "summary")
                clue.sealed_summary = seal(unseal(summary, context=ctx), context=ctx)
                fields.append("sealed_summary")
            outcome = bytes(clue.sealed_outcome or b"")
            if outcome and sealed_key_id(outcome) != current:
                ctx = _context(clue.no, "outcome")
                clue.sealed_outcome = seal(unseal(outcome, context=ctx), context=ctx)
                fields.append("sealed_outcome")
            if fields:
                clue.save(update_fields=fields)
                counts["clues"] += 1
        steps = ClueStep.objects.exclude(sealed_note=None).select_related("clue")
        for step in steps.iterator(chunk_size=batch):
            key, _, body = bytes(step.sealed_note or b"").partition(b":")
            if sealed_key_id(body) == current:
                continue
            ctx = _context(step.clue.no, f"step:{key.decode()}")
            step.sealed_note = key + b":" + seal(unseal(body, context=ctx), context=ctx)
            step.save(_append_only_ok=True, update_fields=["sealed_note"])
            counts["clue_steps"] += 1
        audit_record(actor=None, action="interference.keys.rekey_clues", after={**counts, "key": current})
    return counts
