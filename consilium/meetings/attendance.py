"""Registration and attendance changes: register, cancel (and promote from the waiting
list), check in, join online, record hours. One transaction and one audit entry each;
mail goes out after commit."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from consilium.accounts.models import Membership, Profession, User
from consilium.audit.actions import record
from consilium.lib.countries import is_country
from consilium.meetings import mail
from consilium.meetings.access import can_manage_event, can_register
from consilium.meetings.choices import (
    AttendanceMode,
    CheckInMethod,
    EventMode,
    RegistrationStatus,
)
from consilium.meetings.models import DayAttendance, Event, Registration
from consilium.meetings.programme import teaching_hours
from consilium.network.models import Institution
from consilium.search.text import fold

LIVE = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITING)


@dataclass(frozen=True)
class Guest:
    """A participant without an account, registered by a coordinator."""

    full_name: str
    profession: str
    institution_name: str
    country: str
    email: str = ""
    institution: Institution | None = None


def modes_for(event: Event) -> list[str]:
    if event.mode == EventMode.IN_PERSON:
        return [AttendanceMode.IN_PERSON]
    if event.mode == EventMode.ONLINE:
        return [AttendanceMode.ONLINE]
    return [AttendanceMode.IN_PERSON, AttendanceMode.ONLINE]


def limited_modes(event: Event) -> list[str]:
    """Which registrations take one of the `capacity` places: the room's, or the
    connections' at an online-only event."""
    return modes_for(event) if event.mode == EventMode.ONLINE else [AttendanceMode.IN_PERSON]


def free_places(event: Event, mode: str) -> int | None:
    """None means no limit."""
    if event.capacity is None or mode not in limited_modes(event):
        return None
    taken = event.registrations.filter(
        status=RegistrationStatus.REGISTERED, mode__in=limited_modes(event)
    ).count()
    return max(event.capacity - taken, 0)


def deadline_passed(event: Event) -> bool:
    closes = event.registration_closes_at
    return closes is not None and closes <= timezone.now()


def registration_deadline_message(event: Event) -> str:
    closes = timezone.localtime(event.registration_closes_at)
    return _("Registration closed on %(when)s, the deadline the organisers set.") % {
        "when": date_format(closes, "j F Y, H:i")
    }


def search_text(details: dict[str, object]) -> str:
    """What the desk's search looks in, folded once at registration. The bar keeps a
    query from matching across two fields."""
    parts = [details["full_name"], details["institution_name"], details["email"]]
    return fold(" | ".join(str(p) for p in parts))


def _snapshot_of_user(user: User) -> dict[str, object]:
    membership = (
        Membership.objects.filter(user=user, ended_at__isnull=True)
        .select_related("institution")
        .order_by("started_at")
        .first()
    )
    institution = membership.institution if membership else None
    return {
        "full_name": user.full_name or user.email,
        "email": user.email,
        "profession": user.profession,
        "institution": institution,
        "institution_name": institution.name if institution else "",
        "country": institution.country if institution else "",
    }


def _check_guest(guest: Guest) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not guest.full_name.strip():
        errors["full_name"] = [_("Give the participant's name.")]
    if guest.profession not in Profession.values:
        errors["profession"] = [_("Choose a profession.")]
    if not guest.institution_name.strip() and guest.institution is None:
        errors["institution_name"] = [_("Give the participant's institution.")]
    if not is_country(guest.country):
        errors["country"] = [_("Choose a country from the list.")]
    return errors


