import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from consilium.lib.forms import error_messages
from consilium.network import actions
from consilium.network.access import get_institution, get_partnership_for_user
from consilium.network.models import Institution, Milestone, PartnershipStatus

router = Router(tags=["network"])


class InstitutionOut(Schema):
    code: str
    name: str
    local_name: str
    country: str
    city: str
    time_zone: str
    kind: str
    languages: list[str]


class ResourceItemOut(Schema):
    resource: str
    availability: str
    note: str


class ResourceProfileOut(Schema):
    institution: str
    version: int
    valid_from: datetime.date
    note: str
    items: list[ResourceItemOut]


class MilestoneOut(Schema):
    id: int
    title: str
    due_on: datetime.date
    status: str
    owner_email: str | None


class AreaOut(Schema):
    kind: str
    objectives: str
    milestones: list[MilestoneOut]


class PartnershipOut(Schema):
    id: int
    title: str
    institutions: list[str]
    signed_on: datetime.date | None
    signed_place: str
    valid_from: datetime.date
    valid_until: datetime.date | None
    status: str
    # Parties whose coordinators have not confirmed yet: a proposal waits for them.
    waiting_for: list[str]
    areas: list[AreaOut]


class PartnershipIn(Schema):
    title: str
    institutions: list[str]
    valid_from: datetime.date
    valid_until: datetime.date | None = None
    signed_on: datetime.date | None = None
    signed_place: str = ""
    status: str = PartnershipStatus.DRAFT
    areas: dict[str, str] = {}


class DeclineIn(Schema):
    reason: str = ""


class MilestoneStatusIn(Schema):
    status: str
    note: str = ""


class Error(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


def _partnership_out(p) -> PartnershipOut:
    return PartnershipOut(
        id=p.pk,
        title=p.title,
        institutions=sorted(party.institution.code for party in p.parties.all()),
        signed_on=p.signed_on,
        signed_place=p.signed_place,
        valid_from=p.valid_from,
        valid_until=p.valid_until,
        status=p.effective_status(),
        waiting_for=sorted(
            party.institution.code for party in p.parties.all() if party.confirmed_at is None
        ),
        areas=[
            AreaOut(
                kind=a.kind,
                objectives=a.objectives,
                milestones=[
                    MilestoneOut(
                        id=m.pk,
                        title=m.title,
                        due_on=m.due_on,
                        status=m.status,
                        owner_email=m.owner.email if m.owner else None,
                    )
                    for m in a.milestones.all()
                ],
            )
            for a in p.areas.all()
        ],
    )


@router.get("/institutions", response=list[InstitutionOut])
def list_institutions(request: HttpRequest):
    return Institution.objects.order_by("country", "name")


@router.get("/institutions/{code}", response=InstitutionOut)
def read_institution(request: HttpRequest, code: str):
    return get_institution(code)


@router.get("/institutions/{code}/resources", response={200: ResourceProfileOut, 404: Error})
def read_resources(request: HttpRequest, code: str):
    institution = get_institution(code)
    profile = institution.resource_profiles.prefetch_related("items").first()
    if profile is None:
        return Status(404, {"detail": "No resource profile has been recorded."})
    return ResourceProfileOut(
        institution=code,
        version=profile.version,
        valid_from=profile.valid_from,
        note=profile.note,
        items=[
            ResourceItemOut(resource=i.resource, availability=i.availability, note=i.note)
            for i in profile.items.all()
        ],
    )


def _partnership_queryset():
    from consilium.network.models import Partnership

    return Partnership.objects.prefetch_related("parties__institution", "areas__milestones__owner")


@router.get("/partnerships", response=list[PartnershipOut])
def list_partnerships(request: HttpRequest):
    return [_partnership_out(p) for p in _partnership_queryset()]


@router.get("/partnerships/{pk}", response=PartnershipOut)
def read_partnership(request: HttpRequest, pk: int):
    get_partnership_for_user(request.auth, pk)
    return _partnership_out(_partnership_queryset().get(pk=pk))


@router.post("/partnerships", response={201: PartnershipOut, 403: Error, 422: Error})
def create_partnership(request: HttpRequest, payload: PartnershipIn):
    codes = set(payload.institutions)
    institutions = list(Institution.objects.filter(code__in=codes))
    if len(institutions) != len(codes):
        unknown = sorted(codes - {i.code for i in institutions})
        return Status(
            422, {"detail": "Unknown institution codes.", "errors": {"institutions": unknown}}
        )
    try:
        partnership = actions.create_partnership(
            actor=request.auth,
            title=payload.title,
            institutions=institutions,
            valid_from=payload.valid_from,
            valid_until=payload.valid_until,
            signed_on=payload.signed_on,
            signed_place=payload.signed_place,
            status=payload.status,
            areas=payload.areas,
        )
    except PermissionDenied:
        return Status(
            403, {"detail": "Only coordinators and admins of a party may record a partnership."}
        )
    except ValidationError as exc:
        return Status(
            422, {"detail": "The partnership is not valid.", "errors": error_messages(exc)}
        )
    return Status(201, _partnership_out(_partnership_queryset().get(pk=partnership.pk)))


@router.post("/partnerships/{pk}/confirm", response={200: PartnershipOut, 403: Error, 422: Error})
def confirm_partnership(request: HttpRequest, pk: int):
    partnership = get_partnership_for_user(request.auth, pk)
    try:
        actions.confirm_partnership(actor=request.auth, partnership=partnership)
    except PermissionDenied:
        return Status(
            403, {"detail": "Only a coordinator of a party that has not confirmed may confirm."}
        )
    except ValidationError as exc:
        return Status(422, {"detail": " ".join(exc.messages)})
    return _partnership_out(_partnership_queryset().get(pk=pk))


@router.post("/partnerships/{pk}/decline", response={200: PartnershipOut, 403: Error, 422: Error})
def decline_partnership(request: HttpRequest, pk: int, payload: DeclineIn):
    partnership = get_partnership_for_user(request.auth, pk)
    try:
        actions.decline_partnership(
            actor=request.auth, partnership=partnership, reason=payload.reason
        )
    except PermissionDenied:
        return Status(
            403, {"detail": "Only a coordinator of a party that has not confirmed may decline."}
        )
    except ValidationError as exc:
        return Status(422, {"detail": " ".join(exc.messages)})
    return _partnership_out(_partnership_queryset().get(pk=pk))


@router.post("/milestones/{pk}/status", response={200: MilestoneOut, 403: Error, 422: Error})
def update_milestone(request: HttpRequest, pk: int, payload: MilestoneStatusIn):
    milestone = get_object_or_404(
        Milestone.objects.select_related("area__partnership", "owner"), pk=pk
    )
    try:
        actions.update_milestone(
            actor=request.auth, milestone=milestone, status=payload.status, note=payload.note
        )
    except PermissionDenied:
        return Status(
            403, {"detail": "Only the owner or the partnership's coordinators may update it."}
        )
    except ValidationError as exc:
        return Status(422, {"detail": "The update is not valid.", "errors": error_messages(exc)})
    return MilestoneOut(
        id=milestone.pk,
        title=milestone.title,
        due_on=milestone.due_on,
        status=milestone.status,
        owner_email=milestone.owner.email if milestone.owner else None,
    )
