import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.meetings.models import Presentation, Session
from tests.network.conftest import PDF


def _session(event, **overrides):
    data = {
        "kind": "case_discussion",
        "title": "Case discussion: neuroblastoma",
        "room": "Main hall",
        "starts_at": "2024-12-02T13:30",
        "ends_at": "2024-12-02T16:30",
    }
    data.update(overrides)
    return data


def _post(client, event, action, data):
    return client.post(reverse("meetings:programme_action", args=[event.pk, action]), data)


def test_a_coordinator_builds_sections_sessions_and_presentations(client_for, personas, workshop):
    client = client_for("coordinator")
    assert _post(client, workshop, "section", {"title": "Neuroblastoma"}).status_code == 302
    section = workshop.sections.get()
    response = _post(
        client,
        workshop,
        "session",
        _session(
            workshop,
            section=section.pk,
            chairs=[personas["expert"].pk],
            guest_chairs="Prof. Trần Minh Điển",
        ),
    )
    assert response.status_code == 302
    session = Session.objects.get()
    assert session.section == section
    assert session.guest_chairs == ["Prof. Trần Minh Điển"]
    response = client.post(
        reverse("meetings:programme_action", args=[workshop.pk, "presentation"]),
        {
            "session": session.pk,
            "title": "High-risk neuroblastoma: induction",
            "speakers": [personas["expert"].pk],
            "diagnosis_groups": ["neuroblastoma"],
            "disciplines": ["chemotherapy", "surgery"],
            "slides": SimpleUploadedFile("talk.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    talk = Presentation.objects.get()
    assert talk.disciplines == ["chemotherapy", "surgery"]
    assert talk.slides.read() == PDF
    page = client_for("expert").get(reverse("meetings:event", args=[workshop.pk]))
    assert "High-risk neuroblastoma: induction" in page.content.decode()
    # The speaker has the slides; someone not registered is sent back with the reason
    # (test_slides.py has the whole rule).
    assert client_for("expert").get(reverse("meetings:slides", args=[talk.pk])).status_code == 200
    slides = client_for("clinician").get(reverse("meetings:slides", args=[talk.pk]))
    assert slides.status_code == 302


def test_it_refuses_two_sessions_in_one_room_at_once(client_for, workshop, morning):
    response = _post(
        client_for("coordinator"),
        workshop,
        "session",
        _session(workshop, starts_at="2024-12-02T11:00", ends_at="2024-12-02T12:00"),
    )
    assert response.status_code == 400
    errors = " ".join(response.context["session_form"].errors["room"])
    assert "Main hall is taken by “Neuroblastoma” from 08:30 to 11:45" in errors
    assert Session.objects.count() == 1
    assert AuditEntry.objects.filter(verb="meetings.session_added").count() == 1


def test_another_room_at_the_same_time_is_fine(client_for, workshop, morning):
    response = _post(
        client_for("coordinator"),
        workshop,
        "session",
        _session(workshop, room="Room 2", starts_at="2024-12-02T09:00", ends_at="2024-12-02T10:00"),
    )
    assert response.status_code == 302
    assert Session.objects.count() == 2


@pytest.mark.parametrize(
    ("starts", "ends"),
    [("2024-12-01T09:00", "2024-12-01T10:00"), ("2024-12-06T16:00", "2024-12-06T17:00")],
)
def test_it_refuses_a_session_outside_the_event(client_for, workshop, starts, ends):
    response = _post(
        client_for("coordinator"),
        workshop,
        "session",
        _session(workshop, starts_at=starts, ends_at=ends),
    )
    assert response.status_code == 400
    assert "outside the event's dates" in " ".join(
        response.context["session_form"].errors["starts_at"]
    )
    assert not Session.objects.exists()


def test_it_refuses_slides_that_are_not_a_pdf(client_for, workshop, morning):
    response = _post(
        client_for("coordinator"),
        workshop,
        "presentation",
        {
            "session": morning.pk,
            "title": "Talk",
            "guest_speakers": "Dr Vũ Hải",
            "slides": SimpleUploadedFile("talk.pdf", b"<html>", content_type="application/pdf"),
        },
    )
    assert response.status_code == 400
    assert "not a PDF" in " ".join(response.context["presentation_form"].errors["slides"])
    assert not Presentation.objects.exists()


def test_a_presentation_needs_a_speaker(client_for, workshop, morning):
    response = _post(
        client_for("coordinator"),
        workshop,
        "presentation",
        {"session": morning.pk, "title": "Talk"},
    )
    assert response.status_code == 400
    assert not Presentation.objects.exists()


@pytest.mark.parametrize("persona", ["expert", "clinician", "outsider"])
def test_only_the_organisers_coordinators_edit_the_programme(client_for, workshop, persona):
    client = client_for(persona)
    assert client.get(reverse("meetings:programme", args=[workshop.pk])).status_code == 403
    response = _post(client, workshop, "session", _session(workshop))
    assert response.status_code == 403
    assert not Session.objects.exists()


def test_it_lists_agreements_signed_at_the_event(client_for, workshop, partnership):
    response = _post(
        client_for("coordinator"), workshop, "agreement", {"partnership": partnership.pk}
    )
    assert response.status_code == 302
    assert workshop.agreements.get().partnership == partnership
    again = _post(client_for("coordinator"), workshop, "agreement", {"partnership": partnership.pk})
    assert again.status_code == 400
