import pytest
from django.urls import reverse

from consilium.audit.models import AuditEntry


def _url(patient):
    return reverse("registry:diagnosis_edit", args=[patient.pk, patient.diagnoses.get().pk])


GOOD = {
    "diagnosis_date": "2024-02-01",
    "topography": "C64.9",
    "morphology": "8960/3",
    "behaviour": "",
    "laterality": "left",
    "basis_of_diagnosis": "7",
    "stage_tumour": "wilms",
    "stage_tier": "2",
    "stage_value": "III",
    "risk_group": "",
    "grade": "",
}


def test_it_is_reached_from_the_patient_page_filled_with_the_diagnosis(register, client_for):
    patient = register()
    client = client_for("data_manager")

    detail = client.get(reverse("registry:patient_detail", args=[patient.pk])).content.decode()
    assert _url(patient) in detail
    form = client.get(_url(patient))
    assert form.status_code == 200
    html = form.content.decode()
    assert 'value="C74.9"' in html and 'value="L2"' in html


def test_it_saves_a_correction_and_goes_back_to_the_patient(register, client_for):
    patient = register()

    response = client_for("data_manager").post(_url(patient), GOOD)

    assert response.status_code == 302
    assert response["Location"] == reverse("registry:patient_detail", args=[patient.pk])
    diagnosis = patient.diagnoses.get()
    assert (diagnosis.iccc_main_group, diagnosis.stage_value) == ("VI", "III")
    assert diagnosis.laterality == "left"
    assert AuditEntry.objects.filter(verb="registry.diagnosis_changed").count() == 1


def test_it_shows_the_failed_checks_and_keeps_the_diagnosis(register, client_for):
    patient = register()

    response = client_for("clinician").post(_url(patient), GOOD | {"stage_value": "L2"})

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert patient.diagnoses.get().morphology == "9500"


def test_it_refuses_a_form_with_a_malformed_code(register, client_for):
    patient = register()

    response = client_for("clinician").post(_url(patient), GOOD | {"morphology": "95x"})

    assert response.status_code == 200
    assert patient.diagnoses.get().morphology == "9500"


@pytest.mark.parametrize("persona", ["expert", "outsider", "coordinator", "admin"])
def test_it_refuses_anyone_outside_the_clinical_team(register, client_for, persona):
    patient = register()
    client = client_for(persona)

    assert client.get(_url(patient)).status_code == 404
    assert client.post(_url(patient), GOOD).status_code == 404
    assert patient.diagnoses.get().morphology == "9500"


def test_it_does_not_reach_a_diagnosis_of_another_patient(register, client_for):
    from tests.registry.conftest import identity

    first = register()
    second = register(identity=identity(name="Trần Thị Mai", hospital_number="BN-2"))
    url = reverse("registry:diagnosis_edit", args=[first.pk, second.diagnoses.get().pk])

    assert client_for("clinician").post(url, GOOD).status_code == 404
    assert second.diagnoses.get().morphology == "9500"
