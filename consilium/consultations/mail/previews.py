"""Which of a consultation's images a mail shows inline, so an expert on a phone can look at
them without signing in.

Only what the partner may see without a second look: de-identified and not kept as sent for
the sender to check (`needs_review`). A few, each a small JPEG, and a bounded total: the mail is
read on slow lines; the rest stay on the consultation page and the mail says how many."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from io import BytesIO

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils.functional import Promise
from PIL import Image

from consilium.consultations.models import Attachment, AttachmentKind
from consilium.lib.mail_images import NotAnImage, mail_jpeg

logger = logging.getLogger(__name__)

MAX_IMAGES = 4
# Of the JPEG bytes; in the mail, base64 makes them a third larger.
MAX_TOTAL_BYTES = 300_000
IMAGE_KINDS = (AttachmentKind.DICOM, AttachmentKind.PHOTO)


@dataclass(frozen=True)
class Preview:
    content_id: str
    filename: str
    stored: str  # the name in default storage the JPEG is made from
    size: int
    width: int
    height: int
    kind_label: Promise  # lazy: each reader's mail is rendered in their language
    number: int  # its place among the consultation's images, from 1


@dataclass
class Previews:
    shown: list[Preview] = field(default_factory=list)
    total: int = 0  # every image these attachments hold, shown or not

    @property
    def more(self) -> int:
        return self.total - len(self.shown)

    def task_argument(self) -> list[tuple[str, str, str]]:
        return [(p.content_id, p.filename, p.stored) for p in self.shown]


def source_name(attachment: Attachment) -> str:
    """The stored image a preview is made from: the PNG rendered from a DICOM file, or the
    de-identified photo itself; empty when there is none (a compressed DICOM, a PDF)."""
    if attachment.preview:
        return attachment.preview.name
    if attachment.kind == AttachmentKind.PHOTO:
        return attachment.file.name
    return ""


def showable(attachment: Attachment) -> bool:
    return attachment.deidentified and not attachment.needs_review and bool(source_name(attachment))


def choose(attachments: Iterable[Attachment], *, consultation_id: int) -> Previews:
    """In the consultation's order, up to MAX_IMAGES; stop at the first that would take the
    total past MAX_TOTAL_BYTES (a later smaller one would show the images out of order)."""
    images = [a for a in attachments if a.kind in IMAGE_KINDS]
    previews = Previews(total=len(images))
    used = 0
    for number, attachment in enumerate(images, start=1):
        if len(previews.shown) >= MAX_IMAGES:
            break
        if not showable(attachment):
            continue
        stored = source_name(attachment)
        try:
            with default_storage.open(stored, "rb") as f:
                jpeg = mail_jpeg(f.read())
        except (OSError, NotAnImage) as exc:
            logger.warning("no mail preview for attachment %s: %s", attachment.pk, exc)
            continue
        if used + len(jpeg) > MAX_TOTAL_BYTES:
            break
        used += len(jpeg)
        width, height = Image.open(BytesIO(jpeg)).size
        stem = attachment.name.rsplit(".", 1)[0]
        previews.shown.append(
            Preview(
                content_id=(
                    f"preview-{consultation_id}-{attachment.pk}@{settings.CONSILIUM_REPLY_DOMAIN}"
                ),
                filename=f"{stem}.jpg",
                stored=stored,
                size=len(jpeg),
                width=width,
                height=height,
                kind_label=AttachmentKind(attachment.kind).label,
                number=number,
            )
        )
    return previews
