"""The outcomes page, its downloads and the API: who may see them and what they hold."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from pypdf import PdfReader

DOWNLOADS = [
    "/outcomes/",
    "/outcomes/survival.svg",
    "/outcomes/estimates.csv",
    "/outcomes/indicators.csv",
    "/outcomes/report.pdf",
    "/api/v1/outcomes/survival?endpoint=os&by=iccc",
    "/api/v1/outcomes/indicators",
]


@pytest.mark.parametrize("persona", ["expert", "outsider", "admin"])
@pytest.mark.parametrize("url", DOWNLOADS)
def test_it_refuses_people_without_an_aggregate_role(client_for, persona, url):
    assert client_for(persona).get(url).status_code == 403


@pytest.mark.parametrize("url", DOWNLOADS)
def test_it_refuses_the_anonymous_visitor(client, personas, url):
    response = client.get(url)
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"]


def test_it_shows_a_coordinator_only_their_institutions(client_for, patients, sites):
    client = client_for("coordinator")
    page = client.get("/outcomes/?by=institution&endpoint=os")
    assert page.status_code == 200
    body = page.content.decode()
    assert "VNCH" in body and "UZPHO" not in body
    refused = client.get("/outcomes/?institution=UZPHO").content.decode()
    assert "UZPHO is not one of the available choices" in refused
    assert "Survival estimates" not in refused
    assert client.get("/outcomes/estimates.csv?institution=UZPHO").status_code == 404
    api = client.get("/api/v1/outcomes/survival?institution=UZPHO")
    assert api.status_code == 403
    data = client.get("/api/v1/outcomes/survival?by=institution").json()
    assert [g["label"] for g in data["groups"]] == ["VNCH"]


def test_it_draws_the_curves_with_an_accessible_svg(client_for, patients, sites, partnership):
    client = client_for("data_manager")
    page = client.get(f"/outcomes/?by=partnership&partnership={partnership.pk}&endpoint=efs")
    body = page.content.decode()
    assert '<title id="km-title-main">' in body and "<desc" in body
    assert "Number at risk" in body and "Log-rank test" in body
    assert ' style="' not in body and "<script>" not in body
    svg = client.get(f"/outcomes/survival.svg?by=partnership&partnership={partnership.pk}")
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content.startswith(b"<?xml") and b'<path d="M' in svg.content


def test_it_downloads_every_table_as_csv(client_for, patients, sites):
    client = client_for("data_manager")
    for table in ["estimates", "at_risk", "life_table", "logrank", "excluded", "indicators"]:
        response = client.get(f"/outcomes/{table}.csv?by=iccc&endpoint=as_os")
        assert response.status_code == 200, table
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0], table
    estimates = list(
        csv.DictReader(io.StringIO(client.get("/outcomes/estimates.csv?by=all").content.decode()))
    )
    assert estimates[0]["patients"] == "35"


def test_it_writes_a_pdf_report(client_for, patients, sites, partnership):
    response = client_for("coordinator").get(
        f"/outcomes/report.pdf?by=partnership&partnership={partnership.pk}"
    )
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Outcomes report" in text and "VNCH – Institut Curie" in text
    assert "Log-rank test" in text


def test_it_answers_the_api_with_the_same_figures_as_the_cli(client_for, patients, sites, capsys):
    api = client_for("data_manager").get("/api/v1/outcomes/survival?endpoint=efs&by=iccc").json()
    call_command("survival", "--endpoint", "efs", "--by", "iccc", "--institution", "VNCH", "--json")
    cli = json.loads(capsys.readouterr().out)
    assert api == cli
    assert api["logrank"]["df"] >= 1


def test_it_prints_the_survival_table(patients, sites, capsys):
    call_command("survival", "--endpoint", "as-os", "--by", "institution")
    out = capsys.readouterr().out
    assert "VNCH" in out and "UZPHO" in out and "log-rank: chi-square" in out


def test_it_reports_a_bad_grouping_clearly(client_for, patients, sites):
    page = client_for("data_manager").get("/outcomes/?by=partnership")
    assert "choose a partnership" in page.content.decode()
    api = client_for("data_manager").get("/api/v1/outcomes/survival?by=partnership")
    assert api.status_code == 422
