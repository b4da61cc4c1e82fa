"""Migrating from what sites use: a CanReg5 export and a REDCap export (raw and labels) of the
documented project, made here, go through the importer's own checks and preview; each bad
input is named by the file's row and its own column, and nothing is imported."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from consilium.network.models import Institution
from consilium.registry.importer import import_csv
from consilium.registry.models import FollowUpEvent, ImportJob, Patient
from consilium.registry.sheets import Workbook
from consilium.registry.sources import detect

D = datetime.date

# CanReg5 -------------------------------------------------------------------------------------

CANREG5_HEADER = [
    "PatientID",
    "Surname",
    "FirstName",
    "Sex",
    "BirthDate",
    "Age",
    "IncidenceDate",
    "Topography",
    "Morphology",
    "Behaviour",
    "Grade",
    "BasisDiagnosis",
    "Stage",
    "ICD10",
    "ICCC",
    "VitalStatus",
    "Lastcontact",
    "AddressCode",
    "CheckStatus",
    "TumourRecordStatus",
    "PatientRecordID",
    "ObsoleteFlag",
    "death_cause",
]
# PatientID, Surname, FirstName, Sex, BirthDate, IncidenceDate, Topography, Morphology,
# Behaviour, BasisDiagnosis, VitalStatus, Lastcontact, death_cause
CHILDREN = [
    (
        "HN-001",
        "Nguyen",
        "An",
        "1",
        "20190314",
        "20240201",
        "749",
        "9500",
        "3",
        "7",
        "1",
        "20260601",
        "",
    ),
    (
        "HN-002",
        "Tran",
        "Mai",
        "2",
        "20160730",
        "20240311",
        "421",
        "9836",
        "3",
        "5",
        "1",
        "20260520",
        "",
    ),
    (
        "HN-003",
        "Le",
        "Dung",
        "M",
        "20210102",
        "20240506",
        "649",
        "8960",
        "3",
        "7",
        "2",
        "20250110",
        "disease",
    ),
    (
        "HN-004",
        "Pham",
        "Lan",
        "F",
        "20200615",
        "20240115",
        "692",
        "9510",
        "3",
        "7",
        "1",
        "20260301",
        "",
    ),
    (
        "HN-005",
        "Hoang",
        "Minh",
        "1",
        "20150909",
        "20231020",
        "716",
        "9470",
        "3",
        "7",
        "1",
        "20260402",
        "",
    ),
    (
        "HN-006",
        "Vu",
        "Thao",
        "2",
        "20120101",
        "20230505",
        "421",
        "9861",
        "3",
        "5",
        "1",
        "20260110",
        "",
    ),
    (
        "HN-007",
        "Dang",
        "Khoa",
        "1",
        "20180220",
        "20240720",
        "220",
        "8970",
        "3",
        "7",
        "1",
        "20260515",
        "",
    ),
    ("HN-008", "Bui", "Hoa", "2", "20170808", "20240902", "492", "8910", "3", "7", "9", "", ""),
    (
        "HN-009",
        "Do",
        "Nam",
        "9",
        "20191111",
        "20241001",
        "421",
        "9836",
        "3",
        "5",
        "1",
        "20260420",
        "",
    ),
    (
        "HN-010",
        "Ngo",
        "Linh",
        "2",
        "20201212",
        "20241115",
        "749",
        "9500",
        "3",
        "4",
        "1",
        "20260430",
        "",
    ),
]


def _canreg5(children=CHILDREN, header=CANREG5_HEADER, separator="\t") -> bytes:
    lines = [separator.join(header)]
    for child in children:
        (
            number,
            surname,
            first,
            sex,
            birth,
            incidence,
            topo,
            morph,
            beh,
            basis,
            vital,
            last,
            cause,
        ) = child
        values = {
            "PatientID": number,
            "Surname": surname,
            "FirstName": first,
            "Sex": sex,
            "BirthDate": birth,
            "Age": "4",
            "IncidenceDate": incidence,
            "Topography": topo,
            "Morphology": morph,
            "Behaviour": beh,
            "Grade": "9",
            "BasisDiagnosis": basis,
            "Stage": "2",
            "ICD10": "C74",
            "ICCC": "041",
            "VitalStatus": vital,
            "Lastcontact": last,
            "AddressCode": "0101",
            "CheckStatus": "1",
            "TumourRecordStatus": "1",
            "PatientRecordID": number + "01",
            "ObsoleteFlag": "0",
            "death_cause": cause,
        }
        lines.append(separator.join(values[name] for name in header))
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.fixture
def run(tmp_path, db):
    def run(content: bytes, *, apply=True, name="export.csv"):
        path = tmp_path / name
        path.write_bytes(content)
        institution, _ = Institution.objects.get_or_create(
            code="NEWH", defaults={"name": "A hospital joining the network"}
        )
        return import_csv(path, institution, actor=None, apply=apply)

    return run


def _where(outcome):
    return [(e.sheet, e.row, e.column) for e in outcome.errors]


def test_a_canreg5_header_is_known_by_its_standard_variables():
    assert detect(CANREG5_HEADER).kind == "canreg5"
    assert detect([n.lower() for n in CANREG5_HEADER]).kind == "canreg5"
    assert detect(["hospital_number", "name", "topography", "morphology"]) is None


def test_it_imports_a_canreg5_export_with_its_codes_and_a_death(run):
    outcome = run(_canreg5())

    assert outcome.ok, outcome.errors
    assert outcome.imported == 10
    patients = {
        p.identity.hospital_number: p
        for p in Patient.objects.select_related("identity").prefetch_related("diagnoses")
    }
    an = patients["HN-001"]
    assert (an.identity.name, an.identity.birth_date, an.sex) == (
        "An Nguyen",
        D(2019, 3, 14),
        "male",
    )
    assert an.consent_status == "unknown"  # CanReg5 records no consent
    diagnosis = an.diagnoses.get()
    assert (diagnosis.date, diagnosis.topography, diagnosis.morphology) == (
        D(2024, 2, 1),
        "C749",
        "9500",
    )
    assert (diagnosis.behaviour, diagnosis.basis_of_diagnosis) == ("3", "7")
    assert patients["HN-004"].sex == "female" and patients["HN-009"].sex == "unknown"
    assert patients["HN-008"].vital_status == "unknown" and patients["HN-008"].last_contact is None
    dead = patients["HN-003"]
    assert (dead.vital_status, dead.death_date) == ("dead", D(2025, 1, 10))
    death = FollowUpEvent.objects.get()
    assert (death.patient, death.kind, death.date, death.death_cause) == (
        dead,
        "death",
        D(2025, 1, 10),
        "disease",
    )


def test_a_second_import_of_the_same_canreg5_export_is_all_unchanged(run):
    assert run(_canreg5()).ok
    again = run(_canreg5(), apply=False)
    assert again.ok, again.errors
    assert (again.new, len(again.changed), again.unchanged) == (0, 0, 10)


def _child(number, **changes):
    names = ["sex", "birth", "incidence", "topo", "morph", "beh", "basis", "vital", "last", "cause"]
    child = list(CHILDREN[number])
    for name, value in changes.items():
        child[3 + names.index(name)] = value
    return tuple(child)


@pytest.mark.parametrize(
    ("child", "column", "words"),
    [
        (_child(1, sex="7"), "Sex", "“7” is not one of: 1 (male)"),
        (_child(1, incidence="99999999"), "IncidenceDate", "unknown (99999999)"),
        (_child(1, birth="20160799"), "BirthDate", "partial date"),
        (_child(1, incidence="2024-13-01"), "IncidenceDate", "not a CanReg5 date"),
        (_child(1, vital="5"), "VitalStatus", "“5” is not one of"),
        (_child(1, vital="2", last=""), "Lastcontact", "date of death"),
        (_child(1, vital="2", cause=""), "death_cause", "does not record the cause of death"),
        (_child(1, morph="95"), "Morphology", ""),
        (_child(1, incidence="20150101"), "IncidenceDate", ""),
    ],
)
def test_each_bad_canreg5_row_is_named_by_its_own_column_and_nothing_is_imported(
    run, child, column, words
):
    outcome = run(_canreg5([CHILDREN[0], child]))

    assert _where(outcome) == [("", 3, column)], outcome.errors
    assert words in outcome.errors[0].message
    assert Patient.objects.count() == 0


def test_a_canreg5_export_without_its_identifying_variables_is_refused(run):
    header = [n for n in CANREG5_HEADER if n not in ("PatientID", "BirthDate")]
    outcome = run(("\t".join(header) + "\r\n").encode())
    assert _where(outcome) == [("", 1, "PatientID")]
    assert "PatientID, BirthDate" in outcome.errors[0].message


def test_a_canreg5_file_streams_each_sheet_from_the_file(tmp_path):
    path = tmp_path / "export.txt"
    path.write_bytes(_canreg5(separator=","))
    book = Workbook(path)
    assert (book.kind, book.sheets) == ("canreg5", ["patients", "events"])
    assert [n for n, _v in book.records("events")] == [4]
    assert len(list(book.records("patients"))) == 10


def test_the_import_view_previews_a_canreg5_export(audit_triggers_off_after_test, client_for, vnch):
    client = client_for("data_manager")
    response = client.post(
        reverse("registry:import"),
        {"institution": vnch.pk, "file": SimpleUploadedFile("canreg5.txt", _canreg5())},
    )
    call_command("worker", batch=True, verbosity=0)

    job = ImportJob.objects.get()
    assert (job.status, job.preview["new"], Patient.objects.count()) == ("preview", 10, 0)
    assert "10 new patients" in client.get(response["Location"]).content.decode()
