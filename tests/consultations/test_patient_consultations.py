"""The patient page lists the child's consultations and opens a request with the child chosen."""


def test_it_lists_the_childs_consultations_with_ask_a_partner(consultation, client_for):
    patient = consultation.patient
    page = client_for("clinician").get(f"/registry/patients/{patient.pk}/").content.decode()
    assert f'href="/consultations/{consultation.pk}/"' in page
    assert f'href="/consultations/new/?patient={patient.pk}"' in page
    form = client_for("clinician").get(f"/consultations/new/?patient={patient.pk}")
    assert f'<input type="hidden" name="patient" value="{patient.pk}">' in form.content.decode()


def test_it_shows_the_patient_page_to_nobody_outside(consultation, client_for):
    for persona in ("expert", "outsider"):
        response = client_for(persona).get(f"/registry/patients/{consultation.patient.pk}/")
        assert response.status_code in (403, 404)
