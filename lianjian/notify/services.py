"""Writes of notifications: create them, send their deliveries, mark them read, manage endpoints.

``notify_many`` is set-based (a few queries per call whatever the number of users and events), so
that routing a scan's worth of alerts stays cheap. Nothing here talks to the network except
``deliveries_process``, which runs outside detection and outside requests (scheduler, command).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.utils import timezone

from lianjian.audit.services import AuditEntry, audit_record, audit_record_many
from lianjian.notify.choices import DUE_STATES, DeliveryChannel, DeliveryState
from lianjian.notify.models import Delivery, Notification, WebhookEndpoint

logger = logging.getLogger(__name__)

WEBHOOK_TIMEOUT_SECONDS = 5
SIGNATURE_HEADER = "X-Lianjian-Signature"
TIMESTAMP_HEADER = "X-Lianjian-Timestamp"
DELIVERY_HEADER = "X-Lianjian-Delivery"
# A claimed delivery is not due again for this long: if the worker dies mid-send, another one
# picks it up afterwards (the receiver may then see it twice; X-Lianjian-Delivery tells it so).
CLAIM_LEASE = timedelta(minutes=10)
LOOKUP_VARIABLES = 900  # bound values per statement when looking for events already told


def email_enabled() -> bool:
    """Email is on when an SMTP host is configured (``LIANJIAN_SMTP_HOST``)."""
    return bool(settings.LIANJIAN_SMTP_HOST)


@dataclass(frozen=True)
class Message:
    """One event to tell ``users`` about. ``key`` deduplicates per user (empty: never).

    ``payload``, when given, goes to every enabled webhook endpoint: the caller puts in it only
    what every recipient of the event may see.
    """

    users: Sequence[Any]
    kind: str
    title: str
    body: str = ""
    url: str = ""
    key: str = ""
    payload: dict[str, Any] | None = None


@dataclass
class NotifyResult:
    """What ``notify_many`` wrote: notifications and deliveries per channel."""

    notifications: int = 0
    emails: int = 0
    webhooks: int = 0
    recipients: dict[str, set[int]] = field(default_factory=dict)


def notify(
    users: Iterable[Any],
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    key: str = "",
    payload: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> NotifyResult:
    """Tell ``users`` one thing: in-app notifications, email deliveries for users with an address
    (when SMTP is configured) and, with ``payload``, one webhook delivery per enabled endpoint."""
    message = Message(users=list(users), kind=kind, title=title, body=body, url=url, key=key, payload=payload)
    return notify_many([message], now=now)


def _already_told(pairs: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which (user, key) pairs already have their notification. Asked in chunks of at most
    ``LOOKUP_VARIABLES`` bound values (SQLite caps them per statement), each over the users and
    keys of its pairs, so the (user, key) index serves it."""
    found: set[tuple[int, str]] = set()
    users: set[int] = set()
    keys: set[str] = set()
    ordered = sorted(pairs, key=lambda pair: (pair[1], pair[0]))
    for index, (user_id, key) in enumerate(ordered):
        users.add(user_id)
        keys.add(key)
        last = index == len(ordered) - 1
        if last or len(users) + len(keys) >= LOOKUP_VARIABLES - 1:
            rows = Notification.objects.filter(user_id__in=sorted(users), key__in=sorted(keys))
            found.update(pair for pair in rows.values_list("user_id", "key") if pair in pairs)
            users, keys = set(), set()
    return found


