import datetime
from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consilium.accounts.models import Membership, Role, User
from consilium.audit.models import AuditEntry
from consilium.audit.refusals import REFUSED
from consilium.consultations import access, actions
from consilium.consultations.access import (
    Side,
    consultations_for_user,
    get_consultation_for_user,
    side_of,
)
from consilium.network.actions import end_partnership
from consilium.network.models import AreaKind, PartnershipStatus
from tests.consultations.conftest import make_patient
from tests.network.helpers import confirmed_partnership


def test_each_persona_sees_what_the_rules_say(personas, consultation):
    assert side_of(personas["clinician"], consultation) == Side.REQUESTER
    assert side_of(personas["data_manager"], consultation) == Side.REQUESTER
    assert side_of(personas["expert"], consultation) == Side.EXPERT
    assert side_of(personas["outsider"], consultation) is None
    assert side_of(personas["coordinator"], consultation) is None  # not clinical
    assert side_of(personas["admin"], consultation) is None


def test_the_side_a_read_remembers_is_its_readers_alone(personas, consultation):
    read, side = get_consultation_for_user(personas["expert"], consultation.pk, audit=False)

    assert side == side_of(personas["expert"], read) == Side.EXPERT
    # The same object asked about by others: each gets their own answer, not the expert's.
    assert side_of(personas["outsider"], read) is None
    assert side_of(personas["clinician"], read) == Side.REQUESTER
    assert side_of(personas["coordinator"], read) is None


@pytest.mark.parametrize("persona", ["outsider", "coordinator", "admin"])
def test_an_outsider_cannot_see_a_consultation_by_url_or_api(client_for, consultation, persona):
    client = client_for(persona)
    assert client.get(reverse("consultations:detail", args=[consultation.pk])).status_code == 404
    assert client.get(f"/api/v1/consultations/{consultation.pk}").status_code == 404
    assert client.get(f"/api/v1/consultations/{consultation.pk}/messages").status_code == 404
    assert client.get(reverse("consultations:report", args=[consultation.pk])).status_code == 404
    assert client.get("/api/v1/consultations/").json() == []


def test_anonymous_visitors_are_sent_to_sign_in(client, consultation):
    response = client.get(reverse("consultations:detail", args=[consultation.pk]))
    assert response.status_code == 302
    assert client.get(f"/api/v1/consultations/{consultation.pk}").status_code == 401


def test_the_expert_sees_the_pseudonym_and_never_an_identifier(client_for, consultation):
    page = (
        client_for("expert")
        .get(reverse("consultations:detail", args=[consultation.pk]))
        .content.decode()
    )
    assert consultation.patient.pseudonym in page
    for identifier in [
        "Nguyễn Văn An",
        "BN-2024-77123",
        "2019-03-14",
        "14/03/2019",
        "14 March 2019",
    ]:
        assert identifier not in page
    api = client_for("expert").get(f"/api/v1/consultations/{consultation.pk}").content.decode()
    assert "BN-2024-77123" not in api and "Nguy" not in api


@pytest.mark.parametrize(("persona", "side"), [("clinician", "requester"), ("expert", "expert")])
def test_every_view_is_audited(client_for, consultation, personas, persona, side):
    """The entry names the child by pseudonym and the reader's side of the case."""
    client_for(persona).get(reverse("consultations:detail", args=[consultation.pk]))
    entry = AuditEntry.objects.filter(verb="consultations.viewed").latest("id")
    assert entry.actor == personas[persona]
    assert (entry.details["pseudonym"], entry.details["side"]) == (
        consultation.patient.pseudonym,
        side,
    )


def test_a_refused_read_is_audited_with_what_was_asked_for(client_for, consultation, personas):
    client_for("outsider").get(reverse("consultations:detail", args=[consultation.pk]))
    entry = AuditEntry.objects.filter(verb=REFUSED).latest("id")
    assert entry.actor == personas["outsider"]
    assert (entry.details["object_type"], entry.details["object_id"]) == (
        "consultation",
        str(consultation.pk),
    )


def test_the_requesting_team_gets_the_requesters_page(client_for, consultation):
    page = client_for("clinician").get(reverse("consultations:detail", args=[consultation.pk]))
    assert reverse("meetings:propose_case", args=[consultation.pk]) in page.content.decode()
    assert 'id="message-form"' in page.content.decode()


def _expert_at(email: str, institution) -> User:
    user = User.objects.create_user(email, "x", full_name=email.split("@")[0])
    Membership.objects.create(user=user, institution=institution, role=Role.EXPERT)
    return user


def _telemedicine_partner(personas, institutions, code: str):
    return confirmed_partnership(
        actor=personas["coordinator"],
        title=f"VNCH – {code}",
        institutions=[institutions["VNCH"], institutions[code]],
        valid_from=datetime.date(2024, 12, 2),
        valid_until=timezone.localdate() + datetime.timedelta(days=365),
        signed_on=datetime.date(2024, 12, 2),
        status=PartnershipStatus.ACTIVE,
        areas={AreaKind.TELEMEDICINE: "Case discussion"},
    )


