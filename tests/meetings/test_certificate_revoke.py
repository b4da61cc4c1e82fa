"""Revoking a certificate: the organisers withdraw it with a reason (kept in the log); its
code then verifies as revoked, and it is neither downloaded, mailed nor counted again."""

import pytest
from django.core import mail
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.meetings import attendance, certificates
from tests.consultations.fixtures import run_queued_tasks
from tests.meetings.conftest import guest


@pytest.fixture
def lan(personas, two_days):
    registration = attendance.register(
        actor=personas["coordinator"], event=two_days, user=personas["clinician"], mode="in_person"
    )
    return attendance.check_in(
        actor=personas["coordinator"], event=two_days, registration=registration
    )


def _revoke(client, event, registration, reason="Badge lent to a colleague"):
    return client.post(
        reverse("meetings:participants_action", args=[event.pk, "revoke"]),
        {"registration": registration.pk, "reason": reason},
    )


def _verify(client, registration):
    code = certificates.verification_code(registration)
    return client.get(reverse("meetings:verify_certificate", args=[code]))


def test_a_revoked_certificate_verifies_as_revoked(client, client_for, two_days, lan):
    assert _verify(client, lan).status_code == 200
    response = _revoke(client_for("coordinator"), two_days, lan)
    assert response.status_code == 302
    lan.refresh_from_db()
    assert lan.certificate_revoked_at is not None
    response = _verify(client, lan)
    page = response.content.decode()
    assert response.status_code == 410
    assert "Revoked" in page and "Valid certificate" not in page
    assert "Nguyễn Thị Lan" in page and two_days.title in page
    # The reason is for the organisers' log, not the public page; nor are the hours.
    assert "Badge lent" not in page and "Hours attended" not in page
    entry = AuditEntry.objects.get(verb="meetings.certificate_revoked")
    assert entry.details["reason"] == "Badge lent to a colleague"


def test_a_revoked_certificate_is_not_downloaded_mailed_or_counted(
    client_for, personas, two_days, lan
):
    _revoke(client_for("coordinator"), two_days, lan)
    response = client_for("clinician").get(reverse("meetings:certificate", args=[lan.pk]))
    assert response.status_code == 302
    other = attendance.register(
        actor=personas["coordinator"],
        event=two_days,
        mode="in_person",
        guest=guest(email="h@example.org"),
    )
    attendance.check_in(actor=personas["coordinator"], event=two_days, registration=other)
    mail.outbox.clear()
    assert certificates.mail_certificates(actor=personas["coordinator"], event=two_days) == 1
    run_queued_tasks("consilium.meetings.certificates.send_certificate")
    assert [m.to for m in mail.outbox] == [["h@example.org"]]
    record = client_for("clinician").get(reverse("meetings:my_training"))
    assert record.context["lines"] == []
    page = client_for("clinician").get(reverse("meetings:event", args=[two_days.pk]))
    assert reverse("meetings:certificate", args=[lan.pk]) not in page.content.decode()


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "Say why the certificate is revoked"), ("x" * 301, "at most 300 characters")],
)
def test_a_revocation_without_a_fit_reason_changes_nothing(
    client_for, two_days, lan, reason, message
):
    client = client_for("coordinator")
    response = _revoke(client, two_days, lan, reason=reason)
    assert response.status_code == 302
    assert message in client.get(response["Location"]).content.decode()
    lan.refresh_from_db()
    assert lan.certificate_revoked_at is None
    assert not AuditEntry.objects.filter(verb="meetings.certificate_revoked").exists()


def test_no_certificate_no_revocation_and_not_twice(client_for, personas, two_days, lan):
    absent = attendance.register(
        actor=personas["coordinator"], event=two_days, mode="in_person", guest=guest("Absent")
    )
    client = client_for("coordinator")
    page = client.get(_revoke(client, two_days, absent)["Location"]).content.decode()
    assert "Absent has no certificate to revoke" in page
    _revoke(client, two_days, lan)
    page = client.get(_revoke(client, two_days, lan)["Location"]).content.decode()
    assert "already revoked" in page
    assert AuditEntry.objects.filter(verb="meetings.certificate_revoked").count() == 1


@pytest.mark.parametrize("persona", ["clinician", "expert", "outsider"])
def test_only_organisers_revoke(client_for, two_days, lan, persona):
    response = _revoke(client_for(persona), two_days, lan)
    assert response.status_code in (403, 404)
    lan.refresh_from_db()
    assert lan.certificate_revoked_at is None


def test_another_events_registration_is_not_found(client_for, personas, two_days, workshop):
    theirs = attendance.register(
        actor=personas["coordinator"], event=workshop, mode="in_person", guest=guest("Other")
    )
    response = _revoke(client_for("coordinator"), two_days, theirs)
    assert response.status_code == 404
