"""Who may see an event, who may run it. Views load events only through these helpers."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from consilium.accounts.access import is_admin, roles_by_institution
from consilium.accounts.models import User
from consilium.meetings.choices import Visibility
from consilium.meetings.models import Event, Presentation, Registration, Series
from consilium.network.access import active_partnerships, managed_institution_ids
from consilium.network.models import PartnershipParty

AnyUser = User | AnonymousUser


def is_network_member(user: AnyUser) -> bool:
    return bool(roles_by_institution(user)) or is_admin(user)


def partner_ids(institution_ids: set[int]) -> set[int]:
    """The institutions bound to any of `institution_ids` by an active partnership."""
    if not institution_ids:
        return set()
    partnerships = active_partnerships().filter(parties__institution_id__in=institution_ids)
    rows = PartnershipParty.objects.filter(partnership__in=partnerships.values("pk"))
    return set(rows.values_list("institution_id", flat=True)) - institution_ids


def _circle(user: AnyUser) -> set[int]:
    """The user's institutions and their active partners: who may see a partners-only event."""
    own = set(roles_by_institution(user))
    return own | partner_ids(own)


def visible_events(user: AnyUser) -> QuerySet[Event]:
    events = Event.objects.all()
    if is_admin(user):
        return events
    if not is_network_member(user):
        return events.filter(visibility=Visibility.PUBLIC)
    circle = _circle(user)
    in_circle = Q(host_id__in=circle) | Q(co_organisers__in=circle)
    allowed = Q(visibility__in=[Visibility.PUBLIC, Visibility.NETWORK]) | in_circle
    return events.filter(pk__in=events.filter(allowed).values("pk"))


def can_see_event(user: AnyUser, event: Event) -> bool:
    if event.visibility == Visibility.PUBLIC or is_admin(user):
        return True
    if not is_network_member(user):
        return False
    if event.visibility == Visibility.NETWORK:
        return True
    return bool(event.organiser_ids() & _circle(user))


def get_event_for_user(user: AnyUser, pk: int) -> Event:
    """An event the user may see; any other is a 404, so its existence does not leak."""
    event = Event.objects.select_related("host", "series").filter(pk=pk).first()
    if event is None or not can_see_event(user, event):
        raise Http404
    return event


def can_manage_event(user: AnyUser, event: Event) -> bool:
    """Coordinators and admins of the host or a co-organiser run the event."""
    return bool(event.organiser_ids() & managed_institution_ids(user))


def get_managed_event(user: AnyUser, pk: int) -> Event:
    from django.core.exceptions import PermissionDenied

    event = get_event_for_user(user, pk)
    if not can_manage_event(user, event):
        raise PermissionDenied
    return event


def can_register(user: AnyUser, event: Event) -> bool:
    """Any member who may see the event registers themselves; guests go through a
    coordinator."""
    return user.is_authenticated and is_network_member(user) and can_see_event(user, event)


def can_manage_series(user: AnyUser, series: Series) -> bool:
    organisers = {series.host_id, *(i.pk for i in series.co_organisers.all())}
    return bool(organisers & managed_institution_ids(user))


def get_series_for_user(user: AnyUser, pk: int) -> Series:
    series = Series.objects.select_related("host").filter(pk=pk).first()
    if series is None:
        raise Http404
    if series.visibility == Visibility.PUBLIC or is_admin(user):
        return series
    if not is_network_member(user):
        raise Http404
    if series.visibility == Visibility.PARTNERS:
        organisers = {series.host_id, *(i.pk for i in series.co_organisers.all())}
        if not organisers & _circle(user):
            raise Http404
    return series


def get_registration_for_user(user: AnyUser, pk: int) -> Registration:
    """The participant themselves, or a manager of the event."""
    registration = Registration.objects.select_related("event", "user").filter(pk=pk).first()
    if registration is None or not user.is_authenticated:
        raise Http404
    if registration.user_id == user.pk:
        return registration
    if can_manage_event(user, registration.event):
        return registration
    raise Http404


def can_upload_slides(user: AnyUser, presentation: Presentation) -> bool:
    """The talk's speakers (those with an account) and the event's organisers."""
    if not user.is_authenticated:
        return False
    if any(s.pk == user.pk for s in presentation.speakers.all()):
        return True
    return can_manage_event(user, presentation.session.event)


def slides_refusal(user: AnyUser, presentation: Presentation) -> str | None:
    """Why the user may not download the talk's slides yet, or None. Speakers and
    organisers always may; registered participants once the talk's session has started;
    anyone else who sees the event is told the slides are for participants."""
    from django.utils import timezone
    from django.utils.formats import date_format
    from django.utils.translation import gettext as _

    from consilium.meetings.choices import RegistrationStatus

    if can_upload_slides(user, presentation):
        return None
    session = presentation.session
    registered = (
        user.is_authenticated
        and session.event.registrations.filter(
            user=user, status=RegistrationStatus.REGISTERED
        ).exists()
    )
    if not registered:
        return _("The slides are for the registered participants of this event.")
    if session.starts_at > timezone.now():
        starts = timezone.localtime(session.starts_at)
        return _("The slides can be downloaded once the talk has started, on %(when)s.") % {
            "when": date_format(starts, "j F Y, H:i")
        }
    return None


def get_presentation_for_user(user: AnyUser, pk: int) -> Presentation:
    """A talk of an event the user may see; any other is a 404."""
    presentation = (
        Presentation.objects.select_related("session__event__host")
        .prefetch_related("speakers")
        .filter(pk=pk)
        .first()
    )
    if presentation is None or not can_see_event(user, presentation.session.event):
        raise Http404
    return presentation