def register(
    *,
    actor: User,
    event: Event,
    mode: str,
    user: User | None = None,
    guest: Guest | None = None,
    request: HttpRequest | None = None,
) -> Registration:
    """Register a user (themselves, or by a coordinator) or a guest (by a coordinator).
    When the places are taken the registration joins the waiting list, or is refused if
    the event keeps none."""
    if (user is None) == (guest is None):
        raise ValueError("Register either a user or a guest.")
    manager = can_manage_event(actor, event)
    if user is not None and user.pk == actor.pk:
        if not can_register(actor, event):
            raise PermissionDenied
    elif not manager:
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if mode not in modes_for(event):
        errors["mode"] = [_("This event cannot be attended that way.")]
    if not manager and event.ends_at <= timezone.now():
        errors["__all__"] = [_("This event is over; registration has closed.")]
    elif not manager and deadline_passed(event):
        errors["__all__"] = [registration_deadline_message(event)]
    if guest is not None:
        errors.update(_check_guest(guest))
        details = {
            "full_name": guest.full_name.strip(),
            "email": guest.email.strip().lower(),
            "profession": guest.profession,
            "institution": guest.institution,
            "institution_name": guest.institution_name.strip()
            or (guest.institution.name if guest.institution else ""),
            "country": guest.country.strip().upper(),
        }
    else:
        details = _snapshot_of_user(user)
        if not details["country"]:
            errors.setdefault("__all__", []).append(
                _("%(name)s has no institution, so cannot be registered as a member.")
                % {"name": details["full_name"]}
            )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # One registration at a time per event, so two people cannot take the last place.
        Event.objects.select_for_update().get(pk=event.pk)
        live = event.registrations.filter(status__in=LIVE)
        if user is not None and live.filter(user=user).exists():
            raise ValidationError(
                {"__all__": [_("%(name)s is already registered.") % {"name": details["full_name"]}]}
            )
        if guest is not None and details["email"] and live.filter(email=details["email"]).exists():
            raise ValidationError({"email": [_("Someone with this email is already registered.")]})
        places = free_places(event, mode)
        status = RegistrationStatus.REGISTERED
        if places == 0:
            if not event.waiting_list:
                raise ValidationError(
                    {"__all__": [_("The event is full and keeps no waiting list.")]}
                )
            status = RegistrationStatus.WAITING
        registration = Registration.objects.create(
            event=event,
            user=user,
            mode=mode,
            status=status,
            registered_by=actor,
            search_text=search_text(details),
            **details,
        )
        record(
            actor=actor,
            verb="meetings.registered",
            obj=registration,
            institution_id=event.host_id,
            details={"event": event.pk, "mode": mode, "status": status, "guest": user is None},
            request=request,
        )
        mail.enqueue_registration_mail(registration, kind=status)
    return registration


def fill_free_places(*, event: Event) -> list[Registration]:
    """Promote from the waiting list, first come first served, while places are free."""
    promoted = []
    waiting = event.registrations.filter(status=RegistrationStatus.WAITING).order_by(
        "created_at", "pk"
    )
    for registration in waiting:
        places = free_places(event, registration.mode)
        if places == 0:
            continue
        registration.status = RegistrationStatus.REGISTERED
        registration.save(update_fields=["status"])
        record(
            actor=None,
            verb="meetings.promoted_from_waiting_list",
            obj=registration,
            institution_id=event.host_id,
            details={"event": event.pk},
        )
        mail.enqueue_registration_mail(registration, kind="promoted")
        promoted.append(registration)
    return promoted


def cancel_registration(*, actor: User, registration: Registration) -> list[Registration]:
    """The participant or a coordinator cancels; the freed place goes to the waiting list.
    Returns whoever was promoted."""
    event = registration.event
    if registration.user_id != actor.pk and not can_manage_event(actor, event):
        raise PermissionDenied
    if registration.status == RegistrationStatus.CANCELLED:
        raise ValidationError(_("This registration is already cancelled."))
    if registration.attended:
        raise ValidationError(_("This participant has attended; the registration stays."))
    with transaction.atomic():
        Event.objects.select_for_update().get(pk=event.pk)
        previous = registration.status
        registration.status = RegistrationStatus.CANCELLED
        registration.save(update_fields=["status"])
        record(
            actor=actor,
            verb="meetings.registration_cancelled",
            obj=registration,
            institution_id=event.host_id,
            details={"event": event.pk, "was": previous},
        )
        promoted = fill_free_places(event=event)
    return promoted


