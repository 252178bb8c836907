"""The bell, the notification centre and the webhook page: own data only, POST with CSRF."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lianjian.audit.models import AuditEvent
from lianjian.dashboard.context_processors import shell
from lianjian.notify.models import Notification, WebhookEndpoint
from lianjian.notify.services import notify, webhook_endpoint_create

pytestmark = pytest.mark.django_db


def tell(user: Any, n: int, *, url: str = "/risk/alerts/1/") -> list[Notification]:
    for i in range(n):
        notify([user], kind="ALERT_RAISED", title=f"消息{i}", url=url, key=f"test:{user.pk}:{i}")
    return list(Notification.objects.filter(user=user).order_by("pk"))


def test_the_bell_shows_my_unread_count_only(client, county_prosecutor, department_head) -> None:
    mine = tell(county_prosecutor, 3)
    tell(department_head, 2)
    mine[0].read_at = mine[0].created_at
    mine[0].save()
    client.force_login(county_prosecutor)

    page = client.get("/").content.decode()

    assert 'data-testid="shell-unread">2</span>' in page
    assert 'href="/notify/"' in page


def test_the_bell_costs_one_query(rf, county_prosecutor) -> None:
    tell(county_prosecutor, 2)
    request = rf.get("/")
    request.user = county_prosecutor
    shell(request)  # warm the per-request caches (roles, staff)
    with CaptureQueriesContext(connection) as ctx:
        from lianjian.notify.selectors import unread_count

        assert unread_count(county_prosecutor) == 2
    assert len(ctx.captured_queries) == 1


def test_the_list_shows_unread_first_and_only_mine(client, county_prosecutor, department_head) -> None:
    first, _ = tell(county_prosecutor, 2)
    tell(department_head, 1)
    first.read_at = first.created_at
    first.save()
    client.force_login(county_prosecutor)

    page = client.get("/notify/").content.decode()

    assert page.count('data-testid="notification"') == 2
    assert page.index("消息1") < page.index("消息0")  # unread (消息1) before read
    assert 'href="/risk/alerts/1/"' in page


def test_marking_one_read(client, county_prosecutor) -> None:
    [notification] = tell(county_prosecutor, 1)
    client.force_login(county_prosecutor)

    response = client.post(f"/notify/{notification.pk}/read/")

    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert (
        AuditEvent.objects.filter(action="notify.notification.read", target_id=str(notification.pk)).count()
        == 1
    )
    # Again: nothing more is written.
    client.post(f"/notify/{notification.pk}/read/")
    assert AuditEvent.objects.filter(action="notify.notification.read").count() == 1


def test_marking_read_and_opening_goes_to_the_alert(client, county_prosecutor) -> None:
    [notification] = tell(county_prosecutor, 1, url="/risk/alerts/9/")
    client.force_login(county_prosecutor)

    response = client.post(f"/notify/{notification.pk}/read/", {"open": "1"})

    assert response["Location"] == "/risk/alerts/9/"


def test_a_forged_id_is_404_and_changes_nothing(client, county_prosecutor, department_head) -> None:
    [theirs] = tell(department_head, 1)
    client.force_login(county_prosecutor)
    audit_rows = AuditEvent.objects.count()

    assert client.post(f"/notify/{theirs.pk}/read/").status_code == 404
    assert client.post("/notify/999999/read/").status_code == 404
    assert client.get(f"/notify/{theirs.pk}/read/").status_code == 405

    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert AuditEvent.objects.count() == audit_rows


def test_mark_all_read_touches_only_mine(client, county_prosecutor, department_head) -> None:
    tell(county_prosecutor, 3)
    tell(department_head, 2)
    client.force_login(county_prosecutor)

    client.post("/notify/read-all/")

    assert Notification.objects.filter(user=county_prosecutor, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(user=department_head, read_at__isnull=True).count() == 2
    event: Any = AuditEvent.objects.get(action="notify.notification.read_all")
    assert event.after["count"] == 3


def test_marking_needs_a_csrf_token(county_prosecutor) -> None:
    [notification] = tell(county_prosecutor, 1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(county_prosecutor)

    assert client.post(f"/notify/{notification.pk}/read/").status_code == 403
    assert client.post("/notify/read-all/").status_code == 403
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_admin_adds_an_endpoint_and_sees_the_secret_once(client, system_admin) -> None:
    client.force_login(system_admin)

    page = client.post(
        "/notify/webhooks/", {"name": "督察系统", "url": "http://dcxt:8080/hook"}
    ).content.decode()

    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.name, endpoint.url, endpoint.is_enabled) == ("督察系统", "http://dcxt:8080/hook", True)
    assert endpoint.secret in page and len(endpoint.secret) == 64
    assert endpoint.secret not in client.get("/notify/webhooks/").content.decode()
    event = AuditEvent.objects.get(action="notify.webhook.create")
    assert endpoint.secret not in str(event.after)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x", "url": "ftp://dcxt/hook"}, "地址应为 http:// 或 https:// 开头的完整网址"),
        ({"name": "x", "url": "http:///nohost"}, "地址应为 http:// 或 https:// 开头的完整网址"),
        ({"name": "", "url": "http://dcxt/hook"}, "这个字段是必填项。"),
        ({"name": "已有", "url": "http://dcxt/hook"}, "已有同名的接收端"),
    ],
)
def test_a_bad_endpoint_is_refused_with_a_message(client, system_admin, data, message) -> None:
    webhook_endpoint_create(actor=None, name="已有", url="http://a/hook")
    client.force_login(system_admin)
    audit_rows = AuditEvent.objects.count()

    response = client.post("/notify/webhooks/", data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert WebhookEndpoint.objects.count() == 1
    assert AuditEvent.objects.count() == audit_rows


def test_the_admin_disables_and_enables_an_endpoint(client, system_admin) -> None:
    endpoint, _ = webhook_endpoint_create(actor=None, name="督察系统", url="http://dcxt/hook")
    client.force_login(system_admin)

    client.post(f"/notify/webhooks/{endpoint.pk}/enabled/", {"enabled": "0"})
    endpoint.refresh_from_db()
    assert endpoint.is_enabled is False
    client.post(f"/notify/webhooks/{endpoint.pk}/enabled/", {"enabled": "0"})  # already: no event
    client.post(f"/notify/webhooks/{endpoint.pk}/enabled/", {"enabled": "1"})
    endpoint.refresh_from_db()
    assert endpoint.is_enabled is True
    assert list(
        AuditEvent.objects.filter(target_type="notify.webhookendpoint")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["notify.webhook.create", "notify.webhook.disable", "notify.webhook.enable"]


def test_a_forged_toggle_changes_nothing(client, system_admin) -> None:
    endpoint, _ = webhook_endpoint_create(actor=None, name="督察系统", url="http://dcxt/hook")
    client.force_login(system_admin)
    audit_rows = AuditEvent.objects.count()

    response = client.post(f"/notify/webhooks/{endpoint.pk}/enabled/", {"enabled": "maybe"})
    assert "请求无效" in client.get(response["Location"]).content.decode()
    assert client.post("/notify/webhooks/999/enabled/", {"enabled": "0"}).status_code == 404

    endpoint.refresh_from_db()
    assert endpoint.is_enabled is True
    assert AuditEvent.objects.count() == audit_rows


def test_the_webhook_page_lists_recent_deliveries(client, system_admin, county_prosecutor) -> None:
    webhook_endpoint_create(actor=None, name="督察系统", url="http://dcxt/hook")
    notify([county_prosecutor], kind="OTHER", title="t", key="k", payload={"alert_id": 1})
    client.force_login(system_admin)

    page = client.get("/notify/webhooks/").content.decode()

    assert page.count('data-testid="delivery"') == 1
    assert "待发送" in page
