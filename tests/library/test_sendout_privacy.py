"""A partner laboratory sees the pseudonym and the sample, never an identifier: on the pages,
in the API and in its email."""

import datetime

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.library.actions import sendouts as actions

IDENTIFIERS = (
    "Nguyễn Văn An",
    "Nguyen Van An",
    "BN24-00042",
    "2019-03-14",
    "14 Mar 2019",
    "912 345 678",
    "Thôn Đông",
)


def _clean(text: str) -> None:
    for identifier in IDENTIFIERS:
        assert identifier not in text, identifier


def _lab_client(curie_lab) -> Client:
    client = Client()
    client.force_login(curie_lab)
    return client


def test_the_laboratory_sees_the_pseudonym_and_sample_only(sendout, curie_lab, patient):
    client = _lab_client(curie_lab)
    for url in (
        reverse("library:sendouts"),
        reverse("library:sendout", args=[sendout.pk]),
        "/api/v1/library/sendouts",
        f"/api/v1/library/sendouts/{sendout.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert patient.pseudonym in text
        _clean(text)
    page = client.get(reverse("library:sendout", args=[sendout.pk])).content.decode()
    assert "FFPE tissue block" in page and "60 % tumour cells" in page
    # No way into the registry from the laboratory's side.
    assert reverse("registry:patient_detail", args=[patient.pk]) not in page


def test_the_laboratorys_email_names_the_pseudonym_only(
    audit_triggers_off_after_test,
    partnership,
    patient,
    personas,
    institutions,
    curie_lab,
    smtp_inbox,
):
    actions.request_sendout(
        actor=personas["clinician"],
        patient=patient,
        diagnosis=patient.diagnoses.get(),
        laboratory=institutions["CURIE"],
        test="mycn",
        sample_type="ffpe_block",
        collected_on=datetime.date(2024, 2, 3),
        fixation="formalin",
        tumour_cell_percent=60,
    )
    call_command("worker", batch=True, verbosity=0)
    to_lab = [m for m in smtp_inbox.messages if m["To"] == curie_lab.email]
    assert len(to_lab) == 1
    text = to_lab[0]["Subject"] + to_lab[0].get_content()
    assert patient.pseudonym in text
    _clean(text)


def test_the_requesting_clinician_sees_the_send_out_and_the_read_is_audited(
    sendout, client_for, patient
):
    response = client_for("clinician").get(reverse("library:sendout", args=[sendout.pk]))
    assert response.status_code == 200
    assert reverse("registry:patient_detail", args=[patient.pk]) in response.content.decode()
    assert AuditEntry.objects.filter(verb="library.sendout_viewed").count() == 1


def test_outsiders_see_nothing(sendout, client_for):
    for key in ("outsider", "coordinator", "admin"):
        client = client_for(key)
        assert client.get(reverse("library:sendout", args=[sendout.pk])).status_code == 404
        assert client.get(f"/api/v1/library/sendouts/{sendout.pk}").status_code == 404
        assert client.get("/api/v1/library/sendouts").json() == []


def test_a_partner_expert_outside_the_laboratory_roles_sees_nothing_after_the_partnership_ends(
    sendout, curie_lab, partnership, personas
):
    from consilium.network import actions as network_actions

    client = _lab_client(curie_lab)
    url = reverse("library:sendout", args=[sendout.pk])
    assert client.get(url).status_code == 200
    network_actions.end_partnership(
        actor=personas["coordinator"], partnership=partnership, reason="Ended"
    )
    assert client.get(url).status_code == 404


def test_the_laboratory_enters_the_result_on_the_page(sendout, curie_lab):
    client = _lab_client(curie_lab)
    client.post(reverse("library:sendout_action", args=[sendout.pk, "received"]))
    response = client.post(
        reverse("library:sendout_action", args=[sendout.pk, "result"]),
        {"marker": "MYCN", "result": "not_detected", "method": "fish", "summary": "No gain."},
    )
    assert response.status_code == 302
    sendout.refresh_from_db()
    assert sendout.status == "reported"
    assert sendout.registry_marker.result == "not_detected"


def test_the_page_shows_why_a_result_is_refused(sendout, curie_lab):
    response = _lab_client(curie_lab).post(
        reverse("library:sendout_action", args=[sendout.pk, "result"]),
        {"marker": "MYCN", "result": "detected", "method": "fish"},
    )
    # The form is only offered after receipt; a forged post is refused with the reason.
    assert response.status_code == 400
    assert "has not received this sample" in response.content.decode()


def test_the_clinician_requests_a_test_on_the_page(partnership, patient, client_for, institutions):
    response = client_for("clinician").post(
        reverse("library:sendout_new"),
        {
            "patient": patient.pseudonym,
            "laboratory": institutions["CURIE"].pk,
            "test": "pax_foxo1",
            "sample_type": "ffpe_slides",
            "collected_on": "2024-02-03",
            "fixation": "formalin",
            "tumour_cell_percent": "70",
        },
    )
    assert response.status_code == 302


def test_the_list_has_a_fixed_query_budget(sendout, client_for, django_assert_max_num_queries):
    client = client_for("clinician")
    # 16, and the list read's audit entry.
    with django_assert_max_num_queries(19):
        assert client.get(reverse("library:sendouts")).status_code == 200
