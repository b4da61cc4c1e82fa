"""Whose outcomes a person may see: the aggregate figures of the institutions where they are
a clinician, data manager or coordinator (consilium.registry.access.aggregate_institution_ids).
An admin sees them only with one of those roles too; partner experts and everyone else see
nothing. No patient is ever shown here, so reads are not audited; exports of shareable
aggregates, and comparisons with another site's file, are (data managers and coordinators
only)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from consilium.accounts.access import institution_ids_with_role
from consilium.accounts.models import Role
from consilium.network.models import Institution, Partnership
from consilium.registry.access import AnyUser, aggregate_institution_ids

# Who decides what leaves the site, and sets other sites' files beside it: the people who
# answer for the registry's figures, not every clinician.
SHARING_ROLES = frozenset({Role.DATA_MANAGER, Role.COORDINATOR})


def outcome_institutions(user: AnyUser) -> QuerySet[Institution]:
    return Institution.objects.filter(pk__in=aggregate_institution_ids(user)).order_by("code")


def require_outcome_institutions(user: AnyUser) -> list[Institution]:
    institutions = list(outcome_institutions(user))
    if not institutions:
        raise PermissionDenied
    return institutions


def outcome_partnerships(user: AnyUser) -> QuerySet[Partnership]:
    """Partnerships with a party whose outcomes the user may see (for before/after)."""
    return (
        Partnership.objects.filter(parties__institution_id__in=aggregate_institution_ids(user))
        .distinct()
        .order_by("-valid_from", "title")
    )


def require_sharing_institutions(user: AnyUser) -> list[Institution]:
    """Institutions whose aggregate file the user may export, or compare with another
    site's (403 for a person with none)."""
    institutions = list(
        Institution.objects.filter(pk__in=institution_ids_with_role(user, SHARING_ROLES)).order_by(
            "code"
        )
    )
    if not institutions:
        raise PermissionDenied
    return institutions


def get_sharing_institution(user: AnyUser, code: str) -> Institution:
    """One of them by code; another institution is not found (its existence not disclosed)."""
    for institution in require_sharing_institutions(user):
        if institution.code == code:
            return institution
    raise Http404
