"""The consultation report in its reader's language, with times in the reader's zone: the
clinician in Hanoi reads Vietnamese, an expert who reads Uzbek gets hers, by download and by
mail. The PDF's text is read back with pdftotext, as a person's PDF viewer would show it."""

import subprocess
from email import message_from_bytes
from email.policy import default

from django.core.management import call_command
from django.urls import reverse

from tests.consultations.test_recommendation import FIELDS


def _text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(done.stdout.decode("utf-8").split())


def _finalise(client_for, consultation) -> None:
    response = client_for("expert").post(
        reverse("consultations:act", args=[consultation.pk, "finalise"]), FIELDS
    )
    assert response.status_code == 302
    call_command("worker", batch=True, verbosity=0)


def _download(client, consultation) -> bytes:
    response = client.get(reverse("consultations:report", args=[consultation.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_each_reader_gets_the_report_in_their_language_and_zone(
    audit_triggers_off_after_test, client_for, consultation, personas
):
    expert = personas["expert"]
    expert.language, expert.time_zone = "uz", "Asia/Tashkent"
    expert.save()
    clinician = personas["clinician"]
    assert (clinician.language, clinician.time_zone) == ("vi", "Asia/Ho_Chi_Minh")
    _finalise(client_for, consultation)

    vi = _text(_download(client_for("clinician"), consultation))
    assert "Báo cáo hội chẩn" in vi  # Consultation report
    assert "Điều trị được khuyến nghị" in vi  # Recommended treatment
    assert "Tóm tắt lâm sàng" in vi  # Clinical summary: the summary it answered
    assert "abdominal mass for 4 weeks" in vi
    assert "Asia/Ho_Chi_Minh" in vi
    assert "Konsultatsiya hisoboti" not in vi

    uz = _text(_download(client_for("expert"), consultation))
    assert "Konsultatsiya hisoboti" in uz
    assert "Tavsiya etilgan davolash" in uz
    assert "Klinik xulosa" in uz
    assert "Asia/Tashkent" in uz
    assert "COJEC" in uz
    assert "Nguy" not in uz  # never the child's name
    # Times in the zone: Hanoi is two hours ahead of Tashkent.
    from consilium.consultations.models import Recommendation

    finalised = Recommendation.objects.get().finalised_at
    from zoneinfo import ZoneInfo

    assert finalised.astimezone(ZoneInfo("Asia/Tashkent")).strftime("%H:%M") in uz
    assert finalised.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%H:%M") in vi


def test_the_mailed_report_is_in_each_recipients_language(
    audit_triggers_off_after_test, client_for, consultation, personas, smtp_inbox
):
    expert = personas["expert"]
    expert.language = "uz"
    expert.save()
    _finalise(client_for, consultation)
    texts = {}
    for raw in smtp_inbox.messages:
        message = message_from_bytes(raw.as_bytes(), policy=default)
        for part in message.iter_attachments():
            if part.get_content_type() == "application/pdf":
                texts[message["To"]] = _text(part.get_content())
    assert "Konsultatsiya hisoboti" in texts[expert.email]
    assert "Báo cáo hội chẩn" in texts[personas["clinician"].email]
