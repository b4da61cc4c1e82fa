"""Events, series and programmes. Registration and attendance are in participant_views.py;
calendar files, certificates and reports in document_views.py."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consilium.consultations.access import requester_institution_ids
from consilium.lib.forms import add_action_errors
from consilium.meetings import actions, certificates
from consilium.meetings.access import (
    can_manage_event,
    can_manage_series,
    can_register,
    get_event_for_user,
    get_managed_event,
    get_presentation_for_user,
    get_series_for_user,
    slides_refusal,
    visible_events,
)
from consilium.meetings.attendance import (
    deadline_passed,
    free_places,
    modes_for,
    registration_deadline_message,
)
from consilium.meetings.cases import attach_summaries
from consilium.meetings.choices import (
    AgendaStatus,
    DiagnosisGroup,
    Discipline,
    EventKind,
    RegistrationStatus,
)
from consilium.meetings.forms import (
    AgreementForm,
    EventEditForm,
    EventForm,
    PresentationForm,
    RegisterForm,
    SectionForm,
    SeriesForm,
    SessionForm,
)
from consilium.meetings.models import Presentation, Series, Session
from consilium.meetings.programme import teaching_hours
from consilium.meetings.times import wall_clock
from consilium.meetings.video import join_open
from consilium.network.access import managed_institution_ids
from consilium.network.models import Institution

TAG_LABELS = {**dict(DiagnosisGroup.choices), **dict(Discipline.choices)}


def _hosts(request: HttpRequest) -> list[Institution]:
    return list(Institution.objects.filter(pk__in=managed_institution_ids(request.user)))


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    """Upcoming and past events the reader may see; anonymous visitors see public ones."""
    now = timezone.now()
    events = visible_events(request.user).select_related("host")
    # A series shows its next meeting here; the others are on the series' page.
    upcoming = list(events.filter(ends_at__gte=now, series__isnull=True).order_by("starts_at"))
    upcoming += _next_of_each_series(events.filter(ends_at__gte=now, series__isnull=False))
    upcoming.sort(key=lambda e: e.starts_at)
    past = list(events.filter(ends_at__lt=now, series__isnull=True).order_by("-starts_at")[:50])
    series_ids = set(events.filter(series__isnull=False).values_list("series_id", flat=True))
    series = Series.objects.filter(pk__in=series_ids).select_related("host")
    return render(
        request,
        "meetings/event_list.html",
        {
            "upcoming": upcoming,
            "past": past,
            "series": series,
            "can_create": bool(managed_institution_ids(request.user)),
        },
    )


def _next_of_each_series(events) -> list:
    seen: set[int] = set()
    found = []
    for event in events.order_by("series_id", "starts_at").select_related("series"):
        if event.series_id not in seen:
            seen.add(event.series_id)
            found.append(event)
    return found


def _programme(event):
    return event.sessions.select_related("section").prefetch_related(
        "chairs",
        Prefetch(
            "presentations",
            queryset=Presentation.objects.prefetch_related("speakers").order_by("order", "pk"),
        ),
    )


def _programme_days(sessions: list[Session], zone) -> list[tuple[datetime.date, list[Session]]]:
    days: dict[datetime.date, list[Session]] = {}
    for session in sessions:
        for p in session.presentations.all():
            p.tag_labels = [str(TAG_LABELS[t]) for t in p.diagnosis_groups + p.disciplines]
            p.session = session
        days.setdefault(session.starts_at.astimezone(zone).date(), []).append(session)
    return sorted(days.items())


@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_user(request.user, pk)
    sessions = list(_programme(event))
    mine = None
    if request.user.is_authenticated:
        mine = (
            event.registrations.filter(user=request.user)
            .exclude(status=RegistrationStatus.CANCELLED)
            .first()
        )
    can_manage = can_manage_event(request.user, event)
    for session in sessions:
        for p in session.presentations.all():
            # Only the talk's own speakers see its upload form (and the organisers).
            p.can_upload = can_manage or any(s.pk == request.user.pk for s in p.speakers.all())
    reader_zone = timezone.get_current_timezone_name()
    places = {m: free_places(event, m) for m in modes_for(event)}
    open_to_me = can_register(request.user, event) and event.ends_at > timezone.now()
    closed_reason = ""
    if can_register(request.user, event) and not mine:
        if event.ends_at <= timezone.now():
            closed_reason = _("Registration has closed: the event is over.")
        elif deadline_passed(event):
            closed_reason = registration_deadline_message(event)
            open_to_me = False
        elif places and all(free == 0 for free in places.values()) and not event.waiting_list:
            closed_reason = _(
                "Registration has closed: every place is taken and the organisers keep no "
                "waiting list."
            )
            open_to_me = False
    context = {
        "event": event,
        "co_organisers": list(event.co_organisers.all()),
        "mine": mine,
        "can_manage": can_manage,
        "can_register": open_to_me,
        "closed_reason": closed_reason,
        "register_form": RegisterForm(event=event),
        "show_reader_zone": reader_zone != event.time_zone,
        "reader_zone": reader_zone,
        "join_open": join_open(event),
        "join_opens_minutes": settings.CONSILIUM_JOIN_OPENS_MINUTES,
    }
    if event.kind == EventKind.TUMOUR_BOARD:
        return _board_detail(request, event, context)
    return render(
        request,
        "meetings/event_detail.html",
        {
            "event": event,
            "days": _programme_days(sessions, event.zone),
            "co_organisers": list(event.co_organisers.all()),
            "mine": mine,
            "can_manage": can_manage,
            "can_register": open_to_me,
            "closed_reason": closed_reason,
            "register_form": RegisterForm(event=event),
            "places": places,
            "show_reader_zone": reader_zone != event.time_zone,
            "reader_zone": reader_zone,
            "hours": teaching_hours(event),
            "certificate_ready": bool(mine)
            and certificates.eligible(event).filter(pk=mine.pk).exists(),
            "certificate_not_yet": bool(mine)
            and mine.attended
            and not certificates.issuable(event)
            and certificates.not_yet_message(event),
            "agreements": event.agreements.select_related("partnership"),
            "join_open": join_open(event),
            "join_opens_minutes": settings.CONSILIUM_JOIN_OPENS_MINUTES,
        },
    )


def _board_detail(request: HttpRequest, event, context: dict) -> HttpResponse:
    """A tumour board's session leads with when it is, the Join button, its cases and the
    series' next sessions; a board has no programme to build nor places to count."""
    now = timezone.now()
    items = []
    if request.user.is_authenticated:
        items = attach_summaries(
            user=request.user,
            event=event,
            items=event.agenda.filter(status=AgendaStatus.ACCEPTED)
            .select_related("consultation__patient", "presenter")
            .prefetch_related("consultation__patient__diagnoses")
            .order_by("order", "pk"),
            request=request,
        )
    upcoming, next_session = [], None
    if event.series_id:
        later = event.series.events.filter(ends_at__gte=now).exclude(pk=event.pk)
        upcoming = list(later.order_by("starts_at")[:6])
        if event.ends_at < now:
            next_session = upcoming[0] if upcoming else None
    return render(
        request,
        "meetings/board_detail.html",
        {
            **context,
            "items": items,
            "upcoming": upcoming,
            "next_session": next_session,
            "past": event.ends_at < now,
            # Only a clinician of an organiser proposes her consultations.
            "can_propose": bool(requester_institution_ids(request.user) & event.organiser_ids()),
            "proposed": event.agenda.filter(status=AgendaStatus.PROPOSED).count()
            if context["can_manage"]
            else 0,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    hosts = _hosts(request)
    if not hosts:
        raise PermissionDenied
    form = EventForm(request.POST or None, hosts=hosts)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = actions.create_event(actor=request.user, **data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            if event.kind == EventKind.TUMOUR_BOARD:
                messages.success(request, _("The board has been created. Now add its cases."))
                return redirect("meetings:agenda", pk=event.pk)
            messages.success(request, _("The event has been created. Now build its programme."))
            return redirect("meetings:programme", pk=event.pk)
    if request.method == "GET":
        form.initial = {
            "host": hosts[0].pk,
            "time_zone": hosts[0].time_zone,
            "languages": hosts[0].languages,
        }
    return render(request, "meetings/event_form.html", {"form": form, "event": None})


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_managed_event(request.user, pk)
    form = EventEditForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        co_organisers = data.pop("co_organisers")
        try:
            actions.update_event(
                actor=request.user, event=event, co_organisers=co_organisers, **data
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("The event has been saved."))
            return redirect("meetings:event", pk=event.pk)
    if request.method == "GET":
        form.initial = {
            name: getattr(event, name)
            for name in actions.EDITABLE_EVENT_FIELDS
            if name in form.fields
        }
        form.initial["starts_at"] = wall_clock(event.starts_at, event.time_zone)
        form.initial["ends_at"] = wall_clock(event.ends_at, event.time_zone)
        if event.registration_closes_at:
            form.initial["registration_closes_at"] = wall_clock(
                event.registration_closes_at, event.time_zone
            )
        form.initial["co_organisers"] = list(event.co_organisers.all())
    return render(request, "meetings/event_form.html", {"form": form, "event": event})


def _render_programme(request: HttpRequest, event, status: int = 200, **forms) -> HttpResponse:
    sessions = list(_programme(event))
    return render(
        request,
        "meetings/programme_edit.html",
        {
            "event": event,
            "days": _programme_days(sessions, event.zone),
            "sections": event.sections.all(),
            "section_form": forms.get("section_form") or SectionForm(),
            "session_form": forms.get("session_form") or SessionForm(event=event),
            "presentation_form": forms.get("presentation_form") or PresentationForm(event=event),
            "agreement_form": forms.get("agreement_form") or AgreementForm(event=event),
            "agreements": event.agreements.select_related("partnership"),
        },
        status=status,
    )


@login_required
@require_GET
def programme(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_managed_event(request.user, pk)
    return _render_programme(request, event)


@login_required
@require_POST
def programme_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Each part of the programme page posts its own small form here."""
    event = get_managed_event(request.user, pk)
    if action == "section":
        form = SectionForm(request.POST)
        if form.is_valid():
            try:
                actions.add_section(actor=request.user, event=event, **form.cleaned_data)
            except ValidationError as exc:
                add_action_errors(form, exc)
        if form.errors:
            return _render_programme(request, event, 400, section_form=form)
        messages.success(request, _("The section has been added."))
    elif action == "session":
        form = SessionForm(request.POST, event=event)
        if form.is_valid():
            try:
                actions.add_session(actor=request.user, event=event, **form.cleaned_data)
            except ValidationError as exc:
                add_action_errors(form, exc)
        if form.errors:
            return _render_programme(request, event, 400, session_form=form)
        messages.success(request, _("The session has been added."))
    elif action == "presentation":
        form = PresentationForm(request.POST, request.FILES, event=event)
        if form.is_valid():
            try:
                actions.add_presentation(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_action_errors(form, exc)
        if form.errors:
            return _render_programme(request, event, 400, presentation_form=form)
        messages.success(request, _("The presentation has been added."))
    elif action == "agreement":
        form = AgreementForm(request.POST, event=event)
        if form.is_valid():
            try:
                actions.link_agreement(actor=request.user, event=event, **form.cleaned_data)
            except ValidationError as exc:
                add_action_errors(form, exc)
        if form.errors:
            return _render_programme(request, event, 400, agreement_form=form)
        messages.success(request, _("The agreement has been listed."))
    elif action == "remove-session":
        session = event.sessions.filter(pk=request.POST.get("session")).first()
        if session is None:
            raise Http404
        actions.remove_session(actor=request.user, session=session)
        messages.success(request, _("The session has been removed."))
    else:
        raise Http404
    return redirect("meetings:programme", pk=event.pk)


@require_GET
def slides(request: HttpRequest, pk: int) -> HttpResponse:
    """A talk's slides: for its speakers and the organisers, and for the registered
    participants once the talk has started; anyone else who sees the event is told why."""
    presentation = get_presentation_for_user(request.user, pk)
    event_id = presentation.session.event_id
    if not presentation.slides:
        messages.error(request, _("No slides have been put up for this talk yet."))
        return redirect("meetings:event", pk=event_id)
    if why := slides_refusal(request.user, presentation):
        messages.error(request, why)
        return redirect("meetings:event", pk=event_id)
    return FileResponse(
        presentation.slides.open("rb"),
        content_type="application/pdf",
        filename=f"slides-{presentation.pk}.pdf",
    )


@login_required
@require_POST
def slides_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """The speaker puts up (or replaces) the slides of their talk."""
    presentation = get_presentation_for_user(request.user, pk)
    try:
        actions.upload_slides(
            actor=request.user, presentation=presentation, slides=request.FILES.get("slides")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The slides of “%(title)s” are up.") % {"title": presentation.title},
        )
    return redirect("meetings:event", pk=presentation.session.event_id)


@login_required
@require_http_methods(["GET", "POST"])
def series_new(request: HttpRequest) -> HttpResponse:
    hosts = _hosts(request)
    if not hosts:
        raise PermissionDenied
    form = SeriesForm(request.POST or None, hosts=hosts)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        weeks = data.pop("weeks_ahead")
        try:
            series = actions.create_series(
                actor=request.user,
                until=timezone.localdate() + datetime.timedelta(weeks=weeks),
                **data,
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            first = series.events.filter(ends_at__gte=timezone.now()).order_by("starts_at").first()
            if series.kind == EventKind.TUMOUR_BOARD and first is not None:
                messages.success(
                    request,
                    _("The board and its sessions have been planned. Now add the first cases."),
                )
                return redirect("meetings:agenda", pk=first.pk)
            messages.success(request, _("The series and its meetings have been planned."))
            return redirect("meetings:series", pk=series.pk)
    if request.method == "GET":
        form.initial.update({"host": hosts[0].pk, "time_zone": hosts[0].time_zone})
    return render(request, "meetings/series_form.html", {"form": form})


@require_GET
def series_detail(request: HttpRequest, pk: int) -> HttpResponse:
    series = get_series_for_user(request.user, pk)
    now = timezone.now()
    meetings = series.events.order_by("starts_at")
    return render(
        request,
        "meetings/series_detail.html",
        {
            "series": series,
            "upcoming": meetings.filter(ends_at__gte=now),
            "past": meetings.filter(ends_at__lt=now).order_by("-starts_at")[:20],
            "can_manage": can_manage_series(request.user, series),
            "weekday": dict(SeriesForm.WEEKDAYS)[series.weekday],
            "co_organisers": list(series.co_organisers.all()),
        },
    )


@login_required
@require_POST
def series_extend(request: HttpRequest, pk: int) -> HttpResponse:
    series = get_series_for_user(request.user, pk)
    if not can_manage_series(request.user, series):
        raise PermissionDenied
    created = actions.extend_series(
        actor=request.user,
        series=series,
        until=timezone.localdate() + datetime.timedelta(weeks=12),
    )
    messages.success(
        request, _("%(n)d meetings added for the next 12 weeks.") % {"n": len(created)}
    )
    return redirect("meetings:series", pk=series.pk)
