import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from consilium.meetings import actions
from consilium.meetings.models import Event, Series


def _series(personas, institutions, **overrides):
    data = {
        "actor": personas["coordinator"],
        "title": "Tumour board",
        "host": institutions["VNCH"],
        "weekday": 1,
        "start_time": datetime.time(14, 0),
        "time_zone": "Europe/Paris",
        "starts_on": datetime.date(2025, 10, 1),
        "until": datetime.date(2025, 11, 30),
    }
    data.update(overrides)
    return actions.create_series(**data)


def test_it_generates_fortnightly_meetings_across_the_autumn_change(personas, institutions):
    series = _series(personas, institutions)
    starts = list(series.events.values_list("starts_at", flat=True))
    # 14:00 in Paris: 12:00 UTC in summer time, 13:00 UTC after 26 October.
    assert [(s.date().isoformat(), s.hour) for s in starts] == [
        ("2025-10-07", 12),
        ("2025-10-21", 12),
        ("2025-11-04", 13),
        ("2025-11-18", 13),
    ]


def test_extending_is_idempotent(personas, institutions):
    series = _series(personas, institutions)
    assert (
        actions.extend_series(
            actor=personas["coordinator"], series=series, until=datetime.date(2025, 11, 30)
        )
        == []
    )
    more = actions.extend_series(
        actor=personas["coordinator"], series=series, until=datetime.date(2025, 12, 31)
    )
    assert [e.occurrence for e in more] == [
        datetime.date(2025, 12, 2),
        datetime.date(2025, 12, 16),
        datetime.date(2025, 12, 30),
    ]
    assert series.events.count() == 7


def test_it_refuses_bad_series_and_saves_nothing(personas, institutions):
    with pytest.raises(ValidationError) as info:
        _series(personas, institutions, weekday=9, time_zone="Paris")
    assert set(info.value.error_dict) == {"weekday", "time_zone"}
    assert not Series.objects.exists()
    assert not Event.objects.exists()


def test_an_outsider_cannot_plan_a_series_for_vnch(personas, institutions):
    with pytest.raises(PermissionDenied):
        _series(personas, institutions, actor=personas["outsider"])


def test_the_form_plans_a_series(client_for, institutions):
    response = client_for("coordinator").post(
        reverse("meetings:series_new"),
        {
            "title": "VNCH – Curie tumour board",
            "host": institutions["VNCH"].pk,
            "co_organisers": [institutions["CURIE"].pk],
            "interval_weeks": "2",
            "weekday": "1",
            "start_time": "14:00",
            "duration_minutes": "90",
            "time_zone": "Europe/Paris",
            "starts_on": "2025-01-01",
            "weeks_ahead": "4",
            "visibility": "partners",
        },
    )
    series = Series.objects.get()
    # A board goes straight to the case agenda of its next session.
    first = series.events.filter(ends_at__gte=timezone.now()).order_by("starts_at").first()
    assert response.url == reverse("meetings:agenda", args=[first.pk])
    assert client_for("expert").get(reverse("meetings:series", args=[series.pk])).status_code == 200
    listed = client_for("expert").get(reverse("meetings:events")).content.decode()
    upcoming = listed.split("Recurring meetings")[0]
    assert reverse("meetings:event", args=[first.pk]) in upcoming
    second = series.events.filter(starts_at__gt=first.starts_at).order_by("starts_at").first()
    assert reverse("meetings:event", args=[second.pk]) not in listed
