"""The codebook page and the import template: every column with its meaning and codes in the
reader's language; the .xlsx template's drop-down lists hold the codes the import accepts, and
a template filled in by hand imports."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from consilium.registry.importer import import_csv
from consilium.registry.models import FollowUpEvent, Patient
from consilium.registry.sheets import LAYOUTS


def test_it_lists_every_column_of_every_sheet_with_its_codes(client_for):
    response = client_for("data_manager").get(reverse("registry:codebook"))
    assert response.status_code == 200
    text = response.content.decode()
    for layout in LAYOUTS.values():
        for column in layout.columns:
            assert f'id="{layout.sheet}-{column}"' in text
    assert "<code>second_cancer</code> Second cancer" in text
    # The Toronto values the import accepts, per tumour and tier; a code said once.
    assert "<code>Localised, Metastatic</code> Neuroblastoma, tier 1" in text
    assert "<code>L1, L2, M, MS</code> Neuroblastoma, tier 2" in text
    assert "<code>0</code> 0 ·" not in text


def test_it_speaks_the_readers_language(client_for, personas):
    personas["data_manager"].language = "fr"
    personas["data_manager"].save()
    text = client_for("data_manager").get(reverse("registry:codebook")).content.decode()
    assert "Rechute" in text  # EventKind.RELAPSE in French


def test_it_sends_an_outsider_to_sign_in(client):
    response = client.get(reverse("registry:codebook"))
    assert response.status_code == 302


@pytest.fixture
def template(client_for):
    response = client_for("data_manager").get(reverse("registry:template_xlsx"))
    assert response.status_code == 200
    return response.content


def test_it_offers_the_allowed_codes_as_drop_down_lists(template):
    book = load_workbook(io.BytesIO(template))
    assert book.sheetnames[:4] == ["patients", "events", "treatments", "markers"]
    events = book["events"]
    rules = {str(rule.sqref): rule.formula1 for rule in events.data_validations.dataValidation}
    kind_rule = rules["C2:C5001"]
    column = kind_rule.split("!")[1].split(":")[0].replace("$", "")[0]
    codes = [c.value for c in book["lists"][column][1:] if c.value]
    assert codes == ["remission", "relapse", "progression", "second_cancer", "abandonment", "death"]


def test_it_imports_the_template_once_filled_in(template, tmp_path, vnch):
    book = load_workbook(io.BytesIO(template))
    import datetime

    book["patients"].append(
        [
            "BN-7",
            "Lê Minh Dũng",
            datetime.date(2021, 1, 2),
            "male",
            "",
            "",
            "Nam Định",
            "given",
            datetime.date(2024, 5, 6),
            "",
            datetime.date(2024, 5, 6),
            "C64.9",
            8960,
            3,
            "",
            "left",
            "7",
            "",
            "",
            "",
            "",
            "dead",
            datetime.date(2025, 3, 1),
        ]
    )
    book["events"].append(["BN-7", datetime.date(2025, 3, 1), "death", "disease", ""])
    path = tmp_path / "filled.xlsx"
    book.save(path)
    outcome = import_csv(path, vnch, actor=None)
    assert outcome.ok, outcome.errors
    assert Patient.objects.get().death_date == datetime.date(2025, 3, 1)
    assert FollowUpEvent.objects.count() == 1


def test_it_offers_csv_headers_in_a_zip(client_for):
    import zipfile

    response = client_for("clinician").get(reverse("registry:template_zip"))
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert names == ["patients.csv", "events.csv", "treatments.csv", "markers.csv"]
