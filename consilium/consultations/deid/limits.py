"""Size limits for attachments, and the check every kind goes through first."""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .errors import AttachmentTooLargeError, EmptyAttachmentError

MB = 1024 * 1024
DEFAULT_MAX_DICOM_BYTES = 50 * MB
DEFAULT_MAX_PHOTO_BYTES = 20 * MB
DEFAULT_MAX_DOCUMENT_BYTES = 20 * MB
# Width x height; a 12 MP phone photo is far below, a 100000 x 100000 "bomb" far above.
DEFAULT_MAX_PIXELS = 40_000_000


def check_size(data: bytes, max_bytes: int) -> None:
    if not data:
        raise EmptyAttachmentError()
    if len(data) > max_bytes:
        raise AttachmentTooLargeError(
            format_lazy(
                _("The file is larger than the limit of {limit} MB."),
                limit=max(1, max_bytes // MB),
            )
        )
