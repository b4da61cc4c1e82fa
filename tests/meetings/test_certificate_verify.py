"""The public page that verifies a certificate: name, event, days and hours for a genuine
code; "not valid" for a forged, unknown or no longer earned one."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from consilium.meetings import attendance, certificates
from tests.meetings.conftest import guest, on_day


@pytest.fixture
def attendee(personas, two_days):
    registration = attendance.register(
        actor=personas["coordinator"],
        event=two_days,
        mode="in_person",
        guest=guest(email="huong@example.org"),
    )
    for day in two_days.days():
        attendance.check_in(
            actor=personas["coordinator"],
            event=two_days,
            registration=registration,
            day=day,
            at=on_day(two_days, day),
        )
    return registration


def test_a_genuine_code_shows_name_event_days_and_nothing_else(client, attendee, two_days):
    code = certificates.verification_code(attendee)
    response = client.get(reverse("meetings:verify_certificate", args=[code]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Valid certificate" in page
    assert "Nguyễn Thị Hương" in page
    assert "Two-day workshop on retinoblastoma" in page
    for day in two_days.days():
        assert f"{day.day} " in page
    assert "huong@example.org" not in page
    assert "Bệnh viện Nhi Thanh Hóa" not in page


def test_the_code_typed_into_the_form_lower_case_works(client, attendee):
    code = certificates.verification_code(attendee).lower()
    response = client.get(reverse("meetings:verify"), {"code": f"  {code} "})
    assert "Valid certificate" in response.content.decode()


@pytest.mark.parametrize(
    "code",
    ["1-0000000000", "999999-ABCDEF0123", "not-a-code", "-", "12345678901234567-AB"],
)
def test_forged_or_unknown_codes_are_not_valid(client, attendee, code):
    response = client.get(reverse("meetings:verify_certificate", args=[code]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "Not valid" in page
    assert "Nguyễn Thị Hương" not in page


def test_another_registrations_signature_does_not_fit(client, personas, two_days, attendee):
    _number, _, signature = certificates.verification_code(attendee).partition("-")
    response = client.get(
        reverse("meetings:verify_certificate", args=[f"{attendee.pk + 1}-{signature}"])
    )
    assert response.status_code == 404


def test_someone_who_did_not_attend_has_no_valid_certificate(client, personas, two_days):
    absent = attendance.register(
        actor=personas["coordinator"], event=two_days, mode="in_person", guest=guest("Absent")
    )
    code = certificates.verification_code(absent)
    assert client.get(reverse("meetings:verify_certificate", args=[code])).status_code == 404


def test_the_certificate_carries_its_days_code_and_address(client_for, attendee, two_days):
    response = client_for("coordinator").get(reverse("meetings:certificate", args=[attendee.pk]))
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    assert certificates.verification_code(attendee) in text
    assert "/meetings/certificates/verify/" in text
    assert "Days attended" in text
    assert "5.00 hours" in text or "5,00" in text
