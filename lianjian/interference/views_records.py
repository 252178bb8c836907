"""Pages of recording and reading (F5.1, F5.3): 新增记录, 我的记录, 记录查阅 (with its Excel
export), the record's detail and attachments, 更正, and 查阅审批.

Every queryset comes from :mod:`lianjian.interference.policy`; a record the user may not read
answers 404, the same as an absent one. Every open of a record's content or attachment, and every
export, is audited (``interference.record.read``) with its basis and never with content, names
or attachment names.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.accounts.models import User
from lianjian.audit.services import audit_read
from lianjian.common.listing import Column, render_list
from lianjian.common.permissions import Perm
from lianjian.common.views import require_perm
from lianjian.interference import policy
from lianjian.interference.choices import ReadRequestState
from lianjian.interference.forms_records import (
    CorrectionForm,
    DecisionForm,
    ReadRequestForm,
    RecordFilterForm,
    RecordForm,
)
from lianjian.interference.models import ReadRequest, Record
from lianjian.interference.services import (
    RecordError,
    attachment_open,
    read_request_create,
    read_request_decide,
    read_request_withdraw,
    record_correct,
    record_create,
    version_content,
)
from lianjian.notify.services import notify
from lianjian.org.choices import StaffPosition
from lianjian.org.models import Unit

READ_ACTION = "interference.record.read"
# Who reaches a record page at all: recorders, readers, and leaders with an approved request.
RECORD_PERMS = (Perm.INTERFERENCE_RECORD, Perm.INTERFERENCE_READ, Perm.INTERFERENCE_STATS)
# The classification shown in lists and exports (plain fields only).
COLUMNS = [
    Column(
        "登记编号",
        lambda r: r.no,
        lambda r: reverse("interference:record_detail", args=[r.no]),
        "record-link",
    ),
    Column("过问时间", lambda r: r.occurred_at),
    Column("记录时间", lambda r: r.recorded_at),
    Column("填报分类", lambda r: f"{r.category} {r.get_category_display()}"),
    Column("事项类别", lambda r: f"{r.matter_type} {r.get_matter_type_display()}"),
    Column("过问人类别", lambda r: r.get_subject_type_display()),
    Column("报告单位", lambda r: r.report_unit.name + ("（越级）" if r.skip_level else "")),
    Column("保密级别", lambda r: r.get_confidentiality_display()),
    Column("版本", lambda r: r.version),
]


def _staff(user: Any) -> Any:
    staff = getattr(user, "staff", None)
    if staff is None:
        raise PermissionDenied("您的账号未关联人员信息，不能登记“三个规定”记录")
    return staff


def _readable(user: Any) -> QuerySet[Record]:
    return policy.records_readable_by(user).select_related("report_unit")


def _audit_open(user: Any, record: Record, *, what: str, **details: Any) -> None:
    audit_read(
        actor=user,
        action=READ_ACTION,
        target=record,
        basis=policy.read_basis(user, record),
        what=what,
        **details,
    )


def _form_failed(form: RecordForm, exc: RecordError) -> None:
    form.add_error(None, str(exc))


@never_cache
@require_perm(Perm.INTERFERENCE_RECORD)
@require_http_methods(["GET", "POST"])
def record_create_view(request: HttpRequest) -> HttpResponse:
    """新增记录: the form with its guidance; a failed submit writes nothing."""
    user: Any = request.user
    staff = _staff(user)
    form = RecordForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            record = record_create(
                recorder=staff,
                data=form.cleaned_data["record_input"],
                uploads=form.cleaned_data["uploads"],
                actor=user,
            )
        except RecordError as exc:
            _form_failed(form, exc)
        else:
            messages.success(request, f"已登记记录 {record.no}。如实记录受法律和组织保护（CF-01）。")
            return redirect("interference:record_detail", record.no)
    return render(
        request,
        "interference/record_form.html",
        {"page_title": "新增“三个规定”记录", "form": form, "guidance": True},
    )


@never_cache
@require_perm(Perm.INTERFERENCE_RECORD)
def record_mine(request: HttpRequest) -> HttpResponse:
    """我的记录: the records I recorded."""
    user: Any = request.user
    records = _readable(user).filter(recorder_id=user.staff_id) if user.staff_id else Record.objects.none()

    def on_export() -> None:
        audit_read(
            actor=user,
            action=READ_ACTION,
            what="export",
            basis="记录人本人",
            records=list(records.values_list("pk", flat=True)),
        )

    return render_list(request, title="我的记录", queryset=records, columns=COLUMNS, on_export=on_export)


def _filtered(records: QuerySet[Record], form: RecordFilterForm) -> QuerySet[Record]:
    """``records`` narrowed by the filters — plain fields only, never the sealed content."""
    if not form.is_valid():
        return records
    data = form.cleaned_data
    if data["q"]:
        text = data["q"].strip()
        records = records.filter(
            Q(no__icontains=text) | Q(case_no__icontains=text) | Q(category__iexact=text)
        )
    if data["start"]:
        records = records.filter(recorded_at__date__gte=data["start"])
    if data["end"]:
        records = records.filter(recorded_at__date__lte=data["end"])
    if data["category"]:
        records = records.filter(category=data["category"])
    if data["subject_type"]:
        records = records.filter(subject_type=data["subject_type"])
    if data["unit"]:
        records = records.filter(report_unit__code=data["unit"])
    return records


@never_cache
@require_perm(Perm.INTERFERENCE_READ)
def record_list(request: HttpRequest) -> HttpResponse:
    """记录查阅: the records readable by a 检务督察 / 纪检监察 user, with filters and an export
    (one read event naming the exported record ids)."""
    user: Any = request.user
    readable = _readable(user)
    units = list(Unit.objects.filter(pk__in=readable.values("report_unit")).order_by("path"))
    form = RecordFilterForm(request.GET or None, units=units)
    records = _filtered(readable, form)

    def on_export() -> None:
        audit_read(
            actor=user,
            action=READ_ACTION,
            what="export",
            basis="记录查阅导出",
            records=list(records.values_list("pk", flat=True)[:100_000]),
        )

    return render_list(
        request,
        title="记录查阅",
        queryset=records,
        columns=COLUMNS,
        filter_form=form,
        on_export=on_export,
    )


def _versions(record: Record) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every version opened, and the rows of the side-by-side history (field × version)."""
    opened: list[dict[str, Any]] = [
        {"number": v.number, "created_at": v.created_at, "content": version_content(v)}
        for v in record.versions.select_related("record").order_by("number")
    ]
    rows = []
    for name, label in HISTORY_FIELDS:
        values = [_display(name, item["content"].get(name)) for item in opened]
        rows.append(
            {
                "label": label,
                "values": [
                    {"text": value, "changed": index > 0 and value != values[index - 1]}
                    for index, value in enumerate(values)
                ],
            }
        )
    return opened, rows


