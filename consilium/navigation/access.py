"""Who may see navigation. Views and the API load its objects only through here.

Navigation holds family contacts and social circumstances: only the clinical roles
(clinicians, data managers, navigators) of the patient's own institution see any of it.
Partners, coordinators without a clinical role, admins and everyone else: nothing (404).
Confirming or rejecting a proposed abandonment is the data manager's, as any registry event.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest

from consilium.accounts.access import has_role
from consilium.accounts.models import Role, User
from consilium.audit.actions import record
from consilium.navigation.models import PlannedVisit, ProposedAbandonment
from consilium.network.models import Institution
from consilium.registry.access import clinical_institution_ids, patients_for_user
from consilium.registry.models import Patient

AnyUser = User | AnonymousUser


def navigation_institutions(user: AnyUser) -> QuerySet[Institution]:
    return Institution.objects.filter(pk__in=clinical_institution_ids(user)).order_by("name")


def get_navigation_institution(user: AnyUser, code: str | None) -> Institution:
    """The institution asked for, or by default the reader's first one where navigation is in
    use (a data manager of two registries lands where the plans are, not on the one first in
    the alphabet); 404 for anyone without a clinical role there, so a partner learns nothing."""
    institutions = navigation_institutions(user)
    if code:
        institution = institutions.filter(code=code).first()
    else:
        in_use = PlannedVisit.objects.filter(institution_id=OuterRef("pk"))
        institution = institutions.order_by(Exists(in_use).desc(), "name").first()
    if institution is None:
        raise Http404
    return institution


def can_decide_abandonment(user: AnyUser, institution_id: int) -> bool:
    return has_role(user, institution_id, {Role.DATA_MANAGER})


def get_patient_for_navigation(
    user: AnyUser, pk: int, *, request: HttpRequest | None = None, audit: bool = True
) -> Patient:
    patient = patients_for_user(user).select_related("institution").filter(pk=pk).first()
    if patient is None:
        raise Http404
    if audit:
        record(
            actor=user,
            verb="navigation.patient_viewed",
            obj=patient,
            institution_id=patient.institution_id,
            details={"pseudonym": patient.pseudonym},
            request=request,
        )
    return patient


def visits_for_user(user: AnyUser) -> QuerySet[PlannedVisit]:
    return PlannedVisit.objects.filter(institution_id__in=clinical_institution_ids(user))


def get_visit_for_user(user: AnyUser, pk: int) -> PlannedVisit:
    visit = visits_for_user(user).select_related("patient", "plan").filter(pk=pk).first()
    if visit is None:
        raise Http404
    return visit


def get_abandonment_for_user(user: AnyUser, pk: int) -> ProposedAbandonment:
    proposal = (
        ProposedAbandonment.objects.select_related("patient")
        .filter(pk=pk, institution_id__in=clinical_institution_ids(user))
        .first()
    )
    if proposal is None:
        raise Http404
    return proposal


def record_read(
    user: AnyUser, verb: str, institution: Institution, request: HttpRequest | None, **details
) -> None:
    """A page that lists patients of an institution: one audit entry for the read."""
    record(
        actor=user,
        verb=verb,
        obj=institution,
        institution_id=institution.pk,
        details={"institution": institution.code, **details},
        request=request,
    )
