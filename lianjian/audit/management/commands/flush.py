"""Django's ``flush``, which the audit triggers refuse unless the settings allow it (tests only).

Emptying every table includes the audit log, and the append-only triggers refuse that: in
production ``lianjian flush`` therefore fails with the trigger's message, as it should. The test
settings set ``LIANJIAN_AUDIT_FLUSH_ALLOWED`` so that transactional tests (the browser tests'
live server) can empty the database between tests; the triggers are put back afterwards.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections

from lianjian.audit import append_only


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        if not getattr(settings, "LIANJIAN_AUDIT_FLUSH_ALLOWED", False):
            super().handle(**options)
            return
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        had_triggers = append_only.installed(connection)
        append_only.remove(connection)
        try:
            super().handle(**options)
        finally:
            if had_triggers:
                append_only.install(connection)
