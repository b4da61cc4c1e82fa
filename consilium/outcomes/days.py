"""Whole days between two dates as an integer SQL expression, on SQLite and PostgreSQL.

Django's own date subtraction gives a DurationField: an interval on PostgreSQL and, on SQLite,
a call to a Python function per row (``django_timestamp_diff``), far too slow for a million
rows. Both databases can do it natively: PostgreSQL subtracts dates to an integer, and SQLite's
``julianday`` of a ``YYYY-MM-DD`` text is a whole number of days (at midnight, x.5 on both
sides), so the difference is exact before the cast.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Func, IntegerField


class DaysBetween(Func):
    """``end - start`` in days (negative when ``end`` is earlier); NULL if either is NULL."""

    arity = 2
    output_field = IntegerField()

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        raise NotImplementedError(
            f"DaysBetween supports SQLite and PostgreSQL, not {connection.vendor}"
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra
        )
