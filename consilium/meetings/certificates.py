"""Certificates of attendance: the days and hours attended and the topics of the programme,
with a short code and its QR code that lead to a public page confirming the certificate.
The code is an HMAC of the registration, so it cannot be guessed from another one; mailing
all certificates goes through the task queue, one task per attendee."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_tasks import task

from consilium.accounts.models import User
from consilium.audit.actions import record
from consilium.lib.enqueue import enqueue_in_transaction
from consilium.lib.mail_message import MailMessage
from consilium.meetings.access import can_manage_event
from consilium.meetings.badges import qr_data_uri
from consilium.meetings.choices import RegistrationStatus
from consilium.meetings.models import Event, Registration
from consilium.meetings.pdf import render_pdf
from consilium.meetings.programme import event_topics

SALT = "consilium.meetings.certificate"


def certificate_number(registration: Registration) -> str:
    event = registration.event
    return f"{event.host.code}-{event.starts_at:%Y}-{event.pk:04d}-{registration.pk:05d}"


def _signature(pk: int) -> str:
    return salted_hmac(SALT, str(pk)).hexdigest()[:10].upper()


def verification_code(registration: Registration) -> str:
    """Short enough to type from paper: the registration number and ten hex digits."""
    return f"{registration.pk}-{_signature(registration.pk)}"


def verification_url(registration: Registration) -> str:
    return settings.SITE_URL + reverse(
        "meetings:verify_certificate", args=[verification_code(registration)]
    )


def issued_from(event: Event) -> datetime.date:
    """The first day of the event, in its zone: certificates are issued from then on."""
    return event.days()[0]


def issuable(event: Event) -> bool:
    """Whether the event's first day has begun in its zone. The desk may check people in
    for the first day the day before (badge collection), and no later day before it
    begins (attendance.may_check_in_for), so from then on every day recorded has begun
    and a certificate names no day to come."""
    return timezone.now().astimezone(event.zone).date() >= issued_from(event)


def not_yet_message(event: Event) -> str:
    return _(
        "Certificates are issued from %(day)s, the first day of the event: attendance "
        "counts once its day has begun."
    ) % {"day": date_format(issued_from(event))}


def eligible(event: Event) -> QuerySet[Registration]:
    """Who gets a certificate: registered participants with attendance recorded, once the
    event's first day has begun."""
    if not issuable(event):
        return event.registrations.none()
    # Hours unknown (None) still certify the days; hours an organiser removed (0) do not.
    return (
        event.registrations.filter(
            status=RegistrationStatus.REGISTERED,
            days__isnull=False,
            certificate_revoked_at__isnull=True,
        )
        .filter(Q(hours_attended__isnull=True) | Q(hours_attended__gt=0))
        .distinct()
    )


def genuine_registration(code: str) -> Registration | None:
    """The registration a genuine code stands for, whatever became of it since; None for a
    forged or mistyped code, or a registration that no longer exists."""
    number, _dash, signature = code.strip().upper().partition("-")
    if not number.isdigit() or len(number) > 12:
        return None
    if not constant_time_compare(signature, _signature(int(number))):
        return None
    return Registration.objects.select_related("event").filter(pk=int(number)).first()


def certified_registration(code: str) -> Registration | None:
    """The registration a genuine code stands for, if it still earns a certificate; None
    for a forged or mistyped code and for a cancelled registration, one without
    attendance, or a revoked certificate."""
    registration = genuine_registration(code)
    if registration is None:
        return None
    if not eligible(registration.event).filter(pk=registration.pk).exists():
        return None
    return registration


def revoke_certificate(
    *, actor: User, registration: Registration, reason: str, request: HttpRequest | None = None
) -> Registration:
    """Withdraw a certificate for good: its code then verifies as revoked, and it is neither
    downloaded nor mailed again. The reason stays in the audit log, not on the public page."""
    event = registration.event
    if not can_manage_event(actor, event):
        raise PermissionDenied
    reason = reason.strip()
    if registration.certificate_revoked_at is not None:
        raise ValidationError(_("This certificate is already revoked."))
    if not eligible(event).filter(pk=registration.pk).exists():
        raise ValidationError(
            _("%(name)s has no certificate to revoke.") % {"name": registration.full_name}
        )
    if not reason:
        raise ValidationError({"reason": [_("Say why the certificate is revoked.")]})
    if len(reason) > 300:
        raise ValidationError({"reason": [_("Say why in at most 300 characters.")]})
    with transaction.atomic():
        registration.certificate_revoked_at = timezone.now()
        registration.certificate_revoked_reason = reason
        registration.save(update_fields=["certificate_revoked_at", "certificate_revoked_reason"])
        record(
            actor=actor,
            verb="meetings.certificate_revoked",
            obj=registration,
            institution_id=event.host_id,
            details={"event": event.pk, "reason": reason},
            request=request,
        )
    return registration


