"""Every change to events, series and programmes: one transaction, one audit entry.
Registration and attendance changes are in attendance.py."""

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from consilium.accounts.models import User
from consilium.audit.actions import record
from consilium.lib import stored_files
from consilium.lib.timezones import time_zone_names
from consilium.lib.uploads import validate_pdf
from consilium.meetings.choices import (
    DiagnosisGroup,
    Discipline,
    EventKind,
    EventMode,
    SessionKind,
    Visibility,
)
from consilium.meetings.models import (
    CalendarFeed,
    Event,
    EventAgreement,
    Presentation,
    Section,
    Series,
    Session,
    new_token,
)
from consilium.meetings.series import occurrence_dates, occurrence_span
from consilium.network.access import managed_institution_ids
from consilium.network.models import Institution, Partnership

Errors = dict[str, list[str]]


def _require_organiser(actor: User, institution_ids: set[int]) -> None:
    if not institution_ids & managed_institution_ids(actor):
        raise PermissionDenied


def _require_manager(actor: User, event: Event) -> None:
    _require_organiser(actor, event.organiser_ids())


def _clean_names(values: Iterable[str]) -> list[str]:
    return [v.strip() for v in values if v and v.strip()]


def _check_event_fields(
    *,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    time_zone: str,
    mode: str,
    visibility: str,
    capacity: int | None,
    teaching_hours: Decimal | None = None,
) -> Errors:
    errors: Errors = {}
    if kind not in EventKind.values:
        errors["kind"] = [_("Choose a kind of event.")]
    if not title.strip():
        errors["title"] = [_("Give the event a title.")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The event ends before it starts.")]
    if time_zone not in time_zone_names():
        errors["time_zone"] = [_("Choose a known time zone.")]
    if mode not in EventMode.values:
        errors["mode"] = [_("Choose in person, online or hybrid.")]
    if visibility not in Visibility.values:
        errors["visibility"] = [_("Choose who may see the event.")]
    if capacity is not None and capacity < 1:
        errors["capacity"] = [_("The capacity is at least one place, or empty for no limit.")]
    if teaching_hours is not None and ends_at > starts_at:
        # The wall clock is the most an event can teach; stated hours above it are a typo.
        length = Decimal((ends_at - starts_at).total_seconds() / 3600).quantize(Decimal("0.01"))
        if not Decimal(0) < teaching_hours <= length:
            errors["teaching_hours"] = [
                _(
                    "The teaching hours are more than 0 and at most the event's length, "
                    "%(limit)s hours; leave them empty if nobody knows."
                )
                % {"limit": number_format(length)}
            ]
    return errors


def check_online_link(link: str) -> str | None:
    """Why a video link is refused, or None: https only, and on a host the deployer
    allows (CONSILIUM_VIDEO_HOSTS; empty allows any https host)."""
    from consilium.meetings.video import link_refusal

    return link_refusal(link)


def create_event(
    *,
    actor: User,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    time_zone: str,
    host: Institution,
    mode: str,
    visibility: str = Visibility.NETWORK,
    co_organisers: Iterable[Institution] = (),
    supporting_organisations: Iterable[str] = (),
    venue: str = "",
    online_link: str = "",
    languages: Iterable[str] = (),
    capacity: int | None = None,
    waiting_list: bool = True,
    description: str = "",
    series: Series | None = None,
    occurrence: datetime.date | None = None,
    agenda_hours_before: int = 24,
    registration_closes_at: datetime.datetime | None = None,
    teaching_hours: Decimal | None = None,
) -> Event:
    """Only coordinators and admins of the host institution create its events."""
    _require_organiser(actor, {host.pk})
    errors = _check_event_fields(
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=time_zone,
        mode=mode,
        visibility=visibility,
        capacity=capacity,
        teaching_hours=teaching_hours,
    )
    if online_link and (why := check_online_link(online_link)):
        errors["online_link"] = [why]
    if not 0 <= agenda_hours_before <= 24 * 14:
        errors["agenda_hours_before"] = [_("Send the agenda 0 to 336 hours before.")]
    if registration_closes_at is not None and registration_closes_at > ends_at:
        errors["registration_closes_at"] = [_("Registration closes before the event ends.")]
    if errors:
        raise ValidationError(errors)
    partners = [i for i in {i.pk: i for i in co_organisers}.values() if i.pk != host.pk]
    with transaction.atomic():
        event = Event.objects.create(
            kind=kind,
            title=title.strip(),
            description=description,
            starts_at=starts_at,
            ends_at=ends_at,
            time_zone=time_zone,
            host=host,
            supporting_organisations=_clean_names(supporting_organisations),
            venue=venue.strip(),
            online_link=online_link.strip(),
            mode=mode,
            languages=list(languages),
            visibility=visibility,
            capacity=capacity,
            waiting_list=waiting_list,
            series=series,
            occurrence=occurrence,
            agenda_hours_before=agenda_hours_before,
            registration_closes_at=registration_closes_at,
            teaching_hours=teaching_hours,
            created_by=actor,
        )
        event.co_organisers.set(partners)
        record(
            actor=actor,
            verb="meetings.event_created",
            obj=event,
            institution_id=host.pk,
            details={"kind": kind, "title": event.title, "starts_at": starts_at.isoformat()},
        )
    return event


EDITABLE_EVENT_FIELDS = frozenset(
    {
        "kind",
        "title",
        "description",
        "starts_at",
        "ends_at",
        "time_zone",
        "supporting_organisations",
        "venue",
        "online_link",
        "mode",
        "languages",
        "visibility",
        "capacity",
        "waiting_list",
        "registration_closes_at",
        "teaching_hours",
    }
)


def update_event(
    *,
    actor: User,
    event: Event,
    co_organisers: Iterable[Institution] | None = None,
    **fields: object,
) -> Event:
    """Change an event. Its sessions must still fit its dates; places freed by a larger
    capacity go to the waiting list."""
    from consilium.meetings.attendance import fill_free_places, recount_hours

    _require_manager(actor, event)
    unknown = set(fields) - EDITABLE_EVENT_FIELDS
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    merged = {name: fields.get(name, getattr(event, name)) for name in EDITABLE_EVENT_FIELDS}
    errors = _check_event_fields(
        kind=merged["kind"],
        title=merged["title"],
        starts_at=merged["starts_at"],
        ends_at=merged["ends_at"],
        time_zone=merged["time_zone"],
        mode=merged["mode"],
        visibility=merged["visibility"],
        capacity=merged["capacity"],
        teaching_hours=merged["teaching_hours"],
    )
    if merged["online_link"] and (why := check_online_link(merged["online_link"])):
        errors["online_link"] = [why]
    closes = merged["registration_closes_at"]
    if closes is not None and closes > merged["ends_at"]:
        errors["registration_closes_at"] = [_("Registration closes before the event ends.")]
    outside = event.sessions.exclude(
        starts_at__gte=merged["starts_at"], ends_at__lte=merged["ends_at"]
    )
    if outside.exists():
        errors.setdefault("__all__", []).append(
            _("Some sessions would fall outside the new dates: move them first.")
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        changed = sorted(n for n in fields if fields[n] != getattr(event, n))
        moved = merged["starts_at"] - event.starts_at
        if moved:
            # A board's case slots follow its start, as the sessions of a programme must
            # be moved by hand: a slot is "the nth case", not a time of its own.
            event.agenda.filter(slot_starts_at__isnull=False).update(
                slot_starts_at=F("slot_starts_at") + moved
            )
        for name, value in fields.items():
            setattr(event, name, value)
        event.sequence += 1
        event.save()
        if co_organisers is not None:
            event.co_organisers.set([i for i in co_organisers if i.pk != event.host_id])
            changed.append("co_organisers")
        record(
            actor=actor,
            verb="meetings.event_changed",
            obj=event,
            institution_id=event.host_id,
            details={"fields": changed},
        )
        fill_free_places(event=event)
        if "teaching_hours" in changed:
            recount_hours(event=event)
    return event


def create_series(
    *,
    actor: User,
    title: str,
    host: Institution,
    weekday: int,
    start_time: datetime.time,
    time_zone: str,
    starts_on: datetime.date,
    until: datetime.date,
    interval_weeks: int = 2,
    duration_minutes: int = 60,
    co_organisers: Iterable[Institution] = (),
    ends_on: datetime.date | None = None,
    online_link: str = "",
    visibility: str = Visibility.PARTNERS,
    languages: Iterable[str] = (),
    kind: str = EventKind.TUMOUR_BOARD,
    agenda_hours_before: int = 24,
) -> Series:
    """A recurring meeting, with its meetings generated up to `until`."""
    _require_organiser(actor, {host.pk})
    errors: Errors = {}
    if not title.strip():
        errors["title"] = [_("Give the series a title.")]
    if not 0 <= weekday <= 6:
        errors["weekday"] = [_("Choose a weekday.")]
    if not 1 <= interval_weeks <= 52:
        errors["interval_weeks"] = [_("Every 1 to 52 weeks.")]
    if not 5 <= duration_minutes <= 720:
        errors["duration_minutes"] = [_("A meeting lasts 5 minutes to 12 hours.")]
    if time_zone not in time_zone_names():
        errors["time_zone"] = [_("Choose a known time zone.")]
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = [_("The series ends before it starts.")]
    if visibility not in Visibility.values:
        errors["visibility"] = [_("Choose who may see the series.")]
    if kind not in EventKind.values:
        errors["kind"] = [_("Choose a kind of event.")]
    if online_link and (why := check_online_link(online_link)):
        errors["online_link"] = [why]
    if not 0 <= agenda_hours_before <= 24 * 14:
        errors["agenda_hours_before"] = [_("Send the agenda 0 to 336 hours before.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        series = Series.objects.create(
            title=title.strip(),
            kind=kind,
            host=host,
            weekday=weekday,
            start_time=start_time,
            time_zone=time_zone,
            starts_on=starts_on,
            ends_on=ends_on,
            interval_weeks=interval_weeks,
            duration_minutes=duration_minutes,
            online_link=online_link.strip(),
            agenda_hours_before=agenda_hours_before,
            visibility=visibility,
            languages=list(languages),
            created_by=actor,
        )
        series.co_organisers.set([i for i in co_organisers if i.pk != host.pk])
        record(
            actor=actor,
            verb="meetings.series_created",
            obj=series,
            institution_id=host.pk,
            details={"weekday": weekday, "every_weeks": interval_weeks, "time_zone": time_zone},
        )
        extend_series(actor=actor, series=series, until=until)
    return series


def extend_series(*, actor: User, series: Series, until: datetime.date) -> list[Event]:
    """Generate the meetings of a series up to `until`; meetings already there are kept
    as they are, so running it again changes nothing."""
    co_organisers = list(series.co_organisers.all())
    _require_organiser(actor, {series.host_id, *(i.pk for i in co_organisers)})
    last = min(until, series.ends_on) if series.ends_on else until
    created = []
    with transaction.atomic():
        existing = set(series.events.values_list("occurrence", flat=True))
        for day in occurrence_dates(
            starts_on=series.starts_on,
            weekday=series.weekday,
            interval_weeks=series.interval_weeks,
            until=last,
        ):
            if day in existing:
                continue
            starts_at, ends_at = occurrence_span(
                day, series.start_time, series.duration_minutes, series.time_zone
            )
            created.append(
                create_event(
                    actor=actor,
                    kind=series.kind,
                    title=series.title,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    time_zone=series.time_zone,
                    host=series.host,
                    co_organisers=co_organisers,
                    mode=EventMode.ONLINE,
                    visibility=series.visibility,
                    online_link=series.online_link,
                    languages=series.languages,
                    series=series,
                    occurrence=day,
                    agenda_hours_before=series.agenda_hours_before,
                )
            )
        if created:
            record(
                actor=actor,
                verb="meetings.series_extended",
                obj=series,
                institution_id=series.host_id,
                details={"until": last.isoformat(), "created": len(created)},
            )
    return created


def add_section(*, actor: User, event: Event, title: str, order: int | None = None) -> Section:
    _require_manager(actor, event)
    if not title.strip():
        raise ValidationError({"title": [_("Give the section a title.")]})
    if event.sections.filter(title__iexact=title.strip()).exists():
        raise ValidationError({"title": [_("The programme already has a section of that name.")]})
    with transaction.atomic():
        if order is None:
            order = event.sections.count() + 1
        section = Section.objects.create(event=event, title=title.strip(), order=order)
        record(
            actor=actor,
            verb="meetings.section_added",
            obj=section,
            institution_id=event.host_id,
            details={"event": event.pk, "title": section.title},
        )
    return section


def _check_session(
    *,
    event: Event,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    room: str,
    section: Section | None,
    exclude_pk: int | None = None,
) -> Errors:
    errors: Errors = {}
    if kind not in SessionKind.values:
        errors["kind"] = [_("Choose a kind of session.")]
    if not title.strip():
        errors["title"] = [_("Give the session a title.")]
    if section is not None and section.event_id != event.pk:
        errors["section"] = [_("That section belongs to another event.")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The session ends before it starts.")]
        return errors
    if starts_at < event.starts_at or ends_at > event.ends_at:
        errors["starts_at"] = [
            _("The session is outside the event's dates (%(start)s – %(end)s, %(zone)s).")
            % {
                "start": event.starts_at.astimezone(event.zone).strftime("%Y-%m-%d %H:%M"),
                "end": event.ends_at.astimezone(event.zone).strftime("%Y-%m-%d %H:%M"),
                "zone": event.time_zone,
            }
        ]
    if room.strip():
        clash = (
            event.sessions.filter(
                room__iexact=room.strip(), starts_at__lt=ends_at, ends_at__gt=starts_at
            )
            .exclude(pk=exclude_pk)
            .first()
        )
        if clash is not None:
            errors["room"] = [
                _("%(room)s is taken by “%(title)s” from %(start)s to %(end)s.")
                % {
                    "room": room.strip(),
                    "title": clash.title,
                    "start": clash.starts_at.astimezone(event.zone).strftime("%H:%M"),
                    "end": clash.ends_at.astimezone(event.zone).strftime("%H:%M"),
                }
            ]
    return errors


def add_session(
    *,
    actor: User,
    event: Event,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    room: str = "",
    section: Section | None = None,
    chairs: Iterable[User] = (),
    guest_chairs: Iterable[str] = (),
) -> Session:
    """A session inside the event's dates; two sessions never share a room at once."""
    _require_manager(actor, event)
    with transaction.atomic():
        # Lock the event so two coordinators cannot book the same room at the same time.
        Event.objects.select_for_update().get(pk=event.pk)
        errors = _check_session(
            event=event,
            kind=kind,
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            room=room,
            section=section,
        )
        if errors:
            raise ValidationError(errors)
        session = Session.objects.create(
            event=event,
            section=section,
            kind=kind,
            title=title.strip(),
            room=room.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            guest_chairs=_clean_names(guest_chairs),
        )
        session.chairs.set(list(chairs))
        record(
            actor=actor,
            verb="meetings.session_added",
            obj=session,
            institution_id=event.host_id,
            details={"event": event.pk, "kind": kind, "room": session.room},
        )
    return session


def remove_session(*, actor: User, session: Session) -> None:
    event = session.event
    _require_manager(actor, event)
    with transaction.atomic():
        record(
            actor=actor,
            verb="meetings.session_removed",
            obj=session,
            institution_id=event.host_id,
            details={"event": event.pk, "title": session.title},
        )
        session.delete()


def _max_slides_bytes() -> int:
    return settings.CONSILIUM_MAX_DOCUMENT_MB * 1024 * 1024


def add_presentation(
    *,
    actor: User,
    session: Session,
    title: str,
    speakers: Iterable[User] = (),
    guest_speakers: Iterable[str] = (),
    diagnosis_groups: Sequence[str] = (),
    disciplines: Sequence[str] = (),
    slides: UploadedFile | None = None,
    order: int | None = None,
) -> Presentation:
    event = session.event
    _require_manager(actor, event)
    speakers = list(speakers)
    guests = _clean_names(guest_speakers)
    errors: Errors = {}
    if not title.strip():
        errors["title"] = [_("Give the presentation a title.")]
    if not speakers and not guests:
        errors["speakers"] = [_("Name at least one speaker.")]
    bad = [g for g in diagnosis_groups if g not in DiagnosisGroup.values]
    if bad:
        errors["diagnosis_groups"] = [_("Unknown diagnosis group: %s") % ", ".join(bad)]
    bad = [d for d in disciplines if d not in Discipline.values]
    if bad:
        errors["disciplines"] = [_("Unknown discipline: %s") % ", ".join(bad)]
    if slides is not None:
        try:
            validate_pdf(slides, max_bytes=_max_slides_bytes())
        except ValidationError as exc:
            errors["slides"] = exc.messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if order is None:
            order = session.presentations.count() + 1
        presentation = Presentation.objects.create(
            session=session,
            title=title.strip(),
            order=order,
            guest_speakers=guests,
            diagnosis_groups=sorted(set(diagnosis_groups)),
            disciplines=sorted(set(disciplines)),
        )
        presentation.speakers.set(speakers)
        if slides is not None:
            stored_files.save(presentation.slides, f"slides-{presentation.pk}.pdf", slides)
            presentation.save(update_fields=["slides"])
        record(
            actor=actor,
            verb="meetings.presentation_added",
            obj=presentation,
            institution_id=event.host_id,
            details={"event": event.pk, "session": session.pk, "slides": slides is not None},
        )
    return presentation


def link_agreement(*, actor: User, event: Event, partnership: Partnership) -> EventAgreement:
    """Record that a partnership was signed at the event."""
    _require_manager(actor, event)
    if EventAgreement.objects.filter(event=event, partnership=partnership).exists():
        raise ValidationError({"partnership": [_("That agreement is already listed.")]})
    with transaction.atomic():
        link = EventAgreement.objects.create(event=event, partnership=partnership, added_by=actor)
        record(
            actor=actor,
            verb="meetings.agreement_linked",
            obj=link,
            institution_id=event.host_id,
            details={"event": event.pk, "partnership": partnership.pk},
        )
    return link


def calendar_feed_for(*, actor: User, reset: bool = False) -> CalendarFeed:
    """The person's feed address; `reset` gives a new one and the old stops working."""
    with transaction.atomic():
        feed, created = CalendarFeed.objects.get_or_create(user=actor)
        if reset and not created:
            feed.token = new_token()
            feed.save(update_fields=["token"])
        if created or reset:
            record(
                actor=actor,
                verb="meetings.calendar_feed_reset" if reset else "meetings.calendar_feed_created",
                obj=feed,
            )
    return feed


def upload_slides(
    *, actor: User, presentation: Presentation, slides: UploadedFile | None
) -> Presentation:
    """The speaker (or an organiser) puts the talk's slides up, replacing any earlier
    version: a PDF within the document size limit."""
    from consilium.meetings.access import can_upload_slides

    if not can_upload_slides(actor, presentation):
        raise PermissionDenied
    if slides is None:
        raise ValidationError({"slides": [_("Choose the PDF of your slides.")]})
    try:
        validate_pdf(slides, max_bytes=_max_slides_bytes())
    except ValidationError as exc:
        raise ValidationError({"slides": exc.messages}) from None
    event = presentation.session.event
    with transaction.atomic():
        replaced = bool(presentation.slides)
        stored_files.save(presentation.slides, f"slides-{presentation.pk}.pdf", slides)
        presentation.save(update_fields=["slides"])
        record(
            actor=actor,
            verb="meetings.slides_uploaded",
            obj=presentation,
            institution_id=event.host_id,
            details={"event": event.pk, "bytes": slides.size, "replaced": replaced},
        )
    return presentation
