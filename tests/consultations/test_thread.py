from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consilium.consultations.models import AssignmentStatus, ConsultationStatus, Message
from tests.consultations.dicom_files import phone_photo


def _post(client, consultation, body, files=()):
    return client.post(
        reverse("consultations:act", args=[consultation.pk, "message"]),
        {"body": body, "files": list(files)},
    )


def test_the_experts_first_message_accepts_and_starts_the_clock(client_for, consultation):
    assert (
        _post(client_for("expert"), consultation, "Please send the MIBG report.").status_code == 302
    )
    consultation.refresh_from_db()
    assert consultation.first_reply_at is not None
    assert consultation.status == ConsultationStatus.ACCEPTED
    assert consultation.assignments.get().status == AssignmentStatus.ACCEPTED


def test_the_requester_replies_with_a_photo_de_identified(client_for, consultation):
    _post(
        client_for("clinician"),
        consultation,
        "Photo of the abdomen",
        [SimpleUploadedFile("x.jpg", phone_photo())],
    )
    message = Message.objects.get()
    [photo] = message.attachments.all()
    assert photo.deidentified
    assert consultation.first_reply_at is None  # the requester does not stop the expert's clock


def test_an_empty_message_is_refused(client_for, consultation):
    response = _post(client_for("clinician"), consultation, "   ")
    assert response.status_code == 400
    assert not Message.objects.exists()


def test_an_outsider_cannot_post(client_for, consultation):
    assert _post(client_for("outsider"), consultation, "hello").status_code == 404
    assert not Message.objects.exists()


def test_edits_keep_their_history(client_for, consultation):
    client = client_for("clinician")
    _post(client, consultation, "Weight 14 kg")
    message = Message.objects.get()
    client.post(
        reverse("consultations:edit_message", args=[consultation.pk, message.pk]),
        {"body": "Weight 15 kg"},
    )
    message.refresh_from_db()
    assert message.body == "Weight 15 kg"
    assert [r.body for r in message.revisions.all()] == ["Weight 14 kg"]
    # Nobody else may edit it.
    client_for("expert").post(
        reverse("consultations:edit_message", args=[consultation.pk, message.pk]), {"body": "x"}
    )
    message.refresh_from_db()
    assert message.body == "Weight 15 kg"


def test_declining_offers_it_to_the_next_expert(client_for, consultation, personas):
    from consilium.accounts.models import Membership, Role, User

    colleague = User.objects.create_user(
        "j.moreau@curie.demo", "x", full_name="Dr Julien Moreau", specialty="radiotherapy"
    )
    Membership.objects.create(
        user=colleague, institution=consultation.expert_institution, role=Role.EXPERT
    )
    client_for("expert").post(
        reverse("consultations:act", args=[consultation.pk, "decline"]),
        {"reason": "Away at SIOP congress"},
    )
    statuses = {a.expert.email: a.status for a in consultation.assignments.select_related("expert")}
    assert statuses == {"claire.martin@curie.demo": "declined", "j.moreau@curie.demo": "offered"}


def test_declining_needs_a_reason(client_for, consultation):
    response = client_for("expert").post(
        reverse("consultations:act", args=[consultation.pk, "decline"]), {"reason": ""}
    )
    assert response.status_code == 400
    assert consultation.assignments.get().status == AssignmentStatus.OFFERED
