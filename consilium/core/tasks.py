"""Mail goes out through a task, so a slow or absent mail server never blocks a page, and a
message that could not be sent is tried again later rather than lost."""

import datetime
import logging
import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tasks import TaskContext, task

from consilium.lib.mail_images import NotAnImage, mail_jpeg
from consilium.lib.mail_message import MailWithAlternatives

logger = logging.getLogger(__name__)

# Minutes to wait before each new attempt: about a day and a half in all.
RETRY_MINUTES = (1, 5, 15, 60, 180, 360, 720, 720)


@task(queue_name="email", takes_context=True)
def send_email(
    context: TaskContext,
    *,
    subject: str,
    body: str,
    to: list[str],
    html: str = "",
    reply_to: list[str] | None = None,
    headers: dict[str, str] | None = None,
    stored_attachments: list[tuple[str, str, str]] | None = None,
    inline_images: list[tuple[str, str, str]] | None = None,
    attempt: int = 0,
) -> int:
    """`stored_attachments` are (filename, name in default storage, MIME type): task
    arguments travel as JSON, so files travel by name. `inline_images` are (Content-ID,
    filename, name in default storage) of images the HTML shows as ``cid:``; each is sent as
    the small JPEG `mail_jpeg` makes of it, the same one measured when the mail was queued."""
    headers = dict(headers or {})
    if "Message-ID" not in headers:
        # One Message-ID for every run and every retry of this mail: a worker killed after
        # the server accepted it runs the task again (consilium.core.leases), and the copy
        # then carries the same Message-ID, which mail systems recognise as the same message.
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
        headers["Message-ID"] = f"<{context.task_result.id}@{domain}>"
    message = MailWithAlternatives(
        subject=subject,
        body=body,
        to=to,
        reply_to=reply_to or [],
        headers=headers,
        inline_images=_inline_images(inline_images or []) if html else [],
    )
    if html:
        message.attach_alternative(html, "text/html")
    for filename, stored, mimetype in stored_attachments or []:
        with default_storage.open(stored, "rb") as f:
            message.attach(filename, f.read(), mimetype)
    try:
        return message.send()
    except (smtplib.SMTPException, OSError) as exc:
        if attempt >= len(RETRY_MINUTES):
            logger.error("giving up on mail to %s after %d attempts: %s", to, attempt + 1, exc)
            raise
        delay = datetime.timedelta(minutes=RETRY_MINUTES[attempt])
        logger.warning("mail to %s failed (%s); trying again in %s", to, exc, delay)
        send_email.using(run_after=timezone.now() + delay).enqueue(
            subject=subject,
            body=body,
            to=to,
            html=html,
            reply_to=reply_to,
            headers=headers,
            stored_attachments=stored_attachments,
            inline_images=inline_images,
            attempt=attempt + 1,
        )
        return 0


def _inline_images(wanted: list[tuple[str, str, str]]) -> list[tuple[str, str, bytes]]:
    """The images as small JPEGs. One whose file went since the mail was queued (its
    consultation deleted) is left out: the mail still goes, its HTML shows the alt text."""
    images = []
    for content_id, filename, stored in wanted:
        try:
            with default_storage.open(stored, "rb") as f:
                images.append((content_id, filename, mail_jpeg(f.read())))
        except (OSError, NotAnImage) as exc:
            logger.warning("inline image %s left out of a mail: %s", stored, exc)
    return images
