"""PostgreSQL: the tsvector moves out of the wide search_searchdocument row into a narrow
table (SearchMatch) kept by a trigger in the same transaction as the row, with the GIN index;
the generated column and its index go. On SQLite the table is made and stays empty (FTS5
keeps the index there)."""

import django.contrib.postgres.search
from django.db import migrations, models

_COLUMNS = "kind, object_id, diagnosis, centre, status, year, updated_at"
_SET = ", ".join(f"{c} = NEW.{c}" for c in _COLUMNS.split(", "))
_NEW = ", ".join(f"NEW.{c}" for c in _COLUMNS.split(", "))
_VECTOR = "to_tsvector('simple'::regconfig, {words})"

POSTGRES_UP = [
    f"""INSERT INTO search_searchmatch (id, {_COLUMNS}, vector)
        SELECT id, {_COLUMNS}, {_VECTOR.format(words="words")} FROM search_searchdocument""",
    "CREATE INDEX search_match_vector ON search_searchmatch USING gin (vector)",
    f"""CREATE FUNCTION search_match_keep() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'DELETE' THEN
            DELETE FROM search_searchmatch WHERE id = OLD.id;
            RETURN OLD;
          END IF;
          -- A change of status or date alone (the common update) leaves the vector be.
          IF TG_OP = 'UPDATE' AND NEW.words IS NOT DISTINCT FROM OLD.words THEN
            UPDATE search_searchmatch SET {_SET} WHERE id = NEW.id;
            IF FOUND THEN RETURN NEW; END IF;
          END IF;
          INSERT INTO search_searchmatch (id, {_COLUMNS}, vector)
            VALUES (NEW.id, {_NEW}, {_VECTOR.format(words="NEW.words")})
            ON CONFLICT (id) DO UPDATE SET {_SET.replace("NEW.", "EXCLUDED.")},
              vector = EXCLUDED.vector;
          RETURN NEW;
        END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER search_match_keep AFTER INSERT OR UPDATE OR DELETE
        ON search_searchdocument FOR EACH ROW EXECUTE FUNCTION search_match_keep()""",
    "DROP INDEX IF EXISTS search_document_vector",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS vector",
]
POSTGRES_DOWN = [
    """ALTER TABLE search_searchdocument ADD COLUMN vector tsvector
        GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, words)) STORED""",
    "CREATE INDEX search_document_vector ON search_searchdocument USING gin (vector)",
    "DROP TRIGGER IF EXISTS search_match_keep ON search_searchdocument",
    "DROP FUNCTION IF EXISTS search_match_keep()",
    "DELETE FROM search_searchmatch",
]


def _postgres(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchMatch",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("consultation", "Consultations"),
                            ("patient", "Patients"),
                            ("document", "Library"),
                            ("event", "Meetings"),
                            ("person", "People"),
                            ("institution", "Institutions"),
                        ],
                        max_length=16,
                    ),
                ),
                ("object_id", models.BigIntegerField()),
                ("diagnosis", models.CharField(blank=True, max_length=300)),
                ("centre", models.CharField(blank=True, max_length=300)),
                ("status", models.CharField(blank=True, max_length=16)),
                ("year", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("updated_at", models.DateTimeField()),
                ("vector", django.contrib.postgres.search.SearchVectorField(null=True)),
            ],
        ),
        migrations.RunPython(_postgres(POSTGRES_UP), _postgres(POSTGRES_DOWN)),
    ]
