"""A board at the session: the presentation view (one case per screen, readable when
shared on a video call, next/previous by keyboard, no JavaScript needed) and the minutes
as a PDF. Case summaries show only to those the partnership rule allows, audited."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from consilium.consultations.access import consultations_for_user
from consilium.consultations.models import AttachmentKind, RecommendationStatus
from consilium.meetings import conclusion
from consilium.meetings.access import get_event_for_user
from consilium.meetings.cases import attach_summaries
from consilium.meetings.choices import AgendaStatus, RegistrationStatus
from consilium.meetings.models import Event
from consilium.meetings.pdf import render_pdf

KEY_IMAGES = 4


def _accepted(event):
    return list(
        event.agenda.filter(status=AgendaStatus.ACCEPTED)
        .select_related("consultation__patient", "presenter", "recorded_by")
        .prefetch_related("consultation__patient__diagnoses")
        .order_by("order", "pk")
    )


@login_required
@require_GET
def present(request: HttpRequest, pk: int, n: int) -> HttpResponse:
    event = get_event_for_user(request.user, pk)
    return present_case(request, event, n)


def present_case(
    request: HttpRequest,
    event: Event,
    n: int,
    *,
    form: forms.Form | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The n-th case on screen; with `form` bound, a conclusion sent from here that was
    refused or invalid, shown again with what was typed."""
    from consilium.meetings.agenda_views import ConclusionForm, _kept

    items = _accepted(event)
    if not 1 <= n <= len(items):
        raise Http404
    [item] = attach_summaries(
        user=request.user,
        event=event,
        items=[items[n - 1]],
        request=request,
        verb="meetings.case_presented",
    )
    if item.case is None:
        raise Http404
    consultation = item.consultation
    readable = consultations_for_user(request.user).filter(pk=consultation.pk).exists()
    images = []
    if readable:
        # Only what de-identification produced and nobody must still check by eye.
        images = [
            a
            for a in consultation.attachments.filter(deidentified=True, needs_review=False)
            if a.preview or a.kind == AttachmentKind.PHOTO
        ][:KEY_IMAGES]
    previous = consultation.recommendations.filter(
        status=RecommendationStatus.FINAL, second_opinion__isnull=True
    ).first()
    # The form only to whom may record (a registered participant with a clinical part in
    # the case); someone refused keeps their text, shown below the error.
    _conclusion_in_reader_language(item, event)
    may_conclude = item.recorded_at is None and conclusion.refusal(request.user, item) is None
    conclusion_form = None
    if may_conclude:
        conclusion_form = form or ConclusionForm(auto_id=f"c{item.pk}-%s")
    return render(
        request,
        "meetings/present.html",
        {
            "event": event,
            "item": item,
            "consultation": consultation,
            "readable": readable,
            "images": images,
            "previous": previous,
            "n": n,
            "count": len(items),
            "prev_n": n - 1 if n > 1 else None,
            "next_n": n + 1 if n < len(items) else None,
            "conclusion_form": conclusion_form,
            "error": error,
            "kept": _kept(form) if form is not None and conclusion_form is None else "",
        },
        status=status,
    )


def _conclusion_in_reader_language(item, event: Event) -> None:
    """A recorded conclusion under labels in the reader's language (its stored text has
    the consultation's); sets item.conclusion_title and item.conclusion_rows."""
    item.conclusion_rows = None
    if item.recorded_at is not None and item.fields:
        item.event = event
        item.conclusion_title, item.conclusion_rows = conclusion.conclusion_lines(item)


@login_required
@require_GET
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_user(request.user, pk)
    items = attach_summaries(
        user=request.user,
        event=event,
        items=_accepted(event),
        request=request,
        verb="meetings.minutes_read",
    )
    if not any(item.case for item in items):
        raise Http404
    for item in items:
        _conclusion_in_reader_language(item, event)
    registered = event.registrations.filter(status=RegistrationStatus.REGISTERED).order_by(
        "full_name"
    )
    # Who was there: joined from their link or marked by the coordinator. Registering
    # is not attending.
    attended = [r for r in registered if r.attended]
    pdf = render_pdf(
        "meetings/pdf/minutes.html",
        {
            "event": event,
            "items": [i for i in items if i.case],
            "attendees": attended,
            "absent": [r for r in registered if not r.attended],
            "printed_at": timezone.now(),
            "reader_zone": timezone.get_current_timezone_name(),
        },
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = _("board-minutes-%(date)s.pdf") % {
        "date": event.starts_at.astimezone(event.zone).date().isoformat()
    }
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
