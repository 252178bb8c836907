"""In-app notifications, their outbound deliveries (email, webhook) and the webhook endpoints.

A :class:`Notification` is what one user sees under the bell. A :class:`Delivery` is one message
to send on a channel: an email for a notification (to the user's address), or a webhook POST of a
payload to an endpoint. Deliveries are sent outside the request and outside detection by
``deliveries_process`` (lianjian.notify.services), which retries them with back-off.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from lianjian.notify.choices import DeliveryChannel, DeliveryState, NotificationKind


class Notification(models.Model):
    """One message in a user's notification centre (站内消息).

    ``key`` identifies the event it reports (``alert:12:raised``): a user gets one notification
    per key, so re-routing or a second pass never duplicates it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField("类别", max_length=24, choices=NotificationKind.choices)
    key = models.CharField("事件标识", max_length=100, blank=True)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notify_notification_unread_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], condition=~Q(key=""), name="notify_notification_user_key_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.title


class WebhookEndpoint(models.Model):
    """An intranet system that receives HMAC-signed JSON POSTs (managed by 系统管理员).

    ``secret`` signs every body (``X-Lianjian-Signature``); it is shown once, when the endpoint is
    created, and never on a page again.
    """

    name = models.CharField("名称", max_length=100, unique=True)
    url = models.URLField("地址", max_length=300)
    secret = models.CharField("签名密钥", max_length=128)
    is_enabled = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间")

    class Meta:
        verbose_name = "Webhook 接收端"
        verbose_name_plural = "Webhook 接收端"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One message to send on one channel, with its attempts.

    Email: ``notification`` set, ``target`` the address. Webhook: ``endpoint`` set, ``target`` its
    address at creation, ``payload`` the JSON body (only what the event's recipients may see).
    A due delivery (待发送 or 发送失败, ``next_attempt_at`` reached) is claimed by one worker only.
    """

    notification = models.ForeignKey(
        Notification,
        verbose_name="站内消息",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name="Webhook 接收端",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    payload = models.JSONField("内容", default=dict, blank=True)
    channel = models.CharField("渠道", max_length=16, choices=DeliveryChannel.choices)
    target = models.CharField("发送目标", max_length=300)
    state = models.CharField(
        "状态", max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间")
    last_error = models.TextField("最近错误", blank=True)
    created_at = models.DateTimeField("创建时间")
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "消息投递"
        verbose_name_plural = "消息投递"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="notify_delivery_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel=DeliveryChannel.EMAIL, notification__isnull=False)
                | Q(channel=DeliveryChannel.WEBHOOK, endpoint__isnull=False),
                name="notify_delivery_channel_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.target}"
