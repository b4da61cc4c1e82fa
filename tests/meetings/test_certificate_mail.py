"""Certificates mailed to every attendee through the queue, in each attendee's language,
with the progress on the organiser's page."""

import email
import io
from decimal import Decimal
from email import policy

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from consilium.audit.models import AuditEntry
from consilium.meetings import attendance, certificates
from tests.consultations.fixtures import run_queued_tasks
from tests.meetings.conftest import guest, on_day

SEND = "consilium.meetings.certificates.send_certificate"


@pytest.fixture
def people(personas, two_days):
    """Lan (reads Vietnamese) both days, a guest the first day, one who never came."""
    coordinator = personas["coordinator"]
    lan = attendance.register(
        actor=coordinator, event=two_days, user=personas["clinician"], mode="in_person"
    )
    hương = attendance.register(
        actor=coordinator, event=two_days, mode="in_person", guest=guest(email="h@example.org")
    )
    absent = attendance.register(
        actor=coordinator,
        event=two_days,
        mode="in_person",
        guest=guest("Absent", email="absent@example.org"),
    )
    first, second = two_days.days()
    for registration, day in ((lan, first), (lan, second), (hương, first)):
        attendance.check_in(
            actor=coordinator,
            event=two_days,
            registration=registration,
            day=day,
            at=on_day(two_days, day),
        )
    return {"lan": lan, "hương": hương, "absent": absent}


def _progress(client, event):
    return client.get(reverse("meetings:participants", args=[event.pk])).content.decode()


def test_it_mails_each_attendee_their_certificate_through_the_queue(client_for, two_days, people):
    client = client_for("coordinator")
    assert "0 of 2 attendees" in _progress(client, two_days)
    mail.outbox.clear()
    response = client.post(reverse("meetings:mail_certificates", args=[two_days.pk]))
    assert response.status_code == 302
    assert mail.outbox == []  # queued, not sent from the request
    assert run_queued_tasks(SEND) == 2
    assert "2 of 2 attendees" in _progress(client, two_days)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"lan.nguyen@vnch.demo", "h@example.org"}
    parsed = email.message_from_bytes(
        by_address["lan.nguyen@vnch.demo"].message().as_bytes(), policy=policy.default
    )
    (pdf,) = list(parsed.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(pdf.get_content())).pages[0].extract_text().split())
    assert "Chứng nhận tham dự" in text  # Lan's certificate is in Vietnamese
    assert certificates.verification_code(people["lan"]) in text
    assert certificates.verification_url(people["lan"]) in parsed.get_body().get_content()
    assert AuditEntry.objects.filter(verb="meetings.certificates_mailed").count() == 1


def test_mailing_again_sends_nothing_twice(personas, two_days, people):
    certificates.mail_certificates(actor=personas["coordinator"], event=two_days)
    run_queued_tasks(SEND)
    mail.outbox.clear()
    with pytest.raises(ValidationError, match="has had a certificate"):
        certificates.mail_certificates(actor=personas["coordinator"], event=two_days)
    # A task queued twice (a double click before the first ran) mails once.
    certificates.send_certificate.call(registration_id=people["lan"].pk)
    assert mail.outbox == []


def test_one_no_longer_eligible_when_the_worker_runs_gets_nothing(personas, two_days):
    registration = attendance.register(
        actor=personas["coordinator"],
        event=two_days,
        mode="in_person",
        guest=guest(email="x@example.org"),
    )
    attendance.check_in(actor=personas["coordinator"], event=two_days, registration=registration)
    certificates.mail_certificates(actor=personas["coordinator"], event=two_days)
    # An attended registration stays, but an organiser may remove its hours to zero.
    attendance.set_hours(actor=personas["coordinator"], registration=registration, hours=Decimal(0))
    mail.outbox.clear()
    run_queued_tasks(SEND)
    assert mail.outbox == []


@pytest.mark.parametrize("persona", ["clinician", "expert", "outsider"])
def test_only_organisers_mail_certificates(client_for, two_days, people, persona):
    response = client_for(persona).post(reverse("meetings:mail_certificates", args=[two_days.pk]))
    assert response.status_code in (403, 404)
    assert run_queued_tasks(SEND) == 0


def test_a_day_checked_in_after_mailing_sends_an_updated_certificate(
    client_for, personas, two_days, people
):
    certificates.mail_certificates(actor=personas["coordinator"], event=two_days)
    run_queued_tasks(SEND)
    attendance.check_in(
        actor=personas["coordinator"],
        event=two_days,
        registration=people["hương"],
        day=two_days.days()[1],
        at=on_day(two_days, two_days.days()[1]),
    )
    assert "1 of 2 attendees" in _progress(client_for("coordinator"), two_days)
    mail.outbox.clear()
    assert certificates.mail_certificates(actor=personas["coordinator"], event=two_days) == 1
    run_queued_tasks(SEND)
    (message,) = mail.outbox
    assert message.to == ["h@example.org"]
    pdf = message.attachments[0][1]
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "5.00 hours" in text


def test_a_badge_collected_the_evening_before_certifies_nothing_until_the_day(
    client_for, personas, future_workshop
):
    """Checked in the evening before the first day: no certificate names that day before it
    has begun, whether mailed, downloaded or verified; the pages say from when."""
    import datetime

    coordinator = personas["coordinator"]
    lan = attendance.register(
        actor=coordinator, event=future_workshop, user=personas["clinician"], mode="in_person"
    )
    first = future_workshop.days()[0]
    attendance.check_in(
        actor=coordinator,
        event=future_workshop,
        registration=lan,
        at=datetime.datetime.combine(
            first - datetime.timedelta(days=1), datetime.time(19), tzinfo=future_workshop.zone
        ),
    )
    assert list(lan.days.values_list("day", flat=True)) == [first]
    with pytest.raises(ValidationError, match="issued from"):
        certificates.mail_certificates(actor=coordinator, event=future_workshop)
    with pytest.raises(ValidationError, match="issued from"):
        certificates.certificate_pdf(lan)
    assert not AuditEntry.objects.filter(verb="meetings.certificates_mailed").exists()
    assert "issued from" in _progress(client_for("coordinator"), future_workshop)
    personas["clinician"].language = "en"
    personas["clinician"].save()
    clinician = client_for("clinician")
    page = clinician.get(reverse("meetings:event", args=[future_workshop.pk])).content.decode()
    assert "Download my certificate" not in page and "issued from" in page
    response = clinician.get(reverse("meetings:certificate", args=[lan.pk]))
    assert response.status_code == 302
    code = certificates.verification_code(lan)
    response = client_for("outsider").get(reverse("meetings:verify_certificate", args=[code]))
    assert response.status_code == 404 and "Not valid" in response.content.decode()
    mail.outbox.clear()
    # A task queued some other way sends nothing either.
    assert certificates.send_certificate.call(registration_id=lan.pk) == 0
    assert mail.outbox == []


def test_from_the_first_day_on_the_certificate_is_issued(client_for, personas, two_days, people):
    """The other side: the first day (today) has begun, so its attendance certifies."""
    page = client_for("clinician").get(reverse("meetings:event", args=[two_days.pk]))
    assert reverse("meetings:certificate", args=[people["lan"].pk]) in page.content.decode()
    assert certificates.mail_certificates(actor=personas["coordinator"], event=two_days) == 2
