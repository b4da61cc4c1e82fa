import datetime

import pytest

from consilium.audit.models import AuditEntry
from consilium.registry import actions
from consilium.registry.validation import ChecksFailed


def test_it_records_a_relapse_as_a_contact(register, personas):
    patient = register()

    actions.record_event(
        actor=personas["clinician"], patient=patient, kind="relapse", date=datetime.date(2025, 1, 5)
    )

    patient.refresh_from_db()
    assert patient.last_contact == datetime.date(2025, 1, 5)
    assert patient.vital_status == "alive"
    entry = AuditEntry.objects.get(verb="registry.event_recorded")
    assert entry.details == {
        "pseudonym": patient.pseudonym,
        "kind": "relapse",
        "date": "2025-01-05",
    }


def test_it_makes_the_patient_dead_on_a_death_with_its_cause(register, personas):
    patient = register()

    with pytest.raises(ChecksFailed) as failed:
        actions.record_event(
            actor=personas["clinician"],
            patient=patient,
            kind="death",
            date=datetime.date(2025, 3, 1),
        )
    assert failed.value.errors[0].field == "death_cause"

    actions.record_event(
        actor=personas["clinician"],
        patient=patient,
        kind="death",
        date=datetime.date(2025, 3, 1),
        death_cause="treatment",
    )
    patient.refresh_from_db()
    assert patient.vital_status == "dead"
    assert patient.events.get().death_cause == "treatment"


@pytest.mark.parametrize("day", [datetime.date(2024, 1, 2), datetime.date(2999, 1, 1)])
def test_it_refuses_an_event_before_the_diagnosis_or_in_the_future(register, personas, day):
    patient = register()

    with pytest.raises(ChecksFailed):
        actions.record_event(
            actor=personas["clinician"], patient=patient, kind="remission", date=day
        )
    assert not patient.events.exists()
