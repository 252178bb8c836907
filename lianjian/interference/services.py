"""Writes of the interference register: records and their versions, attachments, read requests.

Nothing here checks who the caller is beyond what the write itself requires (the recorder corrects
their own record; the chief decides a request): views check permissions first, and reads go
through :mod:`lianjian.interference.policy`. The audit log names the record and its
classification, never its content or the people in it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from django.db import models, transaction
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from lianjian.audit.services import audit_record
from lianjian.cases.models import Case
from lianjian.common.sealing import blind_tag, keyring, person_tags, person_values, seal, tags_key, unseal
from lianjian.interference.choices import (
    Channel,
    Confidentiality,
    MatterType,
    ReadRequestState,
    RecordCategory,
    Response,
    SubjectType,
    ViolationCode,
)
from lianjian.interference.models import Clue, ReadRequest, Record, RecordAttachment, RecordVersion
from lianjian.interference.policy import may_approve, may_request_read
from lianjian.interference.reporting import urgent_after_commit
from lianjian.org.models import Staff, Unit
from lianjian.risk.models import Alert

# Contacts outside work must be reported within 3 days (CT-PRC-03, DOMAIN_RULES.md §2.3 C).
CONTACT_REPORT_DAYS = 3
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 10
# The sealed fields of a version (everything that names a person or says what was asked).
SEALED_FIELDS = (
    "subject_name",
    "subject_org",
    "subject_position",
    "subject_staff_no",
    "location",
    "content",
    "response_note",
    "matter_ref",
    "correction_reason",
)


class RecordError(ValueError):
    """A record, correction or request that cannot be written; the message is for the user."""


_VIOLATION_PREFIX = {
    SubjectType.LEADER: ("LD-VIO",),
    SubjectType.AIDE_OR_RELATIVE: ("LD-VIO",),
    SubjectType.INTERNAL_OWN: ("IN-VIO",),
    SubjectType.INTERNAL_SUPERIOR: ("IN-VIO",),
    SubjectType.INTERNAL_OTHER: ("IN-VIO",),
    SubjectType.PARTY: ("CT-PRO",),
    SubjectType.RETIRED: ("IN-VIO", "CT-PRO"),
    SubjectType.OTHER: ("LD-VIO", "IN-VIO", "CT-PRO"),
}


class RecordInput(BaseModel):
    """What a recorder enters (DOMAIN_RULES.md §2.4). Messages are for the form."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    subject_name: str = Field(min_length=1, max_length=50)
    subject_org: str = Field(min_length=1, max_length=100)
    subject_position: str = Field(min_length=1, max_length=100)
    subject_type: SubjectType
    subject_staff_no: str = Field(default="", max_length=32)
    occurred_at: datetime
    location: str = Field(min_length=1, max_length=200)
    in_workplace: bool = True
    in_hours: bool = True
    channel: Channel
    matter_type: MatterType
    case_no: str = Field(default="", max_length=100)
    matter_ref: str = Field(default="", max_length=300)
    content: str = Field(min_length=1, max_length=5000)
    category: RecordCategory
    violation_codes: list[ViolationCode] = Field(default_factory=list)
    response: Response
    response_note: str = Field(default="", max_length=2000)
    affected_case: bool = False
    approval_ref: str = Field(default="", max_length=64)
    confidentiality: Confidentiality = Confidentiality.NORMAL
    report_unit_code: str = Field(default="", max_length=32)

    @field_validator("occurred_at")
    @classmethod
    def _not_future(cls, value: datetime) -> datetime:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        if value > timezone.now() + timedelta(minutes=5):
            raise ValueError("过问时间不能晚于现在")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> RecordInput:
        if self.matter_type == MatterType.CASE and not (self.case_no or self.matter_ref):
            raise ValueError("司法办案类事项须填写涉及案件（案件编号，或案号、案由、办案环节）")
        allowed = _VIOLATION_PREFIX[self.subject_type]
        for code in self.violation_codes:
            if not code.startswith(allowed):
                raise ValueError(f"违规情形 {code} 与过问人类别“{self.subject_type.label}”不符")
        if self.violation_codes and self.category in (
            RecordCategory.RC01,
            RecordCategory.RC02,
            RecordCategory.RC03,
        ):
            raise ValueError("依法履职、了解进展、依法监督类记录不应标注违规情形；如有违规请改选分类")
        return self


