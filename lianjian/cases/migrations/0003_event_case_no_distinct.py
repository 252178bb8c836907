"""PostgreSQL: tell the planner that a case has about ten events (``n_distinct`` of
``cases_event.case_no`` as a ratio, -0.1), instead of the estimate ANALYZE draws from its sample.

At 10,000,000 events ANALYZE estimated 106,143 distinct case numbers where there are 1,165,000,
so a list of 113 changed cases looked like 10,664 events and an incremental scan's query read the
whole (unit, type, occurred_at) index instead of 113 probes of (case_no, occurred_at): 1.1 s
against 0.013 s for R-GX08-RECONSIDERATION (bench/README.md, 2026-12-07). A ratio stays right as
the table grows. It takes effect at the next ANALYZE, which `lianjian import` runs after a large
batch; this migration runs one on the column. Nothing to do on SQLite.
"""

from __future__ import annotations

from django.db import migrations


def _set(apps, schema_editor, value: str) -> None:  # noqa: ANN001 - migration signature
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE cases_event ALTER COLUMN case_no SET (n_distinct = {value})")
    schema_editor.execute("ANALYZE cases_event (case_no)")


def forwards(apps, schema_editor) -> None:  # noqa: ANN001
    _set(apps, schema_editor, "-0.1")


def backwards(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE cases_event ALTER COLUMN case_no RESET (n_distinct)")


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_event_store_lean")]

    operations = [migrations.RunPython(forwards, backwards)]
