"""Bad input of the kinds an outside probe sends gets a clear 4xx and changes nothing; never a
server error (issue 15)."""

import pytest
from django.test import Client
from django.urls import reverse

from consilium.consultations.models import Consultation

HUGE = "9999999999999999999999999"


@pytest.mark.parametrize("signed_in", [False, True])
def test_it_answers_a_host_that_is_not_allowed_with_400(db, personas, signed_in):
    client = Client(raise_request_exception=True)
    if signed_in:
        client.force_login(personas["clinician"])
    response = client.get("/", headers={"host": "scanner.example"})
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


@pytest.mark.parametrize(
    ("value", "status"), [("abc", 200), ("\x00", 400), (HUGE, 200), ("-1", 200), ("١٢", 200)]
)
def test_it_opens_a_new_request_with_a_patient_that_is_not_a_key(client_for, value, status):
    response = client_for("clinician").get(reverse("consultations:new"), {"patient": value})
    assert response.status_code == status


@pytest.mark.parametrize("param", ["offset", "limit", "year"])
def test_it_refuses_a_number_past_64_bits_in_an_api_query(client_for, param):
    response = client_for("clinician").get("/api/v1/registry/patients", {param: HUGE})
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/json")
    assert "too large" in response.json()["errors"][0]["msg"]


def test_it_refuses_a_nul_in_an_api_query(client_for):
    response = client_for("clinician").get("/api/v1/registry/patients", {"q": "a\x00b"})
    assert response.status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        '{"patient": 1, "expert_institution": "CURIE", "question": "\\ud800"}',
        '{"patient": 99999999999999999999999, "expert_institution": "CURIE", "question": "x"}',
        '{"patient": 1, "expert_institution": "CURIE\\u0000", "question": "x"}',
    ],
)
def test_it_refuses_an_api_body_the_database_could_not_store(client_for, body):
    before = Consultation.objects.count()
    response = client_for("clinician").post(
        "/api/v1/consultations/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert Consultation.objects.count() == before


@pytest.mark.parametrize("url", ["/registry/codes/", "/library/treatments/"])
def test_it_refuses_a_nul_in_a_query_string_on_every_database(client_for, url):
    response = client_for("clinician").get(url, {"q": "a\x00b"})
    assert response.status_code == 400
