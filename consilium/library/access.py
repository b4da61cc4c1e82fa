"""Who may see and change what in the library. Views and the API load objects only through here.

- Documents: published versions (approved, retired) are read by every member of the network;
  drafts by the owning institution's members and the version's reviewers. Clinicians,
  coordinators and admins of the owner write them; coordinators and admins approve them.
- Adoption: coordinators and admins of an institution adopt a version there; the people its
  adoption names (by role or profession) acknowledge it.
- Compliance audits: staff of an institution where the procedure is in force record rounds;
  its members and the owner's read the figures.
- Send-outs: the requesting institution's clinicians and data managers see their send-outs;
  the laboratory's staff see those sent to it, while it is still a molecular-diagnostics
  partner of the sender, and then only the pseudonym and the sample. Others: 404.
"""

from __future__ import annotations

import datetime
from enum import StrEnum

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from consilium.accounts.access import has_role, institution_ids_with_role, roles_by_institution
from consilium.accounts.models import Role, User
from consilium.audit.actions import record
from consilium.audit.refusals import record_refusal
from consilium.library.models import (
    PUBLISHED_STATUSES,
    Adoption,
    Checklist,
    Document,
    DocumentVersion,
    SendOut,
)
from consilium.network.access import active_partnerships
from consilium.network.models import AreaKind, Institution, PartnershipParty
from consilium.registry.access import clinical_institution_ids

AnyUser = User | AnonymousUser

EDITOR_ROLES = frozenset({Role.CLINICIAN, Role.COORDINATOR, Role.ADMIN})
PUBLISHER_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})
AUDITOR_ROLES = frozenset({Role.CLINICIAN, Role.DATA_MANAGER, Role.COORDINATOR, Role.ADMIN})
LAB_ROLES = frozenset({Role.CLINICIAN, Role.EXPERT, Role.DATA_MANAGER})


def member_institution_ids(user: AnyUser) -> set[int]:
    return set(roles_by_institution(user))


def partner_ids(
    institution_id: int, *, area: str | None = None, today: datetime.date | None = None
) -> set[int]:
    """Institutions bound to `institution_id` by an active partnership (with `area`, if
    given). Nothing is cached: ending a partnership ends what it allowed at once."""
    partnerships = active_partnerships(today).filter(parties__institution_id=institution_id)
    if area:
        partnerships = partnerships.filter(areas__kind=area)
    rows = PartnershipParty.objects.filter(partnership_id__in=partnerships.values("pk")).exclude(
        institution_id=institution_id
    )
    return set(rows.values_list("institution_id", flat=True))


def molecular_partner_ids(institution_id: int) -> set[int]:
    return partner_ids(institution_id, area=AreaKind.MOLECULAR)


# Documents


def can_edit_document(user: AnyUser, document: Document) -> bool:
    return has_role(user, document.owner_id, EDITOR_ROLES)


def can_publish_document(user: AnyUser, document: Document) -> bool:
    return has_role(user, document.owner_id, PUBLISHER_ROLES)


def editor_institution_ids(user: AnyUser) -> set[int]:
    return institution_ids_with_role(user, EDITOR_ROLES)


def _version_rule(user: AnyUser, prefix: str = "") -> Q:
    members = member_institution_ids(user)
    rule = Q(**{f"{prefix}document__owner_id__in": members})
    rule |= Q(**{f"{prefix}reviews__reviewer_id": user.pk})
    if members:
        rule |= Q(**{f"{prefix}status__in": PUBLISHED_STATUSES})
    return rule


def versions_for_user(user: AnyUser) -> QuerySet[DocumentVersion]:
    if not user.is_authenticated or not user.is_active:
        return DocumentVersion.objects.none()
    return DocumentVersion.objects.filter(_version_rule(user)).distinct()


def documents_for_user(user: AnyUser) -> QuerySet[Document]:
    if not user.is_authenticated or not user.is_active:
        return Document.objects.none()
    return Document.objects.filter(_version_rule(user, "versions__")).distinct()


def get_document_for_user(user: AnyUser, pk: int) -> Document:
    document = documents_for_user(user).select_related("owner").filter(pk=pk).first()
    if document is None:
        raise Http404
    return document


def get_version_for_user(user: AnyUser, pk: int) -> DocumentVersion:
    version = (
        versions_for_user(user)
        .select_related("document__owner", "approved_by", "created_by")
        .filter(pk=pk)
        .first()
    )
    if version is None:
        raise Http404
    return version


def reviewer_candidates(document: Document) -> QuerySet[User]:
    """People of the owner and of its active partners who may review."""
    institutions = {document.owner_id, *partner_ids(document.owner_id)}
    return (
        User.objects.filter(
            is_active=True,
            memberships__institution_id__in=institutions,
            memberships__ended_at__isnull=True,
        )
        .distinct()
        .order_by("full_name")
    )


# Adoption


def can_adopt_at(user: AnyUser, institution: Institution) -> bool:
    return has_role(user, institution.pk, PUBLISHER_ROLES)


def required_people(adoption: Adoption) -> QuerySet[User]:
    """Everyone at the institution whose role or profession the adoption names."""
    named = Q(memberships__role__in=adoption.required_roles) | Q(
        profession__in=adoption.required_professions
    )
    return (
        User.objects.filter(
            Q(
                memberships__institution_id=adoption.institution_id,
                memberships__ended_at__isnull=True,
            )
            & named,
            is_active=True,
        )
        .distinct()
        .order_by("full_name")
    )


