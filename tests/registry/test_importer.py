import pytest

from consilium.registry.importer import import_csv
from consilium.registry.models import ImportJob, Patient, PatientIdentity
from tests.registry.csv_samples import HEADER, ROWS, csv_bytes


@pytest.fixture
def run(tmp_path, vnch, personas):
    def run(content: bytes, *, progress=None):
        path = tmp_path / "registry.csv"
        path.write_bytes(content)
        return import_csv(path, vnch, actor=personas["data_manager"], progress=progress)

    return run


def _errors(outcome):
    return [(e.row, e.column) for e in outcome.errors]


def test_it_imports_a_valid_file_with_pseudonyms_and_encrypted_identities(run):
    outcome = run(csv_bytes())

    assert outcome.ok, outcome.errors
    assert outcome.imported == 3
    assert list(Patient.objects.order_by("pk").values_list("pseudonym", flat=True)) == [
        "VNCH-2024-0001",
        "VNCH-2024-0002",
        "VNCH-2024-0003",
    ]
    mai = Patient.objects.get(pseudonym="VNCH-2024-0002")
    assert mai.sex == "female"
    assert mai.identity.name == "Trần Thị Mai"
    assert mai.diagnoses.get().iccc_recode == "011"
    assert PatientIdentity.objects.filter(hospital_number_digest="").count() == 0


def test_each_imported_child_carries_its_own_lookup_digests(run):
    """The digests worked out by the duplicate check are the ones stored, row by row: a
    patient registered later by hand is matched against them."""
    from consilium.registry.crypto import hospital_number_digest, name_birth_digest

    assert run(csv_bytes()).ok
    identities = PatientIdentity.objects.all()
    assert len(identities) == 3
    for identity in identities:
        assert identity.name_birth_digest == name_birth_digest(identity.name, identity.birth_date)
        assert identity.hospital_number_digest == hospital_number_digest(identity.hospital_number)
    assert len({i.name_birth_digest for i in identities}) == 3


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_it_reads_utf8_with_or_without_bom_and_any_one_separator(run, bom, separator):
    assert run(csv_bytes(separator=separator, bom=bom)).imported == 3


def test_it_refuses_a_file_that_is_not_utf8(run):
    rows = [
        "BN24-00108,Ali Ben Salah,2019-03-14,M,,2024-02-01,C74.9,9500,3,7,,,,,",
        "BN24-00109,Zoé Lefèvre,2019-03-14,F,,2024-02-01,C74.9,9500,3,7,,,,,",
    ]
    outcome = run(csv_bytes(rows, encoding="latin-1"))

    assert not outcome.ok
    assert outcome.imported == 0
    assert outcome.errors[-1].row == 3
    assert "UTF-8" in outcome.errors[-1].message
    assert Patient.objects.count() == 0


@pytest.mark.parametrize(
    ("header", "column", "words"),
    [
        (HEADER.replace("morphology", "histology"), "histology", "Unknown columns"),
        (HEADER.replace("birth_date,", ""), "birth_date", "missing"),
        (HEADER + ",name", "name", "Repeated"),
    ],
)
def test_it_refuses_a_bad_header_and_says_which_column(run, header, column, words):
    outcome = run(csv_bytes([], header=header))

    assert [(e.row, e.column) for e in outcome.errors] == [(1, column)]
    assert words in outcome.errors[0].message
    assert Patient.objects.count() == 0


def test_it_refuses_mixed_separators_and_names_the_row(run):
    rows = [ROWS[0], ROWS[1].replace(",", ";"), ROWS[2]]
    outcome = run(csv_bytes(rows))

    assert _errors(outcome) == [(3, "")]
    assert "separated by “;”" in outcome.errors[0].message
    assert Patient.objects.count() == 0


def test_it_refuses_a_row_with_missing_values(run):
    outcome = run(csv_bytes([ROWS[0], "BN24-00102,Trần Thị Mai,2016-07-30", ROWS[2]]))

    assert _errors(outcome) == [(3, "birth_date")]
    assert "3 values where the header has 15" in outcome.errors[0].message
    assert Patient.objects.count() == 0


def test_it_refuses_a_broken_quote_and_imports_nothing(run):
    outcome = run(csv_bytes([ROWS[0], ROWS[1], 'BN24-00103,"Lê Minh Dũng,2021-01-02,M']))

    assert not outcome.ok
    assert outcome.errors[0].row == 4
    # In words, not the csv module's "unexpected end of data".
    assert "never closed" in outcome.errors[0].message
    assert Patient.objects.count() == 0


