"""Fewer indexes on the audit log, each written on every insert and again on every seal: the
hash loses its unique and LIKE-pattern indexes (`seq` orders the chain), the verb its
LIKE-pattern one. On SQLite the field changes rebuild the table, which drops its append-only
triggers: they are put back at the end, as 0003 does."""

import importlib

from django.conf import settings
from django.db import migrations, models

_0003 = importlib.import_module("consilium.audit.migrations.0003_sealed_chain")


def _sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in [*_0003.SQLITE_REVERSE, *_0003.SQLITE]:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_sealed_chain"),
        ("network", "0003_partnership_consent"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="verb",
            field=models.CharField(max_length=64, verbose_name="action"),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["verb"], name="audit_verb"),
        ),
        migrations.RunPython(_sqlite_triggers, _sqlite_triggers),
    ]
