import datetime
import zoneinfo

import icalendar
from django.test import Client
from django.urls import reverse

from consilium.meetings import actions, attendance
from consilium.meetings.choices import Visibility
from tests.meetings.conftest import at

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _parse(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def test_an_event_ics_carries_its_zone_uid_and_stamp(client_for, workshop):
    cal = _parse(client_for("clinician").get(reverse("meetings:event_ics", args=[workshop.pk])))
    [vevent] = cal.walk("VEVENT")
    start = vevent.decoded("dtstart")
    assert start == at(2024, 12, 2, 8, 30)
    assert str(start.tzinfo) == "Asia/Ho_Chi_Minh"
    assert vevent["dtstart"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert [tz["tzid"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]
    assert vevent["uid"] == f"event-{workshop.pk}@127.0.0.1"
    assert vevent.decoded("dtstamp").tzinfo is not None
    assert vevent["summary"] == "Pediatric Oncology Workshop 2024"


def test_a_private_event_ics_is_refused_to_an_outsider_and_to_anonymous(client_for, board):
    url = reverse("meetings:event_ics", args=[board.pk])
    assert client_for("outsider").get(url).status_code == 404
    assert Client().get(url).status_code == 404
    assert client_for("expert").get(url).status_code == 200


def test_a_network_event_ics_is_refused_to_anonymous_until_public(personas, workshop):
    url = reverse("meetings:event_ics", args=[workshop.pk])
    assert Client().get(url).status_code == 404
    actions.update_event(
        actor=personas["coordinator"], event=workshop, visibility=Visibility.PUBLIC
    )
    cal = _parse(Client().get(url))
    # A change bumps SEQUENCE so calendar programs replace their copy.
    assert cal.walk("VEVENT")[0]["sequence"] == 1


def test_a_series_ics_keeps_14h_in_paris_across_the_clock_change(
    client_for, personas, institutions, partnership
):
    series = actions.create_series(
        actor=personas["coordinator"],
        title="VNCH – Curie tumour board",
        host=institutions["VNCH"],
        co_organisers=[institutions["CURIE"]],
        weekday=1,
        start_time=datetime.time(14, 0),
        time_zone="Europe/Paris",
        starts_on=datetime.date(2025, 3, 1),
        until=datetime.date(2025, 4, 30),
    )
    response = client_for("expert").get(reverse("meetings:series_ics", args=[series.pk]))
    events = sorted(_parse(response).walk("VEVENT"), key=lambda v: v.decoded("dtstart"))
    starts = [v.decoded("dtstart") for v in events]
    # Every second Tuesday from 4 March: 4 and 18 March, 1, 15 and 29 April.
    assert [s.date() for s in starts] == [
        datetime.date(2025, 3, 4),
        datetime.date(2025, 3, 18),
        datetime.date(2025, 4, 1),
        datetime.date(2025, 4, 15),
        datetime.date(2025, 4, 29),
    ]
    assert {s.astimezone(PARIS).strftime("%H:%M") for s in starts} == {"14:00"}
    utc_hours = [s.astimezone(datetime.UTC).hour for s in starts]
    assert utc_hours == [13, 13, 12, 12, 12]  # CET before 30 March, CEST after
    assert len({v["uid"] for v in events}) == 5
    assert (
        client_for("outsider").get(reverse("meetings:series_ics", args=[series.pk])).status_code
        == 404
    )


def test_the_personal_feed_lists_my_registrations_and_a_reset_kills_the_old_address(
    client_for, personas, future_workshop, workshop
):
    attendance.register(
        actor=personas["clinician"],
        event=future_workshop,
        user=personas["clinician"],
        mode="online",
    )
    client = client_for("clinician")
    page = client.get(reverse("meetings:calendar"))
    feed_url = page.context["feed_url"]
    path = feed_url.split("testserver", 1)[1]
    cal = _parse(Client().get(path))  # a calendar program has no session
    assert [v["summary"] for v in cal.walk("VEVENT")] == ["Workshop on low-grade gliomas"]
    client.post(reverse("meetings:calendar"))
    assert Client().get(path).status_code == 404