def language_of(registration: Registration) -> str:
    """The registrant's own language; for someone registered without an account, the event's
    first language the product speaks (a congress in Tashkent certifies in Uzbek), then the
    site's default, rather than English always."""
    spoken = dict(settings.LANGUAGES)
    if registration.user and registration.user.language in spoken:
        return registration.user.language
    for code in registration.event.languages or []:
        if str(code).strip().lower() in spoken:
            return str(code).strip().lower()
    return settings.LANGUAGE_CODE


def certificate_pdf(registration: Registration, *, language: str | None = None) -> bytes:
    event = registration.event
    if not issuable(event):
        raise ValidationError(not_yet_message(event))
    if registration.certificate_revoked_at is not None:
        raise ValidationError(
            _("This certificate was revoked on %(day)s.")
            % {"day": date_format(timezone.localtime(registration.certificate_revoked_at))}
        )
    if not registration.attended or registration.hours_attended == 0:
        raise ValidationError(_("There is no attendance to certify yet."))
    language = language or language_of(registration)
    url = verification_url(registration)
    with translation.override(language), timezone.override(event.zone):
        return render_pdf(
            "meetings/pdf/certificate.html",
            {
                "registration": registration,
                "event": event,
                "days": list(registration.days.values_list("day", flat=True)),
                "organisers": [event.host, *event.co_organisers.all()],
                "topics": event_topics(event),
                "number": certificate_number(registration),
                "code": verification_code(registration),
                "verify_url": url,
                "qr": qr_data_uri(url),
                "issued_on": timezone.localdate(),
            },
        )


def certificate_filename(registration: Registration, language: str) -> str:
    with translation.override(language):
        return _("certificate-%(number)s.pdf") % {"number": certificate_number(registration)}


def mail_certificates(*, actor: User, event: Event, request: HttpRequest | None = None) -> int:
    """Queue a certificate mail to every eligible attendee who has an address and has not
    had one yet. Returns how many were queued."""
    if not can_manage_event(actor, event):
        raise PermissionDenied
    if not issuable(event):
        raise ValidationError(not_yet_message(event))
    pending = list(eligible(event).filter(certificate_mailed_at__isnull=True).exclude(email=""))
    if not pending:
        raise ValidationError(_("Every attendee with an email address has had a certificate."))
    with transaction.atomic():
        Event.objects.filter(pk=event.pk).update(certificates_requested_at=timezone.now())
        for registration in pending:
            enqueue_in_transaction(send_certificate, registration_id=registration.pk)
        record(
            actor=actor,
            verb="meetings.certificates_mailed",
            obj=event,
            institution_id=event.host_id,
            details={"queued": len(pending)},
            request=request,
        )
    return len(pending)


def mail_progress(event: Event) -> dict[str, int]:
    candidates = eligible(event).exclude(email="")
    return {
        "mailed": candidates.filter(certificate_mailed_at__isnull=False).count(),
        "total": candidates.count(),
    }


@task(queue_name="email")
def send_certificate(*, registration_id: int) -> int:
    """Render and mail one certificate, in the attendee's language. A registration that no
    longer earns one (cancelled since) or already had it is skipped, so a retried task
    sends nothing twice."""
    registration = (
        Registration.objects.select_related("event__host", "user")
        .filter(pk=registration_id, certificate_mailed_at__isnull=True)
        .exclude(email="")
        .first()
    )
    if registration is None or not eligible(registration.event).filter(pk=registration_id):
        return 0
    language = language_of(registration)
    pdf = certificate_pdf(registration, language=language)
    context = {
        "registration": registration,
        "event": registration.event,
        "verify_url": verification_url(registration),
    }
    with translation.override(language):
        subject = render_to_string("meetings/email/certificate_subject.txt", context)
        body = render_to_string("meetings/email/certificate.txt", context)
    message = MailMessage(subject=" ".join(subject.split()), body=body, to=[registration.email])
    message.attach(certificate_filename(registration, language), pdf, "application/pdf")
    sent = message.send()
    Registration.objects.filter(pk=registration.pk).update(certificate_mailed_at=timezone.now())
    return sent
