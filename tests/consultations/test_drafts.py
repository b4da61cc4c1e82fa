"""Drafts of a request and of a message: kept as typed, offered back on return (on any
device: they live on the server), gone once sent; refused for what the person cannot see."""

import html

from consilium.consultations.models import Draft

URL = "/consultations/drafts/"


def test_it_keeps_a_request_draft_and_offers_it_back(client_for, patient, partnership):
    client = client_for("clinician")
    response = client.post(
        URL, {"kind": "request", "question": "Relapse after 6 months: what next?", "history": "x"}
    )
    assert response.status_code == 200
    # Another device: a new session of the same person.
    page = html.unescape(client_for("clinician").get("/consultations/new/").content.decode())
    assert "Relapse after 6 months: what next?" in page
    assert Draft.objects.get().data["question"] == "Relapse after 6 months: what next?"


def test_it_offers_a_message_draft_back_and_drops_it_once_sent(consultation, client_for):
    client = client_for("expert")
    url = f"/consultations/{consultation.pk}/"
    client.post(URL, {"kind": "message", "consultation": consultation.pk, "body": "Half typed"})
    assert "Half typed" in client.get(url).content.decode()
    client.post(f"{url}message/", {"body": "Half typed, now finished."})
    assert not Draft.objects.exists()
    assert "Half typed</textarea>" not in client.get(url).content.decode()


def test_it_forgets_a_draft_emptied_by_the_person(consultation, client_for):
    client = client_for("expert")
    client.post(URL, {"kind": "message", "consultation": consultation.pk, "body": "x"})
    client.post(URL, {"kind": "message", "consultation": consultation.pk, "body": ""})
    assert not Draft.objects.exists()


def test_it_refuses_bad_drafts_and_keeps_nothing(consultation, client_for):
    client = client_for("expert")
    cases = [
        ({"kind": "letter", "body": "x"}, 400),
        ({"kind": "message", "body": "x"}, 400),
        ({"kind": "message", "consultation": "abc", "body": "x"}, 400),
        ({"kind": "message", "consultation": "99999999999999999999", "body": "x"}, 400),
        ({"kind": "message", "consultation": "999999", "body": "x"}, 404),
        ({"kind": "message", "consultation": consultation.pk, "body": "x" * 60_000}, 400),
        ({"kind": "request", "question": "x"}, 403),  # an expert asks no partner
    ]
    for data, status in cases:
        assert client.post(URL, data).status_code == status, data
    assert not Draft.objects.exists()


def test_it_keeps_no_draft_for_an_outsider(consultation, client_for):
    outsider = client_for("outsider")
    response = outsider.post(
        URL, {"kind": "message", "consultation": consultation.pk, "body": "snoop"}
    )
    assert response.status_code == 404
    assert outsider.get(URL).status_code == 405
    assert not Draft.objects.exists()


RECOMMENDATION = {
    "diagnostic_opinion": "High-risk neuroblastoma, MYCN amplified.",
    "recommended_treatment": "Rapid COJEC, then surgery",
}


def test_it_keeps_the_experts_recommendation_as_typed_and_offers_it_back(
    consultation, client_for, personas
):
    personas["expert"].language = "en"  # she reads French; the words checked are English
    personas["expert"].save()
    expert = client_for("expert")
    response = expert.post(
        URL, {"kind": "recommendation", "consultation": consultation.pk, **RECOMMENDATION}
    )
    assert response.status_code == 200
    # Another device, later: the form holds what she typed, and says so.
    page = html.unescape(
        client_for("expert").get(f"/consultations/{consultation.pk}/").content.decode()
    )
    assert "Rapid COJEC, then surgery</textarea>" in page
    assert "is back below" in page
    # "Save draft" keeps it as the recommendation's own draft; the typed copy goes.
    expert.post(f"/consultations/{consultation.pk}/draft/", RECOMMENDATION)
    assert not Draft.objects.exists()
    page = html.unescape(expert.get(f"/consultations/{consultation.pk}/").content.decode())
    assert "Rapid COJEC, then surgery</textarea>" in page
    assert "is back below" not in page


def test_only_the_expert_keeps_a_recommendation_draft(consultation, client_for):
    data = {"kind": "recommendation", "consultation": consultation.pk, **RECOMMENDATION}
    assert client_for("clinician").post(URL, data).status_code == 403
    assert client_for("outsider").post(URL, data).status_code == 404
    assert client_for("expert").post(URL, {**data, "consultation": ""}).status_code == 400
    assert not Draft.objects.exists()
