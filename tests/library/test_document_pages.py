from django.urls import reverse

from tests.library.conftest import draft_sop, pdf_upload


def test_the_library_lists_published_documents_to_the_network(approved_sop, client_for):
    for key in ("clinician", "expert", "outsider"):
        html = client_for(key).get(reverse("library:home")).content.decode()
        assert "Hand hygiene and central-line bundle" in html, key


def test_drafts_are_seen_by_the_owner_and_reviewers_only(
    partnership, personas, institutions, client_for
):
    version = draft_sop(personas, institutions)
    url = reverse("library:version", args=[version.pk])
    assert client_for("clinician").get(url).status_code == 200
    assert client_for("outsider").get(url).status_code == 404
    assert client_for("expert").get(url).status_code == 404
    client_for("coordinator").post(
        reverse("library:version_action", args=[version.pk, "reviewer"]),
        {"reviewer": personas["expert"].pk},
    )
    assert client_for("expert").get(url).status_code == 200
    file_url = reverse("library:version_file", args=[version.pk, "en"])
    assert client_for("expert").get(file_url).status_code == 200
    assert client_for("outsider").get(file_url).status_code == 404


def test_the_version_page_drives_the_review(partnership, personas, institutions, client_for):
    version = draft_sop(personas, institutions)
    coordinator = client_for("coordinator")
    expert = client_for("expert")
    coordinator.post(
        reverse("library:version_action", args=[version.pk, "reviewer"]),
        {"reviewer": personas["expert"].pk},
    )
    coordinator.post(reverse("library:version_action", args=[version.pk, "submit"]))
    expert.post(
        reverse("library:version_action", args=[version.pk, "comment"]),
        {"body": "Add the hub scrub time."},
    )
    refused = coordinator.post(
        reverse("library:version_action", args=[version.pk, "approve"]), follow=True
    )
    assert "reviewer from a partner institution" in refused.content.decode()
    expert.post(
        reverse("library:version_action", args=[version.pk, "review"]), {"decision": "approved"}
    )
    coordinator.post(reverse("library:version_action", args=[version.pk, "approve"]))
    version.refresh_from_db()
    assert version.status == "approved"
    html = coordinator.get(reverse("library:version", args=[version.pk])).content.decode()
    assert "Add the hub scrub time." in html
    assert "can no longer be changed" in html


def test_an_approved_version_refuses_a_file_on_the_page(approved_sop, client_for):
    response = client_for("coordinator").post(
        reverse("library:version_action", args=[approved_sop.pk, "file"]),
        {"language": "vi", "file": pdf_upload()},
    )
    assert response.status_code == 400
    assert "start a new version" in response.content.decode()
    assert not approved_sop.files.filter(language="vi").exists()


def test_the_document_page_lists_where_it_is_in_force(adoption, client_for):
    html = (
        client_for("coordinator")
        .get(reverse("library:document", args=[adoption.document_id]))
        .content.decode()
    )
    assert "Vietnam National Children&#x27;s Hospital" in html
    assert "0 people" in html


def test_the_home_page_asks_for_pending_acknowledgements(adoption, nurses, client):
    client.force_login(nurses[0])
    html = client.get(reverse("library:home")).content.decode()
    assert "Waiting for your acknowledgement" in html


def test_the_home_page_has_a_fixed_query_budget(
    approved_sop, client_for, django_assert_max_num_queries
):
    client = client_for("clinician")
    with django_assert_max_num_queries(16):
        assert client.get(reverse("library:home")).status_code == 200
