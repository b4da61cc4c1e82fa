"""Who may change what in the network, and which institutions are partners for what."""

import datetime
import zoneinfo

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from consilium.accounts.access import has_role, institution_ids_with_role
from consilium.accounts.models import Role, User
from consilium.network.models import (
    AreaKind,
    Institution,
    Partnership,
    PartnershipParty,
    PartnershipStatus,
)

MANAGER_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})


def managed_institution_ids(user: User | AnonymousUser) -> set[int]:
    return institution_ids_with_role(user, MANAGER_ROLES)


def can_manage_partnership(user: User | AnonymousUser, partnership: Partnership) -> bool:
    """Only coordinators and admins of a party may change a partnership."""
    party_ids = {party.institution_id for party in partnership.parties.all()}
    return bool(party_ids & managed_institution_ids(user))


def can_confirm_partnership(user: User | AnonymousUser, partnership: Partnership) -> bool:
    """A manager of a party that has not confirmed a proposal yet."""
    if partnership.status != PartnershipStatus.PROPOSED:
        return False
    mine = managed_institution_ids(user)
    return any(
        p.confirmed_at is None and p.institution_id in mine for p in partnership.parties.all()
    )


def can_edit_institution(user: User | AnonymousUser, institution: Institution) -> bool:
    return has_role(user, institution.pk, MANAGER_ROLES)


def get_partnership_for_user(user: User | AnonymousUser, pk: int) -> Partnership:
    """Every member of the network may read a partnership; nobody else."""
    if not user.is_authenticated:
        raise Http404
    try:
        return Partnership.objects.prefetch_related("parties__institution").get(pk=pk)
    except Partnership.DoesNotExist:
        raise Http404 from None


def get_institution(code: str) -> Institution:
    try:
        return Institution.objects.get(code=code)
    except Institution.DoesNotExist:
        raise Http404 from None


def active_partnerships(today: datetime.date | None = None) -> QuerySet[Partnership]:
    """Active, valid today, and confirmed by every party: a status set by hand (the admin, a
    script) cannot bind an institution that never agreed."""
    today = today or timezone.localdate()
    return (
        Partnership.objects.filter(status=PartnershipStatus.ACTIVE, valid_from__lte=today)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .exclude(parties__confirmed_at__isnull=True)
    )


def institution_today(
    institution_id: int, *, now: datetime.datetime | None = None
) -> datetime.date:
    """The date at the institution. Hanoi (UTC+7) reaches 1 April seven hours before UTC
    does: its partnership valid until 31 March ends at its own midnight, not at UTC's."""
    name = Institution.objects.filter(pk=institution_id).values_list("time_zone", flat=True).first()
    now = now or timezone.now()
    try:
        zone = zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = None
    return timezone.localdate(now, timezone=zone)


def telemedicine_partner_ids(institution_id: int, today: datetime.date | None = None) -> set[int]:
    """Institutions whose experts may receive consultations from `institution_id`: those
    bound to it by an active partnership with a telemedicine area. Ending the partnership
    ends this at once, because nothing is cached. Days are counted in the time zone of
    `institution_id`."""
    today = today or institution_today(institution_id)
    partnership_ids = (
        active_partnerships(today)
        .filter(parties__institution_id=institution_id, areas__kind=AreaKind.TELEMEDICINE)
        .values("pk")
    )
    rows = PartnershipParty.objects.filter(partnership_id__in=partnership_ids).exclude(
        institution_id=institution_id
    )
    return set(rows.values_list("institution_id", flat=True))
