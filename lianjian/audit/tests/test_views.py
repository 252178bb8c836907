"""The audit administrator's pages: who may open them, search, export, detail, verification."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from lianjian.audit.models import AuditEvent
from lianjian.audit.services import audit_record
from lianjian.audit.tests.helpers import Actor, record, tamper

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
CLERK = Actor(
    pk=7, name="何平（prosecutor）", audit_unit_code="620102", audit_unit_path="/620000/620100/620102/"
)
HEAD = Actor(pk=8, name="罗兰（head）", audit_unit_code="620201", audit_unit_path="/620000/620200/620201/")
PAGES = [
    ("get", "audit:event_list", False),
    ("get", "audit:event_detail", True),
    ("get", "audit:chain_verify", False),
    ("post", "audit:chain_verify", False),
]


def _at(year: int, month: int, day: int, hour: int, minute: int) -> Any:
    """Events written at this Beijing time."""
    moment = datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)
    return mock.patch("lianjian.audit.services.timezone.now", return_value=moment)


@pytest.fixture
def events() -> list[AuditEvent]:
    with _at(2026, 3, 1, 9, 0):
        first = audit_record(
            actor=CLERK,
            action="org.staff.update",
            target_type="org.staff",
            target_id="11",
            target_repr="张三（A100）",
            before={"position": "检察官助理", "phone": "123"},
            after={"position": "检察官", "phone": "123"},
        )
    with _at(2026, 3, 15, 23, 30):
        second = audit_record(
            actor=HEAD,
            action="org.relation.create",
            target_type="org.relation",
            target_id="5",
            target_repr="李四",
        )
    with _at(2026, 4, 2, 8, 0):
        third = audit_record(
            actor=None,
            action="ingest.batch.run",
            target_type="ingest.batch",
            target_id="11",
            target_repr="批次11",
        )
    return [first, second, third]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, needs_pk: bool, events: list[AuditEvent]) -> str:
    return reverse(name, args=[events[0].pk]) if needs_pk else reverse(name)


def _listed(response: Any) -> list[str]:
    """The targets shown in the list, top to bottom (audit's own search rows left out)."""
    return [row[7]["text"] for row in response.context["rows"] if not row[4]["text"].startswith("audit.")]


@pytest.mark.parametrize(("method", "name", "needs_pk"), PAGES)
@pytest.mark.parametrize(
    "persona", ["county_prosecutor", "system_admin", "security_admin", "city_supervisor"]
)
def test_the_audit_pages_are_forbidden_to_everyone_else(
    request: pytest.FixtureRequest,
    events: list[AuditEvent],
    persona: str,
    method: str,
    name: str,
    needs_pk: bool,
) -> None:
    client = _client(request.getfixturevalue(persona))
    before = AuditEvent.objects.count()

    response = getattr(client, method)(_url(name, needs_pk, events))

    assert response.status_code == 403
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(("method", "name", "needs_pk"), PAGES)
def test_the_audit_pages_open_for_the_audit_admin(
    audit_admin: Any, events: list[AuditEvent], method: str, name: str, needs_pk: bool
) -> None:
    response = getattr(_client(audit_admin), method)(_url(name, needs_pk, events))

    assert response.status_code == 200


def test_the_audit_pages_send_anonymous_users_to_log_in(events: list[AuditEvent]) -> None:
    response = Client().get(reverse("audit:event_list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_list_shows_every_event_newest_first(audit_admin: Any, events: list[AuditEvent]) -> None:
    response = _client(audit_admin).get(reverse("audit:event_list"))

    assert _listed(response) == ["批次11", "李四", "张三（A100）"]
    assert "审计日志" in response.content.decode()


def test_opening_the_list_is_audited(audit_admin: Any, events: list[AuditEvent]) -> None:
    _client(audit_admin).get(reverse("audit:event_list"), {"actor": "何平"})

    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    assert (event.action, event.actor_id, event.after) == (
        "audit.event.search",
        audit_admin.pk,
        {"conditions": {"actor": "何平"}},
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"actor": "何平"}, ["张三（A100）"]),
        ({"actor": "系统"}, ["批次11"]),
        ({"action": "relation"}, ["李四"]),
        ({"action": "org."}, ["李四", "张三（A100）"]),
        ({"target_type": "org.staff"}, ["张三（A100）"]),
        ({"target_id": "11"}, ["批次11", "张三（A100）"]),
        ({"target_id": "1"}, []),
        ({"target": "张三"}, ["张三（A100）"]),
        ({"occurred_from": "2026-03-15"}, ["批次11", "李四"]),
        ({"occurred_to": "2026-03-15"}, ["李四", "张三（A100）"]),
        ({"occurred_from": "2026-03-02", "occurred_to": "2026-03-31"}, ["李四"]),
        ({"occurred_from": "2026-03-16", "occurred_to": "2026-04-01"}, []),
        ({"target_id": "11", "actor": "何平"}, ["张三（A100）"]),
    ],
)
def test_search_filters(
    audit_admin: Any, events: list[AuditEvent], query: dict[str, str], expected: list[str]
) -> None:
    response = _client(audit_admin).get(reverse("audit:event_list"), query)

    assert response.status_code == 200
    assert _listed(response) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"occurred_from": "2026-13-40"}, "请输入有效的日期"),
        ({"occurred_from": "2026-04-01", "occurred_to": "2026-03-01"}, "结束日期不能早于开始日期"),
    ],
)
def test_bad_search_input_shows_a_message_and_writes_nothing(
    audit_admin: Any, events: list[AuditEvent], query: dict[str, str], message: str
) -> None:
    before = AuditEvent.objects.count()

    response = _client(audit_admin).get(reverse("audit:event_list"), query)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["rows"] == []
    assert AuditEvent.objects.count() == before


