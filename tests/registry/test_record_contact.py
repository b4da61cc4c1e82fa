import datetime

from django.utils import timezone

from consilium.registry import actions
from consilium.registry.models import QualityIssue
from tests.registry.conftest import patient_data


def test_it_closes_the_stale_follow_up_warning(register, personas):
    patient = register(patient=patient_data(last_contact=datetime.date(2024, 3, 1)))
    assert QualityIssue.objects.filter(patient=patient, code="follow_up_stale").exists()

    actions.record_contact(
        actor=personas["data_manager"],
        patient=patient,
        date=timezone.localdate(),
        vital_status="alive",
    )

    assert not QualityIssue.objects.filter(patient=patient, code="follow_up_stale").exists()
    patient.refresh_from_db()
    assert patient.last_contact == timezone.localdate()
