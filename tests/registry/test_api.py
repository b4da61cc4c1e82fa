import json

import pytest

from consilium.audit.models import AuditEntry
from consilium.registry.models import Patient

BASE = "/api/v1/registry"
IDENTIFIERS = ("Văn An", "BN24-00042", "2019-03-14", "912 345", "Thôn Đông")

NEW = {
    "institution": "VNCH",
    "identity": {"name": "Hoàng Minh Khang", "birth_date": "2018-09-09", "hospital_number": "BN-9"},
    "sex": "male",
    "consent_status": "given",
    "diagnosis": {
        "date": "2024-06-03",
        "topography": "C71.6",
        "morphology": "9470",
        "behaviour": "3",
        "basis_of_diagnosis": "7",
        "stage_tumour": "medulloblastoma",
        "stage_tier": 2,
        "stage_value": "M0",
    },
}


def _post(client, url, payload):
    return client.post(url, json.dumps(payload), content_type="application/json")


def test_it_lists_without_identifiers_and_reads_one_with_them(register, client_for):
    patient = register()
    client = client_for("clinician")

    listed = client.get(f"{BASE}/patients").json()
    assert [p["pseudonym"] for p in listed] == [patient.pseudonym]
    assert "identity" not in listed[0]

    one = client.get(f"{BASE}/patients/{patient.pk}").json()
    assert one["identity"]["hospital_number"] == "BN24-00042"
    assert one["diagnoses"][0]["iccc_recode"] == "041"
    assert AuditEntry.objects.filter(verb="registry.patient_viewed").count() == 1


def test_it_creates_a_patient_and_a_second_diagnosis(client_for):
    client = client_for("data_manager")

    created = _post(client, f"{BASE}/patients", NEW)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["pseudonym"] == "VNCH-2024-0001"
    assert body["diagnoses"][0]["iccc_main_group"] == "III"

    second = _post(
        client,
        f"{BASE}/patients/{body['id']}/diagnoses",
        {
            "date": "2025-01-10",
            "topography": "C42.1",
            "morphology": "9861",
            "behaviour": "3",
            "basis_of_diagnosis": "5",
        },
    )
    assert second.status_code == 201
    assert second.json()["iccc_recode"] == "012"
    assert len(client.get(f"{BASE}/patients/{body['id']}/diagnoses").json()) == 2


def test_it_refuses_with_the_problems_and_flags_duplicates(client_for):
    client = client_for("clinician")
    wrong = _post(
        client, f"{BASE}/patients", NEW | {"diagnosis": NEW["diagnosis"] | {"stage_value": "L1"}}
    )
    assert wrong.status_code == 422
    assert {"stage_invalid"} <= {p["code"] for p in wrong.json()["problems"]}

    assert _post(client, f"{BASE}/patients", NEW).status_code == 201
    duplicate = _post(client, f"{BASE}/patients", NEW)
    assert duplicate.status_code == 409
    assert duplicate.json()["possible_duplicates"] == ["VNCH-2024-0001"]
    confirmed = _post(client, f"{BASE}/patients", NEW | {"confirm_duplicate": True})
    assert confirmed.status_code == 201


@pytest.mark.parametrize("persona", ["expert", "outsider", "coordinator", "admin"])
def test_it_never_gives_an_identifier_to_anyone_outside_the_clinical_team(
    register, client_for, persona
):
    patient = register()
    client = client_for(persona)

    responses = [
        client.get(f"{BASE}/patients"),
        client.get(f"{BASE}/patients/{patient.pk}"),
        client.get(f"{BASE}/patients/{patient.pk}/diagnoses"),
        _post(client, f"{BASE}/patients", NEW),
        _post(client, f"{BASE}/patients/{patient.pk}/diagnoses", NEW["diagnosis"]),
    ]

    assert [r.status_code for r in responses] == [403, 404, 404, 403, 404]
    for response in responses:
        for identifier in IDENTIFIERS:
            assert identifier not in response.content.decode()
    assert Patient.objects.count() == 1


def test_it_refuses_an_anonymous_caller(register, client):
    patient = register()
    assert client.get(f"{BASE}/patients").status_code == 401
    assert client.get(f"{BASE}/patients/{patient.pk}").status_code == 401


def _put(client, url, payload):
    return client.put(url, json.dumps(payload), content_type="application/json")


def test_it_corrects_a_diagnosis_or_says_why_not(register, client_for):
    patient = register()
    url = f"{BASE}/patients/{patient.pk}/diagnoses/{patient.diagnoses.get().pk}"
    client = client_for("data_manager")
    wilms = NEW["diagnosis"] | {
        "date": "2024-02-01",
        "topography": "C64.9",
        "morphology": "8960",
        "stage_tumour": "wilms",
        "stage_value": "III",
    }

    refused = _put(client, url, wilms | {"stage_value": "L2"})
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["field"] == "stage_value"
    assert patient.diagnoses.get().morphology == "9500"

    corrected = _put(client, url, wilms)
    assert corrected.status_code == 200, corrected.content
    assert corrected.json()["iccc_main_group"] == "VI"
    assert patient.diagnoses.get().stage_value == "III"


@pytest.mark.parametrize("persona", ["expert", "outsider", "coordinator", "admin"])
def test_it_lets_no_one_outside_the_clinical_team_correct_a_diagnosis(
    register, client_for, persona
):
    patient = register()
    url = f"{BASE}/patients/{patient.pk}/diagnoses/{patient.diagnoses.get().pk}"

    response = _put(client_for(persona), url, NEW["diagnosis"])

    assert response.status_code == 404
    assert patient.diagnoses.get().morphology == "9500"
