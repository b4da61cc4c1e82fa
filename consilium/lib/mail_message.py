"""Mail messages whose Subject reads back as written.

Django encodes a non-ASCII subject into encoded words sized for a line of their own, so
the generator folds the header straight after "Subject:" and a reader (Python's email
parser, some mail programs) gets the subject with a leading space. Encoding it with the
header's name in mind keeps the first words on the Subject line."""

import email.message
from email.header import Header

from django.core.mail import EmailMessage, EmailMultiAlternatives


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
    pass
