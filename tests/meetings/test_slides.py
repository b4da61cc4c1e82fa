"""Slides per talk: the speaker puts them up (a PDF within the size limit), registered
participants download them once the talk has started; anyone else is told why, an outsider
to the event sees nothing."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.meetings import actions, attendance
from consilium.meetings.choices import SessionKind, Visibility
from tests.network.conftest import PDF


def _pdf(content: bytes = PDF, name: str = "talk.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def talk(personas, future_workshop):
    """A talk by the expert in a month's workshop; the clinician is registered."""
    for who in ("coordinator", "clinician", "expert", "outsider"):
        personas[who].language = "en"
        personas[who].save()
    session = actions.add_session(
        actor=personas["coordinator"],
        event=future_workshop,
        kind=SessionKind.SECTION,
        title="Gliomas",
        starts_at=future_workshop.starts_at,
        ends_at=future_workshop.starts_at + datetime.timedelta(hours=2),
    )
    attendance.register(
        actor=personas["coordinator"],
        event=future_workshop,
        user=personas["clinician"],
        mode="online",
    )
    return actions.add_presentation(
        actor=personas["coordinator"],
        session=session,
        title="Low-grade glioma: when to treat",
        speakers=[personas["expert"]],
    )


def _upload(client, talk, file):
    return client.post(reverse("meetings:slides_upload", args=[talk.pk]), {"slides": file})


def _said(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def _start_talk_now(talk):
    session = talk.session
    session.starts_at = session.starts_at - datetime.timedelta(days=40)
    session.save()


def test_the_speaker_puts_up_slides_and_registrants_get_them_after_the_start(client_for, talk):
    response = _upload(client_for("expert"), talk, _pdf())
    assert response.status_code == 302
    assert "are up" in _said(response)
    talk.refresh_from_db()
    assert talk.slides
    assert AuditEntry.objects.filter(verb="meetings.slides_uploaded").count() == 1

    clinician = client_for("clinician")
    url = reverse("meetings:slides", args=[talk.pk])
    early = clinician.get(url)
    assert early.status_code == 302
    assert "once the talk has started" in _said(early)
    _start_talk_now(talk)
    response = clinician.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    # The speaker has them at any time.
    assert client_for("expert").get(url).status_code == 200


def test_the_event_page_offers_the_upload_to_the_speaker_only(client_for, talk):
    page = reverse("meetings:event", args=[talk.session.event_id])
    form = reverse("meetings:slides_upload", args=[talk.pk])
    assert form in client_for("expert").get(page).content.decode()
    assert form not in client_for("clinician").get(page).content.decode()


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("talk.pdf", b"PK\x03\x04 a pptx"), "This file is not a PDF."),
        (SimpleUploadedFile("talk.pdf", b""), "empty"),
        (None, "Choose the PDF of your slides."),
    ],
)
def test_a_file_that_is_not_a_pdf_is_refused(client_for, talk, file, message):
    response = (
        _upload(client_for("expert"), talk, file)
        if file
        else client_for("expert").post(reverse("meetings:slides_upload", args=[talk.pk]))
    )
    assert response.status_code == 302
    assert message in _said(response)
    talk.refresh_from_db()
    assert not talk.slides
    assert not AuditEntry.objects.filter(verb="meetings.slides_uploaded").exists()


def test_slides_past_the_size_limit_are_refused(personas, talk, settings):
    settings.CONSILIUM_MAX_DOCUMENT_MB = 1
    big = _pdf(PDF + b"0" * (1024 * 1024))
    with pytest.raises(ValidationError, match="the limit is"):
        actions.upload_slides(actor=personas["expert"], presentation=talk, slides=big)


def test_someone_who_is_not_registered_is_told_the_slides_are_for_participants(
    client_for, personas, talk
):
    actions.upload_slides(actor=personas["expert"], presentation=talk, slides=_pdf())
    _start_talk_now(talk)
    response = client_for("data_manager").get(reverse("meetings:slides", args=[talk.pk]))
    assert response.status_code == 302
    assert "for the registered participants" in _said(response)


def test_an_outsider_is_refused(client_for, personas, talk):
    actions.upload_slides(actor=personas["expert"], presentation=talk, slides=_pdf())
    event = talk.session.event
    actions.update_event(actor=personas["coordinator"], event=event, visibility=Visibility.PARTNERS)
    outsider = client_for("outsider")
    assert outsider.get(reverse("meetings:slides", args=[talk.pk])).status_code == 404
    assert _upload(outsider, talk, _pdf()).status_code == 404
    # Seeing the event is not enough to upload: only the talk's speakers and organisers.
    actions.update_event(actor=personas["coordinator"], event=event, visibility=Visibility.NETWORK)
    assert _upload(outsider, talk, _pdf()).status_code == 403
    with pytest.raises(PermissionDenied):
        actions.upload_slides(actor=personas["clinician"], presentation=talk, slides=_pdf())
    assert AuditEntry.objects.filter(verb="meetings.slides_uploaded").count() == 1
