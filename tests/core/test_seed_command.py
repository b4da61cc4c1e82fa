"""`consilium seed --scale small`: the national data set's shape in miniature, on whichever
database the suite runs on (SQLite, then PostgreSQL)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from consilium.accounts.models import User
from consilium.audit.actions import verify_chain
from consilium.audit.models import AuditEntry
from consilium.consultations.access import consultations_for_user
from consilium.consultations.models import (
    Assignment,
    Consultation,
    ConsultationStatus,
    FollowUpAnswer,
    Message,
    Recommendation,
)
from consilium.core.seed import SCALES
from consilium.meetings.models import Event
from consilium.network.models import Institution, Partnership
from consilium.registry.models import ConsentStatus, Patient, PatientIdentity

SMALL = SCALES["small"]


@pytest.fixture
def seeded(db) -> str:
    out = StringIO()
    call_command("seed", "--scale", "small", stdout=out)
    return out.getvalue()


def test_it_seeds_the_small_network_in_the_national_shape(seeded):
    assert "Seeded in" in seeded and "peak memory" in seeded
    assert Institution.objects.count() == 8 + SMALL.treating + SMALL.centres
    assert Patient.objects.count() == SMALL.patients
    assert PatientIdentity.objects.count() == SMALL.patients
    assert Consultation.objects.count() == SMALL.consultations
    assert Message.objects.count() == SMALL.messages
    assert Event.objects.count() == SMALL.events
    # Every treating hospital has a partner for case discussion; the outsider's centre none.
    assert not Partnership.objects.filter(parties__institution__code="PMC").exists()
    assert Partnership.objects.count() >= 4 + SMALL.treating
    # Every consultation is of a consenting patient of the requester's own hospital.
    for c in Consultation.objects.select_related("patient"):
        assert c.patient.institution_id == c.requesting_institution_id
        assert c.patient.consent_status == ConsentStatus.GIVEN
    assert Assignment.objects.count() == SMALL.consultations
    statuses = set(Consultation.objects.values_list("status", flat=True))
    assert ConsultationStatus.CLOSED in statuses and ConsultationStatus.ACCEPTED in statuses
    closed = Consultation.objects.filter(status=ConsultationStatus.CLOSED).count()
    assert FollowUpAnswer.objects.count() == closed
    assert Recommendation.objects.count() >= closed
    # The bulk action leaves the single actions' audit entries, in an unbroken chain.
    verbs = AuditEntry.objects.values_list("verb", flat=True)
    assert verbs.filter(verb="consultations.message_posted").count() == SMALL.messages
    assert verbs.filter(verb="consultations.requested").count() == SMALL.consultations
    assert verbs.filter(verb="registry.import_completed").count() == 4 + SMALL.treating
    assert verify_chain().ok


def test_it_shows_the_partner_expert_pseudonyms_only_and_the_outsider_nothing(seeded):
    expert = User.objects.get(email="claire.martin@curie.demo")
    outsider = User.objects.get(email="pieter.dejong@pmc.demo")
    theirs = consultations_for_user(expert).select_related("patient__identity")
    assert theirs.exists()
    assert not consultations_for_user(outsider).exists()
    consultation = theirs.first()
    identity = consultation.patient.identity
    as_expert, as_outsider = Client(), Client()
    as_expert.force_login(expert)
    as_outsider.force_login(outsider)
    page = as_expert.get(f"/consultations/{consultation.pk}/").content.decode()
    assert consultation.patient.pseudonym in page
    assert identity.name not in page and identity.hospital_number not in page
    assert as_outsider.get(f"/consultations/{consultation.pk}/").status_code == 404
    queue = as_outsider.get("/consultations/").content.decode()
    assert consultation.patient.pseudonym not in queue
    # Partners reach patients only through a consultation: the registry is closed to them.
    assert as_expert.get("/registry/", {"q": consultation.patient.pseudonym}).status_code == 403


def test_it_refuses_to_seed_a_database_twice(seeded):
    before = AuditEntry.objects.count()
    with pytest.raises(CommandError, match="already holds a seeded network"):
        call_command("seed", "--scale", "small", stdout=StringIO())
    assert AuditEntry.objects.count() == before
    assert Patient.objects.count() == SMALL.patients


def test_it_refuses_an_unknown_scale_and_changes_nothing(db):
    with pytest.raises(CommandError, match="invalid choice: 'huge'"):
        call_command("seed", "--scale", "huge")
    with pytest.raises(CommandError, match="the following arguments are required: --scale"):
        call_command("seed")
    assert not Patient.objects.exists()
    assert not AuditEntry.objects.exists()
