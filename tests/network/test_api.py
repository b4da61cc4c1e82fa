import json

from django.test import Client

from consilium.network.models import Milestone, Partnership


def _post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_it_lists_institutions_and_partnerships(client_for, partnership):
    client = client_for("expert")
    codes = [i["code"] for i in client.get("/api/v1/network/institutions").json()]
    assert "VNCH" in codes
    [p] = client.get("/api/v1/network/partnerships").json()
    assert p["institutions"] == ["CURIE", "VNCH"]
    assert {a["kind"] for a in p["areas"]} == {"telemedicine", "training"}
    assert client.get(f"/api/v1/network/partnerships/{partnership.pk}").json()["status"] == "active"


def test_it_refuses_anonymous_callers(db):
    assert Client().get("/api/v1/network/institutions").status_code == 401


def test_a_coordinator_records_a_partnership(client_for, personas):
    response = _post(
        client_for("coordinator"),
        "/api/v1/network/partnerships",
        {
            "title": "VNCH – K Hospital",
            "institutions": ["VNCH", "KHOSP"],
            "valid_from": "2025-01-01",
            "areas": {"training": "Residents"},
        },
    )
    assert response.status_code == 201, response.content
    assert Partnership.objects.get().areas.get().objectives == "Residents"


def test_it_refuses_bad_partnerships_with_reasons(client_for):
    client = client_for("coordinator")
    one = _post(
        client,
        "/api/v1/network/partnerships",
        {"title": "x", "institutions": ["VNCH"], "valid_from": "2025-01-01"},
    )
    assert one.status_code == 422
    assert "at least two" in one.json()["errors"]["institutions"][0]
    unknown = _post(
        client,
        "/api/v1/network/partnerships",
        {"title": "x", "institutions": ["VNCH", "NOPE"], "valid_from": "2025-01-01"},
    )
    assert unknown.json()["errors"]["institutions"] == ["NOPE"]
    backwards = _post(
        client,
        "/api/v1/network/partnerships",
        {
            "title": "x",
            "institutions": ["VNCH", "CURIE"],
            "valid_from": "2025-01-01",
            "valid_until": "2024-01-01",
        },
    )
    assert "valid_until" in backwards.json()["errors"]
    assert not Partnership.objects.exists()


def test_an_expert_may_not_record_a_partnership(client_for):
    response = _post(
        client_for("expert"),
        "/api/v1/network/partnerships",
        {"title": "x", "institutions": ["VNCH", "CURIE"], "valid_from": "2025-01-01"},
    )
    assert response.status_code == 403
    assert not Partnership.objects.exists()


def test_the_owner_updates_a_milestone_status(client_for, personas, partnership):
    from consilium.network import actions

    milestone = actions.add_milestone(
        actor=personas["coordinator"],
        area=partnership.areas.get(kind="training"),
        title="Course",
        due_on=partnership.valid_from,
        owner=personas["clinician"],
    )
    ok = _post(
        client_for("clinician"),
        f"/api/v1/network/milestones/{milestone.pk}/status",
        {"status": "done"},
    )
    assert ok.json()["status"] == "done"
    refused = _post(
        client_for("outsider"),
        f"/api/v1/network/milestones/{milestone.pk}/status",
        {"status": "cancelled"},
    )
    assert refused.status_code == 403
    bad = _post(
        client_for("clinician"),
        f"/api/v1/network/milestones/{milestone.pk}/status",
        {"status": "finished"},
    )
    assert bad.status_code == 422
    assert Milestone.objects.get().status == "done"


def test_the_openapi_schema_is_served(client_for, db):
    # To people signed in only, like the docs (issue 15).
    schema = client_for("clinician").get("/api/v1/openapi.json").json()
    assert "/api/v1/network/partnerships" in schema["paths"]
