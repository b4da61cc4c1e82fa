"""A board's agenda by mail: to each registered participant, in their language and time
zone, with the agenda as a PDF and the meeting as an .ics. The scheduler sends it the
configured number of hours before the session, and again whenever the agenda changes
after it went out (the event's sequence moved on)."""

import datetime
from email.utils import parseaddr

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import TaskContext, task

from consilium.audit.actions import record
from consilium.lib.mail_message import MailWithAlternatives
from consilium.meetings.cases import attach_summaries_for_mail
from consilium.meetings.choices import AgendaStatus, EventKind, RegistrationStatus
from consilium.meetings.ics import calendar
from consilium.meetings.models import Event, Registration
from consilium.meetings.pdf import render_pdf


def send_due_agendas(now: datetime.datetime | None = None) -> dict[str, int]:
    """Periodic job. Each registered participant of a board whose agenda is due gets the
    current version once: those registered late get it on the next run, and everyone gets
    it again when the agenda changes (the event's sequence moves on). Each copy is claimed
    with a conditional UPDATE on the registration, so two schedulers never both send it."""
    now = now or timezone.now()
    # A board with cases, or one whose agenda went out and has lost its cases since: its
    # participants must hear that too.
    boards = (
        Event.objects.filter(kind=EventKind.TUMOUR_BOARD, starts_at__gt=now)
        .filter(Q(agenda__status=AgendaStatus.ACCEPTED) | Q(agenda_sent_at__isnull=False))
        .distinct()
    )
    counts = {"first": 0, "changed": 0}
    for event in boards:
        if event.starts_at - datetime.timedelta(hours=event.agenda_hours_before) > now:
            continue
        first, changed = enqueue_agenda(event, now=now)
        counts["first"] += first
        counts["changed"] += changed
    return counts


def _waiting(event: Event) -> QuerySet[Registration]:
    """Participants who have not been sent this version of the agenda."""
    return (
        event.registrations.filter(status=RegistrationStatus.REGISTERED)
        .exclude(email="")
        .filter(Q(agenda_queued_sequence__isnull=True) | ~Q(agenda_queued_sequence=event.sequence))
    )


def enqueue_agenda(event: Event, *, now: datetime.datetime) -> tuple[int, int]:
    """Queues the agenda for each participant still waiting for this version; returns
    how many get it for the first time and how many get a changed one."""
    first = changed = 0
    waiting = _waiting(event)
    if not event.agenda.filter(status=AgendaStatus.ACCEPTED).exists():
        # An agenda emptied after it went out: only those who had it hear of the change.
        waiting = waiting.filter(agenda_queued_sequence__isnull=False)
    with transaction.atomic():
        for registration in waiting:
            had = registration.agenda_queued_sequence
            claimed = (
                Registration.objects.filter(pk=registration.pk)
                .filter(
                    Q(agenda_queued_sequence__isnull=True)
                    if had is None
                    else Q(agenda_queued_sequence=had)
                )
                .update(agenda_queued_sequence=event.sequence)
            )
            if not claimed:
                continue
            send_agenda.enqueue(
                registration_id=registration.pk, changed=had is not None, sequence=event.sequence
            )
            if had is None:
                first += 1
            else:
                changed += 1
        if first or changed:
            Event.objects.filter(pk=event.pk).update(
                agenda_sent_at=now, agenda_sent_sequence=event.sequence
            )
            record(
                actor=None,
                verb="meetings.agenda_mailed",
                obj=event,
                institution_id=event.host_id,
                details={
                    "recipients": first + changed,
                    "first": first,
                    "changed": changed,
                    "sequence": event.sequence,
                },
            )
    return first, changed


def agenda_reach(event: Event) -> dict[str, int]:
    """For the coordinator: how many registered participants the current version of the
    agenda has reached, of how many, and how many are still to get it."""
    registered = event.registrations.filter(status=RegistrationStatus.REGISTERED)
    return {
        "registered": registered.count(),
        "reached": registered.filter(agenda_mailed_sequence=event.sequence).count(),
        "without_email": registered.filter(email="").count(),
    }


def _language(registration: Registration) -> str:
    event = registration.event
    language = (registration.user.language if registration.user else "") or (
        event.languages[0] if event.languages else settings.LANGUAGE_CODE
    )
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def render_agenda(registration: Registration, *, changed: bool) -> MailWithAlternatives:
    event = registration.event
    reader_zone = registration.user.time_zone if registration.user else event.time_zone
    items = list(
        event.agenda.filter(status=AgendaStatus.ACCEPTED)
        .select_related("consultation__patient", "presenter")
        .prefetch_related("consultation__patient__diagnoses")
        .order_by("order", "pk")
    )
    with translation.override(_language(registration)), timezone.override(reader_zone):
        # Inside the reader's language: the summaries carry translated terms (diagnosis in
        # words, risk group), as the PDF and the .ics carry translated labels.
        attach_summaries_for_mail(user=registration.user, event=event, items=items)
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
        ics = calendar([event], name=event.title)
    # A subject that reads back as written (no leading space in Vietnamese or Russian).
    message = MailWithAlternatives(
        subject=" ".join(subject.split()), body=body, to=[registration.email]
    )
    message.attach(pdf_name, pdf, "application/pdf")
    message.attach("board.ics", ics, "text/calendar")
    return message


@task(queue_name="email", takes_context=True)
def send_agenda(
    context: TaskContext, *, registration_id: int, changed: bool, sequence: int | None = None
) -> int:
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
    sent = message.send()
    if sent:
        # What the coordinator's "reached N of M" counts: copies that went out.
        Registration.objects.filter(pk=registration.pk).update(
            agenda_mailed_sequence=registration.event.sequence if sequence is None else sequence,
            agenda_mailed_at=timezone.now(),
        )
    return sent
