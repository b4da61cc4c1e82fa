"""Scanning a badge: opening its QR code's address as an organiser checks its holder in for
the desk's day; anything else is refused and changes nothing."""

import datetime
import zoneinfo

import pytest
from django.core import signing
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.meetings import attendance
from consilium.meetings.badges import SALT, badge_token
from consilium.meetings.models import DayAttendance
from tests.meetings.conftest import guest


@pytest.fixture
def hương(personas, two_days):
    return attendance.register(
        actor=personas["coordinator"], event=two_days, mode="in_person", guest=guest()
    )


def _scan(client, event, token):
    return client.get(reverse("meetings:scan", args=[event.pk, token]))


def test_scanning_checks_the_holder_in_for_today(client_for, two_days, hương):
    response = _scan(client_for("coordinator"), two_days, badge_token(hương))
    assert response.status_code == 200
    assert "Nguyễn Thị Hương" in response.content.decode()
    (day,) = DayAttendance.objects.filter(registration=hương)
    assert day.day == two_days.days()[0]
    assert day.method == "badge"
    hương.refresh_from_db()
    assert hương.checked_in_at is not None
    assert hương.hours_attended == 3


def test_a_second_scan_the_same_day_says_when_and_changes_nothing(
    client_for, personas, two_days, hương
):
    # The organiser reads Paris time; the event is in Hanoi.
    personas["coordinator"].time_zone = "Europe/Paris"
    personas["coordinator"].save()
    client = client_for("coordinator")
    _scan(client, two_days, badge_token(hương))
    first = DayAttendance.objects.get(registration=hương)
    audited = AuditEntry.objects.filter(verb="meetings.checked_in").count()
    response = _scan(client, two_days, badge_token(hương))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Already checked in" in page
    assert ">Checked in<" not in page
    at = first.at.astimezone(zoneinfo.ZoneInfo("Europe/Paris")).strftime("%H:%M")
    assert f"Nguyễn Thị Hương was already checked in today at {at}." in page
    assert "Nothing has been changed." in page
    assert list(DayAttendance.objects.filter(registration=hương)) == [first]
    assert AuditEntry.objects.filter(verb="meetings.checked_in").count() == audited


def test_a_badge_collected_the_day_before_says_for_which_day(client_for, personas, future_workshop):
    """Checked in the evening before the first day, scanned again: it names the day."""
    personas["coordinator"].time_zone = "Asia/Ho_Chi_Minh"
    personas["coordinator"].save()
    registration = attendance.register(
        actor=personas["coordinator"], event=future_workshop, mode="in_person", guest=guest()
    )
    first = future_workshop.days()[0]
    evening = datetime.datetime.combine(
        first - datetime.timedelta(days=1), datetime.time(19, 5), tzinfo=future_workshop.zone
    )
    attendance.check_in(
        actor=personas["coordinator"],
        event=future_workshop,
        registration=registration,
        at=evening,
        method="badge",
    )
    page = _scan(client_for("coordinator"), future_workshop, badge_token(registration))
    text = page.content.decode()
    assert "Already checked in" in text
    assert "was already checked in for" in text and "at 19:05" in text
    assert DayAttendance.objects.filter(registration=registration).count() == 1


@pytest.mark.parametrize(
    "make_token, message",
    [
        (lambda r: "not-a-token", "damaged or forged"),
        (lambda r: signing.dumps([r.event_id, r.pk], key="k" * 50, salt=SALT), "forged"),
        (lambda r: signing.dumps([r.event_id + 1000, r.pk], salt=SALT), "another event"),
        (lambda r: signing.dumps({"e": 1}, salt=SALT), "forged"),
    ],
)
def test_bad_codes_are_refused(client_for, two_days, hương, make_token, message):
    response = _scan(client_for("coordinator"), two_days, make_token(hương))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DayAttendance.objects.exists()


def test_a_badge_of_another_event_is_refused(client_for, personas, two_days, workshop, hương):
    theirs = attendance.register(
        actor=personas["coordinator"], event=workshop, mode="in_person", guest=guest("Other")
    )
    response = _scan(client_for("coordinator"), two_days, badge_token(theirs))
    assert response.status_code == 400
    assert "another event" in response.content.decode()
    assert not DayAttendance.objects.exists()


def test_a_cancelled_registration_is_not_checked_in(client_for, personas, two_days, hương):
    attendance.cancel_registration(actor=personas["coordinator"], registration=hương)
    response = _scan(client_for("coordinator"), two_days, badge_token(hương))
    assert response.status_code == 400
    assert "cancelled" in response.content.decode()
    assert not DayAttendance.objects.exists()


@pytest.mark.parametrize("persona", ["clinician", "expert", "outsider"])
def test_only_organisers_check_in_by_scan(client_for, two_days, hương, persona):
    response = _scan(client_for(persona), two_days, badge_token(hương))
    assert response.status_code in (403, 404)
    assert not DayAttendance.objects.exists()


def test_a_signed_out_phone_is_sent_to_sign_in_first(client, two_days, hương):
    response = _scan(client, two_days, badge_token(hương))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not DayAttendance.objects.exists()


@pytest.mark.parametrize("persona", ["expert", "outsider"])
def test_a_badge_of_an_event_one_does_not_organise_says_so(
    client_for, personas, two_days, hương, persona
):
    """The phone of another event's desk opens this badge's own address: a clear refusal,
    not a bare "Not allowed", and nothing of the event shown."""
    personas[persona].language = "en"
    personas[persona].save()
    response = _scan(client_for(persona), two_days, badge_token(hương))
    page = response.content.decode()
    assert response.status_code == 403
    assert "This badge is for an event you do not organise" in page
    assert two_days.title not in page and "Nguyễn Thị Hương" not in page
    assert not DayAttendance.objects.exists()


def test_a_forged_code_for_an_event_one_does_not_organise_is_a_plain_refusal(client_for, two_days):
    response = _scan(client_for("outsider"), two_days, "not-a-token")
    assert response.status_code in (403, 404)
    assert "do not organise" not in response.content.decode()
