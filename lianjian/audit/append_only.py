"""Append-only audit rows enforced by the database itself (F13.3).

The application already refuses to update or delete :class:`~lianjian.audit.models.AuditEvent`
rows (``AppendOnlyError``); these triggers make the database refuse too, so that raw SQL, a
shell or a bug in another app cannot change the log either. Someone with the rights to drop or
disable triggers (the table owner, a DBA) can still get past them: that is what the hash chain and
the signed checkpoints outside the database are for. In production the application's database
role should not own the audit table.

On SQLite, a migration that rebuilds ``audit_auditevent`` (most ``AlterField``s do) drops its
triggers with the old table: such a migration must call :func:`install` again afterwards.
"""

from __future__ import annotations

from typing import Any

TABLE = "audit_auditevent"
FUNCTION = "audit_auditevent_refuse_change"
ROW_TRIGGER = "audit_auditevent_append_only"
TRUNCATE_TRIGGER = "audit_auditevent_no_truncate"
SQLITE_UPDATE_TRIGGER = "audit_auditevent_no_update"
SQLITE_DELETE_TRIGGER = "audit_auditevent_no_delete"

UPDATE_MESSAGE = "审计记录只能追加，不允许修改"
DELETE_MESSAGE = "审计记录只能追加，不允许删除"

_POSTGRESQL_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            RAISE EXCEPTION '{UPDATE_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RAISE EXCEPTION '{DELETE_MESSAGE}（%）', TG_OP USING ERRCODE = 'insufficient_privilege';
    END;
    $$
    """,
    f"DROP TRIGGER IF EXISTS {ROW_TRIGGER} ON {TABLE}",
    f"""
    CREATE TRIGGER {ROW_TRIGGER} BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()
    """,
    f"DROP TRIGGER IF EXISTS {TRUNCATE_TRIGGER} ON {TABLE}",
    f"""
    CREATE TRIGGER {TRUNCATE_TRIGGER} BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()
    """,
]
_POSTGRESQL_REMOVE = [
    f"DROP TRIGGER IF EXISTS {ROW_TRIGGER} ON {TABLE}",
    f"DROP TRIGGER IF EXISTS {TRUNCATE_TRIGGER} ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {FUNCTION}()",
]
# SQLite has no TRUNCATE; "DELETE FROM t" without WHERE skips its truncate shortcut when the
# table has triggers, so the DELETE trigger covers it.
_SQLITE_INSTALL = [
    f"DROP TRIGGER IF EXISTS {SQLITE_UPDATE_TRIGGER}",
    f"""
    CREATE TRIGGER {SQLITE_UPDATE_TRIGGER} BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{UPDATE_MESSAGE}'); END
    """,
    f"DROP TRIGGER IF EXISTS {SQLITE_DELETE_TRIGGER}",
    f"""
    CREATE TRIGGER {SQLITE_DELETE_TRIGGER} BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{DELETE_MESSAGE}'); END
    """,
]
_SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS {SQLITE_UPDATE_TRIGGER}",
    f"DROP TRIGGER IF EXISTS {SQLITE_DELETE_TRIGGER}",
]


def _run(connection: Any, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install(connection: Any) -> None:
    """Create (or re-create) the triggers on ``connection``'s database; safe to run again."""
    if connection.vendor == "postgresql":
        _run(connection, _POSTGRESQL_INSTALL)
    elif connection.vendor == "sqlite":
        _run(connection, _SQLITE_INSTALL)


def remove(connection: Any) -> None:
    """Drop the triggers (reverse migration; deliberate maintenance with database rights only)."""
    if connection.vendor == "postgresql":
        _run(connection, _POSTGRESQL_REMOVE)
    elif connection.vendor == "sqlite":
        _run(connection, _SQLITE_REMOVE)


def installed(connection: Any) -> bool:
    """Whether the triggers are present and enabled."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname IN (%s, %s)"
                " AND tgenabled <> 'D'",
                [TABLE, ROW_TRIGGER, TRUNCATE_TRIGGER],
            )
            return bool(cursor.fetchone()[0] == 2)
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s"
                " AND name IN (%s, %s)",
                [TABLE, SQLITE_UPDATE_TRIGGER, SQLITE_DELETE_TRIGGER],
            )
            return bool(cursor.fetchone()[0] == 2)
    return False
