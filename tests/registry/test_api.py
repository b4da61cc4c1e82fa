import datetime
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


def test_it_pages_newest_first_with_offset_and_limit(register, client_for):
    from tests.registry.conftest import identity

    for n in range(5):
        register(identity=identity(name=f"Child {n}", hospital_number=f"BN-{n}"))
    client = client_for("clinician")

    def page(**params):
        return [p["pseudonym"] for p in client.get(f"{BASE}/patients", params).json()]

    assert page(offset=1, limit=2) == ["VNCH-2024-0004", "VNCH-2024-0003"]
    assert page(offset=4, limit=50) == ["VNCH-2024-0001"]
    assert page(offset=5) == []
    # Out of range is brought into range, not refused: a negative offset is the start and
    # the limit is 1 to 200.
    assert page(offset=-3, limit=0) == ["VNCH-2024-0005"]
    assert len(page(limit=1000)) == 5


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
    namesake = NEW | {"identity": NEW["identity"] | {"hospital_number": "BN-10"}}
    duplicate = _post(client, f"{BASE}/patients", namesake)
    assert duplicate.status_code == 409
    assert duplicate.json()["possible_duplicates"] == ["VNCH-2024-0001"]
    confirmed = _post(client, f"{BASE}/patients", namesake | {"confirm_duplicate": True})
    assert confirmed.status_code == 201
    # One hospital number is one child: no confirmation registers it twice.
    for again in (NEW, NEW | {"confirm_duplicate": True}):
        taken = _post(client, f"{BASE}/patients", again)
        assert taken.status_code == 422
        assert {p["code"] for p in taken.json()["problems"]} == {"hospital_number_taken"}


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


def test_it_records_lists_and_corrects_follow_up(register, client_for):
    from consilium.registry.models import DeathCause, EventKind, VitalStatus

    patient = register()  # diagnosed 2024-02-01
    client = client_for("clinician")
    events = f"{BASE}/patients/{patient.pk}/events"

    created = _post(client, events, {"kind": "relapse", "date": "2025-01-05", "note": "MRI"})
    assert created.status_code == 201, created.content
    event = created.json()
    assert (event["kind"], event["date"]) == ("relapse", "2025-01-05")
    assert event["diagnosis_id"] == patient.diagnoses.get().pk

    corrected = _put(
        client, f"{events}/{event['id']}", {"kind": "progression", "date": "2024-12-20"}
    )
    assert corrected.status_code == 200, corrected.content
    assert [(e["kind"], e["date"]) for e in client.get(events).json()] == [
        ("progression", "2024-12-20")
    ]

    contact = _post(
        client,
        f"{BASE}/patients/{patient.pk}/contacts",
        {"date": "2025-06-01", "vital_status": "alive"},
    )
    assert contact.status_code == 201, contact.content
    assert contact.json()["last_contact"] == "2025-06-01"
    assert (
        AuditEntry.objects.filter(
            verb__in=[
                "registry.event_recorded",
                "registry.event_changed",
                "registry.contact_recorded",
            ]
        ).count()
        == 3
    )
    # The API's lists of values are the models' own.
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert set(schema["FollowUpEventIn"]["properties"]["kind"]["enum"]) == set(EventKind.values)
    assert set(schema["FollowUpEventIn"]["properties"]["death_cause"]["enum"]) == {
        "",
        *DeathCause.values,
    }
    assert set(schema["ContactIn"]["properties"]["vital_status"]["enum"]) == set(VitalStatus.values)


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"kind": "relapse", "date": "2024-01-02"}, 422, "date"),  # before the diagnosis
        ({"kind": "relapse", "date": "2999-01-01"}, 422, "date"),  # in the future
        ({"kind": "death", "date": "2025-01-05"}, 422, "death_cause"),  # no cause
        ({"kind": "wedding", "date": "2025-01-05"}, 422, None),  # not an event kind
        ({"kind": "relapse", "date": "5 January"}, 422, None),  # not a date
        ({"kind": "relapse"}, 422, None),  # no date
    ],
)
def test_it_refuses_a_bad_event_and_records_nothing(register, client_for, payload, status, field):
    patient = register()
    client = client_for("clinician")
    url = f"{BASE}/patients/{patient.pk}/events"

    response = _post(client, url, payload)

    assert response.status_code == status, response.content
    if field:
        assert field in {p["field"] for p in response.json()["problems"]}
    assert not patient.events.exists()
    assert not AuditEntry.objects.filter(verb="registry.event_recorded").exists()


@pytest.mark.parametrize("persona", ["expert", "outsider", "coordinator", "admin"])
def test_it_lets_no_one_outside_the_clinical_team_near_the_follow_up(
    register, client_for, personas, persona
):
    from consilium.registry import actions

    patient = register()
    event = actions.record_event(
        actor=personas["clinician"],
        patient=patient,
        kind="remission",
        date=datetime.date(2024, 8, 1),
    )
    client = client_for(persona)
    events = f"{BASE}/patients/{patient.pk}/events"

    assert client.get(events).status_code == 404
    assert _post(client, events, {"kind": "relapse", "date": "2025-01-05"}).status_code == 404
    assert (
        _put(client, f"{events}/{event.pk}", {"kind": "relapse", "date": "2025-01-05"}).status_code
        == 404
    )
    assert (
        _post(
            client,
            f"{BASE}/patients/{patient.pk}/contacts",
            {"date": "2025-06-01", "vital_status": "dead"},
        ).status_code
        == 404
    )
    patient.refresh_from_db()
    assert [(e.kind, e.date) for e in patient.events.all()] == [
        ("remission", datetime.date(2024, 8, 1))
    ]
    assert (patient.vital_status, patient.last_contact) == ("alive", datetime.date(2024, 8, 1))


def test_it_does_not_reach_an_event_of_another_patient(register, client_for, personas):
    from consilium.registry import actions
    from tests.registry.conftest import identity

    first = register()
    second = register(identity=identity(name="Trần Thị Mai", hospital_number="BN-2"))
    event = actions.record_event(
        actor=personas["clinician"],
        patient=second,
        kind="remission",
        date=datetime.date(2024, 8, 1),
    )
    url = f"{BASE}/patients/{first.pk}/events/{event.pk}"

    assert (
        _put(client_for("clinician"), url, {"kind": "relapse", "date": "2025-01-05"}).status_code
        == 404
    )
    event.refresh_from_db()
    assert event.kind == "remission"
