"""Fresh planner statistics for a few tables, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.backends.base.base import BaseDatabaseWrapper


def analyze(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> None:
    """ANALYZE each table. On PostgreSQL outside a transaction, VACUUM as well: until a page
    is marked all-visible an index-only scan still reads the table row behind each index
    entry. On SQLite a sample of rows per index is enough for the planner and keeps it quick
    on a million rows."""
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")
        for table in tables:
            name = connection.ops.quote_name(table)
            cursor.execute(f"VACUUM (ANALYZE) {name}" if vacuum else f"ANALYZE {name}")
