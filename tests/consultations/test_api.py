import base64
import json

from consilium.consultations.models import Consultation, Message
from tests.consultations.dicom_files import phone_photo


def _post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_a_clinician_requests_through_the_api(client_for, patient, partnership):
    response = _post(
        client_for("clinician"),
        "/api/v1/consultations/",
        {
            "patient": patient.pseudonym,
            "expert_institution": "CURIE",
            "question": "Second opinion on histology",
            "files": [
                {"filename": "p.jpg", "content_base64": base64.b64encode(phone_photo()).decode()}
            ],
        },
    )
    assert response.status_code == 201, response.content
    assert Consultation.objects.get().attachments.count() == 1


def test_bad_api_requests_get_reasons_and_change_nothing(client_for, patient, partnership):
    client = client_for("clinician")
    bad64 = _post(
        client,
        "/api/v1/consultations/",
        {
            "patient": patient.pseudonym,
            "expert_institution": "CURIE",
            "question": "x",
            "files": [{"filename": "a", "content_base64": "%%%"}],
        },
    )
    assert bad64.status_code == 422
    nobody = _post(
        client,
        "/api/v1/consultations/",
        {"patient": patient.pseudonym, "expert_institution": "PMC", "question": "x"},
    )
    assert nobody.status_code == 422
    assert "expert_institution" in nobody.json()["errors"]
    unknown = _post(
        client,
        "/api/v1/consultations/",
        {"patient": "VNCH-1999-9999", "expert_institution": "CURIE", "question": "x"},
    )
    assert unknown.status_code == 422
    assert not Consultation.objects.exists()


def test_the_expert_answers_and_recommends_through_the_api(client_for, consultation):
    client = client_for("expert")
    assert (
        _post(
            client, f"/api/v1/consultations/{consultation.pk}/messages", {"body": "Seen."}
        ).status_code
        == 201
    )
    [message] = client.get(f"/api/v1/consultations/{consultation.pk}/messages").json()
    assert message["body"] == "Seen."
    final = _post(
        client,
        f"/api/v1/consultations/{consultation.pk}/recommendation",
        {"recommended_treatment": "COJEC induction", "finalise": True},
    )
    assert final.json()["status"] == "final"


def test_an_outsider_cannot_post_through_the_api(client_for, consultation):
    response = _post(
        client_for("outsider"), f"/api/v1/consultations/{consultation.pk}/messages", {"body": "hi"}
    )
    assert response.status_code == 404
    assert not Message.objects.exists()