HISTORY_FIELDS = [
    ("subject_name", "过问人姓名"),
    ("subject_org", "过问人所在单位"),
    ("subject_position", "过问人职务"),
    ("subject_type", "过问人类别"),
    ("occurred_at", "过问时间"),
    ("location", "地点"),
    ("in_workplace", "在工作场所"),
    ("in_hours", "在工作时间"),
    ("channel", "方式"),
    ("matter_type", "重大事项类别"),
    ("case_no", "涉及案件编号"),
    ("matter_ref", "涉及事项"),
    ("content", "具体内容和要求"),
    ("category", "填报分类"),
    ("violation_codes", "违规情形"),
    ("response", "本人处置"),
    ("response_note", "处置情况说明"),
    ("approval_ref", "接触审批单号"),
    ("affected_case", "已影响案件正常办理"),
    ("confidentiality", "保密级别"),
    ("correction_reason", "更正原因"),
]


def _display(name: str, value: Any) -> str:
    from lianjian.interference import choices

    enums = {
        "subject_type": choices.SubjectType,
        "channel": choices.Channel,
        "matter_type": choices.MatterType,
        "category": choices.RecordCategory,
        "response": choices.Response,
        "confidentiality": choices.Confidentiality,
    }
    if value in (None, ""):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if name == "occurred_at" and isinstance(value, str):
        from datetime import datetime

        return timezone.localtime(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
    if name == "violation_codes":
        return "、".join(str(v) for v in value)
    if name in enums:
        try:
            return f"{enums[name](value).label}"
        except ValueError:
            return str(value)
    return str(value)


@never_cache
@require_perm(*RECORD_PERMS)
def record_detail(request: HttpRequest, no: str) -> HttpResponse:
    """One record in full (content, intervener, attachments, every version) — only if the policy
    lets the user read it; otherwise 404. Every open is audited."""
    user: Any = request.user
    record = get_object_or_404(_readable(user), no=no)
    opened, history = _versions(record)
    attachments = [
        {"pk": a.pk, "name": attachment_open(a)[0], "size": a.size, "version": a.version}
        for a in record.attachments.select_related("record").order_by("id")
    ]
    _audit_open(user, record, what="detail")
    return render(
        request,
        "interference/record_detail.html",
        {
            "page_title": f"记录 {record.no}",
            "record": record,
            "current": opened[-1]["content"] if opened else {},
            "current_rows": [
                (label, row["values"][-1]["text"])
                for (_, label), row in zip(HISTORY_FIELDS, history, strict=True)
            ],
            "versions": opened,
            "history": history,
            "attachments": attachments,
            "is_recorder": record.recorder_id == user.staff_id,
            "basis": policy.read_basis(user, record),
        },
    )


@never_cache
@require_perm(*RECORD_PERMS)
def record_attachment(request: HttpRequest, no: str, pk: int) -> HttpResponse:
    """Download one attachment of a readable record (audited without the file's name)."""
    user: Any = request.user
    record = get_object_or_404(_readable(user), no=no)
    attachment = get_object_or_404(record.attachments.select_related("record"), pk=pk)
    name, content = attachment_open(attachment)
    _audit_open(user, record, what="attachment", attachment=attachment.pk)
    response = HttpResponse(content, content_type="application/octet-stream")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@require_perm(Perm.INTERFERENCE_RECORD)
@require_http_methods(["GET", "POST"])
def record_correct_view(request: HttpRequest, no: str) -> HttpResponse:
    """更正: the recorder's own record, pre-filled with its current version; a reason is required.
    Another user's record answers 404 and nothing changes."""
    user: Any = request.user
    staff = _staff(user)
    record = get_object_or_404(_readable(user).filter(recorder_id=staff.pk), no=no)
    if request.method == "POST":
        form = CorrectionForm(request.POST, request.FILES or None, user=user)
    else:
        opened = version_content(record.versions.select_related("record").get(number=record.version))
        form = CorrectionForm(user=user, initial=CorrectionForm.initial_from(opened))
        _audit_open(user, record, what="correct")
    if request.method == "POST" and form.is_valid():
        try:
            record_correct(
                record=record,
                recorder=staff,
                data=form.cleaned_data["record_input"],
                reason=form.cleaned_data["reason"],
                uploads=form.cleaned_data["uploads"],
                actor=user,
            )
        except RecordError as exc:
            _form_failed(form, exc)
        else:
            messages.success(request, f"已更正记录 {record.no}（原版本保留）。")
            return redirect("interference:record_detail", record.no)
    return render(
        request,
        "interference/record_form.html",
        {"page_title": f"更正记录 {record.no}", "form": form, "record": record, "guidance": False},
    )


def _chiefs_for(request_row: ReadRequest) -> list[Any]:
    """The chief prosecutors who may decide ``request_row`` (for the notification)."""
    codes = request_row.record.report_unit.ancestor_codes()
    candidates = User.objects.filter(
        is_active=True, staff__position=StaffPosition.CHIEF, staff__unit__code__in=codes
    ).select_related("staff__unit")
    return [u for u in candidates if policy.may_approve(u, request_row)]


@never_cache
@require_perm(Perm.INTERFERENCE_STATS, Perm.INTERFERENCE_APPROVE)
def read_requests(request: HttpRequest) -> HttpResponse:
    """查阅审批: look a record up by number to ask to read it; my requests; and for the chief the
    requests to decide. A number the user may not ask for answers like an absent one."""
    user: Any = request.user
    now = timezone.now()
    lookup = (request.GET.get("no") or "").strip()[:40]
    found: Record | None = None
    readable = False
    if lookup and user.has_lianjian_perm(Perm.INTERFERENCE_STATS):
        candidate = Record.objects.filter(no=lookup).first()
        if candidate is not None and policy.record_readable(user, candidate):
            found, readable = candidate, True
        elif candidate is not None and policy.may_request_read(user, candidate):
            found = candidate
    form = ReadRequestForm(
        initial={
            "record_no": found.no if found else "",
            "start": timezone.localdate(),
            "end": timezone.localdate(),
        }
    )
    mine = []
    for row in ReadRequest.objects.filter(requester_id=user.pk).select_related("record", "decided_by"):
        open_now = (
            row.state == ReadRequestState.APPROVED
            and row.window_start <= now <= row.window_end
            and policy.record_readable(user, row.record, now=now)
        )
        mine.append({"row": row, "open_now": open_now})
    queue = list(policy.requests_decidable_by(user).filter(state=ReadRequestState.PENDING))
    return render(
        request,
        "interference/read_requests.html",
        {
            "page_title": "查阅审批",
            "lookup": lookup,
            "found": found,
            "found_readable": readable,
            "form": form,
            "mine": mine,
            "queue": queue,
            "can_request": user.has_lianjian_perm(Perm.INTERFERENCE_STATS),
        },
    )


@require_perm(Perm.INTERFERENCE_STATS)
@require_POST
def read_request_create_view(request: HttpRequest) -> HttpResponse:
    """Ask to read one record; the chief prosecutors who may decide are told (number only)."""
    user: Any = request.user
    form = ReadRequestForm(request.POST)
    record = Record.objects.filter(no=(request.POST.get("record_no") or "").strip()[:40]).first()
    if record is None or not policy.may_request_read(user, record):
        raise Http404
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(f"{reverse('interference:read_requests')}?no={record.no}")
    try:
        with transaction.atomic():
            row = read_request_create(
                requester=user,
                record=record,
                reason=form.cleaned_data["reason"],
                window_start=form.cleaned_data["window_start"],
                window_end=form.cleaned_data["window_end"],
            )
            notify(
                _chiefs_for(row),
                kind="OTHER",
                title=f"查阅审批：记录 {record.no} 的查阅申请待您审批",
                url=reverse("interference:read_requests"),
                key=f"interference.read_request:{row.pk}:new",
            )
    except RecordError as exc:
        messages.error(request, str(exc))
        return redirect(f"{reverse('interference:read_requests')}?no={record.no}")
    messages.success(request, f"已提交记录 {record.no} 的查阅申请，等待检察长审批。")
    return redirect("interference:read_requests")


@require_perm(Perm.INTERFERENCE_APPROVE)
@require_POST
def read_request_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or reject a request (the chief prosecutor of the record's chain, never one's own)."""
    user: Any = request.user
    row = get_object_or_404(policy.requests_decidable_by(user).filter(state=ReadRequestState.PENDING), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请求无效：请选择批准或不予批准。")
        return redirect("interference:read_requests")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        with transaction.atomic():
            decided = read_request_decide(
                request=row, decider=user, approve=approve, note=form.cleaned_data["note"]
            )
            no = decided.record.no
            notify(
                [decided.requester],
                kind="OTHER",
                title=f"查阅审批：记录 {no} 的查阅申请{'已批准' if approve else '未获批准'}",
                url=reverse("interference:read_requests"),
                key=f"interference.read_request:{decided.pk}:decided",
            )
    except RecordError as exc:
        messages.error(request, str(exc))
        return redirect("interference:read_requests")
    messages.success(request, f"已{'批准' if approve else '不予批准'}记录 {no} 的查阅申请。")
    return redirect("interference:read_requests")


@require_perm(Perm.INTERFERENCE_STATS)
@require_POST
def read_request_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    row = get_object_or_404(
        ReadRequest.objects.filter(requester_id=user.pk, state=ReadRequestState.PENDING), pk=pk
    )
    try:
        read_request_withdraw(request=row, requester=user)
    except RecordError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已撤回查阅申请。")
    return redirect("interference:read_requests")
