"""Writing audit events: the chain, the caller's transaction, the application's append-only guard."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from lianjian.audit.chain import GENESIS, link_bytes, link_hash, link_values
from lianjian.audit.context import client_ip
from lianjian.audit.models import AppendOnlyError, AuditChainHead, AuditEvent
from lianjian.audit.services import audit_read, audit_record
from lianjian.audit.tests.helpers import Actor, record
from lianjian.audit.verify import audit_chain_verify
from lianjian.common.crypto import provider

pytestmark = pytest.mark.django_db

CLERK = Actor(
    pk=7, name="何平（prosecutor）", audit_unit_code="620102", audit_unit_path="/620000/620100/620102/"
)


def _recomputed(event: AuditEvent) -> str:
    fields = {name: getattr(event, name) for name in ("seq", "occurred_at", "actor_id", "actor_name")}
    return link_hash(
        link_values(
            **fields,
            actor_unit=event.actor_unit,
            actor_unit_path=event.actor_unit_path,
            action=event.action,
            target_type=event.target_type,
            target_id=event.target_id,
            target_repr=event.target_repr,
            before=event.before,
            after=event.after,
            ip=event.ip,
            prev_hash=event.prev_hash,
        )
    )


def test_audit_record_appends_chained_events() -> None:
    first = audit_record(actor=CLERK, action="org.staff.update", target_type="org.staff", target_id="1")
    second = audit_record(
        actor=None, action="org.unit.create", target_repr="新单位", after={"code": "620104"}
    )

    stored = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in stored] == [1, 2]
    assert stored[0].prev_hash == GENESIS
    assert stored[1].prev_hash == stored[0].hash == first.hash
    assert stored[1].hash == second.hash
    assert [_recomputed(e) for e in stored] == [e.hash for e in stored]
    assert AuditChainHead.objects.get(pk=1).seq == 2
    assert AuditChainHead.objects.get(pk=1).hash == second.hash


def test_audit_record_files_the_actor_with_unit_code_and_path() -> None:
    event = audit_record(actor=CLERK, action="org.staff.update")

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_id, stored.actor_name) == (7, "何平（prosecutor）")
    assert (stored.actor_unit, stored.actor_unit_path) == ("620102", "/620000/620100/620102/")


def test_a_users_action_is_filed_under_their_unit(county_prosecutor: Any) -> None:
    event = audit_record(actor=county_prosecutor, action="org.staff.update")

    assert (event.actor_id, event.actor_name) == (county_prosecutor.pk, str(county_prosecutor))
    assert (event.actor_unit, event.actor_unit_path) == ("620102", "/620000/620100/620102/")


def test_a_system_action_is_filed_under_system() -> None:
    event = audit_record(actor=None, action="ingest.batch.run")

    assert (event.actor_id, event.actor_name, event.actor_unit, event.actor_unit_path) == (
        None,
        "系统",
        "",
        "",
    )


def test_audit_record_takes_the_target_from_a_model(audit_admin: Any) -> None:
    event = audit_record(actor=audit_admin, action="accounts.user.update", target=audit_admin)

    assert (event.target_type, event.target_id) == ("accounts.user", str(audit_admin.pk))
    assert event.target_repr == str(audit_admin)


def test_audit_record_rolls_back_with_the_change_it_records(audit_admin: Any) -> None:
    user_model = get_user_model()
    before = AuditEvent.objects.count()

    with pytest.raises(RuntimeError), transaction.atomic():
        user_model.objects.filter(pk=audit_admin.pk).update(display_name="改过的名字")
        audit_record(
            actor=audit_admin,
            action="accounts.user.update",
            target=audit_admin,
            before={"display_name": audit_admin.display_name},
            after={"display_name": "改过的名字"},
        )
        raise RuntimeError("the change fails after the audit row was written")

    assert AuditEvent.objects.count() == before
    assert user_model.objects.get(pk=audit_admin.pk).display_name == audit_admin.display_name


def test_audit_record_commits_with_the_change_it_records(audit_admin: Any) -> None:
    user_model = get_user_model()

    with transaction.atomic():
        user_model.objects.filter(pk=audit_admin.pk).update(display_name="新名字")
        audit_record(actor=audit_admin, action="accounts.user.update", target=audit_admin)

    assert user_model.objects.get(pk=audit_admin.pk).display_name == "新名字"
    assert (
        AuditEvent.objects.filter(action="accounts.user.update", target_id=str(audit_admin.pk)).count() == 1
    )


def test_audit_read_records_who_looked_at_what(audit_admin: Any) -> None:
    event = audit_read(actor=CLERK, action="accounts.user.view", target=audit_admin, reason="核查")

    assert (event.action, event.target_id, event.after) == (
        "accounts.user.view",
        str(audit_admin.pk),
        {"reason": "核查"},
    )


def test_the_client_address_is_recorded_in_the_form_the_database_returns() -> None:
    token = client_ip.set("2001:0db8:0000:0000:0000:0000:0000:0001")
    try:
        event = audit_record(actor=CLERK, action="org.staff.update")
    finally:
        client_ip.reset(token)

    assert AuditEvent.objects.get(pk=event.pk).ip == "2001:db8::1"
    assert audit_chain_verify().ok


def test_a_malformed_client_address_is_dropped_not_fatal() -> None:
    token = client_ip.set("not-an-address")
    try:
        event = audit_record(actor=CLERK, action="org.staff.update")
    finally:
        client_ip.reset(token)

    assert AuditEvent.objects.get(pk=event.pk).ip is None


def test_values_that_json_databases_rewrite_still_verify() -> None:
    audit_record(
        actor=CLERK,
        action="org.staff.update",
        before={"score": 2.0, "big": 1e20, "ratio": 0.1, "when": "2026-01-05", "nested": [1.0, {"x": 3.5}]},
        after={"name": "张三", "empty": {}, "none": None},
    )

    event = AuditEvent.objects.get()
    assert event.before == {
        "score": 2,
        "big": 10**20,
        "ratio": 0.1,
        "when": "2026-01-05",
        "nested": [1, {"x": 3.5}],
    }
    assert audit_chain_verify().ok


def test_a_time_given_in_another_zone_still_verifies() -> None:
    beijing = datetime(2026, 3, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with mock.patch("lianjian.audit.services.timezone.now", return_value=beijing):
        audit_record(actor=CLERK, action="org.staff.update")

    assert AuditEvent.objects.get().occurred_at == beijing
    assert audit_chain_verify().ok


def test_a_missing_chain_head_is_rebuilt_from_the_newest_event() -> None:
    record(3)
    AuditChainHead.objects.all().delete()

    event = audit_record(actor=None, action="org.staff.update")

    assert event.seq == 4
    assert audit_chain_verify().checked == 4


def test_the_application_cannot_change_an_audit_row() -> None:
    event = audit_record(actor=CLERK, action="org.staff.update", after={"name": "张三"})
    event.action = "org.staff.delete"

    with pytest.raises(AppendOnlyError, match="不可修改"):
        event.save()
    with pytest.raises(AppendOnlyError, match="不可修改"):
        AuditEvent.objects.filter(pk=event.pk).update(action="org.staff.delete")

    assert AuditEvent.objects.get(pk=event.pk).action == "org.staff.update"


def test_the_application_cannot_delete_an_audit_row() -> None:
    event = audit_record(actor=CLERK, action="org.staff.update")

    with pytest.raises(AppendOnlyError, match="不可删除"):
        event.delete()
    with pytest.raises(AppendOnlyError, match="不可删除"):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError, match="不可删除"):
        AuditEvent.objects.filter(pk=event.pk).delete()

    assert AuditEvent.objects.count() == 1


def test_before_and_after_are_stored_as_the_canonical_text_that_is_hashed() -> None:
    event = audit_record(actor=CLERK, action="org.staff.update", after={"姓名": "张三", "age": 2.0, "a": [1]})

    with connection.cursor() as cursor:
        cursor.execute("SELECT before, after FROM audit_auditevent WHERE id = %s", [event.pk])
        assert cursor.fetchone() == ("null", '{"a":[1],"age":2,"姓名":"张三"}')
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.before, stored.after) == (None, {"a": [1], "age": 2, "姓名": "张三"})


@pytest.mark.parametrize(
    "values",
    [
        (1, "2026-01-01T00:00:00.000000", None, '引号"与\\反斜杠', "\n\t\x00\x1f\x7f", "\u2028\U0001f600", 7),
        (12, "", 0, '{"a":1}', "null", "[]", None),
    ],
)
def test_link_bytes_are_the_values_as_compact_json(values: tuple[Any, ...]) -> None:
    assert link_bytes(values) == json.dumps(list(values), ensure_ascii=False, separators=(",", ":")).encode()
    assert link_bytes(list(values)) == link_bytes(values)


def test_the_keyed_hmac_gives_the_one_shot_hmac() -> None:
    keyed = provider.hmac_keyed(b"audit-key")

    assert [keyed(message) for message in (b"", b"a" * 1000, "审计".encode())] == [
        provider.hmac(b"audit-key", message) for message in (b"", b"a" * 1000, "审计".encode())
    ]
