import json

from django.test import Client

from consilium.library.models import Acknowledgement, Document, MolecularTest
from consilium.registry.models import MolecularMarker
from tests.library.conftest import draft_sop


def _post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_it_refuses_anonymous_callers(db):
    assert Client().get("/api/v1/library/documents").status_code == 401


def test_a_document_is_reviewed_and_approved_through_the_api(
    partnership, personas, institutions, client_for
):
    version = draft_sop(personas, institutions)
    coordinator, expert = client_for("coordinator"), client_for("expert")

    invited = _post(
        coordinator,
        f"/api/v1/library/versions/{version.pk}/reviewers",
        {"reviewer": personas["expert"].email},
    )
    assert invited.status_code == 200, invited.content
    assert (
        _post(coordinator, f"/api/v1/library/versions/{version.pk}/submit").json()["status"]
        == "under_review"
    )
    # The partner reads the draft it reviews; the outsider does not.
    assert expert.get(f"/api/v1/library/versions/{version.pk}").status_code == 200
    assert client_for("outsider").get(f"/api/v1/library/versions/{version.pk}").status_code == 404

    early = _post(coordinator, f"/api/v1/library/versions/{version.pk}/approve")
    assert early.status_code == 422
    assert "reviewer from a partner institution" in early.json()["detail"]

    _post(expert, f"/api/v1/library/versions/{version.pk}/review", {"decision": "approved"})
    approved = _post(coordinator, f"/api/v1/library/versions/{version.pk}/approve")
    assert approved.json()["status"] == "approved"

    [document] = client_for("outsider").get("/api/v1/library/documents").json()
    assert document["code"] == "IC-HAND"
    assert [v["code"] for v in document["versions"]] == ["IC-HAND-v1"]


def test_drafts_stay_with_the_owner(partnership, personas, institutions, client_for):
    draft_sop(personas, institutions)
    assert client_for("outsider").get("/api/v1/library/documents").json() == []
    assert len(client_for("clinician").get("/api/v1/library/documents").json()) == 1


def test_it_creates_documents_and_explains_refusals(personas, client_for):
    client = client_for("coordinator")
    created = _post(
        client,
        "/api/v1/library/documents",
        {
            "owner": "VNCH",
            "kind": "protocol",
            "code": "BURKITT-VN",
            "title": "Burkitt lymphoma, adapted",
            "language": "vi",
        },
    )
    assert created.status_code == 201
    assert created.json()["code"] == "BURKITT-VN-v1"
    refused = _post(
        client_for("outsider"),
        "/api/v1/library/documents",
        {"owner": "VNCH", "kind": "protocol", "code": "X-1", "title": "x", "language": "en"},
    )
    assert refused.status_code == 403
    assert Document.objects.count() == 1


def test_protocol_versions_are_offered_by_their_stable_code(
    partnership, personas, institutions, client_for
):
    from consilium.library.actions import documents
    from tests.library.conftest import pdf_upload, publish

    version = documents.create_document(
        actor=personas["coordinator"],
        owner=institutions["VNCH"],
        kind="protocol",
        code="WILMS-VN",
        title="Wilms tumour, adapted",
        language="vi",
    )
    documents.add_file(
        actor=personas["coordinator"], version=version, language="vi", upload=pdf_upload()
    )
    publish(version, personas)
    choices = client_for("clinician").get("/api/v1/library/protocols/choices").json()
    assert choices == [
        {
            "code": "WILMS-VN-v1",
            "label": "Wilms tumour, adapted v1",
            "version_id": version.pk,
            "status": "approved",
        }
    ]


def test_acknowledgements_and_compliance_through_the_api(
    checklist, adoption, nurses, personas, client_for, client
):
    client.force_login(nurses[0])
    ack = _post(client, f"/api/v1/library/adoptions/{adoption.pk}/acknowledge")
    assert ack.status_code == 200 and ack.json()["acknowledged"] == 1
    again = _post(client, f"/api/v1/library/adoptions/{adoption.pk}/acknowledge")
    assert again.status_code == 422
    assert Acknowledgement.objects.count() == 1

    items = client.get(f"/api/v1/library/checklists/{checklist.pk}").json()["items"]
    bad = _post(
        client,
        f"/api/v1/library/checklists/{checklist.pk}/rounds",
        {
            "institution": "VNCH",
            "unit": "Ward 3",
            "audited_on": "2025-03-01",
            "observations": [{"item": 424242, "result": "compliant"}],
        },
    )
    assert bad.status_code == 422
    assert "not on the checklist" in bad.json()["errors"]["observations"][0]
    good = _post(
        client,
        f"/api/v1/library/checklists/{checklist.pk}/rounds",
        {
            "institution": "VNCH",
            "unit": "Ward 3",
            "audited_on": "2025-03-01",
            "observations": [
                {"item": items[0]["id"], "result": "compliant"},
                {"item": items[1]["id"], "result": "not_applicable"},
            ],
        },
    )
    assert good.status_code == 201
    [point] = client.get(
        f"/api/v1/library/checklists/{checklist.pk}/compliance?institution=VNCH"
    ).json()
    assert point["percent"] == 100.0 and point["not_applicable"] == 1


def test_a_send_out_through_the_api(partnership, patient, curie_lab, client_for, client):
    clinician = client_for("clinician")
    created = _post(
        clinician,
        "/api/v1/library/sendouts",
        {
            "pseudonym": patient.pseudonym,
            "laboratory": "CURIE",
            "test": MolecularTest.MYCN,
            "sample_type": "ffpe_block",
            "collected_on": "2024-02-03",
            "fixation": "formalin",
        },
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    shipped = _post(
        clinician,
        f"/api/v1/library/sendouts/{pk}/shipment",
        {"courier": "DHL", "tracking_number": "JD01", "temperature": "dry_ice"},
    )
    assert shipped.json()["status"] == "shipped"

    client.force_login(curie_lab)
    early = _post(
        client,
        f"/api/v1/library/sendouts/{pk}/result",
        {"marker": "MYCN", "result": "detected", "method": "fish"},
    )
    assert early.status_code == 422
    _post(client, f"/api/v1/library/sendouts/{pk}/status", {"status": "received"})
    back = _post(client, f"/api/v1/library/sendouts/{pk}/status", {"status": "shipped"})
    assert back.status_code == 422 and "cannot go back" in back.json()["detail"]
    done = _post(
        client,
        f"/api/v1/library/sendouts/{pk}/result",
        {"marker": "MYCN", "result": "detected", "method": "fish"},
    )
    assert done.json()["status"] == "reported"
    assert [e["status"] for e in done.json()["history"]] == [
        "requested",
        "shipped",
        "received",
        "reported",
    ]
    assert MolecularMarker.objects.get().marker == "MYCN"

    assert (
        _post(
            client_for("outsider"), f"/api/v1/library/sendouts/{pk}/failure", {"reason": "x"}
        ).status_code
        == 404
    )
