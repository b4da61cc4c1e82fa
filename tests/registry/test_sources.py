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
from consilium.registry.models import FollowUpEvent, ImportJob, Patient, Treatment
from consilium.registry.sheets import Workbook
from consilium.registry.sources import detect, detect_file
from consilium.registry.sources.redcap import FIELDS, INSTRUMENTS

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
        (
            _child(1, sex="7"),
            "Sex",
            "“7” is not one of: 1 (Male), 2 (Female), 9 (Unknown), M (Male)",
        ),
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


def test_a_canreg5_export_with_a_bom_and_a_trailing_separator_is_read_the_same(run):
    lines = _canreg5([CHILDREN[0], _child(1, sex="7")]).decode().split("\r\n")
    content = b"\xef\xbb\xbf" + "\r\n".join(line + "\t" for line in lines if line).encode()
    outcome = run(content)
    assert _where(outcome) == [("", 3, "Sex")], outcome.errors


def test_a_record_canreg5_flags_obsolete_is_left_out(run):
    obsolete = _canreg5([_child(1, sex="7")]).decode().splitlines()[1]
    obsolete = obsolete.rsplit("\t", 2)[0] + "\t1\t"  # ObsoleteFlag, death_cause
    content = _canreg5(CHILDREN[:1]) + obsolete.encode() + b"\r\n"
    outcome = run(content)
    assert outcome.ok and outcome.imported == 1, outcome.errors


def test_a_canreg5_export_without_its_identifying_variables_is_refused(run):
    header = [n for n in CANREG5_HEADER if n not in ("PatientID", "BirthDate")]
    outcome = run(("\t".join(header) + "\r\n").encode())
    assert _where(outcome) == [("", 1, "PatientID")]
    assert "PatientID, BirthDate" in outcome.errors[0].message


def test_a_canreg5_file_streams_each_sheet_from_the_file(tmp_path):
    path = tmp_path / "export.txt"
    path.write_bytes(_canreg5(separator=","))
    book = Workbook(path, detect=detect_file)
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


# REDCap --------------------------------------------------------------------------------------

PATIENT_FIELDS = [f.name for f in FIELDS["patients"]]
EVENT_FIELDS = [f.name for f in FIELDS["events"]]
TREATMENT_FIELDS = ["tx_start_date", "tx_end_date", *[f"modality___{n}" for n in range(1, 7)]]
TREATMENT_FIELDS += ["tx_intent", "protocol_name", "protocol_version"]
REDCAP_HEADER = ["record_id", "redcap_repeat_instrument", "redcap_repeat_instance"]
REDCAP_HEADER += [*PATIENT_FIELDS, "patient_complete", *EVENT_FIELDS, "follow_up_event_complete"]
REDCAP_HEADER += [*TREATMENT_FIELDS, "treatment_complete"]


def _patient(record, mrn, name, sex, dob, dx, topo, morph, basis, vital="1", last="2026-05-01"):
    return {
        "record_id": record,
        "mrn": mrn,
        "patient_name": name,
        "dob": dob,
        "sex": sex,
        "consent": "1",
        "consent_date": dx,
        "dx_date": dx,
        "topography": topo,
        "morphology": morph,
        "behaviour": "3",
        "basis": basis,
        "risk_group": "2",
        "vital_status": vital,
        "date_last_contact": last,
        "patient_complete": "2",
    }


def _event(record, instance, date, kind, cause=""):
    return {
        "record_id": record,
        "redcap_repeat_instrument": "follow_up_event",
        "redcap_repeat_instance": str(instance),
        "event_date": date,
        "event_type": kind,
        "death_cause": cause,
        "follow_up_event_complete": "2",
    }


def _treatment(record, start, end, *modalities):
    row = {
        "record_id": record,
        "redcap_repeat_instrument": "treatment",
        "redcap_repeat_instance": "1",
        "tx_start_date": start,
        "tx_end_date": end,
        "tx_intent": "1",
        "protocol_name": "SIOP 2001",
        "treatment_complete": "2",
    }
    return row | {f"modality___{n}": "1" if str(n) in modalities else "0" for n in range(1, 7)}


