from django.urls import reverse

from consilium.registry.models import Patient

URL = reverse("registry:patient_new")


def _form(vnch, **changes):
    values = {
        "institution": vnch.pk,
        "name": "Phạm Gia Huy",
        "hospital_number": "BN24-00500",
        "birth_date": "2020-06-01",
        "sex": "male",
        "region": "Hà Nội",
        "diagnosis_date": "2024-05-02",
        "topography": "C64.9",
        "morphology": "8960/3",
        "behaviour": "",
        "laterality": "right",
        "basis_of_diagnosis": "7",
        "stage_tumour": "wilms",
        "stage_tier": "2",
        "stage_value": "II",
        "consent_status": "given",
        "vital_status": "alive",
        "last_contact": "2026-09-01",
    }
    return values | changes


def test_it_registers_from_a_plain_form_post(client_for, vnch):
    response = client_for("clinician").post(URL, _form(vnch))

    patient = Patient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:patient_detail", args=[patient.pk])
    diagnosis = patient.diagnoses.get()
    assert (diagnosis.morphology, diagnosis.behaviour, diagnosis.iccc_recode) == (
        "8960",
        "3",
        "061",
    )


def test_it_shows_each_blocking_check_under_its_field(client_for, vnch):
    response = client_for("clinician").post(
        URL, _form(vnch, topography="C43.0", stage_value="VI", birth_date="2025-01-01")
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert "topography" in form.errors
    assert "diagnosis_date" in form.errors  # before the date of birth
    assert Patient.objects.count() == 0


def test_it_asks_to_confirm_a_likely_duplicate(client_for, vnch):
    client = client_for("clinician")
    client.post(URL, _form(vnch))

    again = client.post(URL, _form(vnch, name="PHAM GIA HUY", hospital_number=""))
    assert again.status_code == 200
    html = again.content.decode()
    assert "VNCH-2024-0001" in html
    assert 'name="confirm_duplicate"' in html
    assert Patient.objects.count() == 1

    confirmed = client.post(
        URL, _form(vnch, name="PHAM GIA HUY", hospital_number="", confirm_duplicate="on")
    )
    assert confirmed.status_code == 302
    assert Patient.objects.count() == 2


def test_it_keeps_entering_with_register_and_another(client_for, vnch):
    response = client_for("clinician").post(URL, _form(vnch) | {"another": ""})
    assert response["Location"] == URL


def test_it_refuses_the_form_to_anyone_without_a_clinical_role(client_for):
    for persona in ("coordinator", "expert", "outsider"):
        assert client_for(persona).get(URL).status_code == 403


def test_it_looks_up_codes_as_a_datalist(client_for):
    client = client_for("clinician")
    html = client.get(
        reverse("registry:code_lookup"), {"kind": "morphology", "morphology": "nephrobl"}
    ).content.decode()
    assert html.startswith('<datalist id="morphology-codes">')
    assert '<option value="8960/3">' in html
    sites = client.get(
        reverse("registry:code_lookup"), {"kind": "topography", "topography": "C64"}
    ).content.decode()
    assert '<option value="C64.9">' in sites


def test_it_checks_the_form_as_it_is_typed(client_for, vnch):
    html = (
        client_for("data_manager")
        .post(
            reverse("registry:check"),
            _form(vnch, topography="C71.6", morphology="9510/3", stage_tumour="", stage_value=""),
        )
        .content.decode()
    )
    assert 'id="checks"' in html
    assert "Retinoblastoma is expected at C69.2" in html
    fine = client_for("data_manager").post(reverse("registry:check"), _form(vnch)).content.decode()
    assert "No problem found so far" in fine


def test_it_defaults_the_institution_to_the_persons_own(client_for, personas, vnch):
    from consilium.accounts.models import Membership, Role
    from consilium.network.models import Institution

    # A second clinical role, taken later, at a hospital whose name sorts first.
    other = Institution.objects.create(code="AAA", name="Aaa Provincial Hospital", country="VN")
    Membership.objects.create(user=personas["clinician"], institution=other, role=Role.CLINICIAN)

    page = client_for("clinician").get(URL).content.decode()

    assert f'<option value="{vnch.pk}" selected>' in page
    assert f'<option value="{other.pk}">' in page