def input_errors(exc: ValidationError) -> list[str]:
    """Chinese messages of a ``RecordInput`` validation error, one per problem."""
    labels = {
        "subject_name": "过问人姓名",
        "subject_org": "过问人单位",
        "subject_position": "过问人职务",
        "subject_type": "过问人类别",
        "occurred_at": "过问时间",
        "location": "地点",
        "channel": "方式",
        "matter_type": "事项类别",
        "content": "具体内容",
        "category": "填报分类",
        "response": "处置方式",
        "violation_codes": "违规情形",
    }
    messages = []
    for error in exc.errors():
        where = error.get("loc") or ()
        label = labels.get(str(where[0]), str(where[0])) if where else ""
        text = str(error.get("msg", "")).removeprefix("Value error, ")
        if error.get("type") in ("missing", "string_too_short"):
            text = "必填"
        elif error.get("type") == "string_too_long":
            text = "过长"
        elif error.get("type") in ("enum", "literal_error"):
            text = "取值无效"
        elif error.get("type", "").startswith("datetime"):
            text = "时间格式无效"
        messages.append(f"{label}：{text}" if label else text)
    return messages


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


def _context(record_no: str, number: int) -> str:
    return f"interference.record:{record_no}:v{number}"


def _attachment_context(record_no: str, attachment_uuid: str, part: str) -> str:
    return f"interference.attachment:{record_no}:{attachment_uuid}:{part}"


def _classification(data: RecordInput) -> dict[str, Any]:
    return {
        "subject_type": str(data.subject_type),
        "occurred_at": data.occurred_at.isoformat(),
        "in_workplace": data.in_workplace,
        "in_hours": data.in_hours,
        "channel": str(data.channel),
        "matter_type": str(data.matter_type),
        "category": str(data.category),
        "violation_codes": [str(c) for c in data.violation_codes],
        "response": str(data.response),
        "case_no": data.case_no,
        "affected_case": data.affected_case,
        "approval_ref": data.approval_ref,
        "confidentiality": str(data.confidentiality),
    }


def _report_unit(recorder: Staff, code: str) -> tuple[Unit, bool]:
    if not code or code == recorder.unit.code:
        return recorder.unit, False
    chain = recorder.unit.ancestor_codes()
    if code not in chain:
        raise RecordError("越级报告只能报至本院的上级院")
    return Unit.objects.get(code=code), True


def _apply(record: Record, data: RecordInput, *, recorded_at: datetime) -> None:
    case = Case.objects.filter(case_no=data.case_no).first() if data.case_no else None
    if data.case_no and case is None:
        raise RecordError(f"未找到案件：{data.case_no}（可在“涉及事项”中填写案号、案由）")
    record.subject_type = data.subject_type
    record.occurred_at = data.occurred_at
    record.in_workplace = data.in_workplace
    record.in_hours = data.in_hours
    record.channel = data.channel
    record.matter_type = data.matter_type
    record.category = data.category
    record.violation_codes = [str(c) for c in data.violation_codes]
    record.response = data.response
    record.case = case
    record.case_no = data.case_no
    record.affected_case = data.affected_case
    record.approval_ref = data.approval_ref
    record.confidentiality = data.confidentiality
    outside = not (data.in_workplace and data.in_hours)
    record.reported_late = outside and recorded_at - data.occurred_at > timedelta(days=CONTACT_REPORT_DAYS)
    record.intervener_tags = tags_key(person_tags(staff_no=data.subject_staff_no, name=data.subject_name))


def _check_uploads(uploads: list[Upload], already: int = 0) -> None:
    if len(uploads) + already > MAX_ATTACHMENTS:
        raise RecordError(f"每条记录最多 {MAX_ATTACHMENTS} 个附件")
    for upload in uploads:
        if not upload.content:
            raise RecordError(f"附件“{upload.name}”是空文件")
        if len(upload.content) > MAX_ATTACHMENT_BYTES:
            raise RecordError(f"附件“{upload.name}”超过 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB")