def is_required(user: AnyUser, adoption: Adoption) -> bool:
    return user.is_authenticated and required_people(adoption).filter(pk=user.pk).exists()


def adoptions_for_user(user: AnyUser) -> QuerySet[Adoption]:
    """Adoptions at the user's institutions, and of the documents their institutions own."""
    members = member_institution_ids(user)
    return Adoption.objects.filter(
        Q(institution_id__in=members) | Q(document__owner_id__in=members)
    )


def get_adoption_for_user(user: AnyUser, pk: int) -> Adoption:
    adoption = (
        adoptions_for_user(user)
        .select_related("institution", "version__document__owner", "adopted_by")
        .filter(pk=pk)
        .first()
    )
    if adoption is None:
        raise Http404
    return adoption


def pending_for(user: AnyUser) -> list[Adoption]:
    """Adoptions in force that ask this user for an acknowledgement they have not given."""
    if not user.is_authenticated:
        return []
    candidates = (
        Adoption.objects.filter(
            institution_id__in=member_institution_ids(user), in_force_until__isnull=True
        )
        .exclude(acknowledgements__user=user)
        .select_related("institution", "version__document")
    )
    roles = roles_by_institution(user)
    return [
        a
        for a in candidates
        if roles.get(a.institution_id, frozenset()) & set(a.required_roles)
        or user.profession in a.required_professions
    ]


# Compliance audits


def get_checklist_for_user(user: AnyUser, pk: int) -> Checklist:
    checklist = (
        Checklist.objects.select_related("version__document__owner")
        .filter(pk=pk, version__in=versions_for_user(user))
        .first()
    )
    if checklist is None:
        raise Http404
    return checklist


def audit_institutions(user: AnyUser, checklist: Checklist) -> QuerySet[Institution]:
    """Institutions where the user may record a round: the procedure is in force there."""
    return Institution.objects.filter(
        pk__in=institution_ids_with_role(user, AUDITOR_ROLES),
        library_adoptions__document_id=checklist.version.document_id,
        library_adoptions__in_force_until__isnull=True,
    ).distinct()


def compliance_institutions(user: AnyUser, checklist: Checklist) -> QuerySet[Institution]:
    """Institutions whose figures on this checklist the user may read."""
    members = member_institution_ids(user)
    adopters = Institution.objects.filter(
        library_adoptions__document_id=checklist.version.document_id
    )
    if checklist.version.document.owner_id not in members:
        adopters = adopters.filter(pk__in=members)
    return adopters.distinct().order_by("name")


# Send-outs


class Side(StrEnum):
    REQUESTER = "requester"
    LABORATORY = "laboratory"


def requester_institution_ids(user: AnyUser) -> set[int]:
    return clinical_institution_ids(user)


def lab_institution_ids(user: AnyUser) -> set[int]:
    return institution_ids_with_role(user, LAB_ROLES)


def _lab_rule(user: AnyUser) -> Q:
    rule = Q(pk__in=[])
    for lab_id in lab_institution_ids(user):
        rule |= Q(laboratory_id=lab_id, requesting_institution_id__in=molecular_partner_ids(lab_id))
    return rule


def sendouts_for_user(user: AnyUser) -> QuerySet[SendOut]:
    if not user.is_authenticated or not user.is_active:
        return SendOut.objects.none()
    own = Q(requesting_institution_id__in=requester_institution_ids(user))
    return SendOut.objects.filter(own | _lab_rule(user))


def list_sendouts_for_user(
    user: AnyUser,
    *,
    status: str = "",
    request: HttpRequest | None = None,
    limit: int = 200,
    with_events: bool = False,
) -> list[SendOut]:
    """The send-outs the user may see (pseudonyms and results: patient data), newest
    first; the list read is audited with the pseudonyms it showed."""
    sendouts = sendouts_for_user(user).select_related(
        "patient", "requesting_institution", "laboratory"
    )
    if with_events:
        sendouts = sendouts.prefetch_related("events")
    if status:
        sendouts = sendouts.filter(status=status)
    rows = list(sendouts[:limit])
    record(
        actor=user,
        verb="library.sendouts_listed",
        details={
            "count": len(rows),
            "status": status,
            "pseudonyms": sorted({s.patient.pseudonym for s in rows}),
        },
        request=request,
    )
    return rows


def side_of(user: AnyUser, sendout: SendOut) -> Side | None:
    if sendout.requesting_institution_id in requester_institution_ids(user):
        return Side.REQUESTER
    if sendouts_for_user(user).filter(pk=sendout.pk).exists():
        return Side.LABORATORY
    return None


def get_sendout_for_user(
    user: AnyUser, pk: int, *, request: HttpRequest | None = None, audit: bool = True
) -> tuple[SendOut, Side]:
    """The send-out and the reader's side of it, or 404; the read is audited."""
    sendout = (
        sendouts_for_user(user)
        .select_related(
            "patient", "diagnosis", "requesting_institution", "laboratory", "requested_by"
        )
        .filter(pk=pk)
        .first()
    )
    side = side_of(user, sendout) if sendout is not None else None
    if sendout is None or side is None:
        record_refusal(actor=user, object_type="sendout", object_id=pk, request=request)
        raise Http404
    if audit:
        record(
            actor=user,
            verb="library.sendout_viewed",
            obj=sendout,
            institution_id=sendout.requesting_institution_id,
            details={"pseudonym": sendout.patient.pseudonym, "side": str(side)},
            request=request,
        )
    return sendout, side
