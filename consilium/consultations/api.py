import base64
import binascii
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status

from consilium.audit.actions import record
from consilium.consultations import actions
from consilium.consultations.access import get_consultation_for_user
from consilium.consultations.archive import ArchiveForm, archive
from consilium.consultations.models import RecommendationStatus
from consilium.lib.forms import error_messages
from consilium.network.models import Institution
from consilium.registry.access import patients_for_user

router = Router(tags=["consultations"])


class Error(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class ConsultationOut(Schema):
    id: int
    pseudonym: str
    requesting_institution: str
    expert_institution: str
    question: str
    urgency: str
    status: str
    created_at: datetime.datetime
    first_reply_due: datetime.datetime
    first_reply_at: datetime.datetime | None
    recommended_at: datetime.datetime | None


class FileIn(Schema):
    filename: str
    content_base64: str


class ConsultationIn(Schema):
    patient: str  # the pseudonym
    expert_institution: str  # the institution code
    question: str
    urgency: str = "routine"
    specialty: str = ""
    language: str = "en"
    template: str = "general"
    summary: dict[str, str] = {}
    files: list[FileIn] = []


class MessageOut(Schema):
    id: int
    author: str | None
    body: str
    source: str
    created_at: datetime.datetime
    attachments: list[str]


class MessageIn(Schema):
    body: str
    files: list[FileIn] = []


class RecommendationIn(Schema):
    diagnostic_opinion: str = ""
    stage_risk_opinion: str = ""
    recommended_treatment: str = ""
    further_investigations: str = ""
    local_feasibility: str = ""
    finalise: bool = False


class RecommendationOut(RecommendationIn):
    author: str
    status: str


class SecondOpinionOut(Schema):
    id: int
    expert_institution: str  # the institution code
    experts: list[str]
    invited_by: str
    question: str
    status: str
    created_at: datetime.datetime
    reply_due: datetime.datetime
    answered_at: datetime.datetime | None
    recommendation: RecommendationOut | None = None


class ConsultationDetailOut(ConsultationOut):
    """One consultation, with the second opinions asked in it (read only)."""

    second_opinions: list[SecondOpinionOut]


def _out(c) -> ConsultationOut:
    return ConsultationOut(
        id=c.pk,
        pseudonym=c.patient.pseudonym,
        requesting_institution=c.requesting_institution.code,
        expert_institution=c.expert_institution.code,
        question=c.question,
        urgency=c.urgency,
        status=c.status,
        created_at=c.created_at,
        first_reply_due=c.first_reply_due,
        first_reply_at=c.first_reply_at,
        recommended_at=c.recommended_at,
    )


def _files(files: list[FileIn]) -> list[actions.Upload]:
    try:
        return [
            actions.Upload(f.filename, base64.b64decode(f.content_base64, validate=True))
            for f in files
        ]
    except (binascii.Error, ValueError):
        raise ValidationError({"files": ["A file is not valid base64."]}) from None


@router.get("/", response={200: list[ConsultationOut], 422: Error})
def list_consultations(request: HttpRequest):
    """The archive's filters, by the same names as the page's query string."""
    form = ArchiveForm(request.GET, user=request.auth)
    if not form.is_valid():
        errors = {k: [e["message"] for e in v] for k, v in form.errors.get_json_data().items()}
        return Status(422, {"detail": "Some filters are not understood.", "errors": errors})
    rows = list(archive(request.auth, form.cleaned_data)[:500])
    record(
        actor=request.auth,
        verb="consultations.list_viewed",
        details={
            "filters": {k: str(v) for k, v in form.cleaned_data.items() if v},
            "api": True,
            "shown": sorted({c.patient.pseudonym for c in rows}),
        },
        request=request,
    )
    return Status(200, [_out(c) for c in rows])


@router.post("/", response={201: ConsultationOut, 403: Error, 422: Error})
def create(request: HttpRequest, payload: ConsultationIn):
    patient = patients_for_user(request.auth).filter(pseudonym=payload.patient).first()
    institution = Institution.objects.filter(code=payload.expert_institution).first()
    if patient is None or institution is None:
        return Status(422, {"detail": "Unknown patient or institution.", "errors": {}})
    try:
        consultation = actions.request_consultation(
            actor=request.auth,
            patient=patient,
            expert_institution=institution,
            question=payload.question,
            urgency=payload.urgency,
            specialty=payload.specialty,
            language=payload.language,
            template=payload.template,
            summary=payload.summary,
            files=_files(payload.files),
        )
    except PermissionDenied:
        return Status(403, {"detail": "You may not ask for this patient."})
    except ValidationError as exc:
        return Status(
            422, {"detail": "The consultation is not valid.", "errors": error_messages(exc)}
        )
    return Status(201, _out(consultation))


def _recommendation_out(recommendation) -> RecommendationOut:
    return RecommendationOut(
        **{f: getattr(recommendation, f) for f in actions.RECOMMENDATION_FIELDS},
        finalise=recommendation.status == RecommendationStatus.FINAL,
        author=recommendation.author.full_name,
        status=recommendation.status,
    )


def _second_opinion_out(second) -> SecondOpinionOut:
    final = next(
        (r for r in second.recommendations.all() if r.status == RecommendationStatus.FINAL), None
    )
    return SecondOpinionOut(
        id=second.pk,
        expert_institution=second.expert_institution.code,
        experts=[a.expert.full_name for a in second.assignments.all()],
        invited_by=second.invited_by.full_name,
        question=second.question,
        status=second.status,
        created_at=second.created_at,
        reply_due=second.reply_due,
        answered_at=second.answered_at,
        recommendation=_recommendation_out(final) if final else None,
    )


@router.get("/{pk}", response=ConsultationDetailOut)
def read(request: HttpRequest, pk: int):
    consultation, _side = get_consultation_for_user(request.auth, pk, request=request)
    seconds = consultation.second_opinions.select_related(
        "expert_institution", "invited_by"
    ).prefetch_related("assignments__expert", "recommendations__author")
    return ConsultationDetailOut(
        **_out(consultation).dict(),
        second_opinions=[_second_opinion_out(s) for s in seconds],
    )


@router.get("/{pk}/messages", response=list[MessageOut])
def messages(request: HttpRequest, pk: int):
    consultation, _side = get_consultation_for_user(request.auth, pk, request=request)
    return [
        MessageOut(
            id=m.pk,
            author=m.author.full_name if m.author else None,
            body=m.body,
            source=m.source,
            created_at=m.created_at,
            attachments=[a.name for a in m.attachments.all()],
        )
        for m in consultation.messages.select_related("author").prefetch_related("attachments")
    ]


@router.post("/{pk}/messages", response={201: MessageOut, 403: Error, 422: Error})
def post(request: HttpRequest, pk: int, payload: MessageIn):
    consultation, _side = get_consultation_for_user(request.auth, pk, request=request, audit=False)
    try:
        message = actions.post_message(
            actor=request.auth,
            consultation=consultation,
            body=payload.body,
            files=_files(payload.files),
        )
    except PermissionDenied:
        return Status(403, {"detail": "You may not write in this consultation."})
    except ValidationError as exc:
        return Status(422, {"detail": "The message is not valid.", "errors": error_messages(exc)})
    return Status(
        201,
        MessageOut(
            id=message.pk,
            author=request.auth.full_name,
            body=message.body,
            source=message.source,
            created_at=message.created_at,
            attachments=[a.name for a in message.attachments.all()],
        ),
    )


@router.post("/{pk}/recommendation", response={200: RecommendationOut, 403: Error, 422: Error})
def recommend(request: HttpRequest, pk: int, payload: RecommendationIn):
    consultation, _side = get_consultation_for_user(request.auth, pk, request=request, audit=False)
    fields = payload.dict()
    finalise = fields.pop("finalise")
    try:
        recommendation = actions.save_recommendation(
            actor=request.auth, consultation=consultation, fields=fields, finalise=finalise
        )
    except PermissionDenied:
        return Status(
            403, {"detail": "Only an expert assigned to this consultation may recommend."}
        )
    except ValidationError as exc:
        return Status(
            422, {"detail": "The recommendation is not valid.", "errors": error_messages(exc)}
        )
    return _recommendation_out(recommendation)
