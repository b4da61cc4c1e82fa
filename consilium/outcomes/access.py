"""Whose outcomes a person may see: the aggregate figures of the institutions where they are
a clinician, data manager or coordinator (consilium.registry.access.aggregate_institution_ids).
An admin sees them only with one of those roles too; partner experts and everyone else see
nothing. No patient is ever shown here, so reads are not audited; exports of shareable
aggregates are."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from consilium.network.models import Institution, Partnership
from consilium.registry.access import AnyUser, aggregate_institution_ids


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
