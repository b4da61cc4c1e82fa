"""Video links: https only, on the deployer's allowed hosts; the Join button's window."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from consilium.meetings import actions, attendance
from consilium.meetings.models import Event
from consilium.meetings.training import person_record
from consilium.meetings.video import link_refusal
from tests.meetings.conftest import start_now


@pytest.mark.parametrize(
    "link",
    [
        "http://meet.jit.si/board",
        "javascript:alert(1)",
        "https://user:pw@meet.jit.si/board",
        "https://evil.example.com/board",
        "https://meet.jit.si.evil.com/x",
        "https://[::1",
    ],
)
def test_it_refuses_links_that_are_not_https_on_an_allowed_host(settings, link):
    settings.CONSILIUM_VIDEO_HOSTS = ["meet.jit.si", "*.zoom.us"]
    assert link_refusal(link)


def test_it_allows_listed_hosts_and_any_https_host_when_none_is_listed(settings):
    settings.CONSILIUM_VIDEO_HOSTS = ["meet.jit.si", "*.zoom.us"]
    assert link_refusal("https://meet.jit.si/VNCH-Curie") is None
    assert link_refusal("https://us02web.zoom.us/j/123") is None
    settings.CONSILIUM_VIDEO_HOSTS = []
    assert link_refusal("https://bbb.vnch.example/b/board") is None


def test_an_event_with_a_refused_link_is_not_saved(settings, personas, next_board):
    settings.CONSILIUM_VIDEO_HOSTS = ["meet.jit.si"]
    with pytest.raises(ValidationError) as info:
        actions.update_event(
            actor=personas["coordinator"], event=next_board, online_link="https://x.example/b"
        )
    assert "online_link" in info.value.error_dict
    next_board.refresh_from_db()
    assert next_board.online_link == "https://visio.example.org/board"


def test_the_join_button_appears_shortly_before_the_start(client_for, personas, next_board):
    attendance.register(
        actor=personas["coordinator"], event=next_board, user=personas["expert"], mode="online"
    )
    url = reverse("meetings:event", args=[next_board.pk])
    token = next_board.registrations.get().join_token
    join = reverse("meetings:join", args=[token])
    assert join not in client_for("expert").get(url).content.decode()
    soon = timezone.now() + datetime.timedelta(minutes=10)
    Event.objects.filter(pk=next_board.pk).update(
        starts_at=soon, ends_at=soon + datetime.timedelta(hours=1)
    )
    assert join in client_for("expert").get(url).content.decode()
    start_now(next_board)
    agenda_page = client_for("expert").get(reverse("meetings:agenda", args=[next_board.pk]))
    assert join in agenda_page.content.decode()
    # Joining records the attendance that the training record counts.
    client_for("expert").post(join)
    registration = next_board.registrations.get()
    assert registration.first_joined_at is not None
    assert registration.hours_attended == Decimal("1.08")  # 65 minutes
    lines, total, _days = person_record(personas["expert"])
    assert [line.event for line in lines] == [next_board] and total == Decimal("1.08")


def test_a_board_past_midnight_counts_its_whole_hours_on_the_day_it_started(personas, next_board):
    """23:30 to 00:35 in Paris: one day of attendance, joined after midnight, 65 minutes."""
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    starts = datetime.datetime(2027, 1, 14, 23, 30, tzinfo=paris)
    Event.objects.filter(pk=next_board.pk).update(
        starts_at=starts, ends_at=starts + datetime.timedelta(minutes=65)
    )
    next_board.refresh_from_db()
    assert next_board.days() == [datetime.date(2027, 1, 14)]
    registration = attendance.register(
        actor=personas["coordinator"], event=next_board, user=personas["expert"], mode="online"
    )
    attendance.record_online_join(
        registration=registration, at=datetime.datetime(2027, 1, 15, 0, 5, tzinfo=paris)
    )
    registration.refresh_from_db()
    assert registration.hours_attended == Decimal("1.08")
    assert list(registration.days.values_list("day", flat=True)) == [datetime.date(2027, 1, 14)]
