"""Notifications and their deliveries: creation, email, signed webhooks, retries on a clock."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from email import message_from_string
from email.header import decode_header, make_header
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection  # noqa: F401 - read by the skipif condition below

from lianjian.accounts.tests.factories import UserFactory
from lianjian.audit.models import AuditEvent
from lianjian.common.tests.locking import locked_elsewhere
from lianjian.notify import services
from lianjian.notify.models import Delivery, Notification
from lianjian.notify.services import (
    Message,
    backoff,
    deliveries_process,
    notify,
    notify_many,
    webhook_body,
    webhook_endpoint_create,
    webhook_signature,
)
from lianjian.notify.tests.servers import smtp_sink, webhook_receiver

pytestmark = pytest.mark.django_db

T0 = datetime.fromisoformat("2026-12-07T10:00:00+08:00")
PAYLOAD = {"event": "alert.raised", "alert_id": 7, "rule": "R-GX01", "level": "NOTICE", "title": "上级院指令"}


@pytest.fixture
def smtp(settings: Any) -> Any:
    settings.LIANJIAN_SMTP_HOST = "smtp.intranet"
    return settings


def test_notify_creates_in_app_email_and_webhook_deliveries(smtp) -> None:
    with_email = UserFactory(username="a", email="a@example.cn")
    without = UserFactory(username="b")
    webhook_endpoint_create(actor=None, name="督察系统", url="http://10.1.1.1/hook")

    result = notify(
        [with_email, without, with_email],
        kind="OTHER",
        title="标题",
        body="正文",
        url="/x/",
        key="k:1",
        payload=PAYLOAD,
        now=T0,
    )

    assert (result.notifications, result.emails, result.webhooks) == (2, 1, 1)
    assert sorted(Notification.objects.values_list("user__username", "title", "read_at")) == [
        ("a", "标题", None),
        ("b", "标题", None),
    ]
    assert sorted(
        Delivery.objects.values_list("channel", "target", "state", "attempts", "next_attempt_at")
    ) == [
        ("EMAIL", "a@example.cn", "PENDING", 0, T0),
        ("WEBHOOK", "http://10.1.1.1/hook", "PENDING", 0, T0),
    ]
    # The same key again tells nobody and sends nothing more.
    again = notify([with_email, without], kind="OTHER", title="标题", key="k:1", payload=PAYLOAD, now=T0)
    assert (again.notifications, again.emails, again.webhooks) == (0, 0, 0)
    assert Delivery.objects.count() == 2


def test_events_already_told_are_found_across_lookup_chunks(monkeypatch) -> None:
    """The look-up of events already told is split into bounded statements (SQLite caps bound
    values): a pair in any chunk is still found, so a second pass tells nobody twice."""
    monkeypatch.setattr(services, "LOOKUP_VARIABLES", 5)
    users = [UserFactory(username=f"u{n}") for n in range(4)]
    first = [Message(users=users[n : n + 2], kind="OTHER", title=f"事件{n}", key=f"k:{n}") for n in range(3)]
    assert notify_many(first, now=T0).notifications == 6

    again = [*first, Message(users=users[:3], kind="OTHER", title="事件3", key="k:3")]
    result = notify_many(again, now=T0)

    assert result.notifications == 3
    assert Notification.objects.count() == 9
    assert sorted(Notification.objects.filter(key="k:3").values_list("user__username", flat=True)) == [
        "u0",
        "u1",
        "u2",
    ]


def test_without_an_smtp_host_no_email_is_queued(settings) -> None:
    settings.LIANJIAN_SMTP_HOST = ""
    notify([UserFactory(email="a@example.cn")], kind="OTHER", title="t")

    assert Delivery.objects.count() == 0
    assert Notification.objects.count() == 1


def test_backoff_doubles_from_one_minute_and_is_capped(settings) -> None:
    settings.LIANJIAN_NOTIFY_BACKOFF_CAP_MINUTES = 30
    assert [backoff(n) for n in range(1, 8)] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 30, 30)]


def test_a_webhook_is_retried_with_backoff_until_it_succeeds(settings) -> None:
    settings.LIANJIAN_NOTIFY_MAX_ATTEMPTS = 5
    with webhook_receiver("", [500, 503]) as receiver:
        _, receiver.secret = webhook_endpoint_create(actor=None, name="督察系统", url=receiver.url)
        notify([UserFactory()], kind="OTHER", title="t", key="k", payload=PAYLOAD, now=T0)
        delivery = Delivery.objects.get(channel="WEBHOOK")

        first = deliveries_process(now=T0)
        delivery.refresh_from_db()
        assert first == {"claimed": 1, "sent": 0, "failed": 1, "given_up": 0}
        assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == (
            "FAILED",
            1,
            T0 + timedelta(minutes=1),
        )
        assert "500" in delivery.last_error

        # Not due before its time; then the second failure waits two minutes.
        assert deliveries_process(now=T0 + timedelta(seconds=59))["claimed"] == 0
        deliveries_process(now=T0 + timedelta(minutes=1))
        delivery.refresh_from_db()
        assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == (
            "FAILED",
            2,
            T0 + timedelta(minutes=3),
        )

        third = deliveries_process(now=T0 + timedelta(minutes=3))
        delivery.refresh_from_db()
        assert third == {"claimed": 1, "sent": 1, "failed": 0, "given_up": 0}
        assert (delivery.state, delivery.attempts, delivery.sent_at, delivery.last_error) == (
            "SENT",
            3,
            T0 + timedelta(minutes=3),
            "",
        )
        assert deliveries_process(now=T0 + timedelta(hours=1))["claimed"] == 0

    assert len(receiver.requests) == 3
    assert all(r["signature_ok"] for r in receiver.requests)
    last = receiver.requests[-1]
    assert json.loads(last["body"]) == PAYLOAD
    assert last["body"] == webhook_body(PAYLOAD)
    assert last["timestamp"] == str(int((T0 + timedelta(minutes=3)).timestamp()))
    assert last["delivery"] == str(delivery.pk)
    assert last["content_type"] == "application/json; charset=utf-8"
    assert list(
        AuditEvent.objects.filter(target_type="notify.delivery")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["notify.delivery.failed", "notify.delivery.failed", "notify.delivery.sent"]


def test_a_wrong_secret_fails_at_the_receiver_and_is_given_up(settings) -> None:
    settings.LIANJIAN_NOTIFY_MAX_ATTEMPTS = 2
    with webhook_receiver("another-secret", []) as receiver:
        webhook_endpoint_create(actor=None, name="督察系统", url=receiver.url)
        notify([UserFactory()], kind="OTHER", title="t", key="k", payload=PAYLOAD, now=T0)

        deliveries_process(now=T0)
        result = deliveries_process(now=T0 + timedelta(minutes=1))

    delivery = Delivery.objects.get()
    assert result == {"claimed": 1, "sent": 0, "failed": 0, "given_up": 1}
    assert (delivery.state, delivery.attempts) == ("GIVEN_UP", 2)
    assert [r["signature_ok"] for r in receiver.requests] == [False, False]
    assert deliveries_process(now=T0 + timedelta(days=1))["claimed"] == 0


def test_an_unreachable_endpoint_is_a_recorded_failure() -> None:
    notify([UserFactory()], kind="OTHER", title="t", key="k", payload=PAYLOAD, now=T0)
    assert Delivery.objects.count() == 0  # no endpoint: no webhook delivery
    webhook_endpoint_create(actor=None, name="关闭的端口", url="http://127.0.0.1:9/hook")
    notify([UserFactory()], kind="OTHER", title="t", key="k2", payload=PAYLOAD, now=T0)

    assert deliveries_process(now=T0)["failed"] == 1
    assert Delivery.objects.get().last_error.startswith("URLError")


def test_the_signature_is_hmac_sha256_of_the_body() -> None:
    # The value a receiver computes with the documented recipe (docs/notify.md).
    import hashlib
    import hmac

    body = webhook_body({"b": 1, "a": "预警"})
    assert body == '{"a":"预警","b":1}'.encode()
    assert (
        webhook_signature("s3cret", body) == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    )


def test_email_content_through_the_locmem_backend(smtp) -> None:
    smtp.LIANJIAN_SITE_URL = "https://lianjian.jcy.intranet"
    notify(
        [UserFactory(email="heping@example.cn")],
        kind="ALERT_RAISED",
        title="提示：上级院指令",
        body="R-GX01｜城关区院",
        url="/risk/alerts/7/",
        now=T0,
    )

    assert deliveries_process(now=T0) == {"claimed": 1, "sent": 1, "failed": 0, "given_up": 0}
    [message] = mail.outbox
    assert (message.subject, message.to) == ("【廉检】提示：上级院指令", ["heping@example.cn"])
    assert message.body == "R-GX01｜城关区院\n\nhttps://lianjian.jcy.intranet/risk/alerts/7/"


def test_email_through_a_real_smtp_socket(smtp) -> None:
    with smtp_sink() as sink:
        smtp.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        smtp.EMAIL_HOST, smtp.EMAIL_PORT, smtp.DEFAULT_FROM_EMAIL = (
            "127.0.0.1",
            sink.port,
            "lianjian@jcy.intranet",
        )
        notify(
            [UserFactory(email="a@example.cn"), UserFactory(email="b@example.cn")],
            kind="OTHER",
            title="预警送达",
            body="正文",
            now=T0,
        )

        assert deliveries_process(now=T0)["sent"] == 2

    assert sorted((s, r) for s, r, _ in sink.messages) == [
        ("lianjian@jcy.intranet", ["a@example.cn"]),
        ("lianjian@jcy.intranet", ["b@example.cn"]),
    ]
    parsed = message_from_string(sink.messages[0][2])
    assert str(make_header(decode_header(parsed["Subject"]))) == "【廉检】预警送达"


def test_a_refused_smtp_connection_is_retried(smtp) -> None:
    smtp.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    smtp.EMAIL_HOST, smtp.EMAIL_PORT = "127.0.0.1", 9
    notify([UserFactory(email="a@example.cn")], kind="OTHER", title="t", now=T0)

    assert deliveries_process(now=T0) == {"claimed": 1, "sent": 0, "failed": 1, "given_up": 0}
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.next_attempt_at) == ("FAILED", T0 + timedelta(minutes=1))
    assert "ConnectionRefusedError" in delivery.last_error


def test_the_command_processes_once_and_reports_json() -> None:
    out = StringIO()
    call_command("notify", "process", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"claimed": 0, "sent": 0, "failed": 0, "given_up": 0}

    webhook_endpoint_create(actor=None, name="关闭的端口", url="http://127.0.0.1:9/hook")
    notify([UserFactory()], kind="OTHER", title="t", key="k", payload=PAYLOAD)
    out = StringIO()
    call_command("notify", "process", stdout=out)
    assert out.getvalue().strip() == "取出 1 条：已发送 0，失败待重试 1，已放弃 0"
    assert Delivery.objects.get().attempts == 1


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SKIP LOCKED is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_delivery_locked_by_another_worker_is_skipped(smtp) -> None:
    for n in range(3):
        notify([UserFactory(email=f"u{n}@example.cn")], kind="OTHER", title=f"t{n}", now=T0)
    first, *others = Delivery.objects.order_by("pk")
    with locked_elsewhere(Delivery.objects.filter(pk=first.pk)):
        result = deliveries_process(now=T0)

    assert result == {"claimed": 2, "sent": 2, "failed": 0, "given_up": 0}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(d.target for d in others)
    assert Delivery.objects.get(pk=first.pk).state == "PENDING"
    # Released, the skipped delivery goes out on the next pass, and only then.
    assert deliveries_process(now=T0)["sent"] == 1
    assert deliveries_process(now=T0)["claimed"] == 0
