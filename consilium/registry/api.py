"""The registry's JSON API: the same access rules and actions as the pages.

Only the owning institution's clinicians and data managers reach a patient at all; the list
never carries identifiers, one patient's read does (and is audited, as a page view is)."""

from __future__ import annotations

import datetime
from typing import Literal

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from consilium.audit.actions import record
from consilium.registry import access, actions
from consilium.registry.actions import PossibleDuplicate
from consilium.registry.checks import CheckResult
from consilium.registry.models import Diagnosis, FollowUpEvent, Patient
from consilium.registry.queries import search_patients
from consilium.registry.validation import (
    ChecksFailed,
    DiagnosisData,
    IdentityData,
    PatientData,
)

router = Router(tags=["registry"])


class DiagnosisIn(Schema):
    date: datetime.date
    topography: str = Field(max_length=6)
    morphology: str = Field(max_length=4)
    behaviour: str = Field(max_length=1)
    basis_of_diagnosis: str = Field(max_length=1)
    grade: str = ""
    laterality: str = "not_paired"
    stage_tumour: str = ""
    stage_tier: int | None = None
    stage_value: str = ""
    risk_group: str = ""

    def data(self) -> DiagnosisData:
        return DiagnosisData(**self.dict())


class DiagnosisOut(Schema):
    id: int
    date: datetime.date
    topography: str
    morphology: str
    behaviour: str
    grade: str
    laterality: str
    basis_of_diagnosis: str
    iccc_recode: str
    iccc_extended: str
    iccc_main_group: str
    stage_tumour: str
    stage_tier: int | None
    stage_value: str
    risk_group: str
    age_at_diagnosis: int | None


class IdentityIn(Schema):
    name: str = Field(max_length=200)
    birth_date: datetime.date
    hospital_number: str = Field("", max_length=40)
    address: str = Field("", max_length=300)
    phone: str = Field("", max_length=40)


class IdentityOut(Schema):
    name: str
    birth_date: datetime.date
    hospital_number: str
    address: str
    phone: str


class PatientIn(Schema):
    institution: str = Field(description="Institution code, e.g. VNCH")
    identity: IdentityIn
    sex: str = "unknown"
    region: str = ""
    consent_status: str = "unknown"
    consent_date: datetime.date | None = None
    consent_waiver_reason: str = ""
    vital_status: str = "alive"
    last_contact: datetime.date | None = None
    diagnosis: DiagnosisIn
    confirm_duplicate: bool = False


class PatientSummary(Schema):
    id: int
    pseudonym: str
    institution: str
    sex: str
    birth_year: int | None
    region: str
    vital_status: str
    last_contact: datetime.date | None
    diagnosis_year: int

    @staticmethod
    def resolve_institution(obj: Patient) -> str:
        return obj.institution.code


class PatientOut(PatientSummary):
    consent_status: str
    consent_date: datetime.date | None
    identity: IdentityOut | None
    diagnoses: list[DiagnosisOut]

    @staticmethod
    def resolve_identity(obj: Patient) -> object:
        return getattr(obj, "identity", None)

    @staticmethod
    def resolve_diagnoses(obj: Patient) -> list[Diagnosis]:
        return list(obj.diagnoses.all())


# The values of EventKind, DeathCause and VitalStatus, spelled out so the OpenAPI schema lists
# them; tests/registry/test_api.py checks they stay the same as the models'.
EventKindValue = Literal[
    "remission", "relapse", "progression", "second_cancer", "abandonment", "death"
]
DeathCauseValue = Literal["", "disease", "treatment", "other"]
VitalStatusValue = Literal["alive", "dead", "unknown"]


class FollowUpEventIn(Schema):
    kind: EventKindValue
    date: datetime.date
    death_cause: DeathCauseValue = Field("", description="Required for a death.")
    note: str = Field("", max_length=300)


class FollowUpEventOut(Schema):
    id: int
    kind: str
    date: datetime.date
    death_cause: str
    note: str
    diagnosis_id: int | None


class ContactIn(Schema):
    date: datetime.date
    vital_status: VitalStatusValue


class Problem(Schema):
    code: str
    level: str
    field: str
    message: str


class Refused(Schema):
    detail: str
    problems: list[Problem] = []
    possible_duplicates: list[str] = []


def _problems(results: list[CheckResult], fields: dict[str, str]) -> list[dict[str, str]]:
    return [
        {
            "code": r.code,
            "level": str(r.level),
            "field": fields.get(r.field, r.field),
            "message": str(r.message),
        }
        for r in results
    ]


# The checks name a follow-up event's date among all of the patient's event dates; the caller
# sent it as the event's "date".
EVENT_FIELDS = {"event_dates": "date"}


def _refused(failed: ChecksFailed, fields: dict[str, str] | None = None) -> Status:
    return Status(
        422,
        {
            "detail": "The data did not pass the checks.",
            "problems": _problems(failed.results, fields or {}),
        },
    )


def _require_clinical(request: HttpRequest) -> None:
    if not access.clinical_institution_ids(request.user):
        raise HttpError(403, "Registry data is for the clinical staff of its institution.")


