import datetime

import pytest
from django.db import connection

from consilium.audit.models import AuditEntry
from consilium.registry import actions
from consilium.registry.actions import PossibleDuplicate
from consilium.registry.models import Patient, PatientIdentity, QualityIssue
from consilium.registry.validation import ChecksFailed
from tests.registry.conftest import diagnosis_data, identity, patient_data


def test_it_registers_a_patient_with_a_pseudonym_and_derived_codes(register):
    patient = register()

    assert patient.pseudonym == "VNCH-2024-0001"
    assert (patient.birth_year, patient.birth_month) == (2019, 3)
    diagnosis = patient.diagnoses.get()
    assert diagnosis.topography == "C749"
    assert (diagnosis.iccc_recode, diagnosis.iccc_extended, diagnosis.iccc_main_group) == (
        "041",
        "033",
        "IV",
    )
    assert diagnosis.age_at_diagnosis == 4
    assert diagnosis.stage_value == "L2"
    assert patient.identity.name == "Nguyễn Văn An"


def test_it_numbers_pseudonyms_per_institution_and_year_of_diagnosis(register, personas):
    from consilium.network.models import Institution

    first = register()
    second = register(identity=identity(name="Trần Thị Mai", hospital_number="BN24-00043"))
    older = register(
        identity=identity(name="Lê Minh Dũng", hospital_number="BN23-00001"),
        diagnosis=diagnosis_data(date=datetime.date(2023, 5, 2)),
    )
    uzpho = Institution.objects.get(code="UZPHO")
    elsewhere = register(institution=uzpho, identity=identity(name="Akmal Karimov"))

    assert [first.pseudonym, second.pseudonym, older.pseudonym, elsewhere.pseudonym] == [
        "VNCH-2024-0001",
        "VNCH-2024-0002",
        "VNCH-2023-0001",
        "UZPHO-2024-0001",
    ]


def test_it_keeps_identifiers_encrypted_at_rest(register):
    patient = register()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, hospital_number, birth_date, address, phone"
            " FROM registry_patientidentity WHERE patient_id = %s",
            [patient.pk],
        )
        raw = cursor.fetchone()
    stored = " ".join(raw)
    for clear in ("Nguyễn", "Nguyen", "BN24-00042", "2019-03-14", "Bắc Ninh", "912 345"):
        assert clear not in stored
    assert all(value.startswith("g1:") for value in raw)  # AES-GCM tokens
    assert PatientIdentity.objects.get(pk=patient.pk).birth_date == datetime.date(2019, 3, 14)


def test_it_writes_an_audit_entry_without_identifiers(register):
    patient = register()

    entry = AuditEntry.objects.get(verb="registry.patient_registered")
    assert entry.object_id == str(patient.pk)
    assert entry.details["pseudonym"] == patient.pseudonym
    assert "Nguyễn" not in str(entry.details)
    assert "BN24" not in str(entry.details)


@pytest.mark.parametrize(
    "other",
    [
        # Same child, written without diacritics and family name last.
        {"name": "AN NGUYEN VAN", "hospital_number": ""},
    ],
)
def test_it_flags_a_likely_duplicate_before_saving(register, other):
    first = register()

    with pytest.raises(PossibleDuplicate) as found:
        register(identity=identity(**other))
    assert found.value.patients == [first]
    assert Patient.objects.count() == 1

    again = register(identity=identity(**other), confirm_duplicate=True)
    assert again.pseudonym == "VNCH-2024-0002"
    entry = AuditEntry.objects.filter(verb="registry.patient_registered").order_by("-id")[0]
    assert entry.details["duplicate_confirmed"] is True
    assert entry.details["possible_duplicates"] == [first.pseudonym]


def test_it_refuses_a_hospital_number_already_registered_even_when_confirmed(register):
    first = register()
    # Another name, but the same hospital number (spaces and case forgiven).
    other = identity(name="Someone Else", hospital_number="bn24 00042")
    for confirm in (False, True):
        with pytest.raises(ChecksFailed) as refused:
            register(identity=other, confirm_duplicate=confirm)
        assert [r.code for r in refused.value.results] == ["hospital_number_taken"]
        assert first.pseudonym in str(refused.value.results[0].message)
    assert Patient.objects.count() == 1


def test_it_does_not_flag_the_same_child_at_another_institution(register):
    from consilium.network.models import Institution

    register()
    register(institution=Institution.objects.get(code="UZPHO"))
    assert Patient.objects.count() == 2


