"""A partnership binds an institution only once a coordinator of every party has agreed."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from consilium.accounts.models import Membership, Profession, Role, User
from consilium.audit.models import AuditEntry
from consilium.library.access import partner_ids
from consilium.meetings.access import _circle
from consilium.network import actions
from consilium.network.access import active_partnerships, telemedicine_partner_ids
from consilium.network.models import Partnership, PartnershipStatus


@pytest.fixture
def curie_coordinator(institutions):
    user = User.objects.create_user(
        "anne.leroy@curie.test",
        "x",
        full_name="Anne Leroy",
        profession=Profession.COORDINATOR,
        language="fr",
    )
    Membership.objects.create(user=user, institution=institutions["CURIE"], role=Role.COORDINATOR)
    return user


def _propose(client, **overrides):
    payload = {
        "title": "VNCH – Institut Curie",
        "institutions": ["VNCH", "CURIE"],
        "valid_from": "2024-01-01",
        "status": "active",
        "areas": {"telemedicine": "", "training": "", "molecular_diagnostics": ""},
        **overrides,
    }
    return client.post(
        "/api/v1/network/partnerships", json.dumps(payload), content_type="application/json"
    )


def test_it_keeps_a_partnership_asked_active_as_a_proposal_that_opens_nothing(
    client_for, personas, institutions, curie_coordinator
):
    response = _propose(client_for("coordinator"))
    assert response.status_code == 201
    assert response.json()["status"] == "proposed"
    assert response.json()["waiting_for"] == ["CURIE"]
    vnch, curie = institutions["VNCH"], institutions["CURIE"]
    assert not active_partnerships().exists()
    assert telemedicine_partner_ids(vnch.pk) == set()
    assert partner_ids(curie.pk, area="molecular_diagnostics") == set()
    assert vnch.pk not in _circle(curie_coordinator)


def test_a_coordinator_of_the_other_party_confirms_by_api_and_access_follows(
    client, client_for, personas, institutions, curie_coordinator
):
    pk = _propose(client_for("coordinator")).json()["id"]
    client.force_login(curie_coordinator)
    response = client.post(f"/api/v1/network/partnerships/{pk}/confirm")
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert response.json()["waiting_for"] == []
    vnch, curie = institutions["VNCH"], institutions["CURIE"]
    assert telemedicine_partner_ids(vnch.pk) == {curie.pk}
    assert vnch.pk in _circle(curie_coordinator)
    entry = AuditEntry.objects.get(verb="network.partnership_confirmed", actor=curie_coordinator)
    assert entry.details["confirmed_for"] == ["CURIE"]
    assert entry.details["to"] == "active"


def test_it_refuses_a_confirmation_from_the_proposer_or_an_outsider(
    client_for, personas, institutions, curie_coordinator
):
    pk = _propose(client_for("coordinator")).json()["id"]
    # The proposer cannot confirm for the other side; the expert is no coordinator.
    for persona in ("coordinator", "expert", "outsider"):
        response = client_for(persona).post(f"/api/v1/network/partnerships/{pk}/confirm")
        assert response.status_code == 403, persona
    assert Partnership.objects.get(pk=pk).status == PartnershipStatus.PROPOSED
    with pytest.raises(PermissionDenied):
        actions.confirm_partnership(
            actor=personas["coordinator"], partnership=Partnership.objects.get(pk=pk)
        )


def test_a_party_declines_by_page_and_it_never_becomes_active(
    client, client_for, personas, institutions, curie_coordinator
):
    pk = _propose(client_for("coordinator")).json()["id"]
    client.force_login(curie_coordinator)
    page = client.get(reverse("network:partnership", args=[pk]))
    confirm = reverse("network:partnership_action", args=[pk, "confirm"])
    assert f'action="{confirm}"'.encode() in page.content  # offered to a party's coordinator
    response = client.post(
        reverse("network:partnership_action", args=[pk, "decline"]),
        {"reason": "Not signed by our director"},
    )
    assert response.status_code == 302
    partnership = Partnership.objects.get(pk=pk)
    assert partnership.status == PartnershipStatus.DECLINED
    assert client.post(f"/api/v1/network/partnerships/{pk}/confirm").status_code == 422
    assert not active_partnerships().exists()


def test_a_party_confirms_by_page(client, client_for, institutions, curie_coordinator):
    pk = _propose(client_for("coordinator")).json()["id"]
    client.force_login(curie_coordinator)
    response = client.post(reverse("network:partnership_action", args=[pk, "confirm"]))
    assert response.status_code == 302
    assert Partnership.objects.get(pk=pk).status == PartnershipStatus.ACTIVE


def test_it_mails_the_other_partys_coordinators_in_their_language(
    client_for, institutions, curie_coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pk = _propose(client_for("coordinator")).json()["id"]
    [task] = DBTaskResult.objects.filter(task_path__endswith="send_email")
    kwargs = task.args_kwargs["kwargs"]
    assert kwargs["to"] == ["anne.leroy@curie.test"]
    assert "Partenariat proposé" in kwargs["subject"]
    assert f"/network/partnerships/{pk}/" in kwargs["body"]


def test_a_status_set_by_hand_without_consent_opens_nothing(personas, institutions):
    partnership = actions.create_partnership(
        actor=personas["coordinator"],
        title="Forced",
        institutions=[institutions["VNCH"], institutions["PMC"]],
        valid_from=datetime.date(2024, 1, 1),
        valid_until=None,
        status=PartnershipStatus.ACTIVE,
        areas={"telemedicine": ""},
    )
    Partnership.objects.filter(pk=partnership.pk).update(status=PartnershipStatus.ACTIVE)
    assert telemedicine_partner_ids(institutions["VNCH"].pk) == set()


def test_a_coordinator_of_every_party_activates_at_once(personas, institutions):
    Membership.objects.create(
        user=personas["coordinator"], institution=institutions["PMC"], role=Role.COORDINATOR
    )
    partnership = actions.create_partnership(
        actor=personas["coordinator"],
        title="Both mine",
        institutions=[institutions["VNCH"], institutions["PMC"]],
        valid_from=datetime.date(2024, 1, 1),
        valid_until=None,
        status=PartnershipStatus.ACTIVE,
    )
    assert partnership.status == PartnershipStatus.ACTIVE
