"""What de-identification hands back: the kind of attachment and the cleaned bytes."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from django.utils.functional import Promise


class Kind(enum.StrEnum):
    DICOM = "dicom"
    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"
    PDF = "pdf"
    DOCUMENT = "document"

    @property
    def is_photo(self) -> bool:
        return self in (Kind.JPEG, Kind.PNG, Kind.WEBP)

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self]


_CONTENT_TYPES = {
    Kind.DICOM: "application/dicom",
    Kind.JPEG: "image/jpeg",
    Kind.PNG: "image/png",
    Kind.WEBP: "image/webp",
    Kind.PDF: "application/pdf",
    Kind.DOCUMENT: "application/octet-stream",
}


@dataclass(frozen=True)
class DeidResult:
    """The attachment as it may be stored and shared.

    ``changes`` lists what was done, by attribute name and action, never with the original
    values, so it can go into the audit entry as it is. ``safe_fields`` holds a few
    non-identifying facts (modality, image size...) for display. ``needs_sender_warning``
    is set when the content could not be fully checked (PDFs, other documents, DICOM whose
    pixels may carry burned-in text): the sender must confirm it shows no identifiers.
    """

    kind: Kind
    data: bytes
    deidentified: bool
    changes: tuple[str, ...] = ()
    safe_fields: dict[str, str] = field(default_factory=dict)
    needs_sender_warning: bool = False
    warnings: tuple[Promise | str, ...] = ()

    @property
    def content_type(self) -> str:
        return self.kind.content_type
