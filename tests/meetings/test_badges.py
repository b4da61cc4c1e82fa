"""Badge PDFs: one per registrant, made in the request, each with a QR code that carries the
signed check-in address. The sheet of all of them is made by the worker:
test_prepare_badges.py."""

import io

from django.core import signing
from django.urls import reverse
from pypdf import PdfReader

from consilium.meetings import attendance
from consilium.meetings.badges import SALT, badge_token, read_badge_token, scan_url
from tests.meetings.conftest import guest


def _pdf(response) -> PdfReader:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def _register(personas, event, n):
    return [
        attendance.register(
            actor=personas["coordinator"],
            event=event,
            mode="in_person",
            guest=guest(f"Nguyễn Văn {n}", institution_name=f"Bệnh viện {n}"),
        )
        for n in range(n)
    ]


def test_it_prints_a_badge_with_name_institution_event_and_qr(client_for, personas, two_days):
    registration = _register(personas, two_days, 1)[0]
    reader = _pdf(client_for("coordinator").get(reverse("meetings:badge", args=[registration.pk])))
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Nguyễn Văn 0" in text
    assert "Bệnh viện 0" in text
    assert "Two-day workshop on retinoblastoma" in text
    # The QR code is drawn as an image on the page.
    assert reader.pages[0].images or "/XObject" in reader.pages[0]["/Resources"]


def test_a_participant_prints_their_own_badge_but_not_anothers(client_for, personas, two_days):
    own = attendance.register(
        actor=personas["coordinator"], event=two_days, user=personas["clinician"], mode="online"
    )
    other = _register(personas, two_days, 1)[0]
    _pdf(client_for("clinician").get(reverse("meetings:badge", args=[own.pk])))
    response = client_for("clinician").get(reverse("meetings:badge", args=[other.pk]))
    assert response.status_code == 404


def test_the_token_names_its_event_and_registration_and_cannot_be_forged(personas, two_days):
    registration = _register(personas, two_days, 1)[0]
    token = badge_token(registration)
    assert read_badge_token(token) == (two_days.pk, registration.pk)
    assert token in scan_url(registration)
    # Signed with another key, or the right key and another salt: not a badge.
    forged = signing.dumps([two_days.pk, registration.pk + 1], key="x" * 50, salt=SALT)
    assert read_badge_token(forged) is None
    assert read_badge_token(signing.dumps([two_days.pk, registration.pk], salt="other")) is None
    assert read_badge_token(token[:-2] + "AA") is None
    assert read_badge_token("") is None
