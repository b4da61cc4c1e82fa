"""Request size caps: a body larger than the site accepts is refused before it is read, API
bodies get a JSON answer, and an attachment over the limit is refused before a view reads it
into memory (issue 15: a 300 MB upload took the process from 230 to 507 MB)."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from consilium.consultations.models import Attachment, Message

MB = 1024 * 1024


def test_it_refuses_a_request_larger_than_the_cap_before_reading_it(client_for, settings):
    settings.CONSILIUM_MAX_REQUEST_BYTES = 1 * MB
    client = client_for("clinician")
    response = client.post(
        reverse("consultations:new"),
        {"files": SimpleUploadedFile("big.dcm", b"\0" * (2 * MB))},
    )
    assert response.status_code == 413
    assert "larger than the limit" in response.content.decode()


def test_it_answers_an_api_body_over_the_limit_in_json(client_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1 * MB
    response = client_for("clinician").post(
        "/api/v1/consultations/",
        '{"question": "' + "x" * (2 * MB) + '"}',
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert "larger than the limit" in response.json()["detail"]


def test_it_refuses_an_attachment_over_the_limit_before_reading_it(
    client_for, consultation, settings
):
    settings.CONSILIUM_MAX_ATTACHMENT_MB = 1
    before = Message.objects.count(), Attachment.objects.count()
    response = client_for("clinician").post(
        reverse("consultations:act", args=[consultation.pk, "message"]),
        {"body": "CT attached", "files": SimpleUploadedFile("ct.dcm", b"\0" * (2 * MB))},
    )
    assert response.status_code == 400
    with translation.override("vi"):  # the clinician reads Vietnamese
        expected = gettext("The file is larger than the limit of {limit} MB.").format(limit=1)
    assert expected in response.content.decode()
    assert (Message.objects.count(), Attachment.objects.count()) == before


def test_it_streams_uploads_to_disk(client_for, consultation, settings, monkeypatch):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from consilium.consultations import views

    seen = []
    original = views._uploads

    def spy(files):
        seen.extend(type(f) for f in files)
        return original(files)

    monkeypatch.setattr(views, "_uploads", spy)
    client_for("clinician").post(
        reverse("consultations:act", args=[consultation.pk, "message"]),
        {"body": "photo", "files": SimpleUploadedFile("a.txt", b"small")},
    )
    assert seen == [TemporaryUploadedFile]
