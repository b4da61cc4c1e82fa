"""Errors raised while checking and de-identifying consultation attachments.

Every error carries a translatable, user-facing ``message`` that a view can show as it is:
it says what was wrong with the file and what the sender can do, never a stack trace.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class AttachmentError(ValueError):
    """Base class: something about this attachment stops us from handling it."""

    default_message: Promise | str = _("This attachment could not be processed.")

    def __init__(self, message: Promise | str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)


class AttachmentRejected(AttachmentError):
    """The attachment is refused: it is not stored, and the sender is told why."""

    default_message = _("This attachment was refused.")


class EmptyAttachmentError(AttachmentRejected):
    default_message = _("The file is empty (0 bytes). Please attach the file again.")


class AttachmentTooLargeError(AttachmentRejected):
    default_message = _("The file is too large.")


class NotDicomError(AttachmentRejected):
    default_message = _(
        "This file is not a DICOM file that can be read (DICOM Part 10 files start with a "
        "128-byte preamble and 'DICM'). Export the images from the PACS or viewer as DICOM "
        "files, or attach them as photos."
    )


class UnsupportedDicomError(AttachmentRejected):
    default_message = _(
        "This DICOM file cannot be de-identified automatically. Please export the images "
        "again as individual DICOM image files."
    )


class DamagedDicomError(UnsupportedDicomError):
    default_message = _(
        "This DICOM file is damaged: an attribute is longer than DICOM allows, which can hide "
        "other attributes inside it. Export the images again from the PACS or viewer."
    )


class NotAnImageError(AttachmentRejected):
    default_message = _(
        "This file is not a JPEG, PNG or WebP image that can be read. It may be damaged or "
        "in another format; please export it again as JPEG or PNG."
    )


class UnsafeImageError(AttachmentRejected):
    default_message = _(
        "This image is refused because its dimensions are too large to open safely. "
        "Please resize it (for example to the size of a phone photo) and attach it again."
    )


class PreviewUnavailable(AttachmentError):
    """No preview can be drawn; the attachment itself is still fine to keep."""

    default_message = _("No preview is available for this DICOM file.")
