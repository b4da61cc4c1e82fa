import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status

from consilium.lib.forms import error_messages
from consilium.meetings import attendance
from consilium.meetings.access import get_event_for_user, get_managed_event, visible_events
from consilium.meetings.choices import RegistrationStatus
from consilium.meetings.models import Event, Registration
from consilium.meetings.programme import teaching_hours

router = Router(tags=["meetings"])


class EventOut(Schema):
    id: int
    kind: str
    title: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    time_zone: str
    host: str
    co_organisers: list[str]
    supporting_organisations: list[str]
    venue: str
    mode: str
    languages: list[str]
    visibility: str
    capacity: int | None
    series_id: int | None


class PresentationOut(Schema):
    id: int
    title: str
    speakers: list[str]
    diagnosis_groups: list[str]
    disciplines: list[str]
    has_slides: bool


class SessionOut(Schema):
    id: int
    kind: str
    title: str
    section: str | None
    room: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    chairs: list[str]
    presentations: list[PresentationOut]


class ProgrammeOut(Schema):
    event: int
    time_zone: str
    teaching_hours: Decimal | None
    sessions: list[SessionOut]


class RegistrationOut(Schema):
    id: int
    full_name: str
    email: str
    profession: str
    institution: str
    country: str
    mode: str
    status: str
    checked_in_at: datetime.datetime | None
    first_joined_at: datetime.datetime | None
    hours_attended: Decimal | None


class RegistrationIn(Schema):
    """Without guest fields, the caller registers themselves."""

    mode: str
    full_name: str = ""
    email: str = ""
    profession: str = ""
    institution: str = ""
    country: str = ""


class CheckInIn(Schema):
    registration: int | None = None
    email: str = ""


class Error(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


def _event_out(e: Event) -> EventOut:
    return EventOut(
        id=e.pk,
        kind=e.kind,
        title=e.title,
        starts_at=e.starts_at,
        ends_at=e.ends_at,
        time_zone=e.time_zone,
        host=e.host.code,
        co_organisers=sorted(i.code for i in e.co_organisers.all()),
        supporting_organisations=e.supporting_organisations,
        venue=e.venue,
        mode=e.mode,
        languages=e.languages,
        visibility=e.visibility,
        capacity=e.capacity,
        series_id=e.series_id,
    )


def _registration_out(r: Registration) -> RegistrationOut:
    return RegistrationOut(
        id=r.pk,
        full_name=r.full_name,
        email=r.email,
        profession=r.profession,
        institution=r.institution_name,
        country=r.country,
        mode=r.mode,
        status=r.status,
        checked_in_at=r.checked_in_at,
        first_joined_at=r.first_joined_at,
        hours_attended=r.hours_attended,
    )


@router.get("/events", response=list[EventOut])
def list_events(request: HttpRequest, since: datetime.date | None = None):
    events = visible_events(request.auth).select_related("host").prefetch_related("co_organisers")
    if since is not None:
        events = events.filter(ends_at__date__gte=since)
    return [_event_out(e) for e in events.order_by("starts_at")[:500]]


@router.get("/events/{pk}", response=EventOut)
def read_event(request: HttpRequest, pk: int):
    return _event_out(get_event_for_user(request.auth, pk))


@router.get("/events/{pk}/programme", response=ProgrammeOut)
def read_programme(request: HttpRequest, pk: int):
    event = get_event_for_user(request.auth, pk)
    sessions = event.sessions.select_related("section").prefetch_related(
        "chairs", "presentations__speakers"
    )
    return ProgrammeOut(
        event=event.pk,
        time_zone=event.time_zone,
        teaching_hours=teaching_hours(event),
        sessions=[
            SessionOut(
                id=s.pk,
                kind=s.kind,
                title=s.title,
                section=s.section.title if s.section else None,
                room=s.room,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                chairs=[c.full_name for c in s.chairs.all()] + s.guest_chairs,
                presentations=[
                    PresentationOut(
                        id=p.pk,
                        title=p.title,
                        speakers=[u.full_name for u in p.speakers.all()] + p.guest_speakers,
                        diagnosis_groups=p.diagnosis_groups,
                        disciplines=p.disciplines,
                        has_slides=bool(p.slides),
                    )
                    for p in s.presentations.all()
                ],
            )
            for s in sessions
        ],
    )


@router.get("/events/{pk}/registrations", response={200: list[RegistrationOut], 403: Error})
def list_registrations(request: HttpRequest, pk: int):
    try:
        event = get_managed_event(request.auth, pk)
    except PermissionDenied:
        return Status(403, {"detail": "Only the event's coordinators see its participants."})
    return [_registration_out(r) for r in event.registrations.order_by("full_name")]


@router.post("/events/{pk}/registrations", response={201: RegistrationOut, 403: Error, 422: Error})
def create_registration(request: HttpRequest, pk: int, payload: RegistrationIn):
    event = get_event_for_user(request.auth, pk)
    guest = None
    if payload.full_name:
        guest = attendance.Guest(
            full_name=payload.full_name,
            email=payload.email,
            profession=payload.profession,
            institution_name=payload.institution,
            country=payload.country,
        )
    try:
        registration = attendance.register(
            actor=request.auth,
            event=event,
            mode=payload.mode,
            user=None if guest else request.auth,
            guest=guest,
            request=request,
        )
    except PermissionDenied:
        return Status(403, {"detail": "Guests are registered by the event's coordinators."})
    except ValidationError as exc:
        return Status(
            422, {"detail": "The registration is not valid.", "errors": error_messages(exc)}
        )
    return Status(201, _registration_out(registration))


@router.post("/events/{pk}/check-in", response={200: RegistrationOut, 403: Error, 422: Error})
def check_in(request: HttpRequest, pk: int, payload: CheckInIn):
    try:
        event = get_managed_event(request.auth, pk)
    except PermissionDenied:
        return Status(403, {"detail": "Only the event's coordinators check people in."})
    found = event.registrations.exclude(status=RegistrationStatus.CANCELLED)
    if payload.registration:
        found = found.filter(pk=payload.registration)
    elif payload.email:
        found = found.filter(email__iexact=payload.email.strip())
    else:
        found = found.none()
    try:
        registration = attendance.check_in(
            actor=request.auth, event=event, registration=found.first()
        )
    except ValidationError as exc:
        return Status(422, {"detail": " ".join(exc.messages), "errors": error_messages(exc)})
    return _registration_out(registration)


@router.post("/registrations/{pk}/cancel", response={200: RegistrationOut, 422: Error})
def cancel_registration(request: HttpRequest, pk: int):
    registration = Registration.objects.select_related("event").filter(pk=pk).first()
    if registration is None:
        raise Http404
    get_event_for_user(request.auth, registration.event_id)
    try:
        attendance.cancel_registration(actor=request.auth, registration=registration)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        return Status(422, {"detail": " ".join(exc.messages), "errors": error_messages(exc)})
    return _registration_out(registration)
