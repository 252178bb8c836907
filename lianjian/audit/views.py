"""The audit administrator's pages: search, Excel export, one event, chain verification."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from lianjian.audit.forms import AuditSearchForm
from lianjian.audit.models import AuditEvent
from lianjian.audit.selectors import audit_events_search, audit_events_visible_to
from lianjian.audit.services import audit_read, jsonable
from lianjian.audit.verify import audit_chain_verify
from lianjian.common.listing import Button, Column, render_list
from lianjian.common.permissions import Perm
from lianjian.common.views import require_perm


def _detail_url(event: AuditEvent) -> str:
    return reverse("audit:event_detail", args=[event.pk])


COLUMNS = [
    Column("序号", lambda e: e.seq, _detail_url),
    Column("时间", lambda e: e.occurred_at),
    Column("操作人", lambda e: e.actor_name),
    Column("单位编码", lambda e: e.actor_unit),
    Column("操作", lambda e: e.action),
    Column("对象类型", lambda e: e.target_type),
    Column("对象标识", lambda e: e.target_id),
    Column("对象", lambda e: e.target_repr),
    Column("IP 地址", lambda e: e.ip),
]


@require_perm(Perm.AUDIT_VIEW)
def event_list(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    events = audit_events_visible_to(request.user)
    filters: dict[str, Any] = {}
    if form.is_bound:
        if form.is_valid():
            filters = form.filters()
            events = audit_events_search(events, **filters)
        else:
            events = events.none()
    exporting = request.GET.get("export") == "xlsx"
    if not form.is_bound or form.is_valid():
        # Reading the audit log is itself audited (who searched it for what, who exported it).
        action = "audit.event.export" if exporting else "audit.event.search"
        audit_read(actor=request.user, action=action, conditions=jsonable(filters))
    return render_list(
        request,
        title="审计日志",
        queryset=events,
        columns=COLUMNS,
        filter_form=form,
        toolbar=[Button("校验审计链", reverse("audit:chain_verify"), "btn-outline-danger")],
    )


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def change_rows(before: Any, after: Any) -> list[dict[str, Any]]:
    """Before/after as rows of (field, before, after, changed) for the detail page."""
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        # Sorted: PostgreSQL's jsonb does not keep the order the values were written in.
        keys = sorted(set(old) | set(new))
        return [
            {
                "field": key,
                "before": _display(old.get(key)),
                "after": _display(new.get(key)),
                "changed": key not in old or key not in new or old[key] != new[key],
            }
            for key in keys
        ]
    if before is None and after is None:
        return []
    return [{"field": "值", "before": _display(before), "after": _display(after), "changed": before != after}]


@require_perm(Perm.AUDIT_VIEW)
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(audit_events_visible_to(request.user), pk=pk)
    audit_read(actor=request.user, action="audit.event.view", target=event)
    context = {
        "page_title": f"审计记录 #{event.seq}",
        "event": event,
        "changes": change_rows(event.before, event.after),
        "has_before": event.before is not None,
    }
    return render(request, "audit/event_detail.html", context)


@require_perm(Perm.AUDIT_VIEW)
@require_http_methods(["GET", "POST"])
def chain_verify(request: HttpRequest) -> HttpResponse:
    result = None
    if request.method == "POST":
        result = audit_chain_verify()
        audit_read(
            actor=request.user,
            action="audit.chain.verify",
            ok=result.ok,
            code=result.code,
            checked=result.checked,
            first_broken_seq=result.first_broken_seq,
        )
    return render(request, "audit/chain_verify.html", {"page_title": "校验审计链", "result": result})