def _request(personas, institution, name: str):
    return actions.request_consultation(
        actor=personas["clinician"],
        patient=make_patient(personas, name=name),
        expert_institution=institution,
        question="Is tandem HDCT feasible here?",
        urgency="routine",
        specialty="neuroblastoma",
    )


@pytest.fixture
def partners(personas, partnership, institutions):
    """Besides Curie, two more partners of VNCH for case discussion, each with an expert, and
    a coordinator of both Curie and Robert-Debré."""
    _telemedicine_partner(personas, institutions, "RDEBRE")
    _telemedicine_partner(personas, institutions, "KHOSP")
    coordinator = User.objects.create_user("triage@curie.demo", "x", full_name="Triage")
    for code in ("CURIE", "RDEBRE"):
        Membership.objects.create(
            user=coordinator, institution=institutions[code], role=Role.COORDINATOR
        )
    return {
        "debre": _expert_at("anne.leroy@debre.demo", institutions["RDEBRE"]),
        "debre_colleague": _expert_at("marc.petit@debre.demo", institutions["RDEBRE"]),
        "khosp": _expert_at("hung.pham@khosp.demo", institutions["KHOSP"]),
        "coordinator": coordinator,
    }


def test_a_partners_coordinators_see_its_cases_for_triage_at_each_of_their_centres(
    client_for, consultation, personas, institutions, partners
):
    coordinator = partners["coordinator"]
    to_debre = _request(personas, institutions["RDEBRE"], "Trần Gia Bảo")
    _request(personas, institutions["KHOSP"], "Lê Minh Châu")  # neither of her centres
    assert set(consultations_for_user(coordinator)) == {consultation, to_debre}
    assert side_of(coordinator, consultation) == Side.TRIAGE
    client = Client()
    client.force_login(coordinator)
    page = client.get(reverse("consultations:detail", args=[to_debre.pk]))
    assert page.status_code == 200
    # Triage assigns an expert; it does not write in the discussion.
    assert 'id="message-form"' not in page.content.decode()
    entry = AuditEntry.objects.filter(verb="consultations.viewed").latest("id")
    assert (entry.actor, entry.details["side"]) == (coordinator, "triage")


def test_a_second_opinion_is_seen_by_its_invited_expert_and_her_centres_triage_only(
    consultation, personas, institutions, partners
):
    actions.ask_second_opinion(
        actor=personas["clinician"],
        consultation=consultation,
        expert_institution=institutions["RDEBRE"],
        expert=partners["debre"],
        question="Would you give tandem HDCT?",
    )
    assert side_of(partners["debre"], consultation) == Side.EXPERT
    assert side_of(partners["debre_colleague"], consultation) is None  # not invited
    debre_triage = User.objects.get(email="coordinator@rdebre.demo")
    assert side_of(debre_triage, consultation) == Side.TRIAGE
    assert side_of(partners["khosp"], consultation) is None


def test_a_coordinator_of_two_centres_sees_the_second_opinions_asked_of_either(
    personas, institutions, partners
):
    """Cases sent to a third partner, seen only through the second opinions."""
    asked = {}
    for code, expert, name in [
        ("CURIE", personas["expert"], "Trần Gia Bảo"),
        ("RDEBRE", partners["debre"], "Lê Minh Châu"),
    ]:
        case = _request(personas, institutions["KHOSP"], name)
        actions.ask_second_opinion(
            actor=personas["clinician"],
            consultation=case,
            expert_institution=institutions[code],
            expert=expert,
            question="Would you give tandem HDCT?",
        )
        asked[code] = case
    assert set(consultations_for_user(partners["coordinator"])) == set(asked.values())


def test_each_centres_partners_are_read_once_for_a_reader_of_several_sides(
    monkeypatch, consultation, institutions, partners
):
    """An expert at Curie who also triages for Curie and Robert-Debré: her list asks for each
    centre's partners once (read afresh on each request, never kept between requests)."""
    reader = partners["coordinator"]
    Membership.objects.create(user=reader, institution=institutions["CURIE"], role=Role.EXPERT)
    read = Counter()
    partner_ids = access.telemedicine_partner_ids

    def counted(institution_id):
        read[institution_id] += 1
        return partner_ids(institution_id)

    monkeypatch.setattr(access, "telemedicine_partner_ids", counted)
    assert set(consultations_for_user(reader)) == {consultation}
    assert read == {institutions["CURIE"].pk: 1, institutions["RDEBRE"].pk: 1}
    assert set(consultations_for_user(reader)) == {consultation}
    assert read == {institutions["CURIE"].pk: 2, institutions["RDEBRE"].pk: 2}


def test_ending_the_partnership_ends_the_experts_access_at_once(
    client_for, personas, consultation, partnership
):
    url = reverse("consultations:detail", args=[consultation.pk])
    assert client_for("expert").get(url).status_code == 200
    end_partnership(
        actor=personas["coordinator"], partnership=partnership, reason="Programme ended"
    )
    assert client_for("expert").get(url).status_code == 404
    assert not consultations_for_user(personas["expert"]).exists()
    # The requesting team keeps its history.
    assert client_for("clinician").get(url).status_code == 200
