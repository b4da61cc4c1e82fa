"""Messages to registrants: written in several languages, each registrant mailed the version
in their language through the queue, with the progress shown; bad input refused, nothing
recorded."""

import email
from email import policy

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.meetings import announcements, attendance
from consilium.meetings.announcements import Version
from consilium.meetings.models import Announcement
from tests.consultations.fixtures import run_queued_tasks
from tests.meetings.conftest import guest

DELIVER = "consilium.meetings.announcements.deliver_announcement"


@pytest.fixture
def people(personas, two_days):
    """Lan (reads Vietnamese, came on the first day), a guest without an account (gets the
    event's language) and a registrant who cancelled."""
    coordinator = personas["coordinator"]
    personas["clinician"].language = "vi"
    personas["clinician"].save()
    lan = attendance.register(
        actor=coordinator, event=two_days, user=personas["clinician"], mode="in_person"
    )
    hương = attendance.register(
        actor=coordinator, event=two_days, mode="in_person", guest=guest(email="h@example.org")
    )
    gone = attendance.register(
        actor=coordinator,
        event=two_days,
        mode="in_person",
        guest=guest("Gone", email="gone@example.org"),
    )
    attendance.cancel_registration(actor=coordinator, registration=gone)
    attendance.check_in(actor=coordinator, event=two_days, registration=lan, day=two_days.days()[0])
    mail.outbox.clear()
    run_queued_tasks()
    mail.outbox.clear()
    return {"lan": lan, "hương": hương}


def _post(client, event, **fields):
    return client.post(reverse("meetings:announcements", args=[event.pk]), fields)


def test_it_mails_each_registrant_the_version_in_their_language(client_for, two_days, people):
    client = client_for("coordinator")
    response = _post(
        client,
        two_days,
        subject_en="Room change",
        body_en="Day two is in room B.",
        subject_vi="Đổi phòng học cho ngày thứ hai của hội thảo về u nguyên bào võng mạc",
        body_vi="Ngày thứ hai học ở phòng B.",
    )
    assert response.status_code == 302
    assert mail.outbox == []  # queued, not sent from the request
    page = client.get(reverse("meetings:announcements", args=[two_days.pk])).content.decode()
    assert "0 of 2 sent" in page
    assert run_queued_tasks(DELIVER) == 2
    page = client.get(reverse("meetings:announcements", args=[two_days.pk])).content.decode()
    assert "2 of 2 sent" in page
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"lan.nguyen@vnch.demo", "h@example.org"}
    parsed = email.message_from_bytes(
        by_address["lan.nguyen@vnch.demo"].message().as_bytes(), policy=policy.default
    )
    # Read back as written: no leading space from the header's folding.
    assert parsed["Subject"] == (
        "Đổi phòng học cho ngày thứ hai của hội thảo về u nguyên bào võng mạc"
    )
    assert "Ngày thứ hai học ở phòng B." in parsed.get_body().get_content()
    assert "Bạn nhận" in parsed.get_body().get_content()  # the footer in Vietnamese too
    assert by_address["h@example.org"].subject == "Room change"  # the event's language
    entry = AuditEntry.objects.get(verb="meetings.announcement_sent")
    assert entry.details["queued"] == 2 and entry.details["languages"] == ["en", "vi"]


def test_a_retried_task_sends_nothing_twice(personas, two_days, people):
    announcement = announcements.send_announcement(
        actor=personas["coordinator"], event=two_days, versions=[Version("en", "Hi", "Text")]
    )
    run_queued_tasks(DELIVER)
    mail.outbox.clear()
    for delivery in announcement.deliveries.all():
        assert announcements.deliver_announcement.call(delivery_id=delivery.pk) == 0
    assert mail.outbox == []


def test_it_writes_to_those_of_one_session(personas, two_days, people):
    first, second = two_days.sessions.order_by("starts_at")
    announcement = announcements.send_announcement(
        actor=personas["coordinator"],
        event=two_days,
        session=first,
        versions=[Version("en", "Slides", "The slides of this morning are online.")],
    )
    assert [d.registration for d in announcement.deliveries.all()] == [people["lan"]]
    with pytest.raises(ValidationError, match="Nobody has attended that session"):
        announcements.send_announcement(
            actor=personas["coordinator"],
            event=two_days,
            session=second,
            versions=[Version("en", "Slides", "Text")],
        )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Write a subject and a text in at least one language."),
        ({"subject_en": "  ", "body_en": "\n"}, "Write a subject and a text"),
        ({"subject_fr": "Salle", "body_fr": ""}, "needs both a subject and a text"),
        ({"subject_en": "x" * 201, "body_en": "y"}, "at most 200 characters"),
    ],
)
def test_bad_messages_are_refused_and_nothing_is_sent(
    client_for, personas, two_days, people, fields, message
):
    personas["coordinator"].language = "en"
    personas["coordinator"].save()
    response = _post(client_for("coordinator"), two_days, **fields)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&quot;", '"')
    assert not Announcement.objects.exists()
    assert run_queued_tasks(DELIVER) == 0


def test_a_session_of_another_event_is_refused(
    client_for, personas, two_days, people, workshop, morning
):
    personas["coordinator"].language = "en"
    personas["coordinator"].save()
    response = _post(
        client_for("coordinator"), two_days, session=morning.pk, subject_en="Hi", body_en="x"
    )
    assert response.status_code == 400
    assert "That session is not one of this event" in response.content.decode()
    with pytest.raises(ValidationError, match="belongs to another event"):
        announcements.send_announcement(
            actor=personas["coordinator"],
            event=two_days,
            session=morning,
            versions=[Version("en", "Hi", "x")],
        )
    assert not Announcement.objects.exists()


def test_an_event_without_registrants_says_so(personas, future_workshop):
    with pytest.raises(ValidationError, match="Nobody with an email address"):
        announcements.send_announcement(
            actor=personas["coordinator"],
            event=future_workshop,
            versions=[Version("en", "Hi", "x")],
        )


def test_an_outsider_and_a_registrant_are_refused(client_for, personas, two_days, people):
    for who in ("outsider", "clinician", "expert"):
        response = _post(client_for(who), two_days, subject_en="Hi", body_en="x")
        assert response.status_code == 403
        assert (
            client_for(who).get(reverse("meetings:announcements", args=[two_days.pk])).status_code
            == 403
        )
    with pytest.raises(PermissionDenied):
        announcements.send_announcement(
            actor=personas["outsider"], event=two_days, versions=[Version("en", "Hi", "x")]
        )
    assert not Announcement.objects.exists()