def test_it_reports_every_problem_with_its_row_and_column_and_imports_nothing(run):
    rows = [
        ROWS[0],
        ROWS[1].replace("2016-07-30", "30/07/2016"),  # not ISO
        ROWS[2].replace("C64.9", "C99.9"),  # not a topography
        ROWS[0].replace("BN24-00101", "BN24-00199"),  # same child as row 2
        ROWS[1].replace("Trần Thị Mai", "Phạm Thu").replace(",5,", ",3,"),  # basis 3 unused
        ROWS[2].replace("Lê Minh Dũng", "Đỗ Hải").replace(",III,", ",VI,"),  # no Wilms VI
        ROWS[2]
        .replace("Lê Minh Dũng", "Vũ Nam")
        .replace("BN24-00103", "BN24-00150")
        .replace(",M,", ",X,"),
    ]
    outcome = run(csv_bytes(rows))

    assert _errors(outcome) == [
        (3, "birth_date"),
        (4, "topography"),
        (5, "name"),
        (6, "basis_of_diagnosis"),
        (6, "hospital_number"),
        (7, "stage_value"),
        (7, "hospital_number"),
        (8, "sex"),
    ]
    assert outcome.imported == 0
    assert Patient.objects.count() == 0


def test_it_refuses_a_child_already_registered(run, register):
    register()  # Nguyễn Văn An, born 2019-03-14
    outcome = run(csv_bytes())
    assert _errors(outcome) == [(2, "name")]
    assert Patient.objects.count() == 1


def test_it_refuses_an_empty_file(run):
    outcome = run(b"")
    assert _errors(outcome) == [(1, "")]


def test_it_skips_blank_lines_and_reports_progress(run):
    calls = []
    outcome = run(
        csv_bytes([ROWS[0], "", ROWS[1], ",,,,,,,,,,,,,,"]), progress=lambda *a: calls.append(a)
    )
    assert outcome.imported == 2
    assert calls[0][0] == "validating"
    assert calls[-1] == ("saving", 2, 2)


def test_it_keeps_the_warnings_of_imported_rows(run):
    run(csv_bytes([ROWS[0].replace(",7,", ",0,")]))  # death certificate only
    patient = Patient.objects.get()
    assert patient.issues.filter(code="death_certificate_only").exists()
    # Every import keeps a job: the write marks its patients with it, to take them out again.
    assert ImportJob.objects.get().status == "done"


def test_it_writes_the_survival_facts_the_set_based_refresh_would(run):
    """The import sets them on the row it inserts, not by an UPDATE afterwards: they must be
    what survival_facts.refresh computes from the stored diagnosis."""
    from consilium.registry.survival_facts import FIELDS, refresh

    more = [
        # Hodgkin, retinoblastoma, pilocytic astrocytoma (low-grade glioma), osteosarcoma.
        "BN24-00104,Phạm Gia Huy,2012-05-01,M,Huế,2024-01-15,C77.1,9663,3,7,"
        "hodgkin,2,IIA,alive,2026-03-01",
        "BN24-00105,Vũ Thu Hà,2023-01-10,F,Huế,2024-06-01,C69.2,9510,3,1,"
        "retinoblastoma,2,I,alive,2026-03-01",
        "BN24-00106,Đỗ Bảo Ngân,2015-02-02,F,Huế,2024-07-01,C71.6,9421,1,7,,,,alive,2026-03-01",
        "BN24-00107,Ngô Đức Thịnh,2011-09-09,M,Huế,2024-08-01,C40.2,9180,3,7,"
        "osteosarcoma,1,Localised,alive,2026-03-01",
    ]
    outcome = run(csv_bytes([*ROWS, *more]))
    assert outcome.ok, outcome.errors

    def facts():
        return {p["pseudonym"]: p for p in Patient.objects.values("pseudonym", *FIELDS)}

    written = facts()
    refresh(Patient.objects.all())
    assert facts() == written
    keys = {name: row["origin_index_cancer"] for name, row in written.items()}
    assert sorted(keys.values()) == ["", "", "all", "hodgkin", "lgg", "retinoblastoma", "wilms"]
    first = written["VNCH-2024-0004"]  # numbered in the order of the file
    assert (first["origin_date"].isoformat(), first["origin_iccc_group"]) == ("2024-01-15", "II")
    assert first["origin_stage_value"] == "IIA" and first["death_date"] is None
