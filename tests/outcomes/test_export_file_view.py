"""The outcomes page's one-click export of a site's shareable aggregate file."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from consilium.audit.models import AuditEntry
from consilium.outcomes import exchange


def _url(code):
    return f"/outcomes/aggregates/{code}.json"


@pytest.mark.parametrize("persona", ["data_manager", "coordinator"])
def test_it_exports_the_sites_file_as_the_command_line_does_and_audits_it(
    client_for, personas, patients, sites, persona
):
    response = client_for(persona).get(_url("VNCH"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert 'filename="outcomes-VNCH-' in response["Content-Disposition"]
    document = json.loads(response.content)
    expected = exchange.export_document(sites["VNCH"])
    assert {**document, "generated_at": None} == {**expected, "generated_at": None}
    # What is exported can be read back by another site, under the page's own checks.
    site = exchange.read_document("VNCH.json", response.content.decode(), min_cell=5)
    assert site.site == "VNCH"
    entry = AuditEntry.objects.filter(verb="outcomes.aggregates_exported").get()
    assert entry.actor == personas[persona] and entry.institution == sites["VNCH"]
    assert entry.details["threshold"] == exchange.DEFAULT_THRESHOLD


def test_it_offers_the_export_on_the_outcomes_page(client_for, personas):
    page = client_for("data_manager").get("/outcomes/").content.decode()
    assert f'href="{_url("VNCH")}"' in page


@pytest.mark.parametrize("persona", ["clinician", "expert", "outsider", "admin"])
def test_it_refuses_people_who_do_not_answer_for_the_sites_figures(client_for, persona):
    assert client_for(persona).get(_url("VNCH")).status_code == 403
    assert not AuditEntry.objects.filter(verb="outcomes.aggregates_exported").exists()


def test_it_does_not_export_another_institutions_file(client_for, personas):
    # The data manager answers for VNCH, not UZPHO; an unknown code looks the same.
    assert client_for("data_manager").get(_url("UZPHO")).status_code == 404
    assert client_for("data_manager").get(_url("NOPE")).status_code == 404
    assert not AuditEntry.objects.filter(verb="outcomes.aggregates_exported").exists()


def test_it_refuses_the_anonymous_visitor(client, personas):
    response = client.get(_url("VNCH"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_file_exported_at_one_site_appears_in_the_comparison_at_another(
    client, client_for, patients, sites, uzpho_data_manager
):
    client.force_login(uzpho_data_manager)
    exported = client.get(_url("UZPHO"))
    assert exported.status_code == 200

    upload = SimpleUploadedFile("UZPHO.json", exported.content, "application/json")
    response = client_for("data_manager").post(
        "/outcomes/compare/", {"institution": "VNCH", "endpoint": "os", "file": upload}
    )

    assert response.status_code == 200
    assert set(response.context["comparison"].compared.grouped.tables) == {"VNCH", "UZPHO"}
    assert "VNCH and UZPHO pooled" in response.content.decode()
