"""Choosing experts for a consultation: the partner's experts, by specialty and language,
skipping those who are away, the least loaded first."""

from django.db.models import Count, Q
from django.utils import timezone

from consilium.accounts.models import Role, User
from consilium.consultations.models import ACTIVE_ASSIGNMENT, OPEN_STATUSES, Consultation
from consilium.network.availability import available_on


def candidates(consultation: Consultation, *, exclude: set[int] = frozenset()) -> list[User]:
    experts = User.objects.filter(
        is_active=True,
        memberships__institution=consultation.expert_institution,
        memberships__role=Role.EXPERT,
        memberships__ended_at__isnull=True,
    ).exclude(pk__in=exclude)
    experts = available_on(experts, timezone.localdate()).annotate(
        load=Count(
            "assignments",
            filter=Q(
                assignments__status__in=ACTIVE_ASSIGNMENT,
                assignments__consultation__status__in=OPEN_STATUSES,
            ),
            distinct=True,
        )
    )
    wanted = consultation.specialty.lower().split()

    def score(expert: User) -> tuple[int, int, int, str]:
        specialty = expert.specialty.lower()
        matches = sum(1 for word in wanted if len(word) > 2 and word in specialty)
        speaks = 1 if consultation.language in (expert.languages or []) else 0
        # Higher is better for the first two, lower for the load; the name breaks ties.
        return (-matches, -speaks, expert.load, expert.full_name)

    return sorted(experts.distinct(), key=score)
