"""A request, message or file name that carries the patient's identifiers does not leave the
hospital: refused with what was found, by page, API and email, and nothing is stored."""

import json
from base64 import b64encode

from django.urls import reverse

from consilium.consultations.models import Consultation, InboundStatus, Message
from tests.consultations.dicom_files import phone_photo
from tests.consultations.fixtures import (
    deliver,
    persona_address,
    plain_reply,
    queued_emails,
    reply_address,
)


def _request(patient, institutions, **overrides):
    return {
        "patient": patient.pk,
        "expert_institution": institutions["CURIE"].pk,
        "urgency": "routine",
        "question": "Is surgery possible after 4 cycles?",
        "specialty": "neuroblastoma surgery",
        "language": "en",
        "template": "general",
        **overrides,
    }


def test_the_page_refuses_a_question_with_the_childs_name(
    client_for, patient, partnership, institutions
):
    response = client_for("clinician").post(
        reverse("consultations:new"),
        _request(patient, institutions, question="Nguyen Van An, 5 y: surgery after 4 cycles?"),
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["question"])
    # In the clinician's language (Vietnamese); what was found is quoted as typed.
    assert "“Nguyen Van An” có vẻ là tên bệnh nhân" in errors
    assert "Nguyen Van An" in response.content.decode()
    assert not Consultation.objects.exists()


def test_the_page_refuses_a_file_named_with_the_birth_date(
    client_for, patient, partnership, institutions
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("an-14.03.2019.jpg", phone_photo(), content_type="image/jpeg")
    response = client_for("clinician").post(
        reverse("consultations:new"), {**_request(patient, institutions), "files": [photo]}
    )
    assert response.status_code == 200
    assert "14.03.2019" in response.content.decode()
    assert not Consultation.objects.exists()


def test_the_api_refuses_a_message_with_the_hospital_number(client_for, consultation):
    response = client_for("clinician").post(
        f"/api/v1/consultations/{consultation.pk}/messages",
        json.dumps({"body": "Results of BN 2024 77123 attached."}),
        content_type="application/json",
    )
    assert response.status_code == 422
    [problem] = response.json()["errors"]["body"]
    assert "“BN 2024 77123” có vẻ là mã số bệnh viện của bệnh nhân" in problem
    assert not Message.objects.exists()


def test_the_api_refuses_a_file_name_with_the_name(client_for, consultation):
    photo = b64encode(phone_photo()).decode()
    response = client_for("clinician").post(
        f"/api/v1/consultations/{consultation.pk}/messages",
        json.dumps(
            {"body": "", "files": [{"filename": "nguyen-van-an.jpg", "content_base64": photo}]}
        ),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "files" in response.json()["errors"]


def test_an_email_reply_with_the_birth_date_is_bounced_and_says_why(consultation, personas):
    clinician = personas["clinician"]
    raw = plain_reply(
        sender=persona_address(clinician),
        to=reply_address(consultation, clinician),
        text="Bé sinh ngày 14/03/2019, MIBG thứ Hai.",
    )
    stored = deliver(raw)
    assert stored.status == InboundStatus.BOUNCED
    assert "14/03/2019" in stored.reason
    assert not Message.objects.exists()
    [bounce] = queued_emails()
    assert bounce["to"] == [clinician.email]
    assert "date of birth" in bounce["body"] or "ngày sinh" in bounce["body"]


def test_the_partner_may_write_freely(client_for, consultation):
    """The expert never had the identifiers; a word that happens to match is not checked."""
    response = client_for("expert").post(
        f"/api/v1/consultations/{consultation.pk}/messages",
        json.dumps({"body": "Nguyen et al. 2019 is the reference."}),
        content_type="application/json",
    )
    assert response.status_code == 201
