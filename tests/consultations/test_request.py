import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.consultations.models import Assignment, Consultation
from consilium.network.actions import record_resource_profile
from tests.consultations.conftest import make_patient
from tests.consultations.dicom_files import ct_slice, phone_photo


def _form(patient, institutions, **overrides):
    data = {
        "patient": patient.pk,
        "expert_institution": institutions["CURIE"].pk,
        "urgency": "urgent",
        "question": "Is surgery possible after 4 cycles?",
        "specialty": "neuroblastoma surgery",
        "language": "fr",
        "template": "neuroblastoma",
        "imaging": "Mass 8 cm, IDRF positive",
    }
    data.update(overrides)
    return data


def test_a_clinician_sends_a_consultation_with_a_dicom_file_and_a_photo(
    client_for, personas, patient, partnership, institutions
):
    record_resource_profile(
        actor=personas["coordinator"],
        institution=institutions["VNCH"],
        valid_from=datetime.date(2025, 1, 1),
        items={"mri": ("limited", "2-week wait")},
    )
    files = [
        SimpleUploadedFile("NGUYEN_VAN_AN_CT.dcm", ct_slice(), "application/dicom"),
        SimpleUploadedFile("IMG_0042.jpg", phone_photo(), "image/jpeg"),
    ]
    response = client_for("clinician").post(
        reverse("consultations:new"), {**_form(patient, institutions), "files": files}
    )
    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert consultation.urgency == "urgent"
    # The partnership's default clock for urgent requests: 24 hours.
    assert consultation.first_reply_due - consultation.created_at == datetime.timedelta(hours=24)
    assert consultation.resource_profile.institution == institutions["VNCH"]
    dicom, photo = consultation.attachments.order_by("pk")
    assert dicom.name == f"{patient.pseudonym}-01.dcm"
    assert dicom.deidentified and dicom.preview
    data = dicom.file.read()
    assert b"NGUYEN" not in data and b"BN-2024-77123" not in data and b"20190314" not in data
    assert photo.deidentified and b"Apple" not in photo.file.read()
    # Offered to the Curie expert, whose specialty matches.
    assert Assignment.objects.get().expert == personas["expert"]
    assert AuditEntry.objects.filter(verb="consultations.requested").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"question": ""}, "question"),
        ({"urgency": "whenever"}, "urgency"),
        ({"expert_institution": 99999}, "expert_institution"),
    ],
)
def test_it_refuses_bad_requests_and_saves_nothing(
    client_for, patient, partnership, institutions, overrides, field
):
    response = client_for("clinician").post(
        reverse("consultations:new"), _form(patient, institutions, **overrides)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Consultation.objects.exists()


def test_it_refuses_a_file_that_claims_to_be_dicom_and_saves_nothing(
    client_for, patient, partnership, institutions
):
    fake = SimpleUploadedFile(
        "scan.dcm", b"this is not a DICOM file at all" * 10, "application/dicom"
    )
    response = client_for("clinician").post(
        reverse("consultations:new"), {**_form(patient, institutions), "files": [fake]}
    )
    assert response.status_code == 200
    assert "scan.dcm" in response.context["form"].errors["files"][0]
    assert not Consultation.objects.exists()


def test_it_refuses_a_zero_byte_attachment(client_for, patient, partnership, institutions):
    empty = SimpleUploadedFile("empty.jpg", b"", "image/jpeg")
    response = client_for("clinician").post(
        reverse("consultations:new"), {**_form(patient, institutions), "files": [empty]}
    )
    assert response.status_code == 200
    assert not Consultation.objects.exists()


def test_it_needs_consent_to_share(client_for, personas, partnership, institutions):
    refused = make_patient(personas, consent="refused", name="Lê Thị Hoa", birth=(2018, 1, 2))
    response = client_for("clinician").post(
        reverse("consultations:new"), _form(refused, institutions)
    )
    assert response.context["form"].errors["patient"]  # in the clinician's Vietnamese
    assert not Consultation.objects.exists()


def test_it_needs_an_active_telemedicine_partnership(
    client_for, personas, patient, institutions, partnership
):
    from consilium.network.actions import end_partnership

    end_partnership(actor=personas["coordinator"], partnership=partnership, reason="ended")
    response = client_for("clinician").post(
        reverse("consultations:new"), _form(patient, institutions)
    )
    assert response.status_code == 200
    assert not Consultation.objects.exists()


@pytest.mark.parametrize("persona", ["expert", "outsider", "coordinator"])
def test_only_clinical_staff_may_ask(client_for, persona, patient, partnership, institutions):
    response = client_for(persona).post(reverse("consultations:new"), _form(patient, institutions))
    assert response.status_code == 403
    assert not Consultation.objects.exists()


def test_the_expert_is_notified_by_email_with_a_personal_reply_address(
    audit_triggers_off_after_test, consultation, smtp_inbox, personas, settings
):
    from django.core.management import call_command

    from consilium.consultations.mail.notify import reply_secret
    from consilium.consultations.mail.reply_tokens import parse_reply_address

    call_command("worker", batch=True, verbosity=0)
    [message] = [m for m in smtp_inbox.messages if m["To"] == personas["expert"].email]
    # Claire reads French; the text names the pseudonym and never the patient.
    body = message.get_body(("plain",)).get_content()
    assert consultation.patient.pseudonym in body
    assert "Nguy" not in body
    assert "Vietnam National Children's Hospital" in body  # plain text is not HTML-escaped
    assert message.get_body(("html",)) is not None
    token = parse_reply_address(
        str(message["Reply-To"]),
        secret=reply_secret(),
        domain=settings.CONSILIUM_REPLY_DOMAIN,
        max_age_seconds=3600,
        now=int(__import__("time").time()),
    )
    assert (token.thread_id, token.person_id) == (consultation.pk, personas["expert"].pk)
    assert (
        message["In-Reply-To"]
        == f"<consultation-{consultation.pk}@{settings.CONSILIUM_REPLY_DOMAIN}>"
    )
