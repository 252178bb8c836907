"""The database itself refuses to change or delete audit rows (migration 0003's triggers)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from lianjian.audit import append_only
from lianjian.audit.models import AuditEvent
from lianjian.audit.tests.helpers import record, triggers_off

pytestmark = pytest.mark.django_db


def _raw(sql: str, params: list[Any] | None = None) -> None:
    # A savepoint, so that PostgreSQL's aborted statement does not abort the whole test.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def test_the_migrations_install_the_triggers() -> None:
    assert append_only.installed(connection)


@pytest.mark.django_db(transaction=True)
def test_migration_0004_puts_the_triggers_back_after_rebuilding_the_table() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0003_append_only_triggers")])
    _raw(
        "INSERT INTO audit_auditevent (seq, occurred_at, actor_id, actor_name, actor_unit,"
        " actor_unit_path, action, target_type, target_id, target_repr, before, after, ip, prev_hash,"
        " hash) VALUES (1, '2026-01-01 00:00:00', NULL, '', '', '', 'a.b.c', '', '', '', NULL, NULL,"
        " NULL, %s, %s)",
        ["0" * 64, "f" * 64],
    )
    executor.loader.build_graph()
    executor.migrate([("audit", "0004_canonical_json_text")])

    assert append_only.installed(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT before, after FROM audit_auditevent")
        assert cursor.fetchall() == [("null", "null")]
    with pytest.raises(DatabaseError, match="审计记录只能追加，不允许修改"):
        _raw("UPDATE audit_auditevent SET action = 'x' WHERE seq = 1")


def test_the_database_refuses_an_update() -> None:
    event = record(1)[0]

    with pytest.raises(DatabaseError, match=append_only.UPDATE_MESSAGE):
        _raw("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["test.thing.delete", event.pk])

    assert AuditEvent.objects.get(pk=event.pk).action == "test.thing.update"


def test_the_database_refuses_a_delete() -> None:
    record(2)

    with pytest.raises(DatabaseError, match=append_only.DELETE_MESSAGE):
        _raw("DELETE FROM audit_auditevent WHERE seq = 2")
    with pytest.raises(DatabaseError, match=append_only.DELETE_MESSAGE):
        _raw("DELETE FROM audit_auditevent")

    assert AuditEvent.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE exists on PostgreSQL only")
def test_the_database_refuses_truncate() -> None:
    record(2)

    with pytest.raises(DatabaseError, match=append_only.DELETE_MESSAGE):
        _raw("TRUNCATE audit_auditevent")

    assert AuditEvent.objects.count() == 2


def test_the_database_still_accepts_new_rows() -> None:
    record(2)
    record(1, first=3)

    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3]


def test_someone_with_dba_rights_can_get_past_the_triggers_but_they_come_back() -> None:
    record(1)

    with triggers_off():
        _raw("UPDATE audit_auditevent SET action = 'x.y.z'")

    assert AuditEvent.objects.get().action == "x.y.z"
    assert append_only.installed(connection)


def test_flush_refuses_to_empty_the_audit_log_in_production(settings: Any) -> None:
    settings.LIANJIAN_AUDIT_FLUSH_ALLOWED = False
    record(1)

    with pytest.raises(CommandError), transaction.atomic():
        call_command("flush", interactive=False, verbosity=0)

    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_test_database_and_puts_the_triggers_back() -> None:
    record(2)

    call_command("flush", interactive=False, verbosity=0)

    assert AuditEvent.objects.count() == 0
    assert append_only.installed(connection)
