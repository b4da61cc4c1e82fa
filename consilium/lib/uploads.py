"""Checks on uploaded files that do not trust the name or the declared type."""

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


def validate_pdf(upload: UploadedFile, *, max_bytes: int) -> None:
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    # PDF readers accept the header anywhere in the first kilobyte.
    if b"%PDF-" not in head:
        raise ValidationError(_("This file is not a PDF."), code="not_pdf")