def test_excel_export_holds_the_filtered_events_and_is_audited(
    audit_admin: Any, events: list[AuditEvent]
) -> None:
    response = _client(audit_admin).get(reverse("audit:event_list"), {"action": "org.", "export": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == (
        "序号",
        "时间",
        "操作人",
        "单位编码",
        "操作",
        "对象类型",
        "对象标识",
        "对象",
        "IP 地址",
    )
    assert [(row[0], row[1], row[4], row[7]) for row in rows[1:]] == [
        ("2", "2026-03-15 23:30:00", "org.relation.create", "李四"),
        ("1", "2026-03-01 09:00:00", "org.staff.update", "张三（A100）"),
    ]
    newest = AuditEvent.objects.order_by("-seq").first()
    assert newest is not None
    assert (newest.action, newest.after) == ("audit.event.export", {"conditions": {"action": "org."}})


def test_the_detail_page_shows_before_and_after_as_a_table(
    audit_admin: Any, events: list[AuditEvent]
) -> None:
    response = _client(audit_admin).get(reverse("audit:event_detail", args=[events[0].pk]))

    assert response.status_code == 200
    assert response.context["changes"] == [
        {"field": "phone", "before": "123", "after": "123", "changed": False},
        {"field": "position", "before": "检察官助理", "after": "检察官", "changed": True},
    ]
    body = response.content.decode()
    assert "审计记录 #1" in body
    assert "检察官助理" in body
    assert events[0].hash in body


def test_opening_an_event_is_audited(audit_admin: Any, events: list[AuditEvent]) -> None:
    _client(audit_admin).get(reverse("audit:event_detail", args=[events[1].pk]))

    newest = AuditEvent.objects.order_by("-seq").first()
    assert newest is not None
    assert (newest.action, newest.target_type, newest.target_id) == (
        "audit.event.view",
        "audit.auditevent",
        str(events[1].pk),
    )


def test_an_absent_event_is_404_and_writes_nothing(audit_admin: Any, events: list[AuditEvent]) -> None:
    before = AuditEvent.objects.count()

    response = _client(audit_admin).get(reverse("audit:event_detail", args=[10**9]))

    assert response.status_code == 404
    assert AuditEvent.objects.count() == before


def test_the_verify_page_offers_a_post_button(audit_admin: Any) -> None:
    response = _client(audit_admin).get(reverse("audit:chain_verify"))

    assert 'method="post"' in response.content.decode()
    assert response.context["result"] is None


def test_the_verify_button_shows_an_intact_chain(audit_admin: Any) -> None:
    record(4)

    response = _client(audit_admin).post(reverse("audit:chain_verify"))

    assert "审计链完整：4 条" in response.content.decode()
    newest = AuditEvent.objects.order_by("-seq").first()
    assert newest is not None
    assert (newest.action, newest.after) == (
        "audit.chain.verify",
        {"ok": True, "code": "intact", "checked": 4, "first_broken_seq": None},
    )


def test_the_verify_button_names_the_first_broken_link(audit_admin: Any) -> None:
    record(4)
    tamper("UPDATE audit_auditevent SET target_repr = 'x' WHERE seq = 3")

    response = _client(audit_admin).post(reverse("audit:chain_verify"))

    body = response.content.decode()
    assert "审计链校验失败" in body
    assert "第 3 条审计记录" in body
    assert response.context["result"].first_broken_seq == 3


def test_the_list_needs_the_same_queries_for_few_and_many_events(audit_admin: Any) -> None:
    client = _client(audit_admin)
    record(3)
    client.get(reverse("audit:event_list"))  # the chain head and the session exist from here on
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("audit:event_list"))
    record(40, first=4)

    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("audit:event_list"))

    assert len(response.context["rows"]) == 20
    assert len(many) == len(few) <= 15
