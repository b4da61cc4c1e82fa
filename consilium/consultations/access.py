"""Who may see a consultation. Views, the API and the email gateway load consultations
only through here.

- The requesting team: clinicians and data managers of the requesting institution.
- The experts assigned to it (offered or accepted) while they are experts of the partner
  institution and the partnership that carried it is active with a telemedicine area.
- The partner's coordinators and admins, for triage, under the same partnership rule.
- A second opinion's centre (its invited expert, its coordinators and admins) while the second
  opinion is asked for or given, under the same rule for that centre's partnership.
Partners see the pseudonymised summary only; identifiers never enter a consultation."""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from consilium.accounts.access import institution_ids_with_role
from consilium.accounts.models import CLINICAL_ROLES, Role, User
from consilium.audit.actions import record
from consilium.audit.refusals import record_refusal
from consilium.consultations.models import (
    ACTIVE_ASSIGNMENT,
    SEEN_SECOND_OPINION,
    Assignment,
    Consultation,
    SecondOpinion,
)
from consilium.network.access import telemedicine_partner_ids

AnyUser = User | AnonymousUser
TRIAGE_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})


class Side(StrEnum):
    REQUESTER = "requester"
    EXPERT = "expert"
    TRIAGE = "triage"


def requester_institution_ids(user: AnyUser) -> set[int]:
    return institution_ids_with_role(user, CLINICAL_ROLES)


Senders = dict[int, set[int]]


def _senders(institution_ids: set[int], known: Senders | None = None) -> Senders:
    """Each institution's telemedicine partners, read once per access rule (never kept
    between requests: an ended partnership ends access at once)."""
    known = known if known is not None else {}
    for institution_id in institution_ids - known.keys():
        known[institution_id] = telemedicine_partner_ids(institution_id)
    return known


def _partner_rule(institution_ids: set[int], senders: Senders | None = None) -> Q:
    """Consultations sent to these institutions through a partnership still open to them."""
    senders = _senders(institution_ids, senders)
    rule = Q(pk__in=[])
    for institution_id in institution_ids:
        rule |= Q(
            expert_institution_id=institution_id,
            requesting_institution_id__in=senders[institution_id],
        )
    return rule


def _second_opinion_rule(
    institution_ids: set[int], *, expert: AnyUser | None = None, senders: Senders | None = None
) -> Q:
    """Consultations whose second opinion was asked of these institutions (of `expert` in
    person, if given), while it is asked for or given and the requesting institution is still
    their partner."""
    every = _senders(institution_ids, senders)
    rule = Q(pk__in=[])
    for institution_id in institution_ids:
        senders = every[institution_id]
        asked = SecondOpinion.objects.filter(
            expert_institution_id=institution_id,
            status__in=SEEN_SECOND_OPINION,
            consultation__requesting_institution_id__in=senders,
        )
        if expert is not None:
            asked = asked.filter(
                assignments__expert=expert, assignments__status__in=ACTIVE_ASSIGNMENT
            )
        # Most readers have no second opinion at all: left in, the empty branch turns every
        # list of theirs into an OR that PostgreSQL answers by reading all the
        # consultations (40-50 ms at 50,000) instead of their own few thousand (15 ms). The
        # small table is asked first, in a fraction of a millisecond.
        if asked.exists():
            rule |= Q(pk__in=asked.values("consultation_id"))
    return rule


def consultations_for_user(user: AnyUser) -> QuerySet[Consultation]:
    if not user.is_authenticated or not user.is_active:
        return Consultation.objects.none()
    own = Q(requesting_institution_id__in=requester_institution_ids(user))
    expert_at = institution_ids_with_role(user, {Role.EXPERT})
    triage_at = institution_ids_with_role(user, TRIAGE_ROLES)
    senders = _senders(expert_at | triage_at)
    assigned = Q(
        pk__in=Assignment.objects.filter(
            expert=user, status__in=ACTIVE_ASSIGNMENT, second_opinion__isnull=True
        ).values("consultation_id")
    ) & _partner_rule(expert_at, senders)
    second = _second_opinion_rule(expert_at, expert=user, senders=senders)
    triage = _partner_rule(triage_at, senders) | _second_opinion_rule(triage_at, senders=senders)
    return Consultation.objects.filter(own | assigned | second | triage)


def _side_when_visible(user: AnyUser, consultation: Consultation) -> Side:
    if consultation.requesting_institution_id in requester_institution_ids(user):
        return Side.REQUESTER
    if Assignment.objects.filter(
        consultation=consultation, expert=user, status__in=ACTIVE_ASSIGNMENT
    ).exists():
        return Side.EXPERT
    return Side.TRIAGE


def side_of(user: AnyUser, consultation: Consultation) -> Side | None:
    # A consultation just read through get_consultation_for_user knows its reader's side:
    # the page and the action it calls would otherwise run the access rule twice more
    # (4 ms each for an expert).
    known = getattr(consultation, "_reader_side", None)
    if known is not None and known[0] == user.pk:
        return known[1]
    if consultation.requesting_institution_id in requester_institution_ids(user):
        return Side.REQUESTER
    if consultations_for_user(user).filter(pk=consultation.pk).exists():
        return _side_when_visible(user, consultation)
    return None


def get_consultation_for_user(
    user: AnyUser, pk: int, *, request: HttpRequest | None = None, audit: bool = True
) -> tuple[Consultation, Side]:
    """The consultation and the reader's side of it, or 404; the read is audited."""
    consultation = (
        consultations_for_user(user)
        .select_related(
            "patient", "requesting_institution", "expert_institution", "partnership", "requested_by"
        )
        .filter(pk=pk)
        .first()
    )
    if consultation is None:
        record_refusal(actor=user, object_type="consultation", object_id=pk, request=request)
        raise Http404
    side = _side_when_visible(user, consultation)
    consultation._reader_side = (user.pk, side)  # for side_of, for the rest of this request
    if audit:
        record(
            actor=user,
            verb="consultations.viewed",
            obj=consultation,
            institution_id=consultation.requesting_institution_id,
            details={"pseudonym": consultation.patient.pseudonym, "side": side.value},
            request=request,
        )
    return consultation, side


def audit_download(
    user: AnyUser,
    consultation: Consultation,
    *,
    file_name: str,
    kind: str,
    request: HttpRequest | None = None,
) -> None:
    """A file of the consultation read: the entry names the file, not only the case."""
    record(
        actor=user,
        verb="consultations.file_downloaded",
        obj=consultation,
        institution_id=consultation.requesting_institution_id,
        details={"pseudonym": consultation.patient.pseudonym, "file": file_name, "kind": kind},
        request=request,
    )
