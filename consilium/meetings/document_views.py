"""What the meetings module hands out as files or summaries: calendar files and the
personal feed, certificates, the event report, training records."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from consilium.meetings import actions, ics
from consilium.meetings.access import (
    get_event_for_user,
    get_managed_event,
    get_registration_for_user,
    get_series_for_user,
    is_network_member,
)
from consilium.meetings.certificates import certificate_pdf
from consilium.meetings.choices import RegistrationStatus
from consilium.meetings.models import CalendarFeed, Event, Registration
from consilium.meetings.report import build_report, report_csv, report_pdf
from consilium.meetings.training import partnership_summary, person_record
from consilium.network.access import get_partnership_for_user
from consilium.network.models import Partnership

ICS = "text/calendar; charset=utf-8"


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=ICS)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_user(request.user, pk)
    return _ics_response(ics.calendar([event], name=event.title), f"event-{event.pk}.ics")


@require_GET
def series_ics(request: HttpRequest, pk: int) -> HttpResponse:
    series = get_series_for_user(request.user, pk)
    events = series.events.select_related("host").order_by("starts_at")
    return _ics_response(ics.calendar(events, name=series.title), f"series-{series.pk}.ics")


@require_GET
def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The personal feed a calendar program polls: the events its owner registered for.
    The secret address is the credential; a reset address stops the old one at once."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    events = (
        Event.objects.filter(
            registrations__user=feed.user,
            registrations__status__in=[
                RegistrationStatus.REGISTERED,
                RegistrationStatus.WAITING,
            ],
        )
        .select_related("host")
        .distinct()
        .order_by("starts_at")
    )
    return _ics_response(ics.calendar(events, name=_("My meetings")), "consilium.ics")


@login_required
@require_http_methods(["GET", "POST"])
def calendar_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        actions.calendar_feed_for(actor=request.user, reset=True)
        messages.success(request, _("Your feed has a new address; the old one no longer works."))
        return redirect("meetings:calendar")
    feed = actions.calendar_feed_for(actor=request.user)
    url = request.build_absolute_uri(reverse("meetings:feed", args=[feed.token]))
    registrations = (
        Registration.objects.filter(user=request.user)
        .exclude(status=RegistrationStatus.CANCELLED)
        .select_related("event")
        .order_by("-event__starts_at")
    )
    return render(
        request, "meetings/calendar.html", {"feed_url": url, "registrations": registrations}
    )


@login_required
@require_GET
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    registration = get_registration_for_user(request.user, pk)
    try:
        pdf = certificate_pdf(registration)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("meetings:event", pk=registration.event_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{registration.pk}.pdf"'
    return response


@login_required
@require_GET
def report(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_managed_event(request.user, pk)
    return render(request, "meetings/report.html", {"report": build_report(event), "event": event})


@login_required
@require_GET
def report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    event = get_managed_event(request.user, pk)
    data = build_report(event)
    if fmt == "csv":
        response = HttpResponse(report_csv(data), content_type="text/csv; charset=utf-8")
    elif fmt == "pdf":
        response = HttpResponse(report_pdf(data), content_type="application/pdf")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="report-{event.pk}.{fmt}"'
    return response


@login_required
@require_GET
def my_training(request: HttpRequest) -> HttpResponse:
    lines, total, days = person_record(request.user)
    return render(
        request,
        "meetings/training_person.html",
        {"lines": lines, "total": total, "days_without_hours": days},
    )


@login_required
@require_GET
def training_overview(request: HttpRequest) -> HttpResponse:
    if not is_network_member(request.user):
        raise Http404
    partnerships = Partnership.objects.prefetch_related("parties__institution").order_by("title")
    return render(request, "meetings/training_overview.html", {"partnerships": partnerships})


@login_required
@require_GET
def partnership_training(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = get_partnership_for_user(request.user, pk)
    events, by_profession = partnership_summary(partnership)
    return render(
        request,
        "meetings/training_partnership.html",
        {
            "partnership": partnership,
            "events": events,
            "by_profession": by_profession,
            "total_hours": sum((row["hours"] or 0) for row in by_profession),
            "has_training_area": partnership.areas.filter(kind="training").exists(),
        },
    )
