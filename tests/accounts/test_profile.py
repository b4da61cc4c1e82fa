from django.urls import reverse

from consilium.accounts.models import User
from consilium.audit.models import AuditEntry


def test_it_saves_the_profile_and_audits_it(client_for, personas):
    response = client_for("expert").post(
        reverse("profile"),
        {
            "full_name": "Dr Claire Martin-Dupont",
            "profession": "doctor",
            "specialty": "Neuroblastoma",
            "languages": ["fr", "en", "vi"],
            "time_zone": "Europe/Paris",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(pk=personas["expert"].pk)
    assert user.full_name == "Dr Claire Martin-Dupont"
    assert user.languages == ["fr", "en", "vi"]
    assert AuditEntry.objects.filter(verb="account.profile_changed", actor=user).exists()


def test_it_refuses_an_unknown_time_zone_and_changes_nothing(client_for, personas):
    response = client_for("expert").post(
        reverse("profile"),
        {"full_name": "X", "profession": "doctor", "time_zone": "Mars/Olympus_Mons"},
    )
    assert response.status_code == 200
    assert (
        response.context["form"]
        .errors["time_zone"][0]
        .startswith(
            "Sélectionnez un choix valide"  # the expert reads the interface in French
        )
    )
    assert User.objects.get(pk=personas["expert"].pk).full_name == "Dr Claire Martin"
    assert not AuditEntry.objects.filter(verb="account.profile_changed").exists()


def test_it_requires_sign_in(client, db):
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
