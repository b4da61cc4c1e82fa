import datetime

import pytest

from consilium.audit.models import AuditEntry
from consilium.registry import actions
from consilium.registry.models import Diagnosis, Patient, QualityIssue
from consilium.registry.validation import ChecksFailed
from tests.registry.conftest import diagnosis_data


def _correct(personas, diagnosis, **changes):
    return actions.update_diagnosis(
        actor=personas["data_manager"], diagnosis=diagnosis, data=diagnosis_data(**changes)
    )


def test_it_corrects_the_codes_and_stage_and_rederives_what_follows(register, personas):
    patient = register()  # neuroblastoma L2, 2024-02-01
    diagnosis = patient.diagnoses.get()

    # It was a Wilms tumour of the kidney, stage III, diagnosed a week later.
    _correct(
        personas,
        diagnosis,
        date=datetime.date(2024, 2, 8),
        topography="C64.9",
        morphology="8960",
        stage_tumour="wilms",
        stage_value="III",
    )

    diagnosis.refresh_from_db()
    assert (diagnosis.topography, diagnosis.morphology) == ("C649", "8960")
    assert (diagnosis.iccc_recode, diagnosis.iccc_main_group) == ("061", "VI")
    assert diagnosis.stage_value == "III" and diagnosis.age_at_diagnosis == 4
    patient.refresh_from_db()
    assert patient.origin_date == datetime.date(2024, 2, 8)
    assert (patient.origin_iccc_group, patient.origin_index_cancer) == ("VI", "wilms")
    assert (patient.origin_stage_tumour, patient.origin_stage_value) == ("wilms", "III")
    entry = AuditEntry.objects.get(verb="registry.diagnosis_changed")
    assert entry.details == {
        "pseudonym": patient.pseudonym,
        "before": {
            "date": "2024-02-01",
            "topography": "C749",
            "morphology": "9500",
            "stage_tumour": "neuroblastoma",
            "stage_value": "L2",
        },
        "after": {
            "date": "2024-02-08",
            "topography": "C649",
            "morphology": "8960",
            "stage_tumour": "wilms",
            "stage_value": "III",
        },
    }
    assert "Văn An" not in str(entry.details) and "BN24" not in str(entry.details)


def _snapshot(patient):
    return (
        list(Diagnosis.objects.filter(patient=patient).values()),
        list(Patient.objects.filter(pk=patient.pk).values()),
        list(QualityIssue.objects.filter(patient=patient).values()),
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"morphology": "9999"}, "histology"),  # not an ICD-O-3 code
        ({"stage_value": "IV"}, "stage_value"),  # not a neuroblastoma stage
        ({"date": datetime.date(2999, 1, 1)}, "date"),  # in the future
        ({"date": datetime.date(2018, 1, 1)}, "date"),  # before birth (2019-03-14)
    ],
)
def test_it_refuses_a_correction_that_fails_a_check_and_changes_nothing(
    register, personas, changes, field
):
    patient = register()
    before = _snapshot(patient)

    with pytest.raises(ChecksFailed) as failed:
        _correct(personas, patient.diagnoses.get(), **changes)

    assert failed.value.errors
    assert _snapshot(patient) == before
    assert not AuditEntry.objects.filter(verb="registry.diagnosis_changed").exists()


def test_it_refuses_a_diagnosis_date_after_a_recorded_event(register, personas):
    patient = register()
    actions.record_event(
        actor=personas["clinician"], patient=patient, kind="relapse", date=datetime.date(2025, 1, 5)
    )

    with pytest.raises(ChecksFailed):
        _correct(personas, patient.diagnoses.get(), date=datetime.date(2025, 6, 1))

    assert patient.diagnoses.get().date == datetime.date(2024, 2, 1)


def test_it_keeps_the_relapse_in_the_survival_facts(register, personas):
    patient = register()
    actions.record_event(
        actor=personas["clinician"], patient=patient, kind="relapse", date=datetime.date(2025, 1, 5)
    )

    _correct(personas, patient.diagnoses.get(), stage_value="M")

    patient.refresh_from_db()
    assert patient.first_efs_event_date == datetime.date(2025, 1, 5)
    assert patient.origin_stage_value == "M"


def test_it_closes_the_issues_the_correction_fixes(register, personas):
    # A neuroblastoma at 16 is an age/morphology warning (rare, needs confirming).
    from tests.registry.conftest import identity

    patient = register(identity=identity(birth_date=datetime.date(2007, 6, 1)))

    def codes():
        return set(QualityIssue.objects.filter(patient=patient).values_list("code", flat=True))

    assert codes() == {"age_morphology", "follow_up_stale"}

    # Coded wrongly: it was an osteosarcoma of the femur.
    _correct(
        personas,
        patient.diagnoses.get(),
        topography="C40.2",
        morphology="9180",
        stage_tumour="osteosarcoma",
        stage_tier=1,
        stage_value="Localised",
    )

    assert codes() == {"follow_up_stale"}  # no contact for 12 months: still true
