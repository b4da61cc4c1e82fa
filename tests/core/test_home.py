"""The home page tells each person what waits for them, counted through the access rules."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consilium.consultations.actions import request_consultation
from consilium.meetings import actions as meeting_actions
from consilium.meetings.choices import EventKind, EventMode, Visibility
from consilium.network.models import Institution
from consilium.registry.models import Patient, QualityIssue
from tests.consultations.fixtures import create_consultation


def _home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_it_tells_the_expert_a_consultation_waits_for_their_answer(client_for, personas):
    create_consultation(personas)
    page = _home(client_for("expert"))
    # In her language: the expert in Paris reads French.
    assert "1 consultation attend votre réponse" in page
    assert 'href="/consultations/"' in page


def test_it_counts_nothing_the_outsider_may_not_open(client_for, personas):
    create_consultation(personas)
    page = _home(client_for("outsider"))
    assert "waits for your answer" not in page
    assert "data-quality" not in page
    assert "Nothing waits for you today." in page


def test_it_shows_open_quality_findings_to_clinical_roles_only(client_for, personas):
    consultation = create_consultation(personas)
    QualityIssue.objects.filter(patient=consultation.patient).delete()
    for code in ("age_morphology", "stale_follow_up"):
        QualityIssue.objects.create(
            patient=consultation.patient, code=code, level="warning", message=code
        )
    assert "2 open data-quality findings at VNCH" in _home(client_for("data_manager"))
    # The coordinator sees the registry's figures on its quality page, not on the home page.
    assert "data-quality finding" not in _home(client_for("coordinator"))


def test_it_lists_the_next_event_of_the_persons_institution_in_their_zone(client_for, personas):
    starts = (timezone.now() + datetime.timedelta(days=3)).replace(
        hour=13, minute=0, second=0, microsecond=0, tzinfo=datetime.UTC
    )
    meeting_actions.create_event(
        actor=personas["coordinator"],
        kind=EventKind.TUMOUR_BOARD,
        title="Neuroblastoma board",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        time_zone="Asia/Ho_Chi_Minh",
        host=Institution.objects.get(code="VNCH"),
        mode=EventMode.ONLINE,
        visibility=Visibility.PARTNERS,
    )
    page = _home(client_for("clinician"))
    assert "Neuroblastoma board" in page
    # 13:00 UTC is 20:00 in Hanoi, the clinician's zone.
    assert "20:00" in page
    assert "Neuroblastoma board" not in _home(client_for("outsider"))


def test_it_names_roles_in_the_readers_language(client_for, personas):
    client = client_for("clinician")
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    page = _home(client)
    assert "Hanoi · Clinicien·ne" in page


def test_it_makes_as_many_queries_for_three_consultations_as_for_one(client_for, personas):
    create_consultation(personas)
    client = client_for("expert")
    _home(client)
    with CaptureQueriesContext(connection) as one:
        _home(client)
    for _ in range(2):
        request_consultation(
            actor=personas["clinician"],
            patient=Patient.objects.get(),
            expert_institution=Institution.objects.get(code="CURIE"),
            question="Another question about the same child",
            urgency="routine",
        )
    with CaptureQueriesContext(connection) as three:
        page = _home(client)
    assert "3 consultations attendent votre réponse" in page
    assert len(three.captured_queries) == len(one.captured_queries)