def _attach(record: Record, uploads: list[Upload], *, by: Staff, now: datetime) -> None:
    for upload in uploads:
        key = uuid.uuid4().hex
        RecordAttachment.objects.create(
            record=record,
            version=record.version,
            sealed_name=key.encode()
            + b":"
            + seal(upload.name.encode(), context=_attachment_context(record.no, key, "name")),
            sealed_content=seal(upload.content, context=_attachment_context(record.no, key, "content")),
            size=len(upload.content),
            uploaded_at=now,
            uploaded_by=by,
        )


def _write_version(record: Record, data: RecordInput, *, by: Staff, now: datetime, reason: str = "") -> None:
    payload = {name: getattr(data, name, "") for name in SEALED_FIELDS if name != "correction_reason"}
    payload["correction_reason"] = reason
    RecordVersion.objects.create(
        record=record,
        number=record.version,
        created_at=now,
        created_by=by,
        classification=_classification(data),
        sealed=seal(orjson.dumps(payload), context=_context(record.no, record.version)),
    )


def _detect_on_commit(record: Record) -> None:
    """GX05 / R-3G-01 for this record once it is committed (a failure there never undoes it)."""
    from lianjian.interference.kinds.record_link import record_detect

    record_id = record.pk
    transaction.on_commit(lambda: record_detect(record_id))


def _write(
    record: Record,
    data: RecordInput,
    uploads: list[Upload],
    *,
    by: Staff,
    now: datetime,
    actor: Any,
    action: str,
    reason: str = "",
    **details: Any,
) -> None:
    """The rest of a create or a correction: the version, the attachments, the audit row, and
    after commit the urgent notice and the register's detection."""
    _write_version(record, data, by=by, now=now, reason=reason)
    _attach(record, uploads, by=by, now=now)
    audit_record(
        actor=actor,
        action=f"interference.record.{action}",
        target=record,
        target_repr=record.no,
        # The number and counts only: not even the category, which with the actor would tell the
        # audit administrator what kind of interference someone recorded.
        after={"version": record.version, "attachments": len(uploads), **details},
    )
    urgent_after_commit(record)
    _detect_on_commit(record)


@transaction.atomic
def record_create(
    *,
    recorder: Staff,
    data: RecordInput,
    uploads: list[Upload] | None = None,
    actor: Any,
    now: datetime | None = None,
) -> Record:
    """Write a new record (version 1) with its attachments, all or nothing."""
    now = now or timezone.now()
    uploads = uploads or []
    _check_uploads(uploads)
    report_unit, skip_level = _report_unit(recorder, data.report_unit_code)
    record = Record(
        no=f"tmp-{uuid.uuid4().hex}",
        unit=recorder.unit,
        department=recorder.department,
        recorder=recorder,
        recorded_at=now,
        report_unit=report_unit,
        skip_level=skip_level,
        version=1,
        updated_at=now,
    )
    _apply(record, data, recorded_at=now)
    record.save()
    record.no = f"GY{now:%Y}{record.pk:07d}"
    record.save(update_fields=["no"])
    _write(record, data, uploads, by=recorder, now=now, actor=actor, action="create", skip_level=skip_level)
    return record


@transaction.atomic
def record_correct(
    *,
    record: Record,
    recorder: Staff,
    data: RecordInput,
    reason: str,
    uploads: list[Upload] | None = None,
    actor: Any,
    now: datetime | None = None,
) -> Record:
    """A correction: a new version; earlier versions and attachments stay as they were."""
    now = now or timezone.now()
    uploads = uploads or []
    locked = Record.objects.select_for_update().get(pk=record.pk)
    if locked.recorder_id != recorder.pk:
        raise RecordError("只有记录人本人可以更正记录")
    if not reason.strip():
        raise RecordError("请填写更正原因")
    _check_uploads(uploads, already=locked.attachments.count())
    locked.version += 1
    locked.updated_at = now
    _apply(locked, data, recorded_at=locked.recorded_at)
    locked.save()
    _write(
        locked,
        data,
        uploads,
        by=recorder,
        now=now,
        actor=actor,
        action="correct",
        reason=reason.strip()[:500],
    )
    return locked