RECORDS = [
    _patient("1", "BN-101", "Nguyễn Văn An", "1", "2019-03-14", "2024-02-01", "C74.9", "9500", "7"),
    _treatment("1", "2024-02-10", "2024-08-01", "1", "3"),
    _patient("2", "BN-102", "Trần Thị Mai", "2", "2016-07-30", "2024-03-11", "C42.1", "9836", "5"),
    _event("2", 1, "2025-02-01", "1"),
    _patient(
        "3",
        "BN-103",
        "Lê Minh Dũng",
        "1",
        "2021-01-02",
        "2024-05-06",
        "C64.9",
        "8960",
        "7",
        vital="2",
        last="2025-03-01",
    ),
    _event("3", 1, "2024-11-20", "2"),
    _event("3", 2, "2025-03-01", "5", "1"),
    _patient("4", "BN-104", "Phạm Thị Lan", "2", "2020-06-15", "2024-01-15", "C69.2", "9510", "7"),
    _event("4", 1, "2024-06-01", "3"),
    _patient("5", "BN-105", "Hoàng Minh", "1", "2015-09-09", "2023-10-20", "C71.6", "9470", "7"),
    _patient("6", "BN-106", "Vũ Thảo", "2", "2012-01-01", "2023-05-05", "C42.1", "9861", "5"),
    _patient("7", "BN-107", "Đặng Khoa", "1", "2018-02-20", "2024-07-20", "C22.0", "8970", "7"),
    _patient("8", "BN-108", "Bùi Hoa", "2", "2017-08-08", "2024-09-02", "C49.2", "8910", "7"),
    _patient("9", "", "Đỗ Nam", "9", "2019-11-11", "2024-10-01", "C42.1", "9836", "5"),
    _patient("10", "BN-110", "Ngô Linh", "2", "2020-12-12", "2024-11-15", "C74.9", "9500", "4"),
]


def _label(name: str) -> str:
    specials = {"record_id": "Record ID", "redcap_repeat_instrument": "Repeat Instrument"}
    specials |= {"redcap_repeat_instance": "Repeat Instance"}
    if name in specials:
        return specials[name]
    if name.endswith("_complete"):
        return "Complete?"
    field_name, _sep, code = name.partition("___")
    field = next(f for fields in FIELDS.values() for f in fields if f.name == field_name)
    if code:
        return f"{field.label} (choice={next(c[1] for c in field.choices if c[0] == code)})"
    return field.label


def _value_label(name: str, value: str) -> str:
    if not value or name in ("record_id", "redcap_repeat_instance"):
        return value
    if name == "redcap_repeat_instrument":
        return {raw: label for raw, label in INSTRUMENTS.values()}.get(value, value)
    if name.endswith("_complete"):
        return {"0": "Incomplete", "1": "Unverified", "2": "Complete"}[value]
    if "___" in name:
        return {"1": "Checked", "0": "Unchecked"}[value]
    field = next(f for fields in FIELDS.values() for f in fields if f.name == name)
    return next((c[1] for c in field.choices if c[0] == value), value)


def _redcap(records=RECORDS, *, labels=False) -> bytes:
    def cell(text: str) -> str:
        return f'"{text}"' if labels else text  # REDCap quotes the labels export

    header = [_label(n) if labels else n for n in REDCAP_HEADER]
    lines = [",".join(cell(n) for n in header)]
    for record in records:
        # REDCap writes an unticked checkbox as 0 in every row, whatever its instrument.
        values = [record.get(n, "0" if "___" in n else "") for n in REDCAP_HEADER]
        if labels:
            values = [_value_label(n, v) for n, v in zip(REDCAP_HEADER, values, strict=True)]
        lines.append(",".join(cell(v) for v in values))
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("labels", [False, True], ids=["raw", "labels"])
def test_it_imports_a_redcap_export_raw_or_with_labels(run, labels):
    outcome = run(_redcap(labels=labels))

    assert outcome.ok, outcome.errors
    assert outcome.imported == 10
    patients = {
        p.identity.hospital_number: p
        for p in Patient.objects.select_related("identity").prefetch_related("diagnoses")
    }
    an = patients["BN-101"]
    assert (an.identity.name, an.sex, an.consent_status) == ("Nguyễn Văn An", "male", "given")
    diagnosis = an.diagnoses.get()
    assert (diagnosis.topography, diagnosis.basis_of_diagnosis, diagnosis.risk_group) == (
        "C749",
        "7",
        "standard",
    )
    treatment = Treatment.objects.get()
    assert (treatment.patient, treatment.modalities, treatment.end_date) == (
        an,
        ["surgery", "chemotherapy"],
        D(2024, 8, 1),
    )
    assert FollowUpEvent.objects.get(patient=patients["BN-102"]).kind == "relapse"
    dead = patients["BN-103"]
    assert (dead.vital_status, dead.death_date, dead.first_efs_event_date) == (
        "dead",
        D(2025, 3, 1),
        D(2024, 11, 20),
    )
    assert FollowUpEvent.objects.get(patient=dead, kind="death").death_cause == "disease"
    assert patients["BN-104"].abandonment_date == D(2024, 6, 1)
    assert "9" in patients  # no mrn: the record_id stands for it
    again = run(_redcap(labels=labels), apply=False)
    assert (again.new, len(again.changed), again.unchanged) == (0, 0, 10), again.errors


