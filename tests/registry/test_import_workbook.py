"""Importing a workbook (.xlsx made with openpyxl, as a spreadsheet program saves one) or a
.zip of CSV files: patients with their events, treatments and markers; every bad input listed
by sheet, row and column, and nothing imported."""

import datetime
import io
import zipfile

import pytest
from openpyxl import Workbook

from consilium.registry.importer import import_csv
from consilium.registry.models import FollowUpEvent, Patient, Treatment
from consilium.registry.sheets import EVENTS, MARKERS, PATIENTS, TREATMENTS

D = datetime.date
PATIENT = {
    "hospital_number": "BN-1",
    "name": "Nguyễn Văn An",
    "birth_date": D(2019, 3, 14),
    "sex": "male",
    "diagnosis_date": D(2024, 2, 1),
    "topography": "C74.9",
    "morphology": 9500,
    "behaviour": 3,
    "basis_of_diagnosis": 7,
    "vital_status": "dead",
    "last_contact": D(2025, 1, 9),
}
DEATH = {
    "hospital_number": "BN-1",
    "date": D(2025, 1, 9),
    "kind": "death",
    "death_cause": "disease",
}
RELAPSE = {"hospital_number": "BN-1", "date": D(2024, 9, 1), "kind": "relapse"}
TREATMENT = {
    "hospital_number": "BN-1",
    "start_date": D(2024, 2, 10),
    "modalities": "chemotherapy+surgery",
}
MARKER = {"hospital_number": "BN-1", "marker": "MYCN", "result": "detected", "method": "fish"}


