"""Registration mail: confirmation, waiting list, promotion. In the participant's language,
queued in the transaction of the change (consilium.lib.enqueue)."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from consilium.core.tasks import send_email
from consilium.lib.enqueue import enqueue_in_transaction
from consilium.meetings.models import Registration


def enqueue_registration_mail(registration: Registration, *, kind: str) -> None:
    if not registration.email:
        return
    event = registration.event
    language = (registration.user.language if registration.user else "") or (
        event.languages[0] if event.languages else settings.LANGUAGE_CODE
    )
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    context = {
        "registration": registration,
        "event": event,
        "kind": kind,
        "event_url": settings.SITE_URL + reverse("meetings:event", args=[event.pk]),
        "ics_url": settings.SITE_URL + reverse("meetings:event_ics", args=[event.pk]),
        "join_url": settings.SITE_URL + reverse("meetings:join", args=[registration.join_token]),
        "reader_zone": registration.user.time_zone if registration.user else event.time_zone,
    }
    with translation.override(language):
        subject = render_to_string("meetings/email/registration_subject.txt", context)
        body = render_to_string("meetings/email/registration.txt", context)
    enqueue_in_transaction(
        send_email, subject=" ".join(subject.split()), body=body, to=[registration.email]
    )
