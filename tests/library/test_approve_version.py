import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from consilium.audit.models import AuditEntry
from consilium.library.actions import documents as actions
from consilium.library.models import DocumentVersion
from consilium.network import actions as network_actions
from tests.library.conftest import draft_sop


def _under_review(version, personas, *reviewers):
    for reviewer in reviewers:
        actions.invite_reviewer(actor=personas["coordinator"], version=version, reviewer=reviewer)
    actions.submit_for_review(actor=personas["coordinator"], version=version)
    return version


def test_it_approves_with_an_approval_from_the_partner(partnership, personas, institutions):
    version = _under_review(draft_sop(personas, institutions), personas, personas["expert"])
    review = version.reviews.get()
    assert review.institution.code == "CURIE"
    actions.decide_review(actor=personas["expert"], version=version, decision="approved")

    actions.approve_version(actor=personas["coordinator"], version=version)

    version.refresh_from_db()
    assert version.status == "approved"
    assert version.approved_by == personas["coordinator"]
    assert version.approved_at is not None
    assert AuditEntry.objects.filter(verb="library.version_approved").count() == 1


def test_it_refuses_approval_without_a_partner_reviewer(partnership, personas, institutions):
    # Reviewed and approved, but only from inside the owning hospital.
    version = _under_review(draft_sop(personas, institutions), personas, personas["clinician"])
    actions.decide_review(actor=personas["clinician"], version=version, decision="approved")

    with pytest.raises(ValidationError, match="reviewer from a partner institution"):
        actions.approve_version(actor=personas["coordinator"], version=version)

    version.refresh_from_db()
    assert version.status == "under_review"
    assert version.approved_at is None
    assert not AuditEntry.objects.filter(verb="library.version_approved").exists()


def test_a_partner_reviewer_who_has_not_approved_does_not_count(
    partnership, personas, institutions
):
    version = _under_review(draft_sop(personas, institutions), personas, personas["expert"])
    with pytest.raises(ValidationError, match="reviewer from a partner"):
        actions.approve_version(actor=personas["coordinator"], version=version)


def test_ending_the_partnership_ends_what_the_partners_review_counts_for(
    partnership, personas, institutions
):
    version = _under_review(draft_sop(personas, institutions), personas, personas["expert"])
    actions.decide_review(actor=personas["expert"], version=version, decision="approved")
    network_actions.end_partnership(
        actor=personas["coordinator"], partnership=partnership, reason="MoU not renewed"
    )
    with pytest.raises(ValidationError, match="reviewer from a partner"):
        actions.approve_version(actor=personas["coordinator"], version=version)


def test_changes_requested_block_approval(partnership, personas, institutions):
    version = _under_review(
        draft_sop(personas, institutions), personas, personas["expert"], personas["clinician"]
    )
    actions.decide_review(actor=personas["clinician"], version=version, decision="approved")
    actions.decide_review(
        actor=personas["expert"],
        version=version,
        decision="changes_requested",
        note="Add the 15-second hub scrub.",
    )
    with pytest.raises(ValidationError, match="asked for changes"):
        actions.approve_version(actor=personas["coordinator"], version=version)


def test_only_a_coordinator_or_admin_of_the_owner_approves(partnership, personas, institutions):
    version = _under_review(draft_sop(personas, institutions), personas, personas["expert"])
    actions.decide_review(actor=personas["expert"], version=version, decision="approved")
    for key in ("clinician", "expert", "outsider"):
        with pytest.raises(PermissionDenied):
            actions.approve_version(actor=personas[key], version=version)
    assert DocumentVersion.objects.get().status == "under_review"


def test_reviewers_come_from_the_owner_or_an_active_partner(partnership, personas, institutions):
    version = draft_sop(personas, institutions)
    with pytest.raises(ValidationError) as caught:
        actions.invite_reviewer(
            actor=personas["coordinator"], version=version, reviewer=personas["outsider"]
        )
    assert "reviewer" in caught.value.error_dict
    assert not version.reviews.exists()


def test_a_version_goes_for_review_only_with_a_file_and_a_reviewer(
    partnership, personas, institutions
):
    version = actions.create_document(
        actor=personas["coordinator"],
        owner=institutions["VNCH"],
        kind="guide",
        code="FN-GUIDE",
        title="Febrile neutropenia",
        language="en",
    )
    with pytest.raises(ValidationError) as caught:
        actions.submit_for_review(actor=personas["coordinator"], version=version)
    assert len(caught.value.messages) == 2
    assert DocumentVersion.objects.get().status == "draft"


def test_back_to_draft_restarts_every_review(partnership, personas, institutions):
    version = _under_review(draft_sop(personas, institutions), personas, personas["expert"])
    actions.decide_review(actor=personas["expert"], version=version, decision="approved")
    actions.return_to_draft(actor=personas["coordinator"], version=version)
    assert version.reviews.get().decision == "pending"
    assert version.status == "draft"


def test_only_reviewers_decide_and_comments_close_on_approval(partnership, personas, institutions):
    version = _under_review(draft_sop(personas, institutions), personas, personas["expert"])
    with pytest.raises(PermissionDenied):
        actions.decide_review(actor=personas["clinician"], version=version, decision="approved")
    actions.add_comment(actor=personas["expert"], version=version, body="Step 4 is unclear.")
    actions.add_comment(actor=personas["clinician"], version=version, body="Clarified.")
    with pytest.raises(PermissionDenied):
        actions.add_comment(actor=personas["outsider"], version=version, body="Hello")
    actions.decide_review(actor=personas["expert"], version=version, decision="approved")
    actions.approve_version(actor=personas["coordinator"], version=version)
    with pytest.raises(ValidationError, match="Comments close"):
        actions.add_comment(actor=personas["expert"], version=version, body="Late")
    assert version.comments.count() == 2


def test_approval_date_is_recorded_in_utc(partnership, personas, institutions):
    version = _under_review(draft_sop(personas, institutions), personas, personas["expert"])
    actions.decide_review(actor=personas["expert"], version=version, decision="approved")
    actions.approve_version(actor=personas["coordinator"], version=version)
    assert version.approved_at.utcoffset() == datetime.timedelta(0)
