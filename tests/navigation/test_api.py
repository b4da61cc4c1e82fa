import json

import pytest

from consilium.audit.models import AuditEntry
from consilium.navigation.actions import sweep
from consilium.navigation.models import Contact, ProposedAbandonment, TreatmentPlan
from tests.navigation.conftest import days, visit
from tests.navigation.test_sweep import at

pytestmark = pytest.mark.django_db
API = "/api/v1/navigation"


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_it_makes_a_plan_and_lists_it(client_for, patient):
    client = client_for("navigator")
    response = post(
        client,
        f"{API}/patients/{patient.pk}/plans",
        {
            "title": "Induction",
            "start_date": days(0).isoformat(),
            "visits": [{"kind": "chemotherapy", "label": "C1", "date": days(0).isoformat()}],
        },
    )
    assert response.status_code == 201, response.content
    plans = client.get(f"{API}/patients/{patient.pk}/plans").json()
    assert plans[0]["visits"][0]["label"] == "C1"
    assert AuditEntry.objects.filter(verb="navigation.patient_viewed").count() == 1


def test_it_makes_a_plan_from_the_protocol(client_for, patient, protocol):
    response = post(
        client_for("navigator"),
        f"{API}/patients/{patient.pk}/plans",
        {"protocol_version_id": protocol.pk, "start_date": days(0).isoformat()},
    )
    assert response.status_code == 201
    assert len(response.json()["visits"]) == 5


def test_it_refuses_a_visit_before_the_diagnosis_with_a_clear_message(client_for, plan, patient):
    response = post(
        client_for("navigator"),
        f"{API}/patients/{patient.pk}/visits",
        {"kind": "follow_up", "date": days(-400).isoformat()},
    )
    assert response.status_code == 422
    assert "before the diagnosis" in response.json()["detail"]


def test_it_marks_attendance_once(client_for, plan):
    client = client_for("navigator")
    c3 = visit(plan, "C3")
    assert (
        post(client, f"{API}/visits/{c3.pk}/attendance", {"status": "attended"}).json()["status"]
        == "attended"
    )
    again = post(client, f"{API}/visits/{c3.pk}/attendance", {"status": "missed"})
    assert again.status_code == 422 and "already marked" in again.json()["detail"]


def test_it_refuses_rescheduling_into_the_past(client_for, plan):
    response = post(
        client_for("navigator"),
        f"{API}/visits/{visit(plan, 'Review').pk}/reschedule",
        {"date": days(-3).isoformat()},
    )
    assert response.status_code == 422
    assert plan.visits.count() == 5


def test_it_gives_the_day_list(client_for, plan):
    rows = client_for("navigator").get(f"{API}/institutions/VNCH/days/{days(0)}").json()
    assert [row["label"] for row in rows] == ["C4"]


def test_it_logs_outreach_and_decides_an_abandonment(client_for, plan, patient):
    sweep.run(now=at(days(0), 7))
    client = client_for("navigator")
    response = post(
        client,
        f"{API}/patients/{patient.pk}/contacts",
        {"kind": "call", "reached": True, "spoke_with": "Mother"},
    )
    assert response.status_code == 201
    outreach = client.get(f"{API}/patients/{patient.pk}/outreach").json()
    assert outreach["contacts"][0]["spoke_with"] == "Mother"
    proposal = ProposedAbandonment.objects.get()
    assert (
        post(
            client, f"{API}/abandonments/{proposal.pk}/decision", {"decision": "confirm"}
        ).status_code
        == 403
    )
    manager = client_for("data_manager")
    listed = manager.get(f"{API}/institutions/VNCH/abandonments").json()
    assert listed[0]["id"] == proposal.pk
    done = post(manager, f"{API}/abandonments/{proposal.pk}/decision", {"decision": "confirm"})
    assert done.json()["status"] == "confirmed"


def test_it_gives_measures_to_coordinators_but_not_partners(client_for, plan):
    assert client_for("coordinator").get(f"{API}/institutions/VNCH/measures").status_code == 200
    assert client_for("expert").get(f"{API}/institutions/VNCH/measures").status_code == 404


def test_it_refuses_a_weight_out_of_range(client_for):
    from consilium.navigation.risk import FACTOR_KEYS

    response = client_for("data_manager").put(
        f"{API}/institutions/VNCH/weights",
        json.dumps(
            {
                "weights": {k: 1 for k in FACTOR_KEYS} | {"no_phone": 9},
                "medium_from": 3,
                "high_from": 6,
                "travel_cost_limit": 100,
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 422 and "no_phone" in response.json()["errors"]


@pytest.mark.parametrize("persona", ["expert", "outsider", "coordinator", "admin"])
def test_it_shows_others_nothing(client_for, plan, patient, persona):
    client = client_for(persona)
    assert client.get(f"{API}/patients/{patient.pk}/plans").status_code == 404
    assert client.get(f"{API}/patients/{patient.pk}/outreach").status_code == 404
    assert client.get(f"{API}/institutions/VNCH/days/{days(0)}").status_code == 404
    response = post(
        client, f"{API}/patients/{patient.pk}/contacts", {"kind": "call", "reached": True}
    )
    assert response.status_code == 404
    assert not Contact.objects.exists()
    assert TreatmentPlan.objects.count() == 1


def test_it_closes_the_active_plan_and_refuses_a_second_close_or_no_reason(
    client_for, plan, patient
):
    client = client_for("navigator")
    refused = post(client, f"{API}/patients/{patient.pk}/plan/close", {"reason": " "})
    assert refused.status_code == 422
    assert "reason" in refused.json()["errors"]
    closed = post(client, f"{API}/patients/{patient.pk}/plan/close", {"reason": "Completed"})
    assert closed.status_code == 200
    body = closed.json()
    assert body["status"] == "closed" and body["close_reason"] == "Completed"
    assert {v["label"]: v["status"] for v in body["visits"]}["Review"] == "cancelled"
    again = post(client, f"{API}/patients/{patient.pk}/plan/close", {"reason": "Again"})
    assert again.status_code == 422
    outsider = post(
        client_for("outsider"), f"{API}/patients/{patient.pk}/plan/close", {"reason": "x"}
    )
    assert outsider.status_code == 404