def version_content(version: RecordVersion) -> dict[str, Any]:
    """The sealed fields of one version, opened (the caller has checked the reader)."""
    opened = orjson.loads(unseal(version.sealed, context=_context(version.record.no, version.number)))
    return {**version.classification, **opened}


def record_content(record: Record, number: int | None = None) -> dict[str, Any]:
    version = record.versions.get(number=number or record.version)
    return version_content(version)


def attachment_open(attachment: RecordAttachment) -> tuple[str, bytes]:
    """An attachment's name and content, opened."""
    key, _, sealed_name = bytes(attachment.sealed_name).partition(b":")
    record_no = attachment.record.no
    name = unseal(sealed_name, context=_attachment_context(record_no, key.decode(), "name")).decode()
    content = unseal(
        attachment.sealed_content, context=_attachment_context(record_no, key.decode(), "content")
    )
    return name, content


MAX_READ_WINDOW_DAYS = 30


@transaction.atomic
def read_request_create(
    *, requester: Any, record: Record, reason: str, window_start: datetime, window_end: datetime
) -> ReadRequest:
    """查阅审批: ask to read one record within a window of at most 30 days."""
    if not may_request_read(requester, record):
        raise RecordError("您不在该记录的报告链中，或已可查阅，无需申请")
    if not reason.strip():
        raise RecordError("请填写查阅事由")
    if window_end <= window_start:
        raise RecordError("查阅截止时间应晚于起始时间")
    if window_end - window_start > timedelta(days=MAX_READ_WINDOW_DAYS):
        raise RecordError(f"查阅期限最长 {MAX_READ_WINDOW_DAYS} 天")
    if ReadRequest.objects.filter(
        record=record, requester=requester, state=ReadRequestState.PENDING
    ).exists():
        raise RecordError("已有待审批的查阅申请")
    request = ReadRequest.objects.create(
        record=record,
        requester=requester,
        reason=reason.strip()[:500],
        window_start=window_start,
        window_end=window_end,
        requested_at=timezone.now(),
    )
    audit_record(
        actor=requester,
        action="interference.read_request.create",
        target=request,
        target_repr=record.no,
        after={"window": [window_start.isoformat(), window_end.isoformat()]},
    )
    return request


@transaction.atomic
def read_request_decide(*, request: ReadRequest, decider: Any, approve: bool, note: str = "") -> ReadRequest:
    locked = ReadRequest.objects.select_for_update().select_related("record__report_unit").get(pk=request.pk)
    if locked.state != ReadRequestState.PENDING:
        raise RecordError("该申请已处理")
    if not may_approve(decider, locked):
        raise RecordError("只有该记录报告单位（或其上级院）的检察长可以审批，且不能审批本人的申请")
    locked.state = ReadRequestState.APPROVED if approve else ReadRequestState.REJECTED
    locked.decided_by = decider
    locked.decided_at = timezone.now()
    locked.decision_note = note.strip()[:500]
    locked.save()
    audit_record(
        actor=decider,
        action="interference.read_request.decide",
        target=locked,
        target_repr=locked.record.no,
        after={"state": locked.state},
    )
    return locked


@transaction.atomic
def read_request_withdraw(*, request: ReadRequest, requester: Any) -> ReadRequest:
    locked = ReadRequest.objects.select_for_update().get(pk=request.pk)
    if locked.requester_id != requester.pk or locked.state != ReadRequestState.PENDING:
        raise RecordError("只能撤回本人待审批的申请")
    locked.state = ReadRequestState.WITHDRAWN
    locked.save(update_fields=["state"])
    return locked