# One failing record per check that blocks saving, through the action.
ERRORS = [
    ("core_missing", {"diagnosis": {"basis_of_diagnosis": ""}}, "basis_of_diagnosis"),
    ("site_invalid", {"diagnosis": {"topography": "C43.0"}}, "site"),
    ("histology_invalid", {"diagnosis": {"morphology": "7999"}}, "histology"),
    ("behaviour_invalid", {"diagnosis": {"behaviour": "4"}}, "behaviour"),
    ("grade_invalid", {"diagnosis": {"grade": "0"}}, "grade"),
    ("basis_invalid", {"diagnosis": {"basis_of_diagnosis": "3"}}, "basis_of_diagnosis"),
    ("sex_invalid", {"patient": {"sex": "x"}}, "sex"),
    ("vital_status_invalid", {"patient": {"vital_status": "gone"}}, "vital_status"),
    ("grade_morphology", {"diagnosis": {"grade": "5"}}, "grade"),
    ("date_in_future", {"diagnosis": {"date": datetime.date(2999, 1, 1)}}, "diagnosis_date"),
    ("date_order", {"diagnosis": {"date": datetime.date(2018, 1, 1)}}, "diagnosis_date"),
    (
        "sex_site",
        {
            "patient": {"sex": "female"},
            "diagnosis": {"topography": "C62.9", "morphology": "9071", "stage_value": ""},
        },
        "site",
    ),
    (
        "site_morphology",
        {"diagnosis": {"topography": "C71.9", "morphology": "9510", "stage_value": ""}},
        "site",
    ),
    (
        "behaviour_morphology",
        {"diagnosis": {"morphology": "9836", "topography": "C42.1", "behaviour": "2"}},
        "behaviour",
    ),
    ("stage_invalid", {"diagnosis": {"stage_value": "IV"}}, "stage_value"),
    ("stage_tumour", {"diagnosis": {"stage_tumour": "wilms", "stage_value": "II"}}, "stage_tumour"),
    ("consent_reason", {"patient": {"consent_status": "waived"}}, "consent_waiver_reason"),
    ("name_missing", {"identity": {"name": "  "}}, "name"),
]


def _parts(overrides):
    return {
        "identity": identity(**overrides.get("identity", {})),
        "patient": patient_data(**overrides.get("patient", {})),
        "diagnosis": diagnosis_data(**overrides.get("diagnosis", {})),
    }


@pytest.mark.parametrize(("code", "overrides", "field"), ERRORS, ids=[e[0] for e in ERRORS])
def test_it_refuses_a_record_that_fails_a_blocking_check(register, code, overrides, field):
    with pytest.raises(ChecksFailed) as failed:
        register(**_parts(overrides))

    errors = {(r.code, r.field) for r in failed.value.errors}
    assert (code, field) in errors
    assert Patient.objects.count() == 0
    assert not AuditEntry.objects.filter(verb="registry.patient_registered").exists()


# One record per check that only warns: saved, with the warning open for a data manager.
WARNINGS = [
    ("age_morphology", {"identity": {"birth_date": datetime.date(2007, 1, 1)}}),
    (
        "behaviour_site",
        {
            "diagnosis": {
                "topography": "C49.9",
                "morphology": "9421",
                "behaviour": "1",
                "stage_value": "",
            }
        },
    ),
    ("death_certificate_only", {"diagnosis": {"basis_of_diagnosis": "0"}}),
    ("basis_morphology", {"diagnosis": {"basis_of_diagnosis": "2"}}),
    (
        "iccc_unclassifiable",
        {
            "diagnosis": {
                "topography": "C42.1",
                "morphology": "9240",
                "stage_tumour": "",
                "stage_value": "",
            }
        },
    ),
    ("stage_missing", {"diagnosis": {"stage_tumour": "", "stage_tier": None, "stage_value": ""}}),
    ("follow_up_stale", {"patient": {"last_contact": datetime.date(2024, 3, 1)}}),
]


@pytest.mark.parametrize(("code", "overrides"), WARNINGS, ids=[w[0] for w in WARNINGS])
def test_it_saves_a_record_with_a_warning_and_keeps_it_open(register, code, overrides):
    patient = register(**_parts(overrides))

    issues = QualityIssue.objects.filter(patient=patient)
    assert code in {issue.code for issue in issues}
    assert all(issue.confirmed_at is None for issue in issues)


def test_it_derives_the_toronto_tumour_even_before_the_stage_is_known(register):
    patient = register(diagnosis=diagnosis_data(stage_tumour="", stage_tier=None, stage_value=""))
    assert patient.diagnoses.get().stage_tumour == "neuroblastoma"


def test_it_allows_a_second_primary(register, personas):
    patient = register()

    second = actions.add_diagnosis(
        actor=personas["clinician"],
        patient=patient,
        diagnosis=diagnosis_data(
            date=datetime.date(2024, 9, 1),
            topography="C42.1",
            morphology="9861",
            basis_of_diagnosis="5",
            stage_tumour="aml",
            stage_tier=1,
            stage_value="cns negative",
        ),
    )

    assert patient.diagnoses.count() == 2
    assert second.iccc_recode == "012"
    assert second.stage_value == "CNS negative"  # the guideline's spelling
    assert AuditEntry.objects.filter(verb="registry.diagnosis_added").count() == 1


def test_it_takes_the_toronto_tumour_from_the_codes_when_only_the_stage_is_given(register):
    patient = register(diagnosis=diagnosis_data(stage_tumour="", stage_value="l2"))
    diagnosis = patient.diagnoses.get()
    assert (diagnosis.stage_tumour, diagnosis.stage_value) == ("neuroblastoma", "L2")
