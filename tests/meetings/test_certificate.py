import io
from decimal import Decimal

from django.urls import reverse
from pypdf import PdfReader

from consilium.meetings import attendance
from tests.meetings.conftest import guest


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_a_participant_downloads_a_certificate_with_their_hours(
    client_for, personas, workshop, morning
):
    registration = attendance.register(
        actor=personas["coordinator"], event=workshop, user=personas["clinician"], mode="in_person"
    )
    attendance.check_in(actor=personas["coordinator"], event=workshop, registration=registration)
    response = client_for("clinician").get(reverse("meetings:certificate", args=[registration.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    assert "Nguyễn Thị Lan" in text  # Vietnamese diacritics survive the font
    assert "Pediatric Oncology Workshop 2024" in text
    # Lan reads Vietnamese, where 3.25 is written 3,25.
    assert "3,25" in text or "3.25" in text


def test_a_cyrillic_guest_certificate_for_the_coordinator(client_for, personas, workshop):
    registration = attendance.register(
        actor=personas["coordinator"],
        event=workshop,
        mode="online",
        guest=guest("Анна Иванова", "RU"),
    )
    attendance.check_in(
        actor=personas["coordinator"], event=workshop, registration=registration, hours=Decimal("6")
    )
    response = client_for("coordinator").get(
        reverse("meetings:certificate", args=[registration.pk])
    )
    text = _text(response.content)
    assert "Анна Иванова" in text
    assert "6,00" in text or "6.00" in text


def test_nobody_else_gets_someone_s_certificate(client_for, personas, workshop):
    registration = attendance.register(
        actor=personas["coordinator"], event=workshop, user=personas["clinician"], mode="in_person"
    )
    attendance.check_in(actor=personas["coordinator"], event=workshop, registration=registration)
    url = reverse("meetings:certificate", args=[registration.pk])
    assert client_for("expert").get(url).status_code == 404
    assert client_for("outsider").get(url).status_code == 404


def test_no_certificate_without_attendance(client_for, personas, workshop):
    registration = attendance.register(
        actor=personas["coordinator"], event=workshop, user=personas["clinician"], mode="in_person"
    )
    response = client_for("clinician").get(reverse("meetings:certificate", args=[registration.pk]))
    assert response.status_code == 302


def test_a_guest_without_an_account_is_certified_in_the_events_language(
    client_for, personas, workshop
):
    workshop.languages = ["ru", "en"]
    workshop.save(update_fields=["languages"])
    registration = attendance.register(
        actor=personas["coordinator"], event=workshop, mode="online", guest=guest("Анна", "RU")
    )
    attendance.check_in(
        actor=personas["coordinator"], event=workshop, registration=registration, hours=Decimal("6")
    )

    text = _text(
        client_for("coordinator")
        .get(reverse("meetings:certificate", args=[registration.pk]))
        .content
    )

    assert "Certificate of attendance" not in text
    assert "Сертификат об участии" in " ".join(text.split())