def rekey(*, batch: int = 500) -> dict[str, int]:
    """Seal every value again under the current key (rotation); returns counts per table.

    Versions and attachments are append-only for users; rotation rewrites the ciphertext of the
    same content, which the append-only guard allows only here (``_append_only_ok``).
    """
    from lianjian.common.sealing import keyring, sealed_key_id

    current = keyring().current
    counts = {"versions": 0, "attachments": 0}
    with transaction.atomic():
        for version in RecordVersion.objects.select_related("record").iterator(chunk_size=batch):
            if sealed_key_id(version.sealed) == current:
                continue
            context = _context(version.record.no, version.number)
            version.sealed = seal(unseal(version.sealed, context=context), context=context)
            version.save(_append_only_ok=True, update_fields=["sealed"])
            counts["versions"] += 1
        for attachment in RecordAttachment.objects.select_related("record").iterator(chunk_size=batch):
            key, _, sealed_name = bytes(attachment.sealed_name).partition(b":")
            if sealed_key_id(sealed_name) == current and sealed_key_id(attachment.sealed_content) == current:
                continue
            name_ctx = _attachment_context(attachment.record.no, key.decode(), "name")
            content_ctx = _attachment_context(attachment.record.no, key.decode(), "content")
            attachment.sealed_name = (
                key + b":" + seal(unseal(sealed_name, context=name_ctx), context=name_ctx)
            )
            attachment.sealed_content = seal(
                unseal(attachment.sealed_content, context=content_ctx), context=content_ctx
            )
            attachment.save(_append_only_ok=True, update_fields=["sealed_name", "sealed_content"])
            counts["attachments"] += 1
        audit_record(actor=None, action="interference.keys.rekey", after={**counts, "key": current})
    return counts


def retag(*, batch: int = 500) -> dict[str, int]:
    """Compute the stored blind tags again under the current index key (index-key rotation);
    returns counts per table and of the tags that could not be translated.

    A record's tags are those of its latest version's intervener (opened). A clue's or an alert's
    tags were copied from records (perhaps from an earlier version) or computed from staff, so each
    is translated through every known person — every staff member and every version's intervener —
    under every index key of the ring. A tag that translates to nothing stays as it is (dropping
    it could show someone what is about them) and is counted as ``unmapped``.
    """
    ring = keyring()
    counts = {"records": 0, "clues": 0, "alerts": 0, "unmapped": 0}
    with transaction.atomic():
        known: set[tuple[str, str]] = set()
        records: list[Record] = []
        for version in RecordVersion.objects.select_related("record").iterator(chunk_size=batch):
            content = version_content(version)
            person = {
                "staff_no": content.get("subject_staff_no", ""),
                "name": content.get("subject_name", ""),
            }
            known.update(person_values(**person))
            record, tags = version.record, tags_key(person_tags(**person))
            if version.number == record.version and record.intervener_tags != tags:
                record.intervener_tags = tags
                records.append(record)
        Record.objects.bulk_update(records, ["intervener_tags"], batch_size=batch)
        counts["records"] = len(records)
        for staff_no, name in Staff.objects.values_list("staff_no", "name").iterator(chunk_size=batch):
            known.update(person_values(staff_no=staff_no, name=name))
        current = {
            blind_tag(kind, value, key=key): blind_tag(kind, value, key=ring.index_key)
            for key in ring.index_keys
            for kind, value in known
        }
        tables: tuple[tuple[type[models.Model], str, str], ...] = (
            (Clue, "intervener_tags", "clues"),
            (Alert, "hidden_from_key", "alerts"),
        )
        for model, field, name in tables:
            changed = []
            rows = model._default_manager.exclude(**{field: ""}).values_list("pk", field)
            for pk, stored in rows.iterator(chunk_size=batch):
                parts = [tag for tag in stored.split("|") if tag]
                counts["unmapped"] += sum(tag not in current for tag in parts)
                translated = tags_key([current.get(tag, tag) for tag in parts])
                if translated != stored:
                    changed.append(model(pk=pk, **{field: translated}))
            model._default_manager.bulk_update(changed, [field], batch_size=batch)
            counts[name] = len(changed)
        audit_record(
            actor=None, action="interference.keys.retag", after={**counts, "index_keys": len(ring.index_keys)}
        )
    return counts
