import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.library.actions import documents as actions
from consilium.library.models import Document, DocumentVersion


def _create(personas, institutions, **overrides):
    values = {
        "actor": personas["coordinator"],
        "owner": institutions["VNCH"],
        "kind": "protocol",
        "code": "wilms-vn",
        "title": "Wilms tumour, adapted for Hanoi",
        "language": "vi",
    }
    return actions.create_document(**(values | overrides))


def test_it_creates_a_document_with_a_first_draft(personas, institutions):
    version = _create(personas, institutions)

    assert version.number == 1
    assert version.status == "draft"
    assert version.code == "WILMS-VN-v1"
    assert list(version.authors.all()) == [personas["coordinator"]]
    assert AuditEntry.objects.filter(verb="library.document_created").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "x"}, "code"),
        ({"title": "  "}, "title"),
        ({"kind": "poem"}, "kind"),
        ({"language": "Vietnamese"}, "language"),
    ],
)
def test_it_refuses_bad_input_and_saves_nothing(personas, institutions, overrides, field):
    with pytest.raises(ValidationError) as caught:
        _create(personas, institutions, **overrides)
    assert field in caught.value.error_dict
    assert not Document.objects.exists()
    assert not DocumentVersion.objects.exists()


def test_it_refuses_a_code_already_taken(personas, institutions):
    _create(personas, institutions)
    with pytest.raises(ValidationError) as caught:
        _create(personas, institutions, title="Another")
    assert "already has this code" in caught.value.messages[0]


def test_only_staff_of_the_owner_create_its_documents(personas, institutions):
    with pytest.raises(PermissionDenied):
        _create(personas, institutions, actor=personas["outsider"])
    with pytest.raises(PermissionDenied):
        _create(personas, institutions, actor=personas["expert"])


def test_the_page_creates_a_draft(client_for, institutions):
    response = client_for("coordinator").post(
        reverse("library:document_new"),
        {
            "owner": institutions["VNCH"].pk,
            "kind": "sop",
            "code": "IC-HAND",
            "title": "Hand hygiene",
            "language": "en",
        },
    )
    version = DocumentVersion.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("library:version", args=[version.pk])


def test_the_page_is_refused_to_people_without_a_writing_role(client_for):
    assert client_for("outsider").get(reverse("library:document_new")).status_code == 403