def _xlsx(sheets: dict[str, list[dict]], *, columns: dict | None = None) -> bytes:
    book = Workbook()
    book.remove(book.active)
    layouts = {"patients": PATIENTS, "events": EVENTS, "treatments": TREATMENTS, "markers": MARKERS}
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        header = (columns or {}).get(name) or list(layouts[name].columns)
        sheet.append(header)
        for row in rows:
            sheet.append([row.get(c) for c in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def run(tmp_path, vnch):
    def run(content: bytes, name: str = "registry.xlsx"):
        path = tmp_path / name
        path.write_bytes(content)
        return import_csv(path, vnch, actor=None)

    return run


def _where(outcome):
    return [(e.sheet, e.row, e.column) for e in outcome.errors]


def test_it_imports_a_patient_with_relapse_death_treatment_and_marker(run):
    outcome = run(
        _xlsx(
            {
                "patients": [PATIENT],
                "events": [RELAPSE, DEATH],
                "treatments": [TREATMENT],
                "markers": [MARKER],
            }
        )
    )
    assert outcome.ok, outcome.errors
    patient = Patient.objects.get()
    assert (patient.death_date, patient.death_day) == (D(2025, 1, 9), 343)
    assert patient.first_efs_event_date == D(2024, 9, 1)
    assert FollowUpEvent.objects.get(kind="death").death_cause == "disease"
    assert Treatment.objects.get().modalities == ["chemotherapy", "surgery"]
    assert patient.diagnoses.get().markers.get().marker == "MYCN"


@pytest.mark.parametrize(
    ("sheets", "where", "words"),
    [
        (
            {"patients": [PATIENT], "events": [DEATH | {"date": D(2023, 1, 1)}]},
            [("events", 2, "date")],
            "before the diagnosis",
        ),
        (
            {"patients": [PATIENT], "events": [DEATH, DEATH | {"hospital_number": "BN-9"}]},
            [("events", 3, "hospital_number")],
            "No patient in the patients sheet",
        ),
        (
            {"patients": [PATIENT], "events": [DEATH, DEATH]},
            [("events", 3, "kind")],
            "second death",
        ),
        (
            {"patients": [PATIENT], "events": [RELAPSE | {"death_cause": "disease"}, DEATH]},
            [("events", 2, "death_cause")],
            "not a death",
        ),
        (
            {"patients": [PATIENT], "events": [DEATH | {"death_cause": None}]},
            [("events", 2, "death_cause")],
            "cause of death",
        ),
        (
            {"patients": [PATIENT | {"vital_status": "alive"}], "events": [DEATH]},
            [("patients", 2, "vital_status")],
            "must be dead",
        ),
        (
            {"patients": [PATIENT | {"sex": D(2020, 1, 1)}]},
            [("patients", 2, "sex")],
            "is a date",
        ),
        (
            {"patients": [PATIENT | {"diagnosis_date": "01/02/2024"}]},
            [("patients", 2, "diagnosis_date")],
            "is not a date",
        ),
        (
            {"patients": [PATIENT | {"region": "=A1&B1"}]},
            [("patients", 2, "region")],
            "formula",
        ),
        (
            {"patients": [PATIENT], "treatments": [TREATMENT | {"modalities": "chemo"}]},
            [("treatments", 2, "modalities")],
            "is not one of",
        ),
    ],
)
def test_it_lists_each_problem_by_sheet_row_and_column_and_imports_nothing(
    run, sheets, where, words
):
    outcome = run(_xlsx(sheets))
    assert _where(outcome) == where
    assert words in outcome.errors[0].message
    assert Patient.objects.count() == 0


def test_it_names_the_missing_columns_of_a_sheet(run):
    outcome = run(
        _xlsx(
            {"patients": [PATIENT], "events": [DEATH]},
            columns={"events": ["hospital_number", "date"]},
        )
    )
    assert _where(outcome) == [("events", 1, "kind")]
    assert "Required columns are missing: kind" in outcome.errors[0].message


def test_it_refuses_merged_cells_by_their_first_cell(run, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "merged.xlsx"
    path.write_bytes(_xlsx({"patients": [PATIENT, PATIENT | {"hospital_number": "BN-2"}]}))
    book = load_workbook(path)
    book["patients"].merge_cells("G2:G3")
    book.save(path)
    outcome = run(path.read_bytes())
    assert _where(outcome) == [("patients", 2, "region")]
    assert "Merged cells" in outcome.errors[0].message


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"hospital_number,name\n", "registry.xlsx", "not an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "registry.xls", "old Excel file"),
        (b"PK\x03\x04broken", "registry.xlsx", "damaged"),
    ],
)
def test_it_says_what_a_file_that_is_not_a_workbook_is(run, content, name, words):
    outcome = run(content, name)
    assert not outcome.ok and words in outcome.errors[0].message
    assert Patient.objects.count() == 0


def test_it_reads_a_zip_of_csv_files_with_the_same_checks(run):
    def csv(columns, rows):
        lines = [",".join(columns)] + [
            ",".join(str(r.get(c, "") or "") for c in columns) for r in rows
        ]
        return "\n".join(lines) + "\n"

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("patients.csv", csv(PATIENTS.columns, [PATIENT]))
        archive.writestr("events.csv", csv(EVENTS.columns, [DEATH, DEATH]))
    outcome = run(out.getvalue(), "registry.zip")
    assert _where(outcome) == [("events", 3, "kind")]

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("patients.csv", csv(PATIENTS.columns, [PATIENT]))
        archive.writestr("events.csv", csv(EVENTS.columns, [RELAPSE, DEATH]))
        archive.writestr("notes.txt", "x")
    outcome = run(out.getvalue(), "registry.zip")
    assert "Unknown sheet or file “notes.txt”" in outcome.errors[0].message


def test_it_parses_each_sheet_once_though_it_reads_the_patients_twice(run, monkeypatch):
    from consilium.registry import sheets

    parsed = []
    real = sheets.xlsx_records

    def counted(workbook, archive, part, title, layout, sheet):
        parsed.append(title)
        yield from real(workbook, archive, part, title, layout, sheet)

    monkeypatch.setattr(sheets, "xlsx_records", counted)
    second = PATIENT | {"hospital_number": "BN-2", "name": "Trần Thị Mai"}
    outcome = run(_xlsx({"patients": [PATIENT, second], "events": [DEATH]}))
    assert outcome.ok, outcome.errors
    assert sorted(parsed) == ["events", "patients"]
    assert sorted(Patient.objects.values_list("diagnoses__morphology", flat=True)) == [
        "9500",
        "9500",
    ]
    assert FollowUpEvent.objects.get().patient.vital_status == "dead"


def test_it_reads_an_error_value_as_the_spreadsheet_shows_it(run, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "error.xlsx"
    path.write_bytes(_xlsx({"patients": [PATIENT]}))
    book = load_workbook(path)
    book["patients"]["K2"].value = "#N/A"  # diagnosis_date, as a lookup that found nothing
    book["patients"]["K2"].data_type = "e"
    book.save(path)
    outcome = run(path.read_bytes())
    assert _where(outcome) == [("patients", 2, "diagnosis_date")]
    assert "“#N/A” is not a date" in outcome.errors[0].message


def test_it_refuses_a_formula_past_the_last_row_with_values(run, tmp_path):
    """A formula never computed (no value kept in the file) is an empty cell to the reader,
    which may end the sheet before its row."""
    from openpyxl import load_workbook

    path = tmp_path / "formula.xlsx"
    path.write_bytes(_xlsx({"patients": [PATIENT]}))
    book = load_workbook(path)
    book["patients"]["G4"] = "=A2&B2"  # region
    book.save(path)
    outcome = run(path.read_bytes())
    assert _where(outcome) == [("patients", 4, "region")]
    assert "formula" in outcome.errors[0].message
