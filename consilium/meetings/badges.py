"""Badges with a QR code that checks their holder in. The code carries a signed check-in
address for one registration of one event: anyone may read it, nobody can make one, and
only the event's organisers, signed in, check someone in by opening it.

The sheet of every badge of a congress (900 take some 15 s to render) is made by a worker:
an organiser asks for it, the task stores the PDF, and the participants page offers it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from consilium.accounts.models import User
from consilium.audit.actions import record
from consilium.lib.enqueue import enqueue_in_transaction
from consilium.meetings.access import can_manage_event
from consilium.meetings.choices import RegistrationStatus
from consilium.meetings.models import Event, Registration
from consilium.meetings.pdf import render_pdf

SALT = "consilium.meetings.badge"


def badge_token(registration: Registration) -> str:
    return signing.dumps([registration.event_id, registration.pk], salt=SALT, compress=True)


def read_badge_token(token: str) -> tuple[int, int] | None:
    """(event id, registration id) of a genuine badge; None for anything else."""
    try:
        value = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return None
    return value[0], value[1]


def scan_url(registration: Registration) -> str:
    return settings.SITE_URL + reverse(
        "meetings:scan", args=[registration.event_id, badge_token(registration)]
    )


def qr_data_uri(url: str) -> str:
    """An SVG QR code as a data: address, which WeasyPrint reads without fetching anything."""
    import segno

    return segno.make(url, error="m").svg_data_uri(border=2)


def badges_pdf(event: Event, registrations: list[Registration], *, language: str) -> bytes:
    """An A4 sheet of eight badges (105 × 74 mm) per page, to cut and slip into holders."""
    badges = [
        {"registration": r, "qr": qr_data_uri(scan_url(r)), "number": f"{r.pk:05d}"}
        for r in registrations
    ]
    with translation.override(language):
        return render_pdf("meetings/pdf/badges.html", {"event": event, "badges": badges})


# --------------------------------------------------------------------------- the whole sheet

# An event whose badges are not being made: never asked for, or the last request finished
# (made or failed) since. The request claims the event through this condition in one UPDATE,
# so two organisers pressing at once queue one task, not two.
NOT_PENDING = (
    Q(badges_requested_at__isnull=True)
    | Q(badges_made_at__gte=F("badges_requested_at"))
    | Q(badges_failed_at__gte=F("badges_requested_at"))
)


def badged(event: Event) -> QuerySet[Registration]:
    """Who gets a badge on the sheet: the registered participants, in name order."""
    return event.registrations.filter(status=RegistrationStatus.REGISTERED).order_by(
        "full_name", "pk"
    )


def registrations_digest(rows: Iterable[tuple[int, str, str]]) -> str:
    """A fingerprint of who is on the sheet and what their badge says (number, name,
    institution), whatever the order: a registration made or cancelled since changes it."""
    digest = hashlib.sha256()
    for row in sorted(rows):
        digest.update(json.dumps(list(row), ensure_ascii=False).encode())
    return digest.hexdigest()


def _current_digest(event: Event) -> str:
    return registrations_digest(badged(event).values_list("pk", "full_name", "institution_name"))


@dataclass(frozen=True)
class BadgeSheet:
    """Where the event's sheet of badges stands, for the participants page."""

    requested_at: datetime | None
    made_at: datetime | None
    failed_at: datetime | None
    count: int
    pending: bool
    failed: bool
    ready: bool
    out_of_date: bool


def _finished(at: datetime | None, requested_at: datetime) -> bool:
    return at is not None and at >= requested_at


def badge_sheet(event: Event) -> BadgeSheet:
    requested = event.badges_requested_at
    pending = requested is not None and not (
        _finished(event.badges_made_at, requested) or _finished(event.badges_failed_at, requested)
    )
    failed = not pending and requested is not None and _finished(event.badges_failed_at, requested)
    ready = bool(event.badges_file) and event.badges_made_at is not None
    return BadgeSheet(
        requested_at=requested,
        made_at=event.badges_made_at,
        failed_at=event.badges_failed_at,
        count=event.badges_count or 0,
        pending=pending,
        failed=failed,
        ready=ready,
        # Only worth a query when there is a file to be out of date.
        out_of_date=ready and event.badges_digest != _current_digest(event),
    )


def prepare_badges(
    *, actor: User, event: Event, language: str, request: HttpRequest | None = None
) -> int:
    """Queue the making of the sheet of every registered participant's badge, in `language`
    (the organiser's). Returns how many are registered now; the worker counts again."""
    if not can_manage_event(actor, event):
        raise PermissionDenied
    count = badged(event).count()
    if not count:
        raise ValidationError(_("Nobody is registered yet, so there is no badge to print."))
    now = timezone.now()
    with transaction.atomic():
        claimed = Event.objects.filter(NOT_PENDING, pk=event.pk).update(badges_requested_at=now)
        if not claimed:
            raise ValidationError(
                _("The badges are already being prepared: reload the page in a moment.")
            )
        enqueue_in_transaction(make_badges, event_id=event.pk, language=language)
        record(
            actor=actor,
            verb="meetings.badges_requested",
            obj=event,
            institution_id=event.host_id,
            details={"badges": count, "language": language},
            request=request,
        )
    event.badges_requested_at = now
    return count


def badges_storage_name(event_id: int) -> str:
    return f"meetings/badges/{event_id}/badges.pdf"


@task(queue_name="default")
def make_badges(*, event_id: int, language: str) -> int:
    """Render the sheet of every registered participant's badge and store it (default
    storage, under the data directory), replacing the previous one. A failure is stamped
    on the event, so the page stops saying "being prepared" and offers to try again."""
    event = Event.objects.select_related("host").filter(pk=event_id).first()
    if event is None:
        return 0
    registrations = list(badged(event))
    try:
        name = ""
        if registrations:
            pdf = badges_pdf(event, registrations, language=language)
            name = default_storage.save(badges_storage_name(event_id), ContentFile(pdf))
    except Exception:
        Event.objects.filter(pk=event_id).update(badges_failed_at=timezone.now())
        raise
    Event.objects.filter(pk=event_id).update(
        badges_made_at=timezone.now(),
        badges_file=name,
        badges_count=len(registrations),
        badges_digest=registrations_digest(
            (r.pk, r.full_name, r.institution_name) for r in registrations
        ),
    )
    if event.badges_file and event.badges_file != name:
        # The previous sheet: nothing links to it any more.
        default_storage.delete(event.badges_file)
    return len(registrations)
