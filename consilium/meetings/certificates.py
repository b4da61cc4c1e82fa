"""Certificates of attendance, with the hours attended and the topics of the programme."""

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consilium.meetings.models import Registration
from consilium.meetings.pdf import render_pdf
from consilium.meetings.programme import event_topics


def certificate_number(registration: Registration) -> str:
    event = registration.event
    return f"{event.host.code}-{event.starts_at:%Y}-{event.pk:04d}-{registration.pk:05d}"


def certificate_pdf(registration: Registration, *, language: str | None = None) -> bytes:
    if not registration.attended or not registration.hours_attended:
        raise ValidationError(_("There is no attendance to certify yet."))
    event = registration.event
    language = language or (registration.user.language if registration.user else "") or "en"
    with translation.override(language), timezone.override(event.zone):
        return render_pdf(
            "meetings/pdf/certificate.html",
            {
                "registration": registration,
                "event": event,
                "organisers": [event.host, *event.co_organisers.all()],
                "topics": event_topics(event),
                "number": certificate_number(registration),
                "issued_on": timezone.localdate(),
            },
        )
