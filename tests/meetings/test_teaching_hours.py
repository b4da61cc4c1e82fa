"""Teaching hours that someone can vouch for: the programme's sessions, else the hours the
organisers state, else none, when the certificate and the training record name the days
attended rather than hours read off the wall clock (breaks and lunch included)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from consilium.audit.models import AuditEntry
from consilium.meetings import actions, attendance, certificates
from consilium.meetings.choices import EventKind, EventMode, SessionKind, Visibility
from consilium.meetings.models import Event
from consilium.meetings.programme import teaching_hours
from tests.meetings.conftest import HANOI, at


@pytest.fixture
def no_programme(personas, institutions):
    """Two days in Hanoi, today 08:00 to tomorrow 17:00 (33 hours of wall clock), with no
    programme: what a workshop is before anyone types its sessions in."""
    today = datetime.datetime.now(datetime.UTC).astimezone(Event(time_zone=HANOI).zone).date()
    tomorrow = today + datetime.timedelta(days=1)
    return actions.create_event(
        actor=personas["coordinator"],
        kind=EventKind.WORKSHOP,
        title="Nursing workshop",
        starts_at=at(today.year, today.month, today.day, 8),
        ends_at=at(tomorrow.year, tomorrow.month, tomorrow.day, 17),
        time_zone=HANOI,
        host=institutions["VNCH"],
        mode=EventMode.IN_PERSON,
        visibility=Visibility.NETWORK,
    )


@pytest.fixture
def lan(personas, no_programme):
    registration = attendance.register(
        actor=personas["coordinator"],
        event=no_programme,
        user=personas["clinician"],
        mode="in_person",
    )
    return attendance.check_in(
        actor=personas["coordinator"],
        event=no_programme,
        registration=registration,
        day=no_programme.days()[0],
    )


def _pdf_text(registration) -> str:
    pdf = certificates.certificate_pdf(registration, language="en")
    return " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())


def test_without_programme_or_stated_hours_the_certificate_names_days_not_hours(
    client_for, no_programme, lan
):
    lan.refresh_from_db()
    assert lan.hours_attended is None
    assert teaching_hours(no_programme) is None
    text = _pdf_text(lan)
    assert "1 day of attendance" in text
    assert "hours" not in text
    # Still a certificate: mailed, verified (days, no hours), and on the training record.
    assert certificates.eligible(no_programme).get() == lan
    code = certificates.verification_code(lan)
    page = client_for("outsider").get(reverse("meetings:verify_certificate", args=[code]))
    assert page.status_code == 200
    assert "Valid certificate" in page.content.decode()
    assert "Hours attended" not in page.content.decode()
    record = client_for("clinician").get(reverse("meetings:my_training"))
    line = record.context["lines"][0]
    assert (line.hours, line.days) == (None, 1)
    assert record.context["total"] == 0 and record.context["days_without_hours"] == 1


def test_stated_hours_are_shared_between_the_days(client_for, personas, no_programme, lan):
    """Stated once the desk had checked people in: the attendees' hours follow, and a
    certificate mailed before is mailed again."""
    lan.certificate_mailed_at = datetime.datetime.now(datetime.UTC)
    lan.save()
    actions.update_event(
        actor=personas["coordinator"], event=no_programme, teaching_hours=Decimal("12")
    )
    lan.refresh_from_db()
    assert lan.hours_attended == Decimal("6.00")
    assert lan.certificate_mailed_at is None
    assert "6.00 hours of attendance" in _pdf_text(lan)
    record = client_for("clinician").get(reverse("meetings:my_training"))
    assert record.context["lines"][0].hours == Decimal("6.00")
    assert record.context["total"] == Decimal("6.00")
    second = no_programme.days()[1]
    attendance.check_in(
        actor=personas["coordinator"],
        event=no_programme,
        registration=lan,
        day=second,
        at=datetime.datetime.combine(second, datetime.time(9), tzinfo=no_programme.zone),
    )
    lan.refresh_from_db()
    assert lan.hours_attended == Decimal("12.00")


def test_the_programme_wins_over_stated_hours(personas, no_programme, lan):
    actions.update_event(
        actor=personas["coordinator"], event=no_programme, teaching_hours=Decimal("12")
    )
    first = no_programme.days()[0]
    actions.add_session(
        actor=personas["coordinator"],
        event=no_programme,
        kind=SessionKind.SECTION,
        title="Central lines",
        starts_at=at(first.year, first.month, first.day, 9),
        ends_at=at(first.year, first.month, first.day, 11, 30),
    )
    assert teaching_hours(no_programme) == Decimal("2.50")
    assert teaching_hours(no_programme, days={first}) == Decimal("2.50")


@pytest.mark.parametrize("value", ["0", "-3", "34", "many"])
def test_stated_hours_out_of_range_are_refused_and_nothing_changes(client_for, no_programme, value):
    url = reverse("meetings:event_edit", args=[no_programme.pk])
    client = client_for("coordinator")
    data = client.get(url).context["form"].initial
    form = {k: v for k, v in data.items() if v is not None and k != "co_organisers"}
    form.update(
        {
            "host": no_programme.host_id,
            "starts_at": data["starts_at"].strftime("%Y-%m-%dT%H:%M"),
            "ends_at": data["ends_at"].strftime("%Y-%m-%dT%H:%M"),
            "teaching_hours": value,
        }
    )
    changes = AuditEntry.objects.filter(verb="meetings.event_changed").count()
    response = client.post(url, form)
    assert response.status_code in (200, 400)
    assert response.context["form"].errors["teaching_hours"]
    no_programme.refresh_from_db()
    assert no_programme.teaching_hours is None
    assert AuditEntry.objects.filter(verb="meetings.event_changed").count() == changes


def test_stated_hours_in_the_readers_decimal_format(client_for, personas, no_programme):
    personas["coordinator"].language = "uz"
    personas["coordinator"].save()
    url = reverse("meetings:event_edit", args=[no_programme.pk])
    client = client_for("coordinator")
    data = client.get(url).context["form"].initial
    form = {k: v for k, v in data.items() if v is not None and k != "co_organisers"}
    form.update(
        {
            "host": no_programme.host_id,
            "starts_at": data["starts_at"].strftime("%Y-%m-%dT%H:%M"),
            "ends_at": data["ends_at"].strftime("%Y-%m-%dT%H:%M"),
            "teaching_hours": "12,5",
        }
    )
    response = client.post(url, form)
    assert response.status_code == 302, response.context["form"].errors
    no_programme.refresh_from_db()
    assert no_programme.teaching_hours == Decimal("12.50")


def test_the_action_refuses_stated_hours_beyond_the_events_length(personas, no_programme):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="at most the event's length"):
        actions.update_event(
            actor=personas["coordinator"], event=no_programme, teaching_hours=Decimal("33.5")
        )
