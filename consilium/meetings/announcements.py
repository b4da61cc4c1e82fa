"""Messages from the organisers to the registrants of an event, or to those of one session,
written in one or more languages. Each registrant gets the version in their own language,
else the one in the event's language, else the first written. Sent through the task queue,
one task per registrant, with the progress on the organiser's page (as certificates)."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from consilium.accounts.models import User
from consilium.audit.actions import record
from consilium.lib.enqueue import enqueue_in_transaction
from consilium.lib.mail_message import MailMessage
from consilium.meetings.access import can_manage_event
from consilium.meetings.choices import RegistrationStatus
from consilium.meetings.models import (
    Announcement,
    AnnouncementDelivery,
    Event,
    Registration,
    Session,
)

MAX_SUBJECT = 200
MAX_BODY = 10_000


@dataclass(frozen=True)
class Version:
    language: str
    subject: str
    body: str


def event_language(event: Event) -> str:
    """The event's first language the product speaks, else the site's."""
    spoken = dict(settings.LANGUAGES)
    for code in event.languages or []:
        if str(code).strip().lower() in spoken:
            return str(code).strip().lower()
    return settings.LANGUAGE_CODE


def reader_language(registration: Registration) -> str:
    if registration.user and registration.user.language in dict(settings.LANGUAGES):
        return registration.user.language
    return event_language(registration.event)


def choose_version(versions: list[dict], language: str, fallback: str) -> dict:
    by_language = {v["language"]: v for v in versions}
    return by_language.get(language) or by_language.get(fallback) or versions[0]


def recipients(event: Event, session: Session | None = None) -> QuerySet[Registration]:
    """Everyone registered or waiting, with an address. For one session: those who came on
    its day (checked in or joined online), since a registration is for the whole event and
    only the attendance of a day tells who was in that session's audience."""
    found = event.registrations.filter(
        status__in=[RegistrationStatus.REGISTERED, RegistrationStatus.WAITING]
    ).exclude(email="")
    if session is not None:
        day = session.starts_at.astimezone(event.zone).date()
        found = found.filter(status=RegistrationStatus.REGISTERED, days__day=day).distinct()
    return found


def _check_versions(versions: list[Version]) -> tuple[list[Version], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    spoken = dict(settings.LANGUAGES)
    kept = []
    for v in versions:
        subject, body = " ".join(v.subject.split()), v.body.strip()
        if not subject and not body:
            continue
        name = spoken.get(v.language, v.language)
        if v.language not in spoken:
            errors.setdefault("__all__", []).append(_("Unknown language: %s") % v.language)
        elif not subject or not body:
            errors.setdefault("__all__", []).append(
                _("The %(language)s version needs both a subject and a text.") % {"language": name}
            )
        elif len(subject) > MAX_SUBJECT or len(body) > MAX_BODY:
            errors.setdefault("__all__", []).append(
                _(
                    "The %(language)s version is too long: a subject of at most %(s)s "
                    "characters and a text of at most %(b)s."
                )
                % {"language": name, "s": MAX_SUBJECT, "b": MAX_BODY}
            )
        else:
            kept.append(Version(v.language, subject, body))
    if not kept and not errors:
        errors["__all__"] = [_("Write a subject and a text in at least one language.")]
    return kept, errors


def send_announcement(
    *,
    actor: User,
    event: Event,
    versions: list[Version],
    session: Session | None = None,
    request: HttpRequest | None = None,
) -> Announcement:
    """Check the message, record it and queue one mail per recipient. Nothing is recorded
    or queued when anything is wrong."""
    if not can_manage_event(actor, event):
        raise PermissionDenied
    kept, errors = _check_versions(versions)
    if session is not None and session.event_id != event.pk:
        errors.setdefault("session", []).append(_("That session belongs to another event."))
    if errors:
        raise ValidationError(errors)
    people = list(recipients(event, session).select_related("user", "event"))
    if not people:
        if session is not None:
            raise ValidationError(
                {
                    "session": [
                        _(
                            "Nobody has attended that session's day yet: write to all "
                            "registrants instead."
                        )
                    ]
                }
            )
        raise ValidationError(_("Nobody with an email address is registered yet."))
    # The event's language first: it is the version of anyone whose language is missing.
    first = event_language(event)
    kept.sort(key=lambda v: v.language != first)
    stored = [{"language": v.language, "subject": v.subject, "body": v.body} for v in kept]
    with transaction.atomic():
        announcement = Announcement.objects.create(
            event=event, session=session, versions=stored, created_by=actor
        )
        AnnouncementDelivery.objects.bulk_create(
            AnnouncementDelivery(
                announcement=announcement,
                registration=r,
                language=choose_version(stored, reader_language(r), first)["language"],
            )
            for r in people
        )
        for delivery_id in announcement.deliveries.values_list("pk", flat=True):
            enqueue_in_transaction(deliver_announcement, delivery_id=delivery_id)
        record(
            actor=actor,
            verb="meetings.announcement_sent",
            obj=announcement,
            institution_id=event.host_id,
            details={
                "event": event.pk,
                "session": session.pk if session else None,
                "languages": [v["language"] for v in stored],
                "queued": len(people),
            },
            request=request,
        )
    return announcement


def progress(announcement: Announcement) -> dict[str, int]:
    deliveries = announcement.deliveries
    return {
        "sent": deliveries.filter(sent_at__isnull=False).count(),
        "total": deliveries.count(),
    }


@task(queue_name="email")
def deliver_announcement(*, delivery_id: int) -> int:
    """Mail one registrant their copy; a copy already sent, or to someone who cancelled
    since, is skipped, so a retried task sends nothing twice."""
    delivery = (
        AnnouncementDelivery.objects.select_related(
            "announcement__event", "registration__user", "announcement__created_by"
        )
        .filter(pk=delivery_id, sent_at__isnull=True)
        .first()
    )
    if delivery is None or delivery.registration.status == RegistrationStatus.CANCELLED:
        return 0
    announcement, registration = delivery.announcement, delivery.registration
    version = choose_version(announcement.versions, delivery.language, delivery.language)
    event = announcement.event
    context = {
        "event": event,
        "session": announcement.session,
        "text": version["body"],
        "sender": announcement.created_by,
        "event_url": settings.SITE_URL + reverse("meetings:event", args=[event.pk]),
    }
    with translation.override(delivery.language):
        body = render_to_string("meetings/email/announcement.txt", context)
    message = MailMessage(subject=version["subject"], body=body, to=[registration.email])
    sent = message.send()
    AnnouncementDelivery.objects.filter(pk=delivery.pk).update(sent_at=timezone.now())
    return sent
