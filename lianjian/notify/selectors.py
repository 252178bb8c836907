"""Reads of notifications. A user reads only their own; deliveries and endpoints are for 系统管理员."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet

from lianjian.common.permissions import Perm
from lianjian.notify.models import Delivery, Notification, WebhookEndpoint


def notifications_visible_to(user: Any) -> QuerySet[Notification]:
    """The user's own notifications, unread first, newest first (nobody reads anyone else's)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user_id=user.pk).order_by(
        F("read_at").asc(nulls_first=True), "-created_at", "-pk"
    )


def unread_count(user: Any) -> int:
    """Unread notifications of the user: one indexed count (the bell)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def webhook_endpoints_visible_to(user: Any) -> QuerySet[WebhookEndpoint]:
    """Every endpoint for holders of 消息通知管理; none otherwise."""
    if not user.has_lianjian_perm(Perm.NOTIFY_MANAGE):
        return WebhookEndpoint.objects.none()
    return WebhookEndpoint.objects.order_by("name")


def deliveries_visible_to(user: Any) -> QuerySet[Delivery]:
    """Deliveries, newest first, for holders of 消息通知管理 (the webhook page's recent list)."""
    if not user.has_lianjian_perm(Perm.NOTIFY_MANAGE):
        return Delivery.objects.none()
    return Delivery.objects.select_related("endpoint").order_by("-created_at", "-pk")
