"""Attendance per day of a multi-day event: the desk checks people in for the day it works
on, by search or by badge; the participants page shows each day; hours follow the days."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from consilium.meetings import attendance
from consilium.meetings.badges import badge_token
from consilium.meetings.models import DayAttendance
from tests.meetings.conftest import guest


@pytest.fixture
def hương(personas, two_days):
    return attendance.register(
        actor=personas["coordinator"],
        event=two_days,
        mode="in_person",
        guest=guest(email="huong@example.org"),
    )


def _check_in(client, event, registration, day):
    return client.post(
        reverse("meetings:participants_action", args=[event.pk, "check-in"]),
        {"registration": registration.pk, "day": day.isoformat(), "q": "huong"},
    )


def test_both_days_by_search_then_scan(client_for, personas, two_days, hương):
    first, second = two_days.days()
    client = client_for("coordinator")
    response = _check_in(client, two_days, hương, first)
    # Back to the desk with its day and search kept.
    assert response.status_code == 302
    assert f"day={first.isoformat()}" in response["Location"] and "q=huong" in response["Location"]
    hương.refresh_from_db()
    assert hương.hours_attended == Decimal("3.00")
    # Tomorrow cannot be checked in today: nobody has attended it yet.
    response = _check_in(client, two_days, hương, second)
    assert response.status_code == 400
    assert "has not come yet" in response.content.decode()
    assert hương.days.count() == 1
    # The second day, on that day (the desk's action with the clock of that day).
    attendance.check_in(
        actor=personas["coordinator"],
        event=two_days,
        registration=hương,
        day=second,
        at=datetime.datetime.combine(second, datetime.time(9), tzinfo=two_days.zone),
    )
    hương.refresh_from_db()
    assert hương.hours_attended == Decimal("5.00")
    assert list(hương.days.order_by("day").values_list("day", "method")) == [
        (first, "desk"),
        (second, "desk"),
    ]
    page = client.get(
        reverse("meetings:participants", args=[two_days.pk]), {"day": second.isoformat()}
    ).content.decode()
    assert page.count('class="badge ok"') >= 2
    # Both days done: no check-in button for the day shown.
    assert f"Check in {hương.full_name} for" not in page


def test_the_same_day_twice_is_refused_and_a_day_outside_the_event(personas, two_days, hương):
    first, second = two_days.days()
    attendance.check_in(
        actor=personas["coordinator"], event=two_days, registration=hương, day=first
    )
    with pytest.raises(ValidationError, match="already checked in"):
        attendance.check_in(
            actor=personas["coordinator"], event=two_days, registration=hương, day=first
        )
    with pytest.raises(ValidationError, match="not a day of this event"):
        attendance.check_in(
            actor=personas["coordinator"],
            event=two_days,
            registration=hương,
            day=second.replace(year=second.year + 1),
        )
    assert hương.days.count() == 1


def test_a_scan_and_a_desk_check_in_on_the_same_day_are_one(client_for, two_days, hương):
    client = client_for("coordinator")
    client.get(reverse("meetings:scan", args=[two_days.pk, badge_token(hương)]))
    response = _check_in(client, two_days, hương, two_days.days()[0])
    assert response.status_code == 400
    assert "already checked in" in response.content.decode()
    assert DayAttendance.objects.filter(registration=hương).count() == 1


def test_the_desk_day_is_chosen_on_the_page_and_a_bad_day_falls_back(client_for, two_days):
    client = client_for("coordinator")
    url = reverse("meetings:participants", args=[two_days.pk])
    first, second = two_days.days()
    for given, shown in ((second.isoformat(), second), ("2001-01-01", first), ("nonsense", first)):
        page = client.get(url, {"day": given}).content.decode()
        assert f'name="day" value="{shown.isoformat()}"' in page


def test_the_desk_search_ignores_accents_and_case(client_for, two_days, hương):
    url = reverse("meetings:participants", args=[two_days.pk])
    for query in ("huong", "HƯƠNG", "benh vien nhi", "HUONG@EXAMPLE"):
        page = client_for("coordinator").get(url, {"q": query}).content.decode()
        assert "Nguyễn Thị Hương" in page, query
    page = client_for("coordinator").get(url, {"q": "hương bệnh"}).content.decode()
    # Name and institution are separate fields: a query does not run across the two.
    assert "0 found" in page


def test_an_online_join_counts_its_day(personas, two_days):
    registration = attendance.register(
        actor=personas["coordinator"], event=two_days, user=personas["expert"], mode="online"
    )
    second = two_days.days()[1]
    at = two_days.ends_at.replace(hour=two_days.ends_at.hour - 6)
    attendance.record_online_join(registration=registration, at=at)
    assert list(registration.days.values_list("day", "method")) == [(second, "online")]
    registration.refresh_from_db()
    assert registration.hours_attended == Decimal("2.00")


def _evening_before(event, day, hour=19):
    return datetime.datetime.combine(
        day - datetime.timedelta(days=1), datetime.time(hour), tzinfo=event.zone
    )


def test_only_the_first_day_is_checked_in_ahead_and_only_the_day_before(personas, two_days, hương):
    """Badge collection: the evening before the first day checks people in for it; no other
    day to come, and not the first day two days ahead."""
    first, second = two_days.days()
    coordinator = personas["coordinator"]
    for day, at in (
        (first, _evening_before(two_days, first) - datetime.timedelta(days=1)),
        (second, _evening_before(two_days, first)),
        (second, _evening_before(two_days, second) - datetime.timedelta(hours=12)),
    ):
        with pytest.raises(ValidationError, match="has not come yet"):
            attendance.check_in(
                actor=coordinator, event=two_days, registration=hương, day=day, at=at
            )
    assert not hương.days.exists()
    attendance.check_in(
        actor=coordinator,
        event=two_days,
        registration=hương,
        day=first,
        at=_evening_before(two_days, first),
    )
    assert list(hương.days.values_list("day", flat=True)) == [first]


def test_a_day_gone_by_is_still_recorded(personas, two_days, hương):
    """The desk may record attendance afterwards, for a day that has begun or ended."""
    first, second = two_days.days()
    after = datetime.datetime.combine(second, datetime.time(18), tzinfo=two_days.zone)
    for day in (first, second):
        attendance.check_in(
            actor=personas["coordinator"], event=two_days, registration=hương, day=day, at=after
        )
    assert hương.days.count() == 2
