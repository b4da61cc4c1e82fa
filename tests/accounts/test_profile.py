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
            "consultation_mail": "immediate",
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


def _profile(person, **changes) -> dict:
    return {
        "full_name": person.full_name,
        "profession": person.profession,
        "specialty": person.specialty,
        "languages": person.languages,
        "time_zone": person.time_zone,
        "consultation_mail": person.consultation_mail,
        **changes,
    }


def test_it_saves_the_choice_of_a_daily_digest(client_for, personas):
    client = client_for("clinician")
    page = client.get(reverse("profile")).content.decode()
    assert 'value="digest"' in page and "07:00" in page
    response = client.post(
        reverse("profile"), _profile(personas["clinician"], consultation_mail="digest")
    )
    assert response.status_code == 302
    user = User.objects.get(pk=personas["clinician"].pk)
    assert user.consultation_mail == "digest"
    assert user.digest_sent_at is not None  # the first digest starts from the choice
    entry = AuditEntry.objects.filter(verb="account.profile_changed", actor=user).latest("id")
    assert entry.details["consultation_mail"] == "digest"


def test_it_refuses_an_unknown_mail_choice_and_changes_nothing(client_for, personas):
    response = client_for("clinician").post(
        reverse("profile"), _profile(personas["clinician"], consultation_mail="hourly")
    )
    assert response.status_code == 200
    assert "consultation_mail" in response.context["form"].errors
    user = User.objects.get(pk=personas["clinician"].pk)
    assert user.consultation_mail == "immediate" and user.digest_sent_at is None
    assert not AuditEntry.objects.filter(verb="account.profile_changed").exists()
