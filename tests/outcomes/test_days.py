"""The integer date expressions the outcomes queries use, checked against Python's dates."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consilium.outcomes.days import DaysBetween, YearOf
from consilium.registry.models import Patient


@pytest.mark.django_db
def test_year_and_days_agree_with_python_and_survive_query_logging(patients):
    # Captured queries go through the driver's debug formatting as well, where a lone "%"
    # in the SQL fails: the year's strftime pattern once did.
    with CaptureQueriesContext(connection):
        rows = list(
            Patient.objects.filter(origin_date__isnull=False, pk__gt=0).values_list(
                "origin_date",
                "last_contact",
                YearOf("origin_date"),
                DaysBetween("last_contact", "origin_date"),
            )
        )
    assert len(rows) == 60
    for origin, last, year, days in rows:
        assert year == origin.year
        assert days == (None if last is None else (last - origin).days)
