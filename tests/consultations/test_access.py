import pytest
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.consultations.access import Side, consultations_for_user, side_of
from consilium.network.actions import end_partnership


def test_each_persona_sees_what_the_rules_say(personas, consultation):
    assert side_of(personas["clinician"], consultation) == Side.REQUESTER
    assert side_of(personas["data_manager"], consultation) == Side.REQUESTER
    assert side_of(personas["expert"], consultation) == Side.EXPERT
    assert side_of(personas["outsider"], consultation) is None
    assert side_of(personas["coordinator"], consultation) is None  # not clinical
    assert side_of(personas["admin"], consultation) is None


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


def test_every_view_is_audited(client_for, consultation, personas):
    client_for("expert").get(reverse("consultations:detail", args=[consultation.pk]))
    entry = AuditEntry.objects.filter(verb="consultations.viewed").latest("id")
    assert entry.actor == personas["expert"]
    assert entry.details["side"] == "expert"


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
