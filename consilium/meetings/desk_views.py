"""The desk of a workshop or congress: badges with their QR codes (the sheet of all of them
made by the worker), check-in by scanning one, certificates mailed to every attendee,
messages to the registrants, and the public page that verifies a certificate."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consilium.audit.actions import record
from consilium.lib.forms import add_action_errors
from consilium.meetings import announcements as announcements_
from consilium.meetings import attendance, certificates
from consilium.meetings import badges as badges_
from consilium.meetings.access import get_managed_event, get_registration_for_user
from consilium.meetings.badges import badges_pdf, read_badge_token
from consilium.meetings.choices import CheckInMethod, RegistrationStatus
from consilium.meetings.forms import AnnouncementForm


def _pdf(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def badge(request: HttpRequest, pk: int) -> HttpResponse:
    """One registration's badge: for the participant to print, or the desk to reprint."""
    registration = get_registration_for_user(request.user, pk)
    if registration.status != RegistrationStatus.REGISTERED:
        messages.error(request, _("Only registered participants have a badge."))
        return redirect("meetings:event", pk=registration.event_id)
    pdf = badges_pdf(registration.event, [registration], language=get_language())
    return _pdf(pdf, _("badge-%(number)s.pdf") % {"number": f"{registration.pk:05d}"})


@login_required
@require_POST
def prepare_badges(request: HttpRequest, pk: int) -> HttpResponse:
    """Every registered participant's badge, eight to an A4 sheet, in name order: made by
    the worker (a congress's takes longer than a request should), offered on the
    participants page when ready."""
    event = get_managed_event(request.user, pk)
    try:
        count = badges_.prepare_badges(
            actor=request.user, event=event, language=get_language(), request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            ngettext(
                "%(n)s badge is being prepared; reload the page to see when it is ready.",
                "%(n)s badges are being prepared; reload the page to see when they are ready.",
                count,
            )
            % {"n": count},
        )
    return redirect(reverse("meetings:participants", args=[pk]) + "#badges")


@login_required
@require_GET
def badges(request: HttpRequest, pk: int) -> HttpResponse:
    """The sheet of badges the worker made last."""
    event = get_managed_event(request.user, pk)
    name = event.badges_file
    if not name:
        messages.error(request, _("There is no badge file yet: prepare the badges first."))
        return redirect(reverse("meetings:participants", args=[pk]) + "#badges")
    if not default_storage.exists(name):
        messages.error(request, _("The badge file is gone: prepare the badges again."))
        return redirect(reverse("meetings:participants", args=[pk]) + "#badges")
    record(
        actor=request.user,
        verb="meetings.badges_printed",
        obj=event,
        institution_id=event.host_id,
        details={"badges": event.badges_count},
        request=request,
    )
    return FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        content_type="application/pdf",
        filename=_("badges-%(event)s.pdf") % {"event": event.pk},
    )


@login_required
@require_GET
def scan(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """What a phone opens from a badge's QR code. Opening it checks the holder in for the
    desk's day: the scan is the desk's whole gesture, and only a genuine badge of this
    event, opened by one of its organisers, changes anything (a second scan the same day
    says when the holder was checked in, so a repeated GET does nothing)."""
    found = read_badge_token(token)
    try:
        event = get_managed_event(request.user, pk)
    except (PermissionDenied, Http404):
        if found is None or found[0] != pk:
            raise
        # A genuine badge of an event this organiser does not run (the desk next door, a
        # badge from last year's congress): say so, rather than a bare "Not allowed".
        return render(
            request,
            "meetings/scan.html",
            {"error": _("This badge is for an event you do not organise: nobody was checked in.")},
            status=403,
        )
    context = {"event": event, "day": attendance.desk_day(event)}
    if found is None:
        context["error"] = _("This is not a badge of Consilium: the code is damaged or forged.")
        return render(request, "meetings/scan.html", context, status=400)
    event_id, registration_id = found
    if event_id != event.pk:
        context["error"] = _("This badge is for another event.")
        return render(request, "meetings/scan.html", context, status=400)
    registration = event.registrations.filter(pk=registration_id).first()
    context["registration"] = registration
    earlier = (
        registration.days.filter(day=context["day"]).first()
        if registration is not None and registration.status == RegistrationStatus.REGISTERED
        else None
    )
    if earlier is not None:
        # The same badge again (a second phone, a double scan): not an error of the
        # holder's, so not red, but it says when, and changes nothing.
        context["already"] = attendance.already_checked_in_message(registration, earlier)
        return render(request, "meetings/scan.html", context)
    try:
        attendance.check_in(
            actor=request.user,
            event=event,
            registration=registration,
            method=CheckInMethod.BADGE,
            request=request,
        )
    except ValidationError as exc:
        context["error"] = " ".join(exc.messages)
        return render(request, "meetings/scan.html", context, status=400)
    return render(request, "meetings/scan.html", context)


@login_required
@require_POST
def mail_certificates(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_managed_event(request.user, pk)
    try:
        queued = certificates.mail_certificates(actor=request.user, event=event, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(n)s certificates are being mailed; the count below shows how many have gone.")
            % {"n": queued},
        )
    return redirect("meetings:participants", pk=pk)


@require_GET
def verify_certificate(request: HttpRequest, code: str = "") -> HttpResponse:
    """Public: anyone holding a certificate's code or QR code sees whether it is genuine,
    and only the name, the event, the days and the hours, nothing else."""
    code = (code or request.GET.get("code", "")).strip()[:40]
    registration = certificates.certified_registration(code) if code else None
    revoked = None
    if code and registration is None:
        genuine = certificates.genuine_registration(code)
        if genuine is not None and genuine.certificate_revoked_at is not None:
            revoked = genuine
    days = list(registration.days.values_list("day", flat=True)) if registration else []
    status = 200 if registration or not code else 410 if revoked else 404
    return render(
        request,
        "meetings/verify.html",
        {"code": code, "registration": registration, "revoked": revoked, "days": days},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def announcements(request: HttpRequest, pk: int) -> HttpResponse:
    """Write to the registrants, and see how far earlier messages have gone."""
    event = get_managed_event(request.user, pk)
    form = AnnouncementForm(request.POST if request.method == "POST" else None, event=event)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                sent = announcements_.send_announcement(
                    actor=request.user,
                    event=event,
                    versions=form.versions(),
                    session=form.cleaned_data["session"],
                    request=request,
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "The message is being sent to %(n)s people; the count below shows "
                        "how many have gone."
                    )
                    % {"n": sent.deliveries.count()},
                )
                return redirect("meetings:announcements", pk=pk)
        status = 400
    earlier = list(event.announcements.select_related("session", "created_by")[:20])
    for a in earlier:
        a.progress = announcements_.progress(a)
    return render(
        request,
        "meetings/announcements.html",
        {
            "event": event,
            "form": form,
            "earlier": earlier,
            "everyone": announcements_.recipients(event).count(),
        },
        status=status,
    )
