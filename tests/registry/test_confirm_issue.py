import datetime

import pytest
from django.urls import reverse

from consilium.registry import actions
from consilium.registry.models import QualityIssue
from tests.registry.conftest import diagnosis_data, patient_data


def test_it_lets_the_data_manager_confirm_a_warning_that_stays_confirmed(
    register, personas, client_for, vnch
):
    patient = register(diagnosis=diagnosis_data(basis_of_diagnosis="0"))
    issue = QualityIssue.objects.get(patient=patient, code="death_certificate_only")

    refused = client_for("clinician").post(reverse("registry:issue_confirm", args=[issue.pk]))
    assert refused.status_code == 403
    response = client_for("data_manager").post(reverse("registry:issue_confirm", args=[issue.pk]))
    assert response.status_code == 302

    issue.refresh_from_db()
    assert issue.confirmed_by == personas["data_manager"]
    # Re-running every check keeps it confirmed rather than opening it again.
    actions.check_institution(actor=None, institution=vnch)
    assert QualityIssue.objects.get(patient=patient, code="death_certificate_only").confirmed_at


def test_it_refuses_confirming_an_issue_of_another_institution(register, client_for):
    patient = register(diagnosis=diagnosis_data(basis_of_diagnosis="0"))
    issue = QualityIssue.objects.filter(patient=patient).first()

    for persona in ("expert", "outsider", "coordinator", "admin"):
        response = client_for(persona).post(reverse("registry:issue_confirm", args=[issue.pk]))
        assert response.status_code == 404, persona


def test_it_cannot_confirm_an_error(register, personas, vnch):
    patient = register(patient=patient_data(last_contact=datetime.date(2024, 3, 1)))
    error = QualityIssue.objects.create(
        patient=patient, code="date_order", level="error", message="x"
    )
    with pytest.raises(ValueError):
        actions.confirm_issue(actor=personas["data_manager"], issue=error)
