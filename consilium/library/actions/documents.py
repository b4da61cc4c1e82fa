"""Documents, their versions and their review. An approved version is never changed in
place: every edit below refuses anything but a draft, and a change is a new version."""

import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from consilium.accounts.access import roles_by_institution
from consilium.accounts.models import User
from consilium.audit.actions import record
from consilium.lib import stored_files
from consilium.lib.uploads import validate_pdf
from consilium.library import mail
from consilium.library.access import (
    can_edit_document,
    can_publish_document,
    editor_institution_ids,
    member_institution_ids,
    partner_ids,
    reviewer_candidates,
)
from consilium.library.models import (
    Document,
    DocumentKind,
    DocumentVersion,
    Review,
    ReviewComment,
    ReviewDecision,
    VersionFile,
    VersionStatus,
)
from consilium.network.models import Institution

_CODE = re.compile(r"^[A-Z][A-Z0-9-]{1,29}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
OPEN_STATUSES = (VersionStatus.DRAFT, VersionStatus.UNDER_REVIEW)


def _max_document_bytes() -> int:
    return settings.CONSILIUM_MAX_DOCUMENT_MB * 1024 * 1024


def _require_editor(actor: User, document: Document) -> None:
    if not can_edit_document(actor, document):
        raise PermissionDenied


def _require_draft(version: DocumentVersion) -> None:
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(
            _(
                "Version %(number)s is %(status)s and can no longer be changed: "
                "start a new version instead."
            )
            % {"number": version.number, "status": version.get_status_display().lower()},
            code="not_draft",
        )


def _language_errors(language: str) -> list[str]:
    return [] if _LANGUAGE.match(language) else [_("Give a language code such as en, ru or vi.")]


def create_document(
    *,
    actor: User,
    owner: Institution,
    kind: str,
    code: str,
    title: str,
    language: str,
    summary: str = "",
    change_summary: str = "",
    authors: Iterable[User] = (),
) -> DocumentVersion:
    """A new document with its first version, a draft; returns that version."""
    if owner.pk not in editor_institution_ids(actor):
        raise PermissionDenied
    code = code.strip().upper()
    errors: dict[str, list[str]] = {}
    if kind not in DocumentKind.values:
        errors["kind"] = [_("Choose the kind of document.")]
    if not _CODE.match(code):
        errors["code"] = [
            _("Use 2 to 30 capital letters, digits or hyphens, starting with a letter.")
        ]
    elif Document.objects.filter(code=code).exists():
        errors["code"] = [_("Another document already has this code.")]
    if not title.strip():
        errors["title"] = [_("Give the document a title.")]
    if language_errors := _language_errors(language):
        errors["language"] = language_errors
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        document = Document.objects.create(
            owner=owner,
            kind=kind,
            code=code,
            title=title.strip(),
            summary=summary.strip(),
            created_by=actor,
        )
        version = DocumentVersion.objects.create(
            document=document,
            number=1,
            language=language,
            change_summary=change_summary.strip(),
            created_by=actor,
        )
        version.authors.set({actor, *authors})
        record(
            actor=actor,
            verb="library.document_created",
            obj=document,
            institution_id=owner.pk,
            details={"code": code, "kind": kind},
        )
    return version


def new_version(
    *, actor: User, document: Document, change_summary: str, language: str | None = None
) -> DocumentVersion:
    """The way to change a document: a new draft after the latest version."""
    _require_editor(actor, document)
    if not change_summary.strip():
        raise ValidationError({"change_summary": [_("Say what changes in this version.")]})
    with transaction.atomic():
        # Lock the document so two editors cannot claim the same number.
        Document.objects.select_for_update().get(pk=document.pk)
        versions = document.versions.all()
        open_version = versions.filter(status__in=OPEN_STATUSES).first()
        if open_version is not None:
            raise ValidationError(
                _("Version %(number)s is still open: finish or approve it first.")
                % {"number": open_version.number},
                code="open_version",
            )
        latest = versions.order_by("-number").first()
        number = (versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = DocumentVersion.objects.create(
            document=document,
            number=number,
            language=language or (latest.language if latest else settings.LANGUAGE_CODE),
            change_summary=change_summary.strip(),
            created_by=actor,
        )
        version.authors.set([actor])
        record(
            actor=actor,
            verb="library.version_created",
            obj=version,
            institution_id=document.owner_id,
            details={"code": version.code},
        )
    return version


def update_draft(
    *,
    actor: User,
    version: DocumentVersion,
    change_summary: str,
    language: str,
    authors: Iterable[User] = (),
) -> DocumentVersion:
    _require_editor(actor, version.document)
    _require_draft(version)
    if language_errors := _language_errors(language):
        raise ValidationError({"language": language_errors})
    with transaction.atomic():
        locked = DocumentVersion.objects.select_for_update().get(pk=version.pk)
        _require_draft(locked)
        version.change_summary = change_summary.strip()
        version.language = language
        version.save(update_fields=["change_summary", "language"])
        version.authors.set({actor, *authors})
        record(
            actor=actor,
            verb="library.draft_changed",
            obj=version,
            institution_id=version.document.owner_id,
        )
    return version


def add_file(
    *, actor: User, version: DocumentVersion, language: str, upload: UploadedFile
) -> VersionFile:
    """The version's PDF in one language; a draft's file may be replaced, nothing else's."""
    _require_editor(actor, version.document)
    _require_draft(version)
    errors: dict[str, list[str]] = {}
    if language_errors := _language_errors(language):
        errors["language"] = language_errors
    try:
        validate_pdf(upload, max_bytes=_max_document_bytes())
    except ValidationError as exc:
        errors["file"] = exc.messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        version.files.filter(language=language).delete()
        row = VersionFile(version=version, language=language, uploaded_by=actor)
        stored_files.save(row.file, f"{version.code.lower()}-{language}.pdf", upload)
        row.save()
        record(
            actor=actor,
            verb="library.file_added",
            obj=version,
            institution_id=version.document.owner_id,
            details={"language": language},
        )
    return row


def _reviewer_institution(reviewer: User, document: Document) -> Institution:
    """The reviewer's partner institution if they have one, otherwise the owner."""
    held = set(roles_by_institution(reviewer))
    partners = held & partner_ids(document.owner_id)
    chosen = min(partners) if partners else document.owner_id
    return Institution.objects.get(pk=chosen)


def invite_reviewer(*, actor: User, version: DocumentVersion, reviewer: User) -> Review:
    document = version.document
    _require_editor(actor, document)
    if version.status not in OPEN_STATUSES:
        raise ValidationError(_("Only a draft or a version under review takes reviewers."))
    if not reviewer_candidates(document).filter(pk=reviewer.pk).exists():
        raise ValidationError(
            {"reviewer": [_("Reviewers come from the owner or one of its active partners.")]}
        )
    if version.reviews.filter(reviewer=reviewer).exists():
        raise ValidationError({"reviewer": [_("This person already reviews this version.")]})
    with transaction.atomic():
        review = Review.objects.create(
            version=version,
            reviewer=reviewer,
            institution=_reviewer_institution(reviewer, document),
            invited_by=actor,
        )
        record(
            actor=actor,
            verb="library.reviewer_invited",
            obj=version,
            institution_id=document.owner_id,
            details={"reviewer": reviewer.pk, "institution": review.institution.code},
        )
        if version.status == VersionStatus.UNDER_REVIEW:
            mail.review_requested(version, [reviewer])
    return review


def submit_for_review(*, actor: User, version: DocumentVersion) -> DocumentVersion:
    _require_editor(actor, version.document)
    _require_draft(version)
    errors = []
    if not version.files.exists():
        errors.append(_("Attach the version's PDF first."))
    if not version.reviews.exists():
        errors.append(_("Invite at least one reviewer first."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        version.status = VersionStatus.UNDER_REVIEW
        version.submitted_at = timezone.now()
        version.save(update_fields=["status", "submitted_at"])
        record(
            actor=actor,
            verb="library.version_submitted",
            obj=version,
            institution_id=version.document.owner_id,
        )
        mail.review_requested(version, [r.reviewer for r in version.reviews.all()])
    return version


def return_to_draft(*, actor: User, version: DocumentVersion) -> DocumentVersion:
    """Back to the authors, e.g. after changes were requested; every review starts again."""
    _require_editor(actor, version.document)
    if version.status != VersionStatus.UNDER_REVIEW:
        raise ValidationError(_("Only a version under review can go back to draft."))
    with transaction.atomic():
        version.status = VersionStatus.DRAFT
        version.save(update_fields=["status"])
        version.reviews.update(decision=ReviewDecision.PENDING, decided_at=None)
        record(
            actor=actor,
            verb="library.version_returned_to_draft",
            obj=version,
            institution_id=version.document.owner_id,
        )
    return version


def decide_review(
    *, actor: User, version: DocumentVersion, decision: str, note: str = ""
) -> Review:
    review = version.reviews.filter(reviewer=actor).first()
    if review is None:
        raise PermissionDenied
    if version.status != VersionStatus.UNDER_REVIEW:
        raise ValidationError(_("This version is not under review."))
    if decision not in (ReviewDecision.APPROVED, ReviewDecision.CHANGES_REQUESTED):
        raise ValidationError({"decision": [_("Approve, or ask for changes.")]})
    if decision == ReviewDecision.CHANGES_REQUESTED and not note.strip():
        raise ValidationError({"note": [_("Say which changes you ask for.")]})
    with transaction.atomic():
        review.decision = decision
        review.note = note.strip()
        review.decided_at = timezone.now()
        review.save(update_fields=["decision", "note", "decided_at"])
        record(
            actor=actor,
            verb="library.review_decided",
            obj=version,
            institution_id=version.document.owner_id,
            details={"decision": decision},
        )
    return review


def add_comment(*, actor: User, version: DocumentVersion, body: str) -> ReviewComment:
    """Comments belong to the review; a published version is discussed in a new version."""
    is_reviewer = version.reviews.filter(reviewer=actor).exists()
    if not is_reviewer and version.document.owner_id not in member_institution_ids(actor):
        raise PermissionDenied
    if version.status not in OPEN_STATUSES:
        raise ValidationError(_("Comments close when a version is approved."))
    if not body.strip():
        raise ValidationError({"body": [_("Write a comment.")]})
    with transaction.atomic():
        comment = ReviewComment.objects.create(version=version, author=actor, body=body.strip())
        record(
            actor=actor,
            verb="library.comment_added",
            obj=version,
            institution_id=version.document.owner_id,
        )
    return comment


def approve_version(*, actor: User, version: DocumentVersion) -> DocumentVersion:
    """Needs an approval from a reviewer of a partner institution (a party, other than the
    owner, of an active partnership with it). The version it replaces is retired."""
    document = version.document
    if not can_publish_document(actor, document):
        raise PermissionDenied
    if version.status != VersionStatus.UNDER_REVIEW:
        raise ValidationError(_("Only a version under review can be approved."))
    partners = partner_ids(document.owner_id)
    reviews = list(version.reviews.select_related("reviewer"))
    if any(r.decision == ReviewDecision.CHANGES_REQUESTED for r in reviews):
        raise ValidationError(
            _("A reviewer has asked for changes: send the version back to draft."),
            code="changes_requested",
        )
    if not any(
        r.decision == ReviewDecision.APPROVED and r.institution_id in partners for r in reviews
    ):
        raise ValidationError(
            _(
                "Approval needs at least one reviewer from a partner institution "
                "who has approved this version."
            ),
            code="no_partner_review",
        )
    now = timezone.now()
    with transaction.atomic():
        locked = DocumentVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != VersionStatus.UNDER_REVIEW:
            raise ValidationError(_("Only a version under review can be approved."))
        replaced = list(document.versions.filter(status=VersionStatus.APPROVED))
        document.versions.filter(status=VersionStatus.APPROVED).update(
            status=VersionStatus.RETIRED, retired_at=now
        )
        version.status = VersionStatus.APPROVED
        version.approved_at = now
        version.approved_by = actor
        version.save(update_fields=["status", "approved_at", "approved_by"])
        record(
            actor=actor,
            verb="library.version_approved",
            obj=version,
            institution_id=document.owner_id,
            details={
                "code": version.code,
                "reviewers": [r.reviewer_id for r in reviews if r.decision == "approved"],
                "retired": [v.code for v in replaced],
            },
        )
        mail.new_version_approved(version)
    return version


def retire_version(*, actor: User, version: DocumentVersion) -> DocumentVersion:
    if not can_publish_document(actor, version.document):
        raise PermissionDenied
    if version.status != VersionStatus.APPROVED:
        raise ValidationError(_("Only an approved version can be retired."))
    with transaction.atomic():
        version.status = VersionStatus.RETIRED
        version.retired_at = timezone.now()
        version.save(update_fields=["status", "retired_at"])
        record(
            actor=actor,
            verb="library.version_retired",
            obj=version,
            institution_id=version.document.owner_id,
        )
    return version
