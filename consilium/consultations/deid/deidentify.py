"""De-identification of consultation attachments on arrival: the one entry point callers use.

``classify_attachment`` decides what a file is by its content (magic numbers), using the file
name only to refuse rather than pass through a file that claims to be DICOM or a photo but is
not. ``deidentify_attachment`` routes: DICOM and photos are de-identified; PDFs and other
documents are kept as sent and flagged, because their content cannot be checked here.
"""

from __future__ import annotations

from pathlib import PurePath

from django.utils.translation import gettext_lazy as _

from .dicom import date_shift_days_for, deidentify_dicom, pseudonymous_uid
from .dicom_preview import dicom_preview_png
from .dicom_read import has_dicom_magic
from .errors import (
    AttachmentError,
    AttachmentRejected,
    AttachmentTooLargeError,
    EmptyAttachmentError,
    NotAnImageError,
    NotDicomError,
    PreviewUnavailable,
    UnsafeImageError,
    UnsupportedDicomError,
)
from .limits import (
    DEFAULT_MAX_DICOM_BYTES,
    DEFAULT_MAX_DOCUMENT_BYTES,
    DEFAULT_MAX_PHOTO_BYTES,
    DEFAULT_MAX_PIXELS,
    check_size,
)
from .photo import deidentify_photo, photo_kind
from .result import DeidResult, Kind

__all__ = [
    "AttachmentError",
    "AttachmentRejected",
    "AttachmentTooLargeError",
    "DeidResult",
    "EmptyAttachmentError",
    "Kind",
    "NotAnImageError",
    "NotDicomError",
    "PreviewUnavailable",
    "UnsafeImageError",
    "UnsupportedDicomError",
    "classify_attachment",
    "date_shift_days_for",
    "deidentify_attachment",
    "deidentify_dicom",
    "deidentify_photo",
    "dicom_preview_png",
    "pseudonymous_uid",
]

_DICOM_SUFFIXES = frozenset({".dcm", ".dicom", ".dic"})
_PHOTO_SUFFIXES = {
    ".jpg": Kind.JPEG,
    ".jpeg": Kind.JPEG,
    ".jfif": Kind.JPEG,
    ".png": Kind.PNG,
    ".webp": Kind.WEBP,
}
# Image formats that carry EXIF/GPS but that we do not re-encode: refused, never passed through.
_UNCLEANED_IMAGE_MAGIC = (
    b"II*\x00",  # TIFF little-endian
    b"MM\x00*",  # TIFF big-endian
    b"GIF87a",
    b"GIF89a",
    b"BM",
)
_UNCLEANED_IMAGE_BRANDS = (b"heic", b"heix", b"heif", b"mif1", b"msf1", b"avif", b"hevc")


def classify_attachment(filename: str, data: bytes) -> Kind:
    if has_dicom_magic(data):
        return Kind.DICOM
    kind = photo_kind(data)
    if kind is not None:
        return kind
    if b"%PDF-" in data[:1024]:
        return Kind.PDF
    name = PurePath(filename or "").name
    suffix = PurePath(name).suffix.lower()
    if suffix in _DICOM_SUFFIXES or name.upper() == "DICOMDIR":
        return Kind.DICOM
    return _PHOTO_SUFFIXES.get(suffix, Kind.DOCUMENT)


def deidentify_attachment(
    filename: str,
    data: bytes,
    *,
    uid_salt: bytes,
    pseudonym: str,
    date_shift_days: int | None = None,
    max_dicom_bytes: int = DEFAULT_MAX_DICOM_BYTES,
    max_photo_bytes: int = DEFAULT_MAX_PHOTO_BYTES,
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> DeidResult:
    """Classify and de-identify one attachment; raises ``AttachmentRejected`` subclasses."""
    kind = classify_attachment(filename, data)
    if kind is Kind.DICOM:
        return deidentify_dicom(
            data,
            uid_salt=uid_salt,
            pseudonym=pseudonym,
            date_shift_days=date_shift_days,
            max_bytes=max_dicom_bytes,
        )
    if kind.is_photo:
        return deidentify_photo(data, max_pixels=max_pixels, max_bytes=max_photo_bytes)
    check_size(data, max_document_bytes)
    if _is_uncleaned_image(data):
        raise NotAnImageError(
            _(
                "This image format (TIFF, GIF, BMP, HEIC or AVIF) can carry hidden location and "
                "camera data that we cannot remove. Please save the photo as JPEG or PNG."
            )
        )
    return DeidResult(
        kind=kind,
        data=data,
        deidentified=False,
        changes=("kept as sent: documents are not de-identified automatically",),
        needs_sender_warning=True,
        warnings=(
            _(
                "This document was not de-identified. Before sharing it, make sure it shows "
                "no patient name, hospital number, address or date of birth, including in "
                "headers, footers and scanned pages."
            ),
        ),
    )


def _is_uncleaned_image(data: bytes) -> bool:
    if data.startswith(_UNCLEANED_IMAGE_MAGIC):
        return True
    return data[4:8] == b"ftyp" and data[8:12] in _UNCLEANED_IMAGE_BRANDS
