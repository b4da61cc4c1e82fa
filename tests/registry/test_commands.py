import json

import pytest
from django.core.management import CommandError, call_command
from fhir.resources.R4B.bundle import Bundle

from consilium.registry.models import ImportJob, Patient
from tests.registry.csv_samples import ROWS, csv_bytes


def test_it_classifies_a_diagnosis_in_iccc(capsys):
    call_command("classify_iccc", site="C421", histology="9836", behaviour="3")
    out = capsys.readouterr().out
    assert "recode:   011" in out and "extended: 001" in out and "group:    I " in out

    call_command("classify_iccc", site="C42.1", histology="9836", behaviour="3", json=True)
    result = json.loads(capsys.readouterr().out)
    assert (result["recode"], result["extended"], result["main_group"]) == ("011", "001", "I")


def test_it_classifies_the_unclassifiable_as_999(capsys):
    call_command("classify_iccc", site="C421", histology="9240", behaviour="3", json=True)
    assert json.loads(capsys.readouterr().out)["recode"] == "999"


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("site", "X42", "is not an ICD-O-3 code"),
        ("site", "C43.0", "is not an ICD-O-3 code"),  # C43 does not exist
        ("histology", "98", "four digits from 8000 to 9993"),
        ("histology", "1234", "four digits from 8000 to 9993"),
        ("histology", "9836/3", "without the behaviour"),
        ("behaviour", "7", "must be 0, 1, 2, 3, 6 or 9"),
        ("behaviour", "malignant", "must be 0, 1, 2, 3, 6 or 9"),
    ],
)
def test_it_refuses_a_malformed_code_rather_than_call_it_unclassifiable(
    capsys, option, value, words
):
    codes = {"site": "C421", "histology": "9836", "behaviour": "3"} | {option: value}

    with pytest.raises(CommandError, match=words):
        call_command("classify_iccc", json=True, **codes)
    assert capsys.readouterr().out == ""


def test_it_imports_from_the_command_line_with_progress(tmp_path, personas, capsys):
    path = tmp_path / "in.csv"
    path.write_bytes(csv_bytes())

    call_command("import_registry", str(path), institution="VNCH")

    out = capsys.readouterr().out
    assert "validating: 3 / 3 rows" in out
    assert "saving: 3 / 3 rows" in out
    assert "Imported 3 patients into VNCH" in out
    assert ImportJob.objects.get().status == "done"


def test_it_reports_the_problems_of_a_file_and_imports_nothing(tmp_path, personas, capsys):
    path = tmp_path / "in.csv"
    path.write_bytes(csv_bytes([ROWS[0], ROWS[1].replace("2016-07-30", "2016-13-30")]))

    with pytest.raises(CommandError, match="Nothing was imported: 1 problem"):
        call_command("import_registry", str(path), institution="VNCH")

    assert "row 3, column birth_date" in capsys.readouterr().err
    assert Patient.objects.count() == 0


def test_it_imports_the_rows_without_problems_when_told_to(tmp_path, personas, capsys):
    path = tmp_path / "in.csv"
    path.write_bytes(csv_bytes([ROWS[0], ROWS[1].replace("2016-07-30", "2016-13-30")]))

    with pytest.raises(CommandError, match=r"--skip-problem-rows imports the others"):
        call_command("import_registry", str(path), institution="VNCH")
    call_command("import_registry", str(path), institution="VNCH", skip_problem_rows=True)

    captured = capsys.readouterr()
    assert "Imported 1 patients into VNCH" in captured.out
    assert "1 rows with problems left out" in captured.out
    assert "row 3, column birth_date" in captured.err
    assert Patient.objects.count() == 1


def test_it_exports_fhir_to_a_file(tmp_path, register):
    patient = register()
    output = tmp_path / "vnch.json"

    call_command("export_fhir", institution="VNCH", output=str(output))

    bundle = Bundle.model_validate_json(output.read_text())
    assert bundle.entry[0].resource.id == patient.pseudonym
    assert "Nguy" not in output.read_text()


def test_it_refuses_an_output_it_cannot_write_and_leaves_no_partial_file(tmp_path, register):
    register()
    output = tmp_path / "no-such-folder" / "vnch.json"

    with pytest.raises(CommandError, match=r"Could not write .*vnch\.json"):
        call_command("export_fhir", institution="VNCH", output=str(output))
    assert not output.parent.exists()


def test_it_loads_a_licensed_icdo3_list_for_the_look_up(tmp_path, client_for):
    path = tmp_path / "icdo3.csv"
    path.write_text('code,term\nC34.1,"Upper lobe, lung"\n8246/3,"Neuroendocrine carcinoma, NOS"\n')

    call_command("load_icdo3", str(path))

    client = client_for("data_manager")
    html = client.get(
        "/registry/codes/", {"kind": "morphology", "morphology": "neuroendocrine"}
    ).content.decode()
    assert '<option value="8246/3">' in html
    sites = client.get("/registry/codes/", {"kind": "topography", "topography": "C34.1"})
    assert '<option value="C34.1">' in sites.content.decode()


def test_it_refuses_a_list_with_a_wrong_code_and_loads_nothing(tmp_path, db):
    from consilium.registry.models import CodeTerm

    path = tmp_path / "icdo3.csv"
    path.write_text('code,term\nC34.1,"Upper lobe, lung"\nC99.9,Nowhere\n')
    with pytest.raises(CommandError, match="Nothing was loaded"):
        call_command("load_icdo3", str(path))
    assert not CodeTerm.objects.exists()
