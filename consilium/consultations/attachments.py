"""Attachments arrive by web or email; both go through the same de-identification here."""

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile

from consilium.accounts.models import User
from consilium.consultations.deid.deidentify import (
    AttachmentError,
    Kind,
    PreviewUnavailable,
    deidentify_attachment,
    dicom_preview_png,
)
from consilium.consultations.models import Attachment, AttachmentKind, Consultation, Message
from consilium.lib import stored_files

_EXTENSIONS = {
    Kind.DICOM: "dcm",
    Kind.JPEG: "jpg",
    Kind.PNG: "png",
    Kind.WEBP: "webp",
    Kind.PDF: "pdf",
    Kind.DOCUMENT: "bin",
}
_KINDS = {
    Kind.DICOM: AttachmentKind.DICOM,
    Kind.JPEG: AttachmentKind.PHOTO,
    Kind.PNG: AttachmentKind.PHOTO,
    Kind.WEBP: AttachmentKind.PHOTO,
    Kind.PDF: AttachmentKind.PDF,
    Kind.DOCUMENT: AttachmentKind.DOCUMENT,
}


@dataclass(frozen=True)
class Prepared:
    kind: Kind
    data: bytes
    deidentified: bool
    needs_review: bool
    changes: tuple[str, ...]
    preview: bytes | None


def uid_salt(pseudonym: str) -> bytes:
    """One salt per patient: UIDs stay consistent across all of a patient's files."""
    return hmac.new(settings.SECRET_KEY.encode(), f"dicom:{pseudonym}".encode(), "sha256").digest()


def prepare(filename: str, data: bytes, *, pseudonym: str) -> Prepared:
    """De-identify one file; raises AttachmentError with a message for the sender."""
    result = deidentify_attachment(
        filename, data, uid_salt=uid_salt(pseudonym), pseudonym=pseudonym
    )
    preview = None
    if result.kind is Kind.DICOM:
        try:
            preview = dicom_preview_png(result.data)
        except (PreviewUnavailable, AttachmentError):
            preview = None
    return Prepared(
        kind=result.kind,
        data=result.data,
        deidentified=result.deidentified,
        needs_review=result.needs_sender_warning,
        changes=tuple(str(c) for c in result.changes),
        preview=preview,
    )


def save(
    *,
    consultation: Consultation,
    message: Message | None,
    uploaded_by: User | None,
    prepared: Prepared,
) -> Attachment:
    number = consultation.attachments.count() + 1
    name = f"{consultation.patient.pseudonym}-{number:02d}.{_EXTENSIONS[prepared.kind]}"
    attachment = Attachment(
        consultation=consultation,
        message=message,
        uploaded_by=uploaded_by,
        kind=_KINDS[prepared.kind],
        name=name,
        size=len(prepared.data),
        sha256=hashlib.sha256(prepared.data).hexdigest(),
        deidentified=prepared.deidentified,
        needs_review=prepared.needs_review,
        changes=list(prepared.changes),
    )
    stored_files.save(attachment.file, name, ContentFile(prepared.data))
    if prepared.preview:
        stored_files.save(attachment.preview, f"{name}.png", ContentFile(prepared.preview))
    attachment.save()
    return attachment
