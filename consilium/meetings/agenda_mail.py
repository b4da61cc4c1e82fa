"""A board's agenda by mail: to each registered participant, in their language and time
zone, with the agenda as a PDF and the meeting as an .ics. The scheduler sends it the
configured number of hours before the session, and again whenever the agenda changes
after it went out (the event's sequence moved on)."""

import datetime
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import TaskContext, task

from consilium.audit.actions import record
from consilium.meetings.cases import attach_summaries_for_mail
from consilium.meetings.choices import AgendaStatus, EventKind, RegistrationStatus
from consilium.meetings.ics import calendar
from consilium.meetings.models import Event, Registration
from consilium.meetings.pdf import render_pdf


def send_due_agendas(now: datetime.datetime | None = None) -> dict[str, int]:
    """Periodic job. Claims each board with a conditional UPDATE, so two schedulers never
    both send the same agenda."""
    now = now or timezone.now()
    boards = Event.objects.filter(
        kind=EventKind.TUMOUR_BOARD,
        starts_at__gt=now,
        agenda__status=AgendaStatus.ACCEPTED,
    ).distinct()
    counts = {"first": 0, "changed": 0}
    for event in boards:
        if event.starts_at - datetime.timedelta(hours=event.agenda_hours_before) > now:
            continue
        first = event.agenda_sent_at is None
        if not first and event.agenda_sent_sequence == event.sequence:
            continue
        with transaction.atomic():
            unchanged = Q(agenda_sent_sequence__isnull=True) | ~Q(
                agenda_sent_sequence=F("sequence")
            )
            claimed = (
                Event.objects.filter(pk=event.pk)
                .filter(unchanged)
                .update(agenda_sent_at=now, agenda_sent_sequence=F("sequence"))
            )
            if not claimed:
                continue
            recipients = enqueue_agenda(event, changed=not first)
        counts["changed" if not first else "first"] += recipients
    return counts


def enqueue_agenda(event: Event, *, changed: bool) -> int:
    registrations = list(
        event.registrations.filter(status=RegistrationStatus.REGISTERED).exclude(email="")
    )
    for registration in registrations:
        send_agenda.enqueue(registration_id=registration.pk, changed=changed)
    record(
        actor=None,
        verb="meetings.agenda_mailed",
        obj=event,
        institution_id=event.host_id,
        details={"recipients": len(registrations), "changed": changed},
    )
    return len(registrations)


def _language(registration: Registration) -> str:
    event = registration.event
    language = (registration.user.language if registration.user else "") or (
        event.languages[0] if event.languages else settings.LANGUAGE_CODE
    )
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def render_agenda(registration: Registration, *, changed: bool) -> EmailMultiAlternatives:
    event = registration.event
    reader_zone = registration.user.time_zone if registration.user else event.time_zone
    items = list(
        event.agenda.filter(status=AgendaStatus.ACCEPTED)
        .select_related("consultation__patient", "presenter")
        .prefetch_related("consultation__patient__diagnoses")
        .order_by("order", "pk")
    )
    attach_summaries_for_mail(user=registration.user, event=event, items=items)
    with translation.override(_language(registration)), timezone.override(reader_zone):
        context = {
            "event": event,
            "registration": registration,
            "items": items,
            "changed": changed,
            "reader_zone": reader_zone,
            "agenda_url": settings.SITE_URL + reverse("meetings:agenda", args=[event.pk]),
            "join_url": settings.SITE_URL
            + reverse("meetings:join", args=[registration.join_token]),
        }
        subject = render_to_string("meetings/email/agenda_subject.txt", context)
        body = render_to_string("meetings/email/agenda.txt", context)
        pdf = render_pdf("meetings/pdf/agenda.html", context)
        local_day = event.starts_at.astimezone(event.zone).date().isoformat()
        pdf_name = _("agenda-%(date)s.pdf") % {"date": local_day}
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()), body=body, to=[registration.email]
    )
    message.attach(pdf_name, pdf, "application/pdf")
    message.attach("board.ics", calendar([event], name=event.title), "text/calendar")
    return message


@task(queue_name="email", takes_context=True)
def send_agenda(context: TaskContext, *, registration_id: int, changed: bool) -> int:
    registration = (
        Registration.objects.select_related("event__host", "user")
        .filter(pk=registration_id, status=RegistrationStatus.REGISTERED)
        .first()
    )
    if registration is None or not registration.email:
        return 0
    message = render_agenda(registration, changed=changed)
    # The same Message-ID on a retry: mail systems see the copy as the same message.
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    message.extra_headers["Message-ID"] = f"<{context.task_result.id}@{domain}>"
    return message.send()
