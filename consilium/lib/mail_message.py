"""Mail messages whose Subject reads back as written.

Django encodes a non-ASCII subject into encoded words sized for a line of their own, so
the generator folds the header straight after "Subject:" and a reader (Python's email
parser, some mail programs) gets the subject with a leading space. Encoding it with the
header's name in mind keeps the first words on the Subject line.

Images shown inside the HTML part travel with it in a multipart/related part, the HTML
first and each image after it under its Content-ID, so the HTML refers to them as
``cid:...``. The related part sits inside the alternative, beside the plain text: a reader of
the plain text does not download them as attachments, and files attached to the mail (a
report PDF) stay attachments."""

import email.message
from email.header import Header
from email.mime.image import MIMEImage

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart


class _FoldedSubject:
    def message(self, **kwargs):
        msg = super().message(**kwargs)
        subject = " ".join(str(self.subject).split())
        if not subject.isascii():
            del msg["Subject"]
            # Django's __setitem__ would encode it again without the header's name.
            email.message.Message.__setitem__(
                msg, "Subject", Header(subject, "utf-8", header_name="Subject")
            )
        return msg


class MailMessage(_FoldedSubject, EmailMessage):
    pass


class MailWithAlternatives(_FoldedSubject, EmailMultiAlternatives):
    def __init__(self, *args, inline_images: list[tuple[str, str, bytes]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # (Content-ID without its angle brackets, file name, JPEG bytes)
        self.inline_images = list(inline_images or [])

    def _create_alternatives(self, msg):
        msg = super()._create_alternatives(msg)
        if not self.inline_images or not msg.is_multipart():
            return msg
        parts = msg.get_payload()
        for i, part in enumerate(parts):
            if part.get_content_type() == "text/html":
                parts[i] = self._related(part)
                break
        return msg

    def _related(self, html_part):
        related = SafeMIMEMultipart(
            _subtype="related", encoding=self.encoding or settings.DEFAULT_CHARSET
        )
        related.set_param("type", "text/html")
        related.attach(html_part)
        for content_id, filename, data in self.inline_images:
            image = MIMEImage(data, "jpeg")
            image["Content-ID"] = f"<{content_id}>"
            image.add_header("Content-Disposition", "inline", filename=filename)
            related.attach(image)
        return related
