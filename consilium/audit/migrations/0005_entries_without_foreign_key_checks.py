"""The audit log's person and institution without foreign-key checks in PostgreSQL
(consilium.audit.models.AuditEntry.actor says why). SQLite keeps its constraints: rebuilding
the table there would drop its append-only triggers, and its single writer has no share locks
to contend for."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import deletion


def drop_foreign_keys(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'audit_auditentry'::regclass"
            " AND contype = 'f'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'ALTER TABLE audit_auditentry DROP CONSTRAINT "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_fewer_indexes"),
        ("network", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditentry",
                    name="actor",
                    field=models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="auditentry",
                    name="institution",
                    field=models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=deletion.PROTECT,
                        related_name="+",
                        to="network.institution",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_foreign_keys, migrations.RunPython.noop),
            ],
        )
    ]
