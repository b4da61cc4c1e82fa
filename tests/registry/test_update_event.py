import datetime

import pytest

from consilium.audit.models import AuditEntry
from consilium.registry import actions
from consilium.registry.models import FollowUpEvent, Patient, QualityIssue
from consilium.registry.validation import ChecksFailed


def _event(personas, patient, kind="relapse", date=datetime.date(2025, 1, 5), **extra):
    return actions.record_event(
        actor=personas["clinician"], patient=patient, kind=kind, date=date, **extra
    )


def _correct(personas, event, **values):
    return actions.update_event(actor=personas["data_manager"], event=event, **values)


def _snapshot(patient):
    return (
        list(FollowUpEvent.objects.filter(patient=patient).values()),
        list(Patient.objects.filter(pk=patient.pk).values()),
        list(QualityIssue.objects.filter(patient=patient).values()),
    )


def test_it_corrects_the_kind_and_date_and_the_survival_facts_follow(register, personas):
    patient = register()  # diagnosed 2024-02-01
    event = _event(personas, patient, kind="relapse", date=datetime.date(2025, 1, 5))

    # It was a progression, recorded at the next visit: it happened in December.
    _correct(personas, event, kind="progression", date=datetime.date(2024, 12, 20), note="MRI")

    event.refresh_from_db()
    assert (event.kind, event.date, event.note) == (
        "progression",
        datetime.date(2024, 12, 20),
        "MRI",
    )
    patient.refresh_from_db()
    assert patient.first_efs_event_date == datetime.date(2024, 12, 20)
    assert patient.first_efs_event_day == (datetime.date(2024, 12, 20) - patient.origin_date).days
    # The visit of 5 January happened: the last contact does not move back.
    assert patient.last_contact == datetime.date(2025, 1, 5)
    entry = AuditEntry.objects.get(verb="registry.event_changed")
    assert entry.details == {
        "pseudonym": patient.pseudonym,
        "before": {"kind": "relapse", "date": "2025-01-05"},
        "after": {"kind": "progression", "date": "2024-12-20"},
        "note_changed": True,
    }
    assert "MRI" not in str(entry.details)


def test_a_later_date_moves_the_last_contact_on(register, personas):
    patient = register()
    event = _event(personas, patient, kind="remission", date=datetime.date(2024, 8, 1))

    _correct(personas, event, kind="remission", date=datetime.date(2024, 9, 1))

    patient.refresh_from_db()
    assert patient.last_contact == datetime.date(2024, 9, 1)


def test_a_death_recorded_in_error_leaves_the_vital_status_unknown(register, personas):
    patient = register()
    event = _event(
        personas, patient, kind="death", date=datetime.date(2025, 3, 1), death_cause="disease"
    )
    patient.refresh_from_db()
    assert patient.vital_status == "dead" and patient.death_date is not None

    # It was a relapse; the death cause is dropped even if the form still sends it.
    _correct(personas, event, kind="relapse", date=datetime.date(2025, 3, 1), death_cause="disease")

    event.refresh_from_db()
    assert event.death_cause == ""
    patient.refresh_from_db()
    assert patient.vital_status == "unknown"
    assert patient.death_date is None and patient.death_day is None
    assert patient.first_efs_event_date == datetime.date(2025, 3, 1)


def test_another_death_keeps_the_patient_dead(register, personas):
    patient = register()
    _event(personas, patient, kind="death", date=datetime.date(2025, 3, 1), death_cause="other")
    second = _event(
        personas, patient, kind="death", date=datetime.date(2025, 3, 2), death_cause="other"
    )

    _correct(personas, second, kind="relapse", date=datetime.date(2025, 2, 1))

    patient.refresh_from_db()
    assert patient.vital_status == "dead"
    assert patient.death_date == datetime.date(2025, 3, 1)


def test_a_correction_to_a_death_makes_the_patient_dead_with_its_cause(register, personas):
    patient = register()
    event = _event(personas, patient, kind="relapse", date=datetime.date(2025, 1, 5))

    with pytest.raises(ChecksFailed) as failed:
        _correct(personas, event, kind="death", date=datetime.date(2025, 1, 5))
    assert failed.value.errors[0].field == "death_cause"

    _correct(personas, event, kind="death", date=datetime.date(2025, 1, 5), death_cause="treatment")
    patient.refresh_from_db()
    assert patient.vital_status == "dead"
    assert patient.death_date == datetime.date(2025, 1, 5)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "relapse", "date": datetime.date(2024, 1, 2)}, "event_dates"),  # too early
        ({"kind": "relapse", "date": datetime.date(2999, 1, 1)}, "event_dates"),  # future
        ({"kind": "death", "date": datetime.date(2025, 1, 5)}, "death_cause"),  # no cause
    ],
)
def test_it_refuses_a_correction_that_fails_a_check_and_changes_nothing(
    register, personas, values, field
):
    patient = register()
    event = _event(personas, patient)
    before = _snapshot(patient)

    with pytest.raises(ChecksFailed) as failed:
        _correct(personas, FollowUpEvent.objects.get(pk=event.pk), **values)

    assert field in {result.field for result in failed.value.errors}
    assert _snapshot(patient) == before
    assert not AuditEntry.objects.filter(verb="registry.event_changed").exists()