def _not_registered(registration: Registration | None, event: Event) -> ValidationError | None:
    if registration is None or registration.event_id != event.pk:
        return ValidationError(_("This person is not registered for this event."))
    if registration.status == RegistrationStatus.WAITING:
        return ValidationError(
            _("%(name)s is on the waiting list, not registered.") % {"name": registration.full_name}
        )
    if registration.status == RegistrationStatus.CANCELLED:
        return ValidationError(
            _("%(name)s cancelled their registration.") % {"name": registration.full_name}
        )
    return None


def desk_day(event: Event, at: datetime.datetime | None = None) -> datetime.date:
    """The day of the event the desk works on: today in the event's zone while the event
    runs; otherwise its first day (badges collected the evening before, or attendance
    recorded afterwards, where the desk picks the day on its page)."""
    today = (at or timezone.now()).astimezone(event.zone).date()
    days = event.days()
    return today if today in days else days[0]


def may_check_in_for(event: Event, day: datetime.date, at: datetime.datetime) -> bool:
    """A day is checked in once it has begun in the event's zone (or afterwards, when the
    desk records attendance late); the first day also the day before, when people collect
    their badges. A certificate counts days only from the first day on (certificates.py),
    so a badge collected the evening before never certifies a day nobody has attended."""
    today = at.astimezone(event.zone).date()
    if day <= today:
        return True
    return day == event.days()[0] and today == day - datetime.timedelta(days=1)


def already_checked_in_message(registration: Registration, earlier: DayAttendance) -> str:
    """Says when, in the reader's zone, so the desk can tell a second scan from a badge
    someone else is using."""
    when = timezone.localtime(earlier.at)
    values = {
        "name": registration.full_name,
        "day": date_format(earlier.day),
        "time": date_format(when, "H:i"),
        "date": date_format(when),
    }
    zone = registration.event.zone
    today = timezone.now().astimezone(zone).date()
    if earlier.day == earlier.at.astimezone(zone).date() == today:
        return _("%(name)s was already checked in today at %(time)s.") % values
    return _("%(name)s was already checked in for %(day)s, on %(date)s at %(time)s.") % values


def hours_for_days(event: Event, days: set[datetime.date]) -> Decimal | None:
    """The teaching hours of the days attended (programme.teaching_hours): None when the
    event states none, and the certificate then names the days only."""
    return teaching_hours(event, days=days & set(event.days()))


def recount_hours(*, event: Event) -> int:
    """Every attendee's hours from their days again, after the hours the organisers state
    changed (often only once the certificates are due). A certificate already mailed no
    longer tells the truth, so mailing again sends the new one. Returns how many changed."""
    changed = 0
    attendees = event.registrations.filter(days__isnull=False).distinct().prefetch_related("days")
    for registration in attendees:
        hours = hours_for_days(event, {d.day for d in registration.days.all()})
        if hours != registration.hours_attended:
            registration.hours_attended = hours
            registration.certificate_mailed_at = None
            registration.save(update_fields=["hours_attended", "certificate_mailed_at"])
            changed += 1
    return changed


