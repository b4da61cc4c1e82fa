"""Inserts for the importer's second pass, one `executemany` (COPY on PostgreSQL) per table and
batch.

The rows are built as model instances by the same functions the actions use; only the INSERT
is done here, because bulk_create prepares each value through several layers of field methods
(about 60 values a row): on 100,000 rows that alone took longer than the 60 s the whole import
may take. Values that need the field's own conversion (encryption, aware datetimes) still get it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

from consilium.registry.fields import EncryptedDateField, EncryptedTextField

_CONVERTED = (
    EncryptedTextField,
    EncryptedDateField,
    models.DateTimeField,
    models.JSONField,
    models.FileField,
)


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    if isinstance(field, models.DateTimeField):
        # A batch's rows share one creation time: convert it once, not once per row.
        last: list[Any] = [None, None]

        def convert(value: Any) -> Any:
            if value is not last[0]:
                last[:] = [value, field.get_db_prep_save(value, connection)]
            return last[1]

        return convert
    if isinstance(field, _CONVERTED):
        return lambda value: field.get_db_prep_save(value, connection)
    if isinstance(field, models.DateField):
        return lambda value: connection.ops.adapt_datefield_value(value)
    return None


def insert(objects: Sequence[models.Model], *, keep_pk: bool = False) -> None:
    """INSERT every object (all of one model) without reading back its primary key; with
    keep_pk, the primary keys the caller has already taken from the sequence are written."""
    if not objects:
        return
    meta = objects[0]._meta
    fields = [
        f
        for f in meta.concrete_fields
        if keep_pk or not (f.primary_key and isinstance(f, models.AutoField))
    ]
    converters = [(f.attname, _converter(f)) for f in fields]
    quote = connection.ops.quote_name
    # Only names from the model's own _meta, quoted, go into the SQL; values are parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    rows = []
    for obj in objects:
        values = []
        for attname, convert in converters:
            value = getattr(obj, attname)
            values.append(convert(value) if convert and value is not None else value)
        rows.append(values)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is PostgreSQL's bulk path: several times faster than even a pipelined
            # executemany, which waits on the server for every row.
            copy_sql = "COPY {} ({}) FROM STDIN".format(
                quote(meta.db_table), ", ".join(quote(f.column) for f in fields)
            )
            with cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(sql, rows)
