"""The clue pages (F5.4, 问题线索), for 纪检监察 (``clue.handle``) only.

A clue outside the handler's scope, or about the handler, answers 404 like an absent one. The
list shows no sealed field; the detail page opens them and the read is audited.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lianjian.common.officedoc import DOCX
from lianjian.common.permissions import Perm
from lianjian.common.views import require_perm
from lianjian.interference import clues
from lianjian.interference import statistics as st
from lianjian.interference.choices import ClueDisposal, ClueSource, ClueState
from lianjian.interference.models import Record
from lianjian.interference.routes import transfer_route
from lianjian.org.models import Unit


class ClueTakeForm(forms.Form):
    source = forms.ChoiceField(label="线索来源", choices=ClueSource.choices)
    record_no = forms.CharField(
        label="登记编号",
        max_length=40,
        required=False,
        help_text="来源为“三个规定”记录时填写（如 GY20260000001）",
    )
    alert_id = forms.IntegerField(
        label="预警编号",
        required=False,
        min_value=1,
        help_text="来源为预警移送时填写（预警详情页地址中的编号）",
    )
    unit = forms.CharField(
        label="受理单位编码", max_length=32, required=False, help_text="不填为本人所在单位"
    )
    real_name = forms.BooleanField(label="实名举报（受理后一个月内核查完毕）", required=False)
    summary = forms.CharField(
        label="线索摘要",
        max_length=clues.MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="加密保存；来源为举报或其他时必填",
    )


class DisposeForm(forms.Form):
    disposal = forms.ChoiceField(label="处置方式", choices=ClueDisposal.choices)
    due_on = forms.DateField(label="办结期限", required=False)
    note = forms.CharField(label="说明", max_length=clues.MAX_TEXT, required=False)


class TextForm(forms.Form):
    text = forms.CharField(label="内容", max_length=clues.MAX_TEXT)


@never_cache
@require_perm(Perm.CLUE_HANDLE)
@require_GET
def clue_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    today = st.today()
    visible = clues.clues_visible_to(user)
    state = request.GET.get("state", "")
    if state in ClueState.values:
        visible = visible.filter(state=state)
    if request.GET.get("overdue") == "1":
        visible = visible.filter(clues.overdue_q(today))
    page = Paginator(visible.order_by("-taken_at", "-id"), 30).get_page(request.GET.get("page"))
    rows = [{"clue": c, "overdue": clues.is_overdue(c, today)} for c in page]
    return render(
        request,
        "interference/clue_list.html",
        {
            "page_title": "问题线索",
            "page": page,
            "rows": rows,
            "states": ClueState.choices,
            "state": state,
            "overdue_only": request.GET.get("overdue") == "1",
            "overdue_total": clues.clues_visible_to(user).filter(clues.overdue_q(today)).count(),
        },
    )


@never_cache
@require_perm(Perm.CLUE_HANDLE)
@require_http_methods(["GET", "POST"])
def clue_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = ClueTakeForm(
        request.POST or None, initial={"source": request.GET.get("source", ClueSource.RECORD)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        record = None
        if data["source"] == ClueSource.RECORD:
            # Only a record the handler may read is found; any other number reads as absent.
            record = (
                Record.objects.filter(no=data["record_no"].strip()).first() if data["record_no"] else None
            )
        unit = None
        if data["unit"]:
            unit = Unit.objects.filter(code=data["unit"].strip()).first()
            if unit is None:
                form.add_error("unit", "单位编码不存在")
        if not form.errors:
            try:
                clue = clues.clue_take(
                    actor=user,
                    source=data["source"],
                    summary=data["summary"],
                    record=record,
                    alert_id=data["alert_id"],
                    unit=unit,
                    real_name=data["real_name"],
                )
            except clues.ClueError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"已受理线索 {clue.no}。")
                return redirect("interference:clue_detail", pk=clue.pk)
    return render(
        request,
        "interference/clue_form.html",
        {"page_title": "受理问题线索", "form": form},
    )


@never_cache
@require_perm(Perm.CLUE_HANDLE)
@require_GET
def clue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    clue = get_object_or_404(clues.clues_visible_to(user), pk=pk)
    content = clues.clue_content(clue=clue, actor=user)
    today = st.today()
    return render(
        request,
        "interference/clue_detail.html",
        {
            "page_title": f"问题线索 {clue.no}",
            "clue": clue,
            "content": content,
            "overdue": clues.is_overdue(clue, today),
            "dispose_form": DisposeForm(initial={"disposal": clue.disposal or None}),
            "disposals": ClueDisposal.choices,
            "default_due": clues.due_on_for(clue) if not clue.due_on else clue.due_on,
            "noticed": clues.notice_step(clue) is not None,
            "is_closed": clue.state == ClueState.CLOSED,
            "transfer_route": transfer_route(clue.record.subject_type if clue.record else None),
        },
    )


def _date_or_none(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise clues.ClueError("办结期限格式应为 YYYY-MM-DD") from None


@require_perm(Perm.CLUE_HANDLE)
@require_POST
def clue_action(request: HttpRequest, pk: int) -> HttpResponse:
    """dispose / progress / close / notice on one clue; errors come back as messages."""
    user: Any = request.user
    clue = get_object_or_404(clues.clues_visible_to(user), pk=pk)
    action = request.POST.get("action", "")
    text = request.POST.get("text", "")
    try:
        if action == "dispose":
            clues.clue_dispose(
                actor=user,
                clue=clue,
                disposal=request.POST.get("disposal", ""),
                due_on=_date_or_none(request.POST.get("due_on", "").strip()),
                note=text,
            )
            messages.success(request, "已确定处置方式。")
        elif action == "progress":
            clues.clue_progress(actor=user, clue=clue, note=text)
            messages.success(request, "已记录办理情况。")
        elif action == "close":
            clues.clue_close(actor=user, clue=clue, outcome=text)
            messages.success(request, "线索已办结。")
        elif action == "notice":
            clues.clue_notice_issue(actor=user, clue=clue, summary=text)
            messages.success(request, "已生成一案一通报文书。")
        else:
            messages.error(request, "请求无效：未知的操作。")
    except clues.ClueError as exc:
        messages.error(request, str(exc))
    return redirect("interference:clue_detail", pk=clue.pk)


@require_perm(Perm.CLUE_HANDLE)
@require_GET
def clue_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice document (Word) of a clue that has been noticed; the download is audited."""
    user: Any = request.user
    clue = get_object_or_404(clues.clues_visible_to(user), pk=pk)
    if clues.notice_step(clue) is None:
        raise Http404("该线索尚未通报")
    body = clues.notice_docx(clue=clue, actor=user)
    response = HttpResponse(body, content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'一案一通报-{clue.no}.docx')}"
    return response
