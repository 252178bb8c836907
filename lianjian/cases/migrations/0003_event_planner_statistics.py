"""PostgreSQL: tell the planner that a case has about ten events (``n_distinct`` of
``cases_event.case_no`` as a ratio, -0.1), instead of the estimate ANALYZE draws from its sample.

At 10,000,000 events ANALYZE estimated 106,143 distinct case numbers where there are 1,165,000,
so a list of 113 changed cases looked like 10,664 events and an incremental scan's query read the
whole (unit, type, occurred_at) index instead of 113 probes of (case_no, occurred_at): 1.1 s
against 0.013 s for R-GX08-RECONSIDERATION (bench/README.md, 2026-12-07). A ratio stays right as
the table grows. It takes effect at the next ANALYZE, which `lianjian import` runs after a large
batch; this migration runs one on the column.

It also gives the planner statistics on the JSON fields the standard rules' conditions use, each
with the event type (``CREATE STATISTICS … (mcv)``, PostgreSQL 14+): without them a condition such
as ``data -> 'case_type' = '"PROSECUTION_REVIEW"'`` has the default selectivity of 0.5 %, and R-GX04
planned 3,200 start events where there are 884,000 — a nested loop probing the index 884,000 times.
Nothing to do on SQLite.
"""

from __future__ import annotations

from django.db import migrations


# (name, JSON fields): each statistics object pairs the event type with fields of its data.
JSON_STATISTICS = (
    ("cases_event_stat_case_type", ("case_type",)),
    ("cases_event_stat_decision", ("decision",)),
    ("cases_event_stat_whom", ("whom",)),
    ("cases_event_stat_kind_target", ("kind", "target")),
)


def forwards(apps, schema_editor) -> None:  # noqa: ANN001 - migration signature
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE cases_event ALTER COLUMN case_no SET (n_distinct = -0.1)")
    for name, fields in JSON_STATISTICS:
        expressions = ", ".join(f"(data -> '{field}')" for field in fields)  # constants above
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {name} (mcv) ON type, {expressions} FROM cases_event"
        )
    schema_editor.execute("ANALYZE cases_event")


def backwards(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE cases_event ALTER COLUMN case_no RESET (n_distinct)")
    for name, _ in JSON_STATISTICS:
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_event_store_lean")]

    operations = [migrations.RunPython(forwards, backwards)]
