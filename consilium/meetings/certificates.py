"""Certificates of attendance, with the hours attended and the topics of the programme."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consilium.meetings.models import Registration
from consilium.meetings.pdf import render_pdf
from consilium.meetings.programme import event_topics


def certificate_number(registration: Registration) -> str:
    event = registration.event
    return f"{event.host.code}-{event.starts_at:%Y}-{event.pk:04d}-{registration.pk:05d}"


def _certificate_language(registration: Registration) -> str:
    """The registrant's own language; for someone registered without an account, the event's
    first language the product speaks (a congress in Tashkent certifies in Uzbek), then the
    site's default, rather than English always."""
    if registration.user and registration.user.language:
        return registration.user.language
    spoken = dict(settings.LANGUAGES)
    for code in registration.event.languages or []:
        if str(code).strip().lower() in spoken:
            return str(code).strip().lower()
    return settings.LANGUAGE_CODE


def certificate_pdf(registration: Registration, *, language: str | None = None) -> bytes:
    if not registration.attended or not registration.hours_attended:
        raise ValidationError(_("There is no attendance to certify yet."))
    event = registration.event
    language = language or _certificate_language(registration)
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
