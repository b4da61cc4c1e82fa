"""The opinions given in a consultation: the first (its partner's expert, or a tumour board's
conclusion) and any second opinion, in that order, as the consultation page, the report and
the API show them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from consilium.accounts.models import Membership, Role, User
from consilium.consultations.models import (
    ACTIVE_ASSIGNMENT,
    Consultation,
    Recommendation,
    RecommendationStatus,
)
from consilium.network.access import telemedicine_partner_ids
from consilium.network.models import Institution


@dataclass(frozen=True)
class Opinion:
    recommendation: Recommendation
    institution: Institution
    second: bool

    @property
    def label(self) -> str:
        return str(_("Second opinion") if self.second else _("First opinion"))

    @property
    def author(self) -> User:
        return self.recommendation.author


def given_opinions(
    consultation: Consultation, *, until: datetime.datetime | None = None
) -> list[Opinion]:
    """The final recommendations, the first opinion first; `until` leaves out those given
    later (a report shows what was known when it was written)."""
    finals = consultation.recommendations.filter(status=RecommendationStatus.FINAL).select_related(
        "author", "second_opinion__expert_institution"
    )
    if until is not None:
        finals = finals.filter(finalised_at__lte=until)
    opinions = [
        Opinion(
            recommendation=r,
            institution=r.second_opinion.expert_institution
            if r.second_opinion_id
            else consultation.expert_institution,
            second=r.second_opinion_id is not None,
        )
        for r in finals
    ]
    return sorted(opinions, key=lambda o: (o.second, o.recommendation.finalised_at))


def second_opinion_choices(
    consultation: Consultation,
) -> tuple[list[Institution], list[tuple[Institution, list[User]]]]:
    """Whom a second opinion may be asked of: the requesting institution's active partners
    for case discussion, and their experts not already in this consultation."""
    partner_ids = telemedicine_partner_ids(consultation.requesting_institution_id)
    partners = list(Institution.objects.filter(pk__in=partner_ids).order_by("name"))
    in_it = consultation.assignments.filter(status__in=ACTIVE_ASSIGNMENT).values("expert_id")
    rows = (
        Membership.objects.filter(
            institution__in=partners,
            role=Role.EXPERT,
            ended_at__isnull=True,
            user__is_active=True,
        )
        .exclude(user_id__in=in_it)
        .select_related("user")
        .order_by("user__full_name")
    )
    by_partner: dict[int, list[User]] = {p.pk: [] for p in partners}
    for membership in rows:
        by_partner[membership.institution_id].append(membership.user)
    return partners, [(p, by_partner[p.pk]) for p in partners if by_partner[p.pk]]
