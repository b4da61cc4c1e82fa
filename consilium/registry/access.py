"""Who may see which registry data. Views and the API load patients only through here.

- Clinicians and data managers of the owning institution: its patients, identifiers included.
- Coordinators: their institution's aggregates (the data-quality page), never a patient.
- Everyone else, partner experts included: nothing. Partners see patients only through a
  consultation, pseudonymised, in that module.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from consilium.accounts.access import institution_ids_with_role
from consilium.accounts.models import CLINICAL_ROLES, Membership, Role, User
from consilium.audit.actions import record
from consilium.audit.refusals import record_refusal
from consilium.network.models import Institution
from consilium.registry.models import Diagnosis, FollowUpEvent, ImportJob, Patient, QualityIssue

AnyUser = User | AnonymousUser


def clinical_institution_ids(user: AnyUser) -> set[int]:
    return institution_ids_with_role(user, CLINICAL_ROLES)


def aggregate_institution_ids(user: AnyUser) -> set[int]:
    """Institutions whose registry figures (not patients) the user may see."""
    return institution_ids_with_role(user, {*CLINICAL_ROLES, Role.COORDINATOR})


def own_institution_id(user: AnyUser) -> int | None:
    """The institution a person registers patients at by default: where they first took a
    clinical role (still held), not the first of their institutions by name."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, ended_at__isnull=True, role__in=CLINICAL_ROLES)
        .order_by("started_at", "pk")
        .values_list("institution_id", flat=True)
        .first()
    )


def clinical_institutions(user: AnyUser) -> QuerySet[Institution]:
    return Institution.objects.filter(pk__in=clinical_institution_ids(user)).order_by("name")


def patients_for_user(user: AnyUser) -> QuerySet[Patient]:
    return Patient.objects.filter(institution_id__in=clinical_institution_ids(user))


def get_patient_for_user(
    user: AnyUser, pk: int, *, request: HttpRequest | None = None, audit: bool = True
) -> Patient:
    """The patient, if the user may see it (else 404, so its existence is not disclosed);
    the read is written to the audit log."""
    patient = (
        patients_for_user(user).select_related("institution", "identity").filter(pk=pk).first()
    )
    if patient is None:
        record_refusal(actor=user, object_type="patient", object_id=pk, request=request)
        raise Http404
    if audit:
        record(
            actor=user,
            verb="registry.patient_viewed",
            obj=patient,
            institution_id=patient.institution_id,
            details={"pseudonym": patient.pseudonym},
            request=request,
        )
    return patient


def get_diagnosis_for_user(user: AnyUser, patient: Patient, pk: int) -> Diagnosis:
    diagnosis = Diagnosis.objects.filter(patient=patient, pk=pk).first()
    if diagnosis is None or patient.institution_id not in clinical_institution_ids(user):
        raise Http404
    return diagnosis


def get_event_for_user(user: AnyUser, patient: Patient, pk: int) -> FollowUpEvent:
    event = FollowUpEvent.objects.filter(patient=patient, pk=pk).first()
    if event is None or patient.institution_id not in clinical_institution_ids(user):
        raise Http404
    event.patient = patient  # the one loaded through this module, with its institution
    return event


def get_issue_for_user(user: AnyUser, pk: int) -> QualityIssue:
    issue = (
        QualityIssue.objects.select_related("patient")
        .filter(pk=pk, patient__institution_id__in=clinical_institution_ids(user))
        .first()
    )
    if issue is None:
        raise Http404
    return issue


def get_clinical_institution(user: AnyUser, code: str) -> Institution:
    institution = clinical_institutions(user).filter(code=code).first()
    if institution is None:
        raise Http404
    return institution


def get_aggregate_institution(user: AnyUser, code: str) -> Institution:
    institution = Institution.objects.filter(
        code=code, pk__in=aggregate_institution_ids(user)
    ).first()
    if institution is None:
        raise Http404
    return institution


def get_import_job_for_user(user: AnyUser, pk: int) -> ImportJob:
    job = (
        ImportJob.objects.select_related("institution")
        .filter(pk=pk, institution_id__in=clinical_institution_ids(user))
        .first()
    )
    if job is None:
        raise Http404
    return job