def check_in(
    *,
    actor: User,
    event: Event,
    registration: Registration | None,
    hours: Decimal | None = None,
    at: datetime.datetime | None = None,
    day: datetime.date | None = None,
    method: str = CheckInMethod.DESK,
    request: HttpRequest | None = None,
) -> Registration:
    """A coordinator checks in a participant for one day of the event, at the desk or by
    scanning their badge. `registration` is whatever the coordinator looked up; None or
    another event's is refused, and so is a second check-in on the same day."""
    if not can_manage_event(actor, event):
        raise PermissionDenied
    error = _not_registered(registration, event)
    if error is not None:
        raise error
    at = at or timezone.now()
    day = day or desk_day(event, at)
    if day not in event.days():
        raise ValidationError(_("%(day)s is not a day of this event.") % {"day": date_format(day)})
    if not may_check_in_for(event, day, at):
        raise ValidationError(
            _(
                "%(day)s has not come yet: people are checked in on the day they attend, or "
                "the day before the first day when they collect their badge."
            )
            % {"day": date_format(day)}
        )
    earlier = registration.days.filter(day=day).first()
    if earlier is not None:
        raise ValidationError(already_checked_in_message(registration, earlier))
    with transaction.atomic():
        DayAttendance.objects.create(
            registration=registration, day=day, method=method, at=at, by=actor
        )
        # A certificate mailed before this day no longer tells the truth: mailing the
        # certificates again sends this person an updated one.
        registration.certificate_mailed_at = None
        fields = ["hours_attended", "certificate_mailed_at"]
        if registration.checked_in_at is None:
            registration.checked_in_at = at
            registration.checked_in_by = actor
            fields += ["checked_in_at", "checked_in_by"]
        if hours is not None:
            registration.hours_attended = _valid_hours(event, hours)
        else:
            attended = set(registration.days.values_list("day", flat=True))
            registration.hours_attended = hours_for_days(event, attended)
        registration.save(update_fields=fields)
        record(
            actor=actor,
            verb="meetings.checked_in",
            obj=registration,
            institution_id=event.host_id,
            details={
                "event": event.pk,
                "day": day.isoformat(),
                "method": method,
                "hours": str(registration.hours_attended),
            },
            request=request,
        )
    return registration


def record_online_join(
    *,
    registration: Registration,
    at: datetime.datetime | None = None,
    request: HttpRequest | None = None,
) -> Registration:
    """Someone followed their personal join link. The link is the credential; recording
    the join is what makes online attendance count for the certificate."""
    event = registration.event
    error = _not_registered(registration, event)
    if error is not None:
        raise error
    if not event.online_link:
        raise ValidationError(_("This event has no online link yet."))
    at = at or timezone.now()
    opens = event.starts_at - datetime.timedelta(minutes=30)
    if not opens <= at <= event.ends_at:
        raise ValidationError(
            _("The online room opens 30 minutes before the start and closes at the end.")
        )
    with transaction.atomic():
        Registration.objects.filter(pk=registration.pk).select_for_update().get()
        registration.joins += 1
        fields = ["joins"]
        if registration.first_joined_at is None:
            registration.first_joined_at = at
            fields.append("first_joined_at")
        day = desk_day(event, at)
        if not registration.days.filter(day=day).exists():
            DayAttendance.objects.create(
                registration=registration, day=day, method=CheckInMethod.ONLINE, at=at
            )
            attended = set(registration.days.values_list("day", flat=True))
            registration.hours_attended = hours_for_days(event, attended)
            registration.certificate_mailed_at = None
            fields += ["hours_attended", "certificate_mailed_at"]
        registration.save(update_fields=fields)
        record(
            actor=registration.user,
            actor_label=registration.email or registration.full_name,
            verb="meetings.joined_online",
            obj=registration,
            institution_id=event.host_id,
            details={"event": event.pk, "joins": registration.joins},
            request=request,
        )
    return registration


def _valid_hours(event: Event, hours: Decimal) -> Decimal:
    limit = Decimal((event.ends_at - event.starts_at).total_seconds() / 3600).quantize(
        Decimal("0.01")
    )
    if hours < 0 or hours > limit:
        raise ValidationError(
            {"hours": [_("Hours attended are between 0 and %(limit)s.") % {"limit": limit}]}
        )
    return hours.quantize(Decimal("0.01"))


def set_hours(*, actor: User, registration: Registration, hours: Decimal) -> Registration:
    """Correct the hours someone attended (left early, came for one day)."""
    event = registration.event
    if not can_manage_event(actor, event):
        raise PermissionDenied
    error = _not_registered(registration, event)
    if error is not None:
        raise error
    if not registration.attended:
        raise ValidationError(_("Check the participant in first."))
    value = _valid_hours(event, hours)
    with transaction.atomic():
        previous = registration.hours_attended
        registration.hours_attended = value
        registration.save(update_fields=["hours_attended"])
        record(
            actor=actor,
            verb="meetings.hours_recorded",
            obj=registration,
            institution_id=event.host_id,
            details={"from": str(previous), "to": str(value)},
        )
    return registration