@router.get("/patients", response=list[PatientSummary])
def list_patients(
    request: HttpRequest,
    q: str = "",
    group: str = "",
    stage: str = "",
    vital_status: str = "",
    year: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> list[Patient]:
    _require_clinical(request)
    limit = max(1, min(limit, 200))
    offset = max(offset, 0)
    keys = (
        search_patients(
            access.patients_for_user(request.user),
            q=q,
            group=group,
            stage=stage,
            vital_status=vital_status,
            year=year,
        )
        .order_by("-id")
        .values("pk")[offset : offset + limit]
    )
    # Keys first, then the rows, as the list page does (views.KeysFirstPaginator): a deep
    # OFFSET over whole rows reads every row it skips.
    found = list(
        access.patients_for_user(request.user)
        .select_related("institution")
        .filter(pk__in=keys)
        .order_by("-id")
    )
    record(
        actor=request.user,
        verb="registry.patient_list_viewed",
        details={"api": True, "shown": [p.pseudonym for p in found]},
        request=request,
    )
    return found


@router.get("/patients/{patient_id}", response=PatientOut)
def get_patient(request: HttpRequest, patient_id: int) -> Patient:
    return access.get_patient_for_user(request.user, patient_id, request=request)


@router.post("/patients", response={201: PatientOut, 409: Refused, 422: Refused})
def create_patient(request: HttpRequest, payload: PatientIn) -> Status:
    _require_clinical(request)
    try:
        institution = access.get_clinical_institution(request.user, payload.institution)
    except Http404:
        raise HttpError(403, "You cannot register patients at that institution.") from None
    try:
        patient = actions.register_patient(
            actor=request.user,
            institution=institution,
            identity=IdentityData(**payload.identity.dict()),
            patient=PatientData(
                sex=payload.sex,
                region=payload.region,
                consent_status=payload.consent_status,
                consent_date=payload.consent_date,
                consent_waiver_reason=payload.consent_waiver_reason,
                vital_status=payload.vital_status,
                last_contact=payload.last_contact,
            ),
            diagnosis=payload.diagnosis.data(),
            confirm_duplicate=payload.confirm_duplicate,
            request=request,
        )
    except ChecksFailed as failed:
        return _refused(failed)
    except PossibleDuplicate as found:
        return Status(
            409,
            {
                "detail": "A likely duplicate is registered; resend with confirm_duplicate.",
                "possible_duplicates": [p.pseudonym for p in found.patients],
            },
        )
    return Status(201, access.get_patient_for_user(request.user, patient.pk, audit=False))


@router.get("/patients/{patient_id}/diagnoses", response=list[DiagnosisOut])
def list_diagnoses(request: HttpRequest, patient_id: int) -> list[Diagnosis]:
    patient = access.get_patient_for_user(request.user, patient_id, request=request)
    return list(patient.diagnoses.all())


@router.post("/patients/{patient_id}/diagnoses", response={201: DiagnosisOut, 422: Refused})
def create_diagnosis(request: HttpRequest, patient_id: int, payload: DiagnosisIn) -> Status:
    patient = access.get_patient_for_user(request.user, patient_id, request=request)
    try:
        diagnosis = actions.add_diagnosis(
            actor=request.user, patient=patient, diagnosis=payload.data(), request=request
        )
    except ChecksFailed as failed:
        return _refused(failed)
    return Status(201, diagnosis)


@router.put(
    "/patients/{patient_id}/diagnoses/{diagnosis_id}",
    response={200: DiagnosisOut, 422: Refused},
)
def update_diagnosis(
    request: HttpRequest, patient_id: int, diagnosis_id: int, payload: DiagnosisIn
) -> Status:
    """Correct a diagnosis: the whole diagnosis is sent, as when it was added."""
    patient = access.get_patient_for_user(request.user, patient_id, request=request)
    diagnosis = access.get_diagnosis_for_user(request.user, patient, diagnosis_id)
    diagnosis.patient = patient
    try:
        diagnosis = actions.update_diagnosis(
            actor=request.user, diagnosis=diagnosis, data=payload.data(), request=request
        )
    except ChecksFailed as failed:
        return _refused(failed)
    return Status(200, diagnosis)


@router.get("/patients/{patient_id}/events", response=list[FollowUpEventOut])
def list_follow_up_events(request: HttpRequest, patient_id: int) -> list[FollowUpEvent]:
    patient = access.get_patient_for_user(request.user, patient_id, request=request)
    return list(patient.events.all())


@router.post("/patients/{patient_id}/events", response={201: FollowUpEventOut, 422: Refused})
def record_follow_up_event(
    request: HttpRequest, patient_id: int, payload: FollowUpEventIn
) -> Status:
    """Record a follow-up event; it is also a contact, and a death makes the patient dead."""
    patient = access.get_patient_for_user(request.user, patient_id, request=request)
    try:
        event = actions.record_event(
            actor=request.user,
            patient=patient,
            diagnosis=patient.diagnoses.order_by("-date").first(),
            request=request,
            **payload.dict(),
        )
    except ChecksFailed as failed:
        return _refused(failed, EVENT_FIELDS)
    return Status(201, event)


@router.put(
    "/patients/{patient_id}/events/{event_id}", response={200: FollowUpEventOut, 422: Refused}
)
def update_follow_up_event(
    request: HttpRequest, patient_id: int, event_id: int, payload: FollowUpEventIn
) -> Status:
    """Correct a follow-up event: the whole event is sent, as when it was recorded."""
    patient = access.get_patient_for_user(request.user, patient_id, request=request)
    event = access.get_event_for_user(request.user, patient, event_id)
    try:
        event = actions.update_event(
            actor=request.user, event=event, request=request, **payload.dict()
        )
    except ChecksFailed as failed:
        return _refused(failed, EVENT_FIELDS)
    return Status(200, event)


@router.post("/patients/{patient_id}/contacts", response={201: PatientSummary, 422: Refused})
def record_contact(request: HttpRequest, patient_id: int, payload: ContactIn) -> Status:
    """The child was seen, or news was had, on that date: the last contact and vital status."""
    patient = access.get_patient_for_user(request.user, patient_id, request=request)
    try:
        patient = actions.record_contact(
            actor=request.user, patient=patient, request=request, **payload.dict()
        )
    except ChecksFailed as failed:
        return _refused(failed)
    return Status(201, patient)
