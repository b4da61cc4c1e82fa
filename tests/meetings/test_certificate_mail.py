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
from tests.meetings.conftest import guest

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
        attendance.check_in(actor=coordinator, event=two_days, registration=registration, day=day)
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
