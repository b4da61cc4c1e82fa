"""Choosing experts for a consultation: the partner's experts, by specialty and language,
skipping those who are away, the least loaded first; and the language a discussion with a
partner should default to, from what its experts read."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from consilium.accounts.models import Membership, Role, User
from consilium.consultations.models import ACTIVE_ASSIGNMENT, OPEN_STATUSES, Consultation
from consilium.network.availability import available_on
from consilium.network.models import Institution


def candidates(
    consultation: Consultation,
    *,
    exclude: set[int] = frozenset(),
    institution: Institution | None = None,
) -> list[User]:
    """The experts of the consultation's partner (or of `institution`, for a second
    opinion), best first."""
    experts = User.objects.filter(
        is_active=True,
        memberships__institution=institution or consultation.expert_institution,
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
        speaks = 1 if _speaks(expert, consultation.language) else 0
        # Higher is better for the first two, lower for the load; the name breaks ties.
        return (-matches, -speaks, expert.load, expert.full_name)

    return sorted(experts.distinct(), key=score)


def _speaks(expert: User, language: str) -> bool:
    return language in (expert.languages or []) or language == expert.language


@dataclass(frozen=True)
class PartnerLanguages:
    institution: Institution
    languages: list[str]  # the discussion languages its experts read, most read first
    default: str

    @property
    def why(self) -> str:
        """'Experts at Institut Curie read French and English', in the reader's language."""
        names = [str(get_language_info(code)["name_translated"]) for code in self.languages]
        if not names:
            return ""
        read = (
            names[0]
            if len(names) == 1
            else _("%(most)s and %(last)s")
            % {
                "most": ", ".join(names[:-1]),
                "last": names[-1],
            }
        )
        return _("Experts at %(institution)s read %(languages)s.") % {
            "institution": self.institution.name,
            "languages": read,
        }


def partner_languages(partners: Iterable[Institution], asker: User) -> dict[int, PartnerLanguages]:
    """For each partner, the languages of the discussion its active experts read (of the
    languages the installation offers), and the default for this asker: the one most of them
    read among those the asker reads too, else the one most of them read. One query."""
    partners = list(partners)
    offered = [code for code, _name in settings.LANGUAGES]
    counts: dict[int, dict[str, int]] = {p.pk: {} for p in partners}
    rows = (
        Membership.objects.filter(
            institution__in=partners,
            role=Role.EXPERT,
            ended_at__isnull=True,
            user__is_active=True,
        )
        # One active expert membership per person and institution (a constraint): no
        # DISTINCT, which would also fold two experts who read the same languages into one.
        .values_list("institution_id", "user_id", "user__languages", "user__language")
    )
    for institution_id, _user, languages, interface in rows:
        for code in {*(languages or []), *([interface] if interface else [])}:
            if code in offered:
                counts[institution_id][code] = counts[institution_id].get(code, 0) + 1
    mine = [asker.language, *(asker.languages or [])]
    result = {}
    for partner in partners:
        own = [c for c in (partner.languages or []) if c in offered]
        # Most read first; a tie goes to the institution's own language (French at Curie).
        read = sorted(
            counts[partner.pk],
            key=lambda c: (
                -counts[partner.pk][c],
                own.index(c) if c in own else 99,
                offered.index(c),
            ),
        )
        if not read:
            # No expert has said what they read: the institution's own languages.
            read = own
        shared = [c for c in read if c in mine]
        default = (shared or read or [asker.language or settings.LANGUAGE_CODE])[0]
        result[partner.pk] = PartnerLanguages(partner, read, default)
    return result
