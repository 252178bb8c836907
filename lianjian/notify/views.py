"""Pages of the notification centre and of the webhook endpoints (thin views)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.common.permissions import Perm
from lianjian.common.views import require_perm
from lianjian.notify import selectors, services
from lianjian.notify.forms import WebhookEndpointForm


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """My notifications, unread first."""
    page = Paginator(selectors.notifications_visible_to(request.user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notify/notification_list.html",
        {"page_title": "我的消息", "page": page, "unread": selectors.unread_count(request.user)},
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of my notifications read; another user's id answers 404 and changes nothing."""
    notification = get_object_or_404(selectors.notifications_visible_to(request.user), pk=pk)
    services.notification_mark_read(actor=request.user, notification=notification)
    if request.POST.get("open") == "1" and notification.url.startswith("/"):
        return redirect(notification.url)
    return redirect("notify:notification_list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(actor=request.user)
    messages.success(request, f"已将 {count} 条消息标为已读。" if count else "没有未读消息。")
    return redirect("notify:notification_list")


@never_cache
@require_perm(Perm.NOTIFY_MANAGE)
@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest) -> HttpResponse:
    """The webhook endpoints with a form to add one, and the recent deliveries."""
    actor: Any = request.user
    form = WebhookEndpointForm(request.POST or None)
    created: tuple[Any, str] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            created = services.webhook_endpoint_create(
                actor=actor, name=form.cleaned_data["name"], url=form.cleaned_data["url"]
            )
        except ValidationError as exc:
            for name, errors in exc.error_dict.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error.messages)
        else:
            form = WebhookEndpointForm()
    return render(
        request,
        "notify/webhook_list.html",
        {
            "page_title": "Webhook 接收端",
            "form": form,
            "created": created,
            "endpoints": selectors.webhook_endpoints_visible_to(actor),
            "deliveries": selectors.deliveries_visible_to(actor)[:50],
            "email_enabled": services.email_enabled(),
        },
    )


@require_perm(Perm.NOTIFY_MANAGE)
@require_POST
def webhook_set_enabled(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    endpoint = get_object_or_404(selectors.webhook_endpoints_visible_to(actor), pk=pk)
    wanted = request.POST.get("enabled")
    if wanted not in {"0", "1"}:
        messages.error(request, "请求无效：未指明启用或停用。")
        return redirect("notify:webhook_list")
    if services.webhook_endpoint_set_enabled(actor=actor, endpoint=endpoint, is_enabled=wanted == "1"):
        messages.success(request, f"已{'启用' if wanted == '1' else '停用'}接收端 {endpoint.name}。")
    return redirect("notify:webhook_list")
