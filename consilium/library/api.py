"""The library's JSON API: the same access helpers and actions as the pages. Files (version
PDFs, laboratory reports) are uploaded through the pages."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status

from consilium.accounts.models import User
from consilium.lib.forms import error_messages
from consilium.library import compliance
from consilium.library.access import (
    adoptions_for_user,
    documents_for_user,
    get_adoption_for_user,
    get_checklist_for_user,
    get_document_for_user,
    get_sendout_for_user,
    get_version_for_user,
    list_sendouts_for_user,
    required_people,
    versions_for_user,
)
from consilium.library.actions import adoption as adoption_actions
from consilium.library.actions import compliance as compliance_actions
from consilium.library.actions import documents as document_actions
from consilium.library.actions import sendouts as sendout_actions
from consilium.library.actions import treatments as treatment_actions
from consilium.library.models import (
    PUBLISHED_STATUSES,
    Adoption,
    Document,
    DocumentKind,
    DocumentVersion,
    SendOut,
)
from consilium.network.models import Institution
from consilium.registry.access import clinical_institution_ids, patients_for_user
from consilium.registry.models import Treatment

router = Router(tags=["library"])


class Error(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


def _invalid(exc: ValidationError) -> Status:
    return Status(422, {"detail": " ".join(exc.messages), "errors": error_messages(exc)})


FORBIDDEN = {"detail": "You may not do this."}


def _institution(code: str) -> Institution:
    institution = Institution.objects.filter(code=code).first()
    if institution is None:
        raise Http404
    return institution


# Documents


class VersionOut(Schema):
    id: int
    code: str
    number: int
    status: str
    language: str
    change_summary: str
    approved_at: datetime.datetime | None
    files: list[str]


class DocumentOut(Schema):
    id: int
    code: str
    kind: str
    title: str
    owner: str
    summary: str
    versions: list[VersionOut]


class DocumentIn(Schema):
    owner: str
    kind: str
    code: str
    title: str
    language: str
    summary: str = ""
    change_summary: str = ""


class NewVersionIn(Schema):
    change_summary: str


class ReviewerIn(Schema):
    reviewer: str  # email


class ReviewIn(Schema):
    decision: str
    note: str = ""


class CommentIn(Schema):
    body: str


class ProtocolChoice(Schema):
    code: str
    label: str
    version_id: int
    status: str


def _version_out(version: DocumentVersion) -> VersionOut:
    return VersionOut(
        id=version.pk,
        code=version.code,
        number=version.number,
        status=version.status,
        language=version.language,
        change_summary=version.change_summary,
        approved_at=version.approved_at,
        files=[f.language for f in version.files.all()],
    )


def _document_out(user: User, document: Document) -> DocumentOut:
    versions = (
        versions_for_user(user)
        .filter(document=document)
        .select_related("document")
        .prefetch_related("files")
        .order_by("-number")
    )
    return DocumentOut(
        id=document.pk,
        code=document.code,
        kind=document.kind,
        title=document.title,
        owner=document.owner.code,
        summary=document.summary,
        versions=[_version_out(v) for v in versions],
    )


@router.get("/documents", response=list[DocumentOut])
def list_documents(request: HttpRequest, kind: str = ""):
    documents = documents_for_user(request.auth).select_related("owner")
    if kind:
        documents = documents.filter(kind=kind)
    return [_document_out(request.auth, d) for d in documents]


@router.get("/documents/{pk}", response=DocumentOut)
def read_document(request: HttpRequest, pk: int):
    return _document_out(request.auth, get_document_for_user(request.auth, pk))


@router.post("/documents", response={201: VersionOut, 403: Error, 404: Error, 422: Error})
def create_document(request: HttpRequest, payload: DocumentIn):
    data = payload.dict()
    owner = _institution(data.pop("owner"))
    try:
        version = document_actions.create_document(actor=request.auth, owner=owner, **data)
    except PermissionDenied:
        return Status(403, FORBIDDEN)
    except ValidationError as exc:
        return _invalid(exc)
    return Status(201, _version_out(version))


@router.post("/documents/{pk}/versions", response={201: VersionOut, 403: Error, 422: Error})
def start_version(request: HttpRequest, pk: int, payload: NewVersionIn):
    document = get_document_for_user(request.auth, pk)
    try:
        version = document_actions.new_version(
            actor=request.auth, document=document, change_summary=payload.change_summary
        )
    except PermissionDenied:
        return Status(403, FORBIDDEN)
    except ValidationError as exc:
        return _invalid(exc)
    return Status(201, _version_out(version))


@router.get("/versions/{pk}", response=VersionOut)
def read_version(request: HttpRequest, pk: int):
    return _version_out(get_version_for_user(request.auth, pk))


def _version_step(request: HttpRequest, pk: int, function, **kwargs):
    version = get_version_for_user(request.auth, pk)
    try:
        function(actor=request.auth, version=version, **kwargs)
    except PermissionDenied:
        return Status(403, FORBIDDEN)
    except ValidationError as exc:
        return _invalid(exc)
    version.refresh_from_db()
    return Status(200, _version_out(version))


@router.post("/versions/{pk}/reviewers", response={200: VersionOut, 403: Error, 422: Error})
def invite_reviewer(request: HttpRequest, pk: int, payload: ReviewerIn):
    reviewer = User.objects.filter(email=payload.reviewer.lower(), is_active=True).first()
    if reviewer is None:
        return Status(422, {"detail": "No such person.", "errors": {"reviewer": ["unknown"]}})
    return _version_step(request, pk, document_actions.invite_reviewer, reviewer=reviewer)


@router.post("/versions/{pk}/submit", response={200: VersionOut, 403: Error, 422: Error})
def submit_version(request: HttpRequest, pk: int):
    return _version_step(request, pk, document_actions.submit_for_review)


@router.post("/versions/{pk}/review", response={200: VersionOut, 403: Error, 422: Error})
def review_version(request: HttpRequest, pk: int, payload: ReviewIn):
    return _version_step(
        request, pk, document_actions.decide_review, decision=payload.decision, note=payload.note
    )


@router.post("/versions/{pk}/comments", response={200: VersionOut, 403: Error, 422: Error})
def comment_version(request: HttpRequest, pk: int, payload: CommentIn):
    return _version_step(request, pk, document_actions.add_comment, body=payload.body)


@router.post("/versions/{pk}/approve", response={200: VersionOut, 403: Error, 422: Error})
def approve_version(request: HttpRequest, pk: int):
    return _version_step(request, pk, document_actions.approve_version)


@router.post("/versions/{pk}/retire", response={200: VersionOut, 403: Error, 422: Error})
def retire_version(request: HttpRequest, pk: int):
    return _version_step(request, pk, document_actions.retire_version)


@router.get("/protocols/choices", response=list[ProtocolChoice])
def protocol_choices(request: HttpRequest):
    """The protocol versions a treatment record may point at, by their stable code."""
    versions = (
        versions_for_user(request.auth)
        .filter(document__kind=DocumentKind.PROTOCOL, status__in=PUBLISHED_STATUSES)
        .select_related("document")
        .order_by("document__code", "-number")
    )
    return [
        ProtocolChoice(
            code=v.code, label=f"{v.document.title} v{v.number}", version_id=v.pk, status=v.status
        )
        for v in versions
    ]


# Adoption


class AdoptionIn(Schema):
    institution: str
    version_id: int
    in_force_from: datetime.date
    roles: list[str] = []
    professions: list[str] = []
    note: str = ""


class AdoptionOut(Schema):
    id: int
    institution: str
    document: str
    version: str
    in_force_from: datetime.date
    in_force_until: datetime.date | None
    required_roles: list[str]
    required_professions: list[str]
    required: int
    acknowledged: int


def _adoption_out(adoption: Adoption) -> AdoptionOut:
    return AdoptionOut(
        id=adoption.pk,
        institution=adoption.institution.code,
        document=adoption.version.document.code,
        version=adoption.version.code,
        in_force_from=adoption.in_force_from,
        in_force_until=adoption.in_force_until,
        required_roles=adoption.required_roles,
        required_professions=adoption.required_professions,
        required=required_people(adoption).count(),
        acknowledged=adoption.acknowledgements.count(),
    )


@router.get("/adoptions", response=list[AdoptionOut])
def list_adoptions(request: HttpRequest):
    adoptions = adoptions_for_user(request.auth).select_related("institution", "version__document")
    return [_adoption_out(a) for a in adoptions]


@router.post("/adoptions", response={201: AdoptionOut, 403: Error, 404: Error, 422: Error})
def adopt(request: HttpRequest, payload: AdoptionIn):
    institution = _institution(payload.institution)
    version = get_version_for_user(request.auth, payload.version_id)
    try:
        adoption = adoption_actions.adopt_version(
            actor=request.auth,
            institution=institution,
            version=version,
            in_force_from=payload.in_force_from,
            roles=payload.roles,
            professions=payload.professions,
            note=payload.note,
        )
    except PermissionDenied:
        return Status(403, FORBIDDEN)
    except ValidationError as exc:
        return _invalid(exc)
    return Status(201, _adoption_out(adoption))


@router.post("/adoptions/{pk}/acknowledge", response={200: AdoptionOut, 403: Error, 422: Error})
def acknowledge(request: HttpRequest, pk: int):
    adoption = get_adoption_for_user(request.auth, pk)
    try:
        adoption_actions.acknowledge(actor=request.auth, adoption=adoption)
    except ValidationError as exc:
        return _invalid(exc)
    return Status(200, _adoption_out(adoption))


# Compliance audits


class ItemOut(Schema):
    id: int
    position: int
    text: str


class ChecklistOut(Schema):
    id: int
    title: str
    version: str
    items: list[ItemOut]


class ObservationIn(Schema):
    item: int
    result: str


class RoundIn(Schema):
    institution: str
    unit: str
    audited_on: datetime.date
    observations: list[ObservationIn]
    note: str = ""


class PointOut(Schema):
    round_id: int
    unit: str
    audited_on: datetime.date
    compliant: int
    non_compliant: int
    not_applicable: int
    percent: float | None


@router.get("/checklists/{pk}", response=ChecklistOut)
def read_checklist(request: HttpRequest, pk: int):
    checklist = get_checklist_for_user(request.auth, pk)
    return ChecklistOut(
        id=checklist.pk,
        title=checklist.title,
        version=checklist.version.code,
        items=[ItemOut(id=i.pk, position=i.position, text=i.text) for i in checklist.items.all()],
    )


@router.get("/checklists/{pk}/compliance", response=list[PointOut])
def read_compliance(request: HttpRequest, pk: int, institution: str):
    from consilium.library.access import compliance_institutions

    checklist = get_checklist_for_user(request.auth, pk)
    chosen = compliance_institutions(request.auth, checklist).filter(code=institution).first()
    if chosen is None:
        raise Http404
    return [
        PointOut(
            round_id=p.round_id,
            unit=p.unit,
            audited_on=p.audited_on,
            compliant=p.compliant,
            non_compliant=p.non_compliant,
            not_applicable=p.not_applicable,
            percent=p.percent,
        )
        for p in compliance.rounds(checklist, chosen)
    ]


@router.post("/checklists/{pk}/rounds", response={201: dict, 403: Error, 404: Error, 422: Error})
def record_round(request: HttpRequest, pk: int, payload: RoundIn):
    checklist = get_checklist_for_user(request.auth, pk)
    try:
        audit_round = compliance_actions.record_round(
            actor=request.auth,
            checklist=checklist,
            institution=_institution(payload.institution),
            unit=payload.unit,
            audited_on=payload.audited_on,
            observations=[(o.item, o.result) for o in payload.observations],
            note=payload.note,
        )
    except PermissionDenied:
        return Status(403, FORBIDDEN)
    except ValidationError as exc:
        return _invalid(exc)
    return Status(201, {"id": audit_round.pk})


# Send-outs: the patient appears by pseudonym only, on both sides.


class SendOutEventOut(Schema):
    status: str
    at: datetime.datetime
    note: str


class SendOutOut(Schema):
    id: int
    pseudonym: str
    requesting_institution: str
    laboratory: str
    test: str
    test_detail: str
    question: str
    sample_type: str
    collected_on: datetime.date
    fixation: str
    tumour_cell_percent: int | None
    courier: str
    tracking_number: str
    shipped_at: datetime.datetime | None
    temperature: str
    status: str
    failed_reason: str
    requested_at: datetime.datetime
    received_at: datetime.datetime | None
    reported_at: datetime.datetime | None
    days_to_receipt: int | None
    days_to_report: int | None
    marker: str
    marker_other_name: str
    result: str
    method: str
    result_summary: str
    history: list[SendOutEventOut]


class SendOutIn(Schema):
    pseudonym: str
    laboratory: str
    test: str
    sample_type: str
    collected_on: datetime.date
    fixation: str
    tumour_cell_percent: int | None = None
    test_detail: str = ""
    question: str = ""
    consultation: int | None = None


class ShipmentIn(Schema):
    courier: str
    tracking_number: str
    temperature: str
    shipped_at: datetime.datetime | None = None


class StatusIn(Schema):
    status: str
    note: str = ""


class ResultIn(Schema):
    marker: str
    result: str
    method: str
    marker_other_name: str = ""
    summary: str = ""


class FailureIn(Schema):
    reason: str


_SENDOUT_FIELDS = [
    "test",
    "test_detail",
    "question",
    "sample_type",
    "collected_on",
    "fixation",
    "tumour_cell_percent",
    "courier",
    "tracking_number",
    "shipped_at",
    "temperature",
    "status",
    "failed_reason",
    "requested_at",
    "received_at",
    "reported_at",
    "days_to_receipt",
    "days_to_report",
    "marker",
    "marker_other_name",
    "result",
    "method",
    "result_summary",
]


def _sendout_out(sendout: SendOut) -> SendOutOut:
    return SendOutOut(
        id=sendout.pk,
        pseudonym=sendout.patient.pseudonym,
        requesting_institution=sendout.requesting_institution.code,
        laboratory=sendout.laboratory.code,
        history=[
            SendOutEventOut(status=e.status, at=e.at, note=e.note) for e in sendout.events.all()
        ],
        **{name: getattr(sendout, name) for name in _SENDOUT_FIELDS},
    )


@router.get("/sendouts", response=list[SendOutOut])
def list_sendouts(request: HttpRequest, status: str = ""):
    sendouts = list_sendouts_for_user(
        request.auth, status=status, request=request, with_events=True
    )
    return [_sendout_out(s) for s in sendouts]


@router.get("/sendouts/{pk}", response=SendOutOut)
def read_sendout(request: HttpRequest, pk: int):
    sendout, _side = get_sendout_for_user(request.auth, pk, request=request)
    return _sendout_out(sendout)


@router.post("/sendouts", response={201: SendOutOut, 403: Error, 404: Error, 422: Error})
def request_sendout(request: HttpRequest, payload: SendOutIn):
    patient = patients_for_user(request.auth).filter(pseudonym=payload.pseudonym).first()
    if patient is None:
        return Status(404, {"detail": "No patient of yours has this pseudonym."})
    data = payload.dict()
    del data["pseudonym"]
    laboratory = _institution(data.pop("laboratory"))
    if data["consultation"] is not None:
        from consilium.consultations.access import consultations_for_user

        data["consultation"] = (
            consultations_for_user(request.auth).filter(pk=data["consultation"]).first()
        )
        if data["consultation"] is None:
            return Status(404, {"detail": "No such consultation of yours."})
    try:
        sendout = sendout_actions.request_sendout(
            actor=request.auth,
            patient=patient,
            diagnosis=patient.diagnoses.order_by("-date", "-id").first(),
            laboratory=laboratory,
            **data,
        )
    except PermissionDenied:
        return Status(403, FORBIDDEN)
    except ValidationError as exc:
        return _invalid(exc)
    return Status(201, _sendout_out(sendout))


def _sendout_step(request: HttpRequest, pk: int, function, **kwargs):
    sendout, _side = get_sendout_for_user(request.auth, pk, request=request, audit=False)
    try:
        function(actor=request.auth, sendout=sendout, **kwargs)
    except PermissionDenied:
        return Status(403, FORBIDDEN)
    except ValidationError as exc:
        return _invalid(exc)
    sendout.refresh_from_db()
    return Status(200, _sendout_out(sendout))


@router.post("/sendouts/{pk}/shipment", response={200: SendOutOut, 403: Error, 422: Error})
def ship(request: HttpRequest, pk: int, payload: ShipmentIn):
    return _sendout_step(request, pk, sendout_actions.record_shipment, **payload.dict())


@router.post("/sendouts/{pk}/status", response={200: SendOutOut, 403: Error, 422: Error})
def change_status(request: HttpRequest, pk: int, payload: StatusIn):
    return _sendout_step(
        request, pk, sendout_actions.change_status, status=payload.status, note=payload.note
    )


@router.post("/sendouts/{pk}/result", response={200: SendOutOut, 403: Error, 422: Error})
def report_result(request: HttpRequest, pk: int, payload: ResultIn):
    return _sendout_step(request, pk, sendout_actions.report_result, **payload.dict())


@router.post("/sendouts/{pk}/failure", response={200: SendOutOut, 403: Error, 422: Error})
def fail(request: HttpRequest, pk: int, payload: FailureIn):
    return _sendout_step(request, pk, sendout_actions.mark_failed, reason=payload.reason)


# Treatments


class TreatmentProtocolIn(Schema):
    protocol: str  # a version's stable code, e.g. WILMS-VN-v2


class TreatmentProtocolOut(Schema):
    treatment_id: int
    protocol: str


@router.post(
    "/treatments/{pk}/protocol",
    response={200: TreatmentProtocolOut, 403: Error, 404: Error, 422: Error},
)
def link_protocol(request: HttpRequest, pk: int, payload: TreatmentProtocolIn):
    treatment = (
        Treatment.objects.select_related("patient")
        .filter(pk=pk, patient__institution_id__in=clinical_institution_ids(request.auth))
        .first()
    )
    if treatment is None:
        raise Http404
    code, _sep, number = payload.protocol.rpartition("-v")
    version = (
        versions_for_user(request.auth)
        .select_related("document")
        .filter(document__code=code, number=int(number) if number.isdigit() else 0)
        .first()
    )
    if version is None:
        return Status(
            422, {"detail": "Unknown protocol version.", "errors": {"protocol": [payload.protocol]}}
        )
    try:
        treatment_actions.link_protocol(actor=request.auth, treatment=treatment, version=version)
    except PermissionDenied:
        return Status(403, FORBIDDEN)
    except ValidationError as exc:
        return _invalid(exc)
    return Status(200, TreatmentProtocolOut(treatment_id=treatment.pk, protocol=version.code))
