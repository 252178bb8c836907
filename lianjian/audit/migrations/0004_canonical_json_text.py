"""``before``/``after`` become canonical JSON text, which the chain hashes as stored.

The chain's link format changes with this migration (see ``lianjian/audit/chain.py``): events
written before it no longer verify, so a database holding any must start a new log. The
append-only triggers are taken off first (turning ``NULL`` into ``'null'`` is an UPDATE) and put
back last: on SQLite each ``AlterField`` rebuilds the table, which drops them.
"""

from django.db import migrations

import lianjian.audit.models
from lianjian.audit import append_only


def install(apps, schema_editor):
    append_only.install(schema_editor.connection)


def remove(apps, schema_editor):
    append_only.remove(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0003_append_only_triggers"),
    ]

    operations = [
        migrations.RunPython(remove, install),
        migrations.AlterField(
            model_name="auditevent",
            name="before",
            field=lianjian.audit.models.CanonicalJSONField(blank=True, default=None, verbose_name="变更前"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="after",
            field=lianjian.audit.models.CanonicalJSONField(blank=True, default=None, verbose_name="变更后"),
        ),
        migrations.RunPython(install, remove),
    ]