@transaction.atomic
def notify_many(messages: Sequence[Message], *, now: datetime | None = None) -> NotifyResult:
    """:func:`notify` for many events at once: the (user, key) pairs already notified looked up
    in bounded statements (:func:`_already_told`), bulk inserts of the notifications and
    deliveries, one audit event per event told."""
    now = now or timezone.now()
    result = NotifyResult()
    existing = _already_told({(u.pk, m.key) for m in messages if m.key for u in m.users})
    rows: list[Notification] = []
    addresses: list[str] = []
    told: dict[int, list[int]] = {}
    for index, message in enumerate(messages):
        seen: set[int] = set()
        for user in message.users:
            if user.pk in seen or (message.key and (user.pk, message.key) in existing):
                continue
            seen.add(user.pk)
            rows.append(
                Notification(
                    user_id=user.pk,
                    kind=message.kind,
                    key=message.key,
                    title=message.title[:200],
                    body=message.body,
                    url=message.url[:300],
                    created_at=now,
                )
            )
            addresses.append(getattr(user, "email", "") or "")
            told.setdefault(index, []).append(user.pk)
        result.recipients[message.key or str(index)] = seen
    created = Notification.objects.bulk_create(rows, batch_size=500)
    deliveries: list[Delivery] = []
    if email_enabled():
        deliveries += [
            Delivery(
                notification=notification,
                channel=DeliveryChannel.EMAIL,
                target=address,
                next_attempt_at=now,
                created_at=now,
            )
            for notification, address in zip(created, addresses, strict=True)
            if address
        ]
    result.emails = len(deliveries)
    with_payload = [m for i, m in enumerate(messages) if m.payload is not None and i in told]
    if with_payload:
        endpoints = list(WebhookEndpoint.objects.filter(is_enabled=True).order_by("pk"))
        for message in with_payload:
            for endpoint in endpoints:
                deliveries.append(
                    Delivery(
                        endpoint=endpoint,
                        payload=message.payload or {},
                        channel=DeliveryChannel.WEBHOOK,
                        target=endpoint.url,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
    Delivery.objects.bulk_create(deliveries, batch_size=500)
    result.notifications = len(created)
    result.webhooks = len(deliveries) - result.emails
    audit_record_many(
        actor=None,
        entries=[
            AuditEntry(
                action="notify.notification.create",
                target_type="notify.event",
                target_id=messages[index].key,
                target_repr=messages[index].title[:300],
                after={"kind": messages[index].kind, "users": sorted(ids)},
            )
            for index, ids in told.items()
        ],
    )
    return result


# Reading and marking (the user's own notifications only: callers pass the request's user).


@transaction.atomic
def notification_mark_read(*, actor: Any, notification: Notification, now: datetime | None = None) -> bool:
    """Mark one of ``actor``'s notifications read. False (and nothing written) if it already was."""
    if notification.user_id != actor.pk:
        raise ValidationError("只能标记本人的消息")
    now = now or timezone.now()
    updated = Notification.objects.filter(pk=notification.pk, user=actor, read_at__isnull=True).update(
        read_at=now
    )
    if updated:
        audit_record(
            actor=actor,
            action="notify.notification.read",
            target=notification,
            after={"read_at": now.isoformat()},
        )
    return bool(updated)


@transaction.atomic
def notifications_mark_all_read(*, actor: Any, now: datetime | None = None) -> int:
    """Mark every unread notification of ``actor`` read; the number marked."""
    now = now or timezone.now()
    count = Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=now)
    if count:
        audit_record(
            actor=actor,
            action="notify.notification.read_all",
            target_type="accounts.user",
            target_id=str(actor.pk),
            target_repr=str(actor),
            after={"count": count, "read_at": now.isoformat()},
        )
    return count


# Webhook endpoints (系统管理员).


def _is_http_url(url: str) -> bool:
    """An http(s) URL with a host. Intranet hosts may be single names (``http://dcxt/hook``),
    which Django's URLValidator refuses, so this checks the parts instead."""
    if not url or any(c.isspace() for c in url) or len(url) > 300:
        return False
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 — raises on a malformed port
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


@transaction.atomic
def webhook_endpoint_create(*, actor: Any, name: str, url: str) -> tuple[WebhookEndpoint, str]:
    """Add an enabled endpoint with a new random secret; returns it and the secret (shown once)."""
    name, url = name.strip(), url.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "请填写名称"
    elif WebhookEndpoint.objects.filter(name=name).exists():
        errors["name"] = "已有同名的接收端"
    if not _is_http_url(url):
        errors["url"] = "地址应为 http:// 或 https:// 开头的完整网址"
    if errors:
        raise ValidationError(errors)
    secret = secrets.token_hex(32)
    endpoint = WebhookEndpoint.objects.create(name=name, url=url, secret=secret, created_at=timezone.now())
    audit_record(
        actor=actor,
        action="notify.webhook.create",
        target=endpoint,
        after={"name": name, "url": url, "is_enabled": True},
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_set_enabled(*, actor: Any, endpoint: WebhookEndpoint, is_enabled: bool) -> bool:
    """Switch an endpoint on or off; False (nothing written) if it already was so. Pending
    deliveries to a disabled endpoint stay pending and go out once it is enabled again."""
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if locked.is_enabled == is_enabled:
        return False
    locked.is_enabled = is_enabled
    locked.save(update_fields=["is_enabled"])
    endpoint.is_enabled = is_enabled
    audit_record(
        actor=actor,
        action="notify.webhook.enable" if is_enabled else "notify.webhook.disable",
        target=locked,
        before={"is_enabled": not is_enabled},
        after={"is_enabled": is_enabled},
    )
    return True


# Sending.


def webhook_body(payload: dict[str, Any]) -> bytes:
    """The exact bytes POSTed (and signed): compact UTF-8 JSON with sorted keys."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def webhook_signature(secret: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of body keyed with secret>``, the X-Lianjian-Signature value."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt after ``attempts`` failed ones: 1, 2, 4, 8 … minutes, capped
    at ``LIANJIAN_NOTIFY_BACKOFF_CAP_MINUTES``."""
    cap = max(1, settings.LIANJIAN_NOTIFY_BACKOFF_CAP_MINUTES)
    return timedelta(minutes=min(2 ** min(max(attempts - 1, 0), 20), cap))


# No proxy: endpoints are on the intranet, and an environment's http_proxy must not reroute them.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _send_webhook(delivery: Delivery, *, now: datetime) -> None:
    endpoint = delivery.endpoint
    if endpoint is None or not endpoint.is_enabled:
        raise RuntimeError("接收端已停用")
    body = webhook_body(delivery.payload)
    request = urllib.request.Request(  # noqa: S310 — only http(s) URLs are accepted on creation
        delivery.target,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: webhook_signature(endpoint.secret, body),
            TIMESTAMP_HEADER: str(int(now.timestamp())),
            DELIVERY_HEADER: str(delivery.pk),
            "User-Agent": "lianjian-webhook/1",
        },
    )
    with _OPENER.open(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
        if not 200 <= response.status < 300:
            raise RuntimeError(f"HTTP {response.status}")


def _email_of(delivery: Delivery) -> EmailMessage:
    notification = delivery.notification
    assert notification is not None
    link = f"{settings.LIANJIAN_SITE_URL}{notification.url}" if notification.url else ""
    text = "\n\n".join(part for part in (notification.body, link) if part)
    return EmailMessage(subject=f"【廉检】{notification.title}", body=text, to=[delivery.target])


def _claim(*, now: datetime, limit: int) -> list[Delivery]:
    """Take up to ``limit`` due deliveries for this worker: their rows locked with SKIP LOCKED on
    PostgreSQL (another worker's claim in progress is passed over), then leased by moving
    ``next_attempt_at`` past ``now``, so they are not due for anyone else once committed."""
    with transaction.atomic():
        due = Delivery.objects.filter(state__in=DUE_STATES, next_attempt_at__lte=now).order_by(
            "next_attempt_at", "pk"
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        Delivery.objects.filter(pk__in=ids).update(next_attempt_at=now + CLAIM_LEASE)
    return list(Delivery.objects.filter(pk__in=ids).select_related("notification", "endpoint").order_by("pk"))


def deliveries_process(*, now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """Send the due deliveries once: email through the configured SMTP server, webhooks as signed
    JSON POSTs (5 s timeout). A failure counts an attempt and waits :func:`backoff`; after
    ``LIANJIAN_NOTIFY_MAX_ATTEMPTS`` attempts the delivery is given up. Every outcome is recorded
    on the row and in the audit log. Returns counts: claimed, sent, failed, given_up."""
    now = now or timezone.now()
    claimed = _claim(now=now, limit=limit)
    counts = {"claimed": len(claimed), "sent": 0, "failed": 0, "given_up": 0}
    if not claimed:
        return counts
    mail = None
    outcomes: list[tuple[Delivery, str]] = []
    for delivery in claimed:
        try:
            if delivery.channel == DeliveryChannel.EMAIL:
                if mail is None:
                    mail = get_connection(fail_silently=False, timeout=WEBHOOK_TIMEOUT_SECONDS)
                mail.send_messages([_email_of(delivery)])
            else:
                _send_webhook(delivery, now=now)
        except Exception as exc:
            outcomes.append((delivery, f"{type(exc).__name__}: {exc}"[:1000]))
        else:
            outcomes.append((delivery, ""))
    if mail is not None:
        try:
            mail.close()
        except Exception:
            logger.warning("关闭 SMTP 连接失败", exc_info=True)
    max_attempts = max(1, settings.LIANJIAN_NOTIFY_MAX_ATTEMPTS)
    entries: list[AuditEntry] = []
    with transaction.atomic():
        for delivery, error in outcomes:
            before = delivery.state
            delivery.attempts += 1
            if not error:
                delivery.state, delivery.sent_at, delivery.last_error = DeliveryState.SENT, now, ""
                counts["sent"] += 1
            elif delivery.attempts >= max_attempts:
                delivery.state, delivery.last_error = DeliveryState.GIVEN_UP, error
                counts["given_up"] += 1
            else:
                delivery.state, delivery.last_error = DeliveryState.FAILED, error
                delivery.next_attempt_at = now + backoff(delivery.attempts)
                counts["failed"] += 1
            delivery.save(update_fields=["state", "attempts", "next_attempt_at", "last_error", "sent_at"])
            entries.append(
                AuditEntry(
                    action=f"notify.delivery.{delivery.state.lower()}",
                    target_type="notify.delivery",
                    target_id=str(delivery.pk),
                    target_repr=f"{delivery.get_channel_display()} #{delivery.pk}",
                    before={"state": before},
                    after={
                        "state": delivery.state,
                        "attempts": delivery.attempts,
                        "error": error,
                        "next_attempt_at": delivery.next_attempt_at.isoformat()
                        if delivery.state == DeliveryState.FAILED
                        else None,
                    },
                )
            )
        audit_record_many(actor=None, entries=entries)
    for delivery, error in outcomes:
        if error:
            logger.warning("消息投递失败 #%s（第 %s 次）：%s", delivery.pk, delivery.attempts, error)
    return counts
