"""Registration and attendance: register, cancel, the participants page with guests,
check-in and hours, and the personal link that joins the online room."""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consilium.lib.countries import country_name
from consilium.lib.forms import add_action_errors
from consilium.meetings import attendance, certificates
from consilium.meetings.access import get_event_for_user, get_managed_event
from consilium.meetings.badges import badge_sheet
from consilium.meetings.choices import RegistrationStatus
from consilium.meetings.forms import CheckInForm, GuestForm, HoursForm, MemberForm, RegisterForm
from consilium.meetings.models import DayAttendance, Registration
from consilium.search.text import fold


@login_required
@require_POST
def register(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_user(request.user, pk)
    form = RegisterForm(request.POST, event=event)
    if not form.is_valid():
        messages.error(request, _("Choose how you will attend."))
        return redirect("meetings:event", pk=pk)
    try:
        registration = attendance.register(
            actor=request.user,
            event=event,
            user=request.user,
            mode=form.cleaned_data["mode"],
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if registration.status == RegistrationStatus.WAITING:
            messages.warning(request, _("The event is full: you are on the waiting list."))
        else:
            messages.success(request, _("You are registered."))
    return redirect("meetings:event", pk=pk)


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """The participant cancels their own registration; coordinators use the participants
    page, which posts here too."""
    registration = Registration.objects.select_related("event").filter(pk=pk).first()
    if registration is None:
        raise Http404
    get_event_for_user(request.user, registration.event_id)
    try:
        attendance.cancel_registration(actor=request.user, registration=registration)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The registration has been cancelled."))
    if request.POST.get("next") == "participants":
        return redirect("meetings:participants", pk=registration.event_id)
    return redirect("meetings:event", pk=registration.event_id)


PAGE_SIZE = 25  # as the consultation archive


def _desk_day(request: HttpRequest, event) -> datetime.date:
    """The day the desk checks people in for: chosen on the page (?day=), else today while
    the event runs. A day outside the event falls back to that default."""
    chosen = parse_date_safely(request.GET.get("day") or request.POST.get("day") or "")
    if chosen in event.days():
        return chosen
    return attendance.desk_day(event)


def _render_participants(request: HttpRequest, event, status: int = 200, **forms) -> HttpResponse:
    found = event.registrations.exclude(status=RegistrationStatus.CANCELLED)
    # The desk's search: by name, institution or email; a plain GET, htmx as you type.
    # One folded column, so "huong" finds "Hương" on SQLite and PostgreSQL alike.
    query = " ".join(request.GET.get("q", "").replace("\x00", "").split())[:100]
    if query:
        found = found.filter(search_text__contains=fold(query))
    days = event.days()
    day = _desk_day(request, event)
    # A congress has hundreds of registrants: the desk pages them, as the archive does.
    paginator = Paginator(
        found.filter(status=RegistrationStatus.REGISTERED)
        .order_by("full_name", "pk")
        .prefetch_related(Prefetch("days", queryset=DayAttendance.objects.order_by("day"))),
        PAGE_SIZE,
    )
    asked = request.GET.get("page") or "1"
    no_such_page = ""
    try:
        page = paginator.page(asked)
    except (InvalidPage, ValueError):
        # A stale bookmark or a hand-typed number: say so and show the nearest real page.
        past_the_end = asked.isdigit() and int(asked) > paginator.num_pages
        page = paginator.page(paginator.num_pages if past_the_end else 1)
        no_such_page = asked[:20]
    registered = list(page.object_list)
    language = get_language() or settings.LANGUAGE_CODE
    for r in registered:
        r.on_desk_day = any(a.day == day for a in r.days.all())
        r.country_label = country_name(r.country, language) if r.country else ""
    waiting = list(found.filter(status=RegistrationStatus.WAITING).order_by("full_name", "pk"))
    more = 0
    if query and page.number == 1 and paginator.count > PAGE_SIZE:
        # The desk wants one person: typing more finds them sooner than paging.
        more = paginator.count - PAGE_SIZE
    # The pager's links keep the desk's day and search.
    kept = {k: v for k, v in (("day", day.isoformat()), ("q", query)) if v}
    # Typing in the search box (htmx) swaps the table only: rendering the registration
    # forms and the page around it again would cost most of the request (bench_check_in).
    template = "meetings/participants.html"
    if request.htmx and not forms:
        template += "#desk-table"
    return render(
        request,
        template,
        {
            "event": event,
            "registered": registered,
            "waiting": waiting,
            "page": page,
            "no_such_page": no_such_page,
            "page_query": urlencode(kept),
            "guest_form": forms.get("guest_form") or GuestForm(event=event),
            "member_form": forms.get("member_form") or MemberForm(event=event),
            "checkin_form": forms.get("checkin_form") or CheckInForm(),
            "places": {m: attendance.free_places(event, m) for m in attendance.modes_for(event)},
            "query": query,
            "more": more,
            "days": days,
            "day": day,
            "progress": certificates.mail_progress(event),
            "certificates_not_yet": ""
            if certificates.issuable(event)
            else certificates.not_yet_message(event),
            # Not for the table alone (htmx, as the desk types): it costs a query.
            "sheet": badge_sheet(event) if template == "meetings/participants.html" else None,
            # The page's head counts the whole event, whatever the search shows.
            "totals": {
                row["status"]: row["n"]
                for row in event.registrations.values("status").annotate(n=Count("pk"))
            },
        },
        status=status,
    )


@login_required
@require_GET
def participants(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_managed_event(request.user, pk)
    return _render_participants(request, event)


@login_required
@require_POST
def participants_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    event = get_managed_event(request.user, pk)
    if action == "guest":
        form = GuestForm(request.POST, event=event)
        if form.is_valid():
            data = dict(form.cleaned_data)
            mode = data.pop("mode")
            try:
                attendance.register(
                    actor=request.user, event=event, mode=mode, guest=attendance.Guest(**data)
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
        if form.errors:
            return _render_participants(request, event, 400, guest_form=form)
        messages.success(request, _("The participant has been registered."))
    elif action == "member":
        form = MemberForm(request.POST, event=event)
        if form.is_valid():
            try:
                attendance.register(actor=request.user, event=event, **form.cleaned_data)
            except ValidationError as exc:
                add_action_errors(form, exc)
        if form.errors:
            return _render_participants(request, event, 400, member_form=form)
        messages.success(request, _("The participant has been registered."))
    elif action == "check-in":
        form = CheckInForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            found = event.registrations.exclude(status=RegistrationStatus.CANCELLED)
            if data["registration"]:
                found = found.filter(pk=data["registration"])
            else:
                found = found.filter(email__iexact=data["email"])
            try:
                registration = attendance.check_in(
                    actor=request.user,
                    event=event,
                    registration=found.first(),
                    day=_desk_day(request, event),
                    request=request,
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
        if form.errors:
            return _render_participants(request, event, 400, checkin_form=form)
        messages.success(request, _("%(name)s is checked in.") % {"name": registration.full_name})
        return _back_to_desk(event, request)
    elif action == "revoke":
        registration = event.registrations.filter(pk=request.POST.get("registration")).first()
        if registration is None:
            raise Http404
        try:
            certificates.revoke_certificate(
                actor=request.user,
                registration=registration,
                reason=request.POST.get("reason", ""),
                request=request,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("The certificate of %(name)s is revoked; its code now verifies as revoked.")
                % {"name": registration.full_name},
            )
        return _back_to_desk(event, request)
    elif action == "hours":
        registration = event.registrations.filter(pk=request.POST.get("registration")).first()
        form = HoursForm(request.POST)
        if registration is None:
            raise Http404
        if not form.is_valid():
            messages.error(request, _("Give the hours as a number."))
        else:
            try:
                attendance.set_hours(
                    actor=request.user, registration=registration, **form.cleaned_data
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("The hours have been recorded."))
        return _back_to_desk(event, request)
    else:
        raise Http404
    return redirect("meetings:participants", pk=event.pk)


def parse_date_safely(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _back_to_desk(event, request: HttpRequest) -> HttpResponse:
    """Back to the desk with its day and search kept, so the next person is one step away."""
    query = {k: request.POST[k] for k in ("day", "q", "page") if request.POST.get(k)}
    url = reverse("meetings:participants", args=[event.pk])
    return HttpResponseRedirect(f"{url}?{urlencode(query)}" if query else url)


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    """The personal join link from the registration mail. A GET only shows a button, so
    mail scanners that open links do not record attendance; the POST records and redirects
    to the online room."""
    registration = (
        Registration.objects.select_related("event", "user").filter(join_token=token).first()
    )
    if registration is None:
        raise Http404
    event = registration.event
    if request.method == "POST":
        try:
            attendance.record_online_join(registration=registration, request=request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            # The link was set by the event's coordinators; it is where this button goes. Not
            # a redirect: a form's redirect to another site is blocked by our own
            # Content-Security-Policy (form-action 'self'), so Chromium stayed on this page
            # while the join was counted. A page that opens the room by itself (and offers
            # the link) is a navigation, which the policy allows.
            return render(
                request,
                "meetings/join.html",
                {"registration": registration, "event": event, "room": event.online_link},
            )
    return render(request, "meetings/join.html", {"registration": registration, "event": event})
