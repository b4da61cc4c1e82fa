import datetime

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consilium.audit.models import AuditEntry
from consilium.meetings import attendance
from consilium.meetings.models import Event
from tests.meetings.conftest import guest


def _now_running(event: Event) -> None:
    now = timezone.now()
    Event.objects.filter(pk=event.pk).update(
        starts_at=now - datetime.timedelta(minutes=10), ends_at=now + datetime.timedelta(hours=1)
    )
    event.refresh_from_db()


def test_the_join_link_records_attendance_and_opens_the_online_room(personas, workshop):
    _now_running(workshop)
    registration = attendance.register(
        actor=personas["coordinator"], event=workshop, mode="online", guest=guest()
    )
    url = reverse("meetings:join", args=[registration.join_token])
    client = Client()
    # Opening the link (as a mail scanner would) records nothing.
    assert client.get(url).status_code == 200
    registration.refresh_from_db()
    assert registration.first_joined_at is None
    # The room opens from a page (a form's redirect to another site is blocked by the
    # Content-Security-Policy's form-action), by itself and by a link.
    response = client.post(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'http-equiv="refresh" content="0;url=https://visio.example.org/workshop"' in page
    assert 'href="https://visio.example.org/workshop"' in page
    assert "form-action 'self'" in response.headers["Content-Security-Policy"]
    client.post(url)
    registration.refresh_from_db()
    assert registration.joins == 2
    assert registration.first_joined_at is not None
    # Its day counts; a workshop without a programme or stated hours certifies the day.
    assert registration.days.count() == 1
    assert registration.hours_attended is None
    assert AuditEntry.objects.filter(verb="meetings.joined_online").count() == 2


def test_the_room_is_closed_outside_the_event(personas, workshop):
    registration = attendance.register(
        actor=personas["coordinator"], event=workshop, mode="online", guest=guest()
    )
    response = Client().post(reverse("meetings:join", args=[registration.join_token]))
    assert response.status_code == 200
    registration.refresh_from_db()
    assert registration.joins == 0


def test_an_unknown_token_is_a_404(db):
    assert Client().get(reverse("meetings:join", args=["nope"])).status_code == 404
