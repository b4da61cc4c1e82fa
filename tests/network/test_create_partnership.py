import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from consilium.audit.models import AuditEntry
from consilium.network import actions
from consilium.network.models import Partnership
from tests.network.conftest import PDF, pdf_upload


def _form(parties, **overrides):
    data = {
        "title": "UZPHO – Princess Máxima Center",
        "institutions": [
            parties["VNCH"].pk,
            parties["CURIE"].pk,
            parties["RDEBRE"].pk,
        ],
        "signed_on": "2024-06-05",
        "signed_place": "First International Congress, Tashkent",
        "valid_from": "2024-06-05",
        "valid_until": (timezone.localdate() + datetime.timedelta(days=5 * 365)).isoformat(),
        "status": "active",
        "areas": ["training", "telemedicine", "molecular_diagnostics"],
    }
    data.update(overrides)
    return data


def test_it_records_an_mou_with_its_parties_areas_and_document(client_for, institutions):
    response = client_for("coordinator").post(
        reverse("network:partnership_new"), {**_form(institutions), "document": pdf_upload()}
    )
    partnership = Partnership.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("network:partnership", args=[partnership.pk])
    assert {p.institution.code for p in partnership.parties.all()} == {"VNCH", "CURIE", "RDEBRE"}
    assert set(partnership.areas.values_list("kind", flat=True)) == {
        "training",
        "telemedicine",
        "molecular_diagnostics",
    }
    assert partnership.document.read() == PDF
    assert AuditEntry.objects.filter(verb="network.partnership_created").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"institutions": []}, "institutions", "This field is required"),
        ({"valid_until": "2023-01-01"}, "valid_until", "before its start"),
        ({"signed_on": "2099-01-01"}, "signed_on", "in the future"),
        ({"valid_from": "not a date"}, "valid_from", "Enter a valid date"),
    ],
)
def test_it_refuses_bad_input_and_saves_nothing(
    client_for, institutions, overrides, field, message
):
    response = client_for("coordinator").post(
        reverse("network:partnership_new"), _form(institutions, **overrides)
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Partnership.objects.exists()
    assert not AuditEntry.objects.filter(verb="network.partnership_created").exists()


def test_it_refuses_a_single_institution(personas, institutions):
    with pytest.raises(ValidationError, match="at least two institutions"):
        actions.create_partnership(
            actor=personas["coordinator"],
            title="Alone",
            institutions=[institutions["VNCH"], institutions["VNCH"]],
            valid_from=datetime.date(2025, 1, 1),
            valid_until=None,
        )
    assert not Partnership.objects.exists()


def test_it_refuses_a_document_that_is_not_a_pdf(client_for, institutions):
    fake = pdf_upload("mou.pdf", b"PK\x03\x04 this is a Word file renamed .pdf")
    response = client_for("coordinator").post(
        reverse("network:partnership_new"), {**_form(institutions), "document": fake}
    )
    assert response.context["form"].errors["document"] == ["This file is not a PDF."]
    assert not Partnership.objects.exists()


def test_it_refuses_a_pdf_over_the_limit(client_for, institutions, settings):
    settings.CONSILIUM_MAX_DOCUMENT_MB = 1
    big = pdf_upload("mou.pdf", PDF + b"0" * (1024 * 1024))
    response = client_for("coordinator").post(
        reverse("network:partnership_new"), {**_form(institutions), "document": big}
    )
    assert "the limit is 1.0" in response.context["form"].errors["document"][0]
    assert not Partnership.objects.exists()


@pytest.mark.parametrize("persona", ["clinician", "expert", "outsider", "data_manager"])
def test_it_refuses_people_who_are_not_coordinators(client_for, institutions, persona):
    client = client_for(persona)
    assert client.get(reverse("network:partnership_new")).status_code == 403
    assert client.post(reverse("network:partnership_new"), _form(institutions)).status_code == 403
    assert not Partnership.objects.exists()


def test_it_refuses_a_coordinator_who_is_not_a_party(personas, institutions):
    with pytest.raises(PermissionDenied):
        actions.create_partnership(
            actor=personas["coordinator"],  # coordinator at VNCH
            title="Paris – Utrecht",
            institutions=[institutions["CURIE"], institutions["PMC"]],
            valid_from=datetime.date(2025, 1, 1),
            valid_until=None,
        )
    assert not Partnership.objects.exists()


def test_it_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get(reverse("network:overview"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
