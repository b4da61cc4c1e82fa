import json

from django.test import Client

from consilium.meetings import attendance
from tests.meetings.conftest import guest

API = "/api/v1/meetings"


def _post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_events_need_a_session(workshop):
    assert Client().get(f"{API}/events").status_code == 401


def test_it_lists_the_events_a_user_may_see(client_for, workshop, board):
    titles = {e["title"] for e in client_for("outsider").get(f"{API}/events").json()}
    assert titles == {"Pediatric Oncology Workshop 2024"}
    titles = {e["title"] for e in client_for("expert").get(f"{API}/events").json()}
    assert titles == {"Pediatric Oncology Workshop 2024", "VNCH – Curie tumour board"}
    assert client_for("outsider").get(f"{API}/events/{board.pk}").status_code == 404


def test_it_returns_the_programme(client_for, workshop, morning):
    data = client_for("clinician").get(f"{API}/events/{workshop.pk}/programme").json()
    assert data["time_zone"] == "Asia/Ho_Chi_Minh"
    assert data["teaching_hours"] == "3.25"
    assert [s["title"] for s in data["sessions"]] == ["Neuroblastoma"]
    assert data["sessions"][0]["starts_at"].startswith("2024-12-02T01:30:00")


def test_coordinators_register_guests_and_check_them_in(client_for, workshop):
    client = client_for("coordinator")
    response = _post(
        client,
        f"{API}/events/{workshop.pk}/registrations",
        {
            "mode": "in_person",
            "full_name": "Đỗ Thị Yến",
            "profession": "nurse",
            "institution": "Bệnh viện K",
            "country": "VN",
            "email": "yen@example.org",
        },
    )
    assert response.status_code == 201
    response = _post(client, f"{API}/events/{workshop.pk}/check-in", {"email": "yen@example.org"})
    assert response.status_code == 200
    assert response.json()["checked_in_at"] is not None
    listing = client.get(f"{API}/events/{workshop.pk}/registrations").json()
    assert [r["full_name"] for r in listing] == ["Đỗ Thị Yến"]


def test_a_check_in_for_someone_not_registered_is_a_422(client_for, workshop):
    response = _post(
        client_for("coordinator"),
        f"{API}/events/{workshop.pk}/check-in",
        {"email": "stranger@example.org"},
    )
    assert response.status_code == 422
    assert "not registered" in response.json()["detail"]


def test_others_cannot_see_participants_or_register_guests(client_for, personas, workshop):
    attendance.register(actor=personas["coordinator"], event=workshop, mode="online", guest=guest())
    client = client_for("expert")
    assert client.get(f"{API}/events/{workshop.pk}/registrations").status_code == 403
    response = _post(
        client,
        f"{API}/events/{workshop.pk}/registrations",
        {
            "mode": "online",
            "full_name": "X",
            "profession": "doctor",
            "institution": "H",
            "country": "FR",
        },
    )
    assert response.status_code == 403
    assert (
        _post(client, f"{API}/events/{workshop.pk}/check-in", {"registration": 1}).status_code
        == 403
    )


def test_a_member_registers_themselves_and_cancels(client_for, future_workshop):
    client = client_for("clinician")
    response = _post(client, f"{API}/events/{future_workshop.pk}/registrations", {"mode": "online"})
    assert response.status_code == 201
    pk = response.json()["id"]
    assert client.post(f"{API}/registrations/{pk}/cancel").json()["status"] == "cancelled"
