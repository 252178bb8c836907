"""The database refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) of audit rows (F13.3).

Runs after 0002 on purpose: on SQLite adding a column may rebuild the table, which would drop
triggers created before it.
"""

from django.db import migrations

from lianjian.audit import append_only


def install(apps, schema_editor):
    append_only.install(schema_editor.connection)


def remove(apps, schema_editor):
    append_only.remove(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_auditevent_actor_unit_path"),
    ]

    operations = [
        migrations.RunPython(install, remove),
    ]
