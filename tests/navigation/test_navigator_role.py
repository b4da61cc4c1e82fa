"""The navigator is one of the clinical roles: the institution's patients, identifiers
included, in the registry too; consultation mail stays with the treating team."""

import pytest
from django.urls import reverse

from consilium.accounts.models import CLINICAL_ROLES, Role
from consilium.consultations.mail.notify import requesting_team

pytestmark = pytest.mark.django_db


def test_it_counts_navigators_among_the_clinical_roles():
    assert Role.NAVIGATOR in CLINICAL_ROLES


def test_it_shows_the_navigator_the_registry_record_with_identifiers(client_for, patient):
    page = (
        client_for("navigator")
        .get(reverse("registry:patient_detail", args=[patient.pk]))
        .content.decode()
    )
    assert "BN24-00042" in page


def test_it_offers_the_navigation_menu_to_clinical_roles_only(client_for):
    assert reverse("navigation:home") in client_for("navigator").get("/").content.decode()
    assert reverse("navigation:home") not in client_for("expert").get("/").content.decode()


def test_it_leaves_navigators_out_of_consultation_mail(personas, patient):
    from types import SimpleNamespace

    team = requesting_team(SimpleNamespace(requesting_institution_id=patient.institution_id))
    assert personas["clinician"] in team and personas["navigator"] not in team
