"""The audit chain off the request's critical path: entries are inserted unsealed and a
sealer links them (consilium.audit.sealer). Existing entries were chained in id order with
no gaps, so their position in the chain is their id and their hashes stay valid.

The append-only triggers are replaced: DELETE and TRUNCATE are still refused, and UPDATE too
except the seal itself (an unsealed row gets its position and hash, nothing else changes).
On SQLite the field changes rebuild the table, which drops its triggers: they are put back
at the end."""

from django.conf import settings
from django.db import migrations, models

# Columns an entry is made of; the seal must leave every one of them as it was.
CONTENT = [
    "id",
    "at",
    "actor_id",
    "actor_label",
    "verb",
    "object_type",
    "object_id",
    "institution_id",
    "details",
]

_sqlite_changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in CONTENT)
SQLITE = [
    f"""CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_auditentry
       WHEN OLD.seq IS NOT NULL OR NEW.seq IS NULL OR NEW.hash IS NULL OR {_sqlite_changed}
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update",
    "DROP TRIGGER IF EXISTS audit_entry_no_delete",
]
_new = ", ".join(f"NEW.{c}" for c in CONTENT)
_old = ", ".join(f"OLD.{c}" for c in CONTENT)
POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL
            AND NEW.hash IS NOT NULL AND ROW({_new}) IS NOT DISTINCT FROM ROW({_old}) THEN
           RETURN NEW;
         END IF;
         RAISE EXCEPTION 'the audit log is append-only';
       END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
       FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()""",
    # TRUNCATE skips row triggers; it needs its own.
    """CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry
       FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry",
    "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry",
    "DROP FUNCTION IF EXISTS audit_entry_append_only()",
]
# Entries used to be inserted with explicit ids, which PostgreSQL's sequence never saw.
POSTGRES_SEQUENCE = """SELECT setval(pg_get_serial_sequence('audit_auditentry', 'id'),
    COALESCE((SELECT MAX(id) FROM audit_auditentry), 0) + 1, false)"""


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


def _sealed_in_id_order(apps, schema_editor):
    schema_editor.execute("UPDATE audit_auditentry SET seq = id, sealed_at = at")


def _unseal_refused(apps, schema_editor):
    # Going back would need the unsealed entries chained by id, which they are not.
    AuditEntry = apps.get_model("audit", "AuditEntry")
    if AuditEntry.objects.filter(seq__isnull=True).exists():
        raise RuntimeError("unsealed audit entries: seal them before migrating back")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only"),
        ("network", "0002_partnerships_resources"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # 0002's triggers; its reverse puts them back.
        migrations.RunPython(
            _run(
                {
                    "sqlite": SQLITE_REVERSE,
                    "postgresql": POSTGRES_REVERSE,
                }
            ),
            _run(
                {
                    "sqlite": [
                        "DROP TRIGGER IF EXISTS audit_entry_no_update",
                        "DROP TRIGGER IF EXISTS audit_entry_no_delete",
                        """CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_auditentry
                           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
                        """CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_auditentry
                           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
                    ],
                    "postgresql": [
                        *POSTGRES_REVERSE,
                        """CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger
                           AS $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$
                           LANGUAGE plpgsql""",
                        """CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE
                           ON audit_auditentry FOR EACH ROW
                           EXECUTE FUNCTION audit_entry_append_only()""",
                        """CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE
                           ON audit_auditentry FOR EACH STATEMENT
                           EXECUTE FUNCTION audit_entry_append_only()""",
                    ],
                }
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="sealed_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="seq",
            field=models.BigIntegerField(null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(max_length=64, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(_sealed_in_id_order, _unseal_refused),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(
                condition=models.Q(("seq__isnull", True)), fields=["id"], name="audit_unsealed"
            ),
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": [*POSTGRES, POSTGRES_SEQUENCE]}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]