@pytest.mark.parametrize(
    ("records", "column", "label", "words"),
    [
        (
            [RECORDS[0], RECORDS[2] | {"sex": "3"}],
            "sex",
            "Sex",
            "is not one of",
        ),
        (
            [RECORDS[0], RECORDS[2] | {"dx_date": "99999999"}],
            "dx_date",
            "Date of diagnosis",
            "is not a date",
        ),
        (
            [RECORDS[0], _event("7", 1, "2025-01-01", "1")],
            "record_id",
            "Record ID",
            "patient of record 7",
        ),
        (
            [RECORDS[0], RECORDS[2] | {"event_type": "", "redcap_repeat_instrument": "visit"}],
            "redcap_repeat_instrument",
            "Repeat Instrument",
            "is not one of",
        ),
    ],
)
@pytest.mark.parametrize("labels", [False, True], ids=["raw", "labels"])
def test_each_bad_redcap_row_is_named_by_its_own_column_and_nothing_is_imported(
    run, records, column, label, words, labels
):
    outcome = run(_redcap(records, labels=labels))

    assert _where(outcome) == [("", 3, label if labels else column)], outcome.errors
    assert words in outcome.errors[0].message
    assert Patient.objects.count() == 0


def test_an_unknown_label_is_refused_with_the_allowed_labels(run):
    content = _redcap(RECORDS[:2], labels=True).replace(b'"Male"', b'"Boy"')
    outcome = run(content)

    # As with a cell of a workbook that cannot be read, the row is not read, so its treatment
    # (row 3) has no patient either.
    assert _where(outcome) == [("", 2, "Sex"), ("", 3, "Record ID")], outcome.errors
    assert outcome.errors[0].message == "“Boy” is not one of: Male, Female, Unknown."
    assert Patient.objects.count() == 0


def test_a_redcap_header_is_known_raw_or_with_labels():
    assert detect(REDCAP_HEADER).kind == "redcap"
    assert detect([_label(n) for n in REDCAP_HEADER]).mode == 1
    assert detect(["record_id", "name", "birth_date"]) is None


def test_a_source_s_messages_are_in_the_reader_s_language(run):
    from django.utils import translation

    with translation.override("fr"):
        outcome = run(_canreg5([CHILDREN[0], _child(1, incidence="99999999")]))
    assert outcome.errors[0].message == "La date est inconnue (99999999) : le registre en a besoin."


def test_the_data_dictionary_sites_upload_into_redcap_is_the_one_read():
    from pathlib import Path

    from consilium.registry.sources.redcap import data_dictionary

    shipped = Path(__file__).parents[2] / "docs/redcap/paediatric-oncology-data-dictionary.csv"
    assert shipped.read_text(encoding="utf-8") == data_dictionary()
    labels = [f.label.lower() for fields in FIELDS.values() for f in fields]
    assert len(labels) == len(set(labels))  # a labels export names each field once


def test_a_longitudinal_redcap_export_reads_past_the_rows_of_its_other_events(run):
    header, patient, treatment = (
        line.split(",") for line in _redcap(RECORDS[:2]).decode().splitlines()
    )
    # Record 1 at a second event of the project, none of its patient fields filled.
    other_event = ["1"] + ["0" if "___" in n else "" for n in header[1:]]
    rows = [
        ["record_id", "redcap_event_name", *header[1:]],
        ["1", "baseline_arm_1", *patient[1:]],
        ["1", "month_6_arm_1", *other_event[1:]],
        ["1", "baseline_arm_1", *treatment[1:]],
    ]
    outcome = run("\n".join(",".join(row) for row in rows).encode() + b"\n")

    assert outcome.ok and outcome.imported == 1, outcome.errors
    assert Treatment.objects.get().modalities == ["surgery", "chemotherapy"]
