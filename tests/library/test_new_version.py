"""Nothing approved is ever edited in place: a change is a new version."""

import pytest
from django.core.exceptions import ValidationError

from consilium.library.actions import documents as actions
from consilium.library.models import DocumentVersion, VersionFile
from tests.library.conftest import draft_sop, pdf_upload, publish


def test_an_approved_version_refuses_every_edit(approved_sop, personas):
    coordinator = personas["coordinator"]
    with pytest.raises(ValidationError, match="start a new version"):
        actions.update_draft(
            actor=coordinator, version=approved_sop, change_summary="Sneaky", language="en"
        )
    with pytest.raises(ValidationError, match="start a new version"):
        actions.add_file(
            actor=coordinator, version=approved_sop, language="en", upload=pdf_upload()
        )
    with pytest.raises(ValidationError):
        actions.invite_reviewer(
            actor=coordinator, version=approved_sop, reviewer=personas["clinician"]
        )
    approved_sop.refresh_from_db()
    assert approved_sop.change_summary == "First version."
    assert VersionFile.objects.filter(version=approved_sop).count() == 1


def test_a_change_is_a_new_version_numbered_after_the_last(approved_sop, personas):
    new = actions.new_version(
        actor=personas["coordinator"],
        document=approved_sop.document,
        change_summary="Chlorhexidine 2 % instead of povidone-iodine.",
    )
    assert new.number == 2
    assert new.status == "draft"
    assert new.code == "IC-HAND-v2"
    # The approved version is untouched and still the one in force.
    approved_sop.refresh_from_db()
    assert approved_sop.status == "approved"


def test_one_open_version_at_a_time(approved_sop, personas):
    actions.new_version(
        actor=personas["coordinator"], document=approved_sop.document, change_summary="A"
    )
    with pytest.raises(ValidationError, match="still open"):
        actions.new_version(
            actor=personas["coordinator"], document=approved_sop.document, change_summary="B"
        )
    assert DocumentVersion.objects.count() == 2


def test_a_new_version_says_what_changes(approved_sop, personas):
    with pytest.raises(ValidationError):
        actions.new_version(
            actor=personas["coordinator"], document=approved_sop.document, change_summary=" "
        )


def test_approving_a_new_version_retires_the_one_before(approved_sop, personas):
    new = actions.new_version(
        actor=personas["coordinator"], document=approved_sop.document, change_summary="v2"
    )
    actions.add_file(actor=personas["coordinator"], version=new, language="en", upload=pdf_upload())
    publish(new, personas)
    approved_sop.refresh_from_db()
    assert approved_sop.status == "retired"
    assert approved_sop.retired_at is not None
    assert new.status == "approved"


def test_a_draft_is_edited_and_takes_a_file_per_language(partnership, personas, institutions):
    version = draft_sop(personas, institutions)
    actions.update_draft(
        actor=personas["coordinator"],
        version=version,
        change_summary="Adds the bundle checklist.",
        language="en",
        authors=[personas["clinician"]],
    )
    actions.add_file(
        actor=personas["coordinator"], version=version, language="vi", upload=pdf_upload()
    )
    assert set(version.files.values_list("language", flat=True)) == {"en", "vi"}
    assert set(version.authors.all()) == {personas["coordinator"], personas["clinician"]}


def test_it_refuses_a_file_that_is_not_a_pdf(partnership, personas, institutions):
    version = draft_sop(personas, institutions)
    with pytest.raises(ValidationError) as caught:
        actions.add_file(
            actor=personas["coordinator"],
            version=version,
            language="ru",
            upload=pdf_upload("x.pdf", b"MZ\x90\x00 not a pdf"),
        )
    assert "file" in caught.value.error_dict
    assert not version.files.filter(language="ru").exists()
