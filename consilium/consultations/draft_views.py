"""The views of typed work kept on the server: drafts saved as they are typed, and the link
that brings back a post which arrived after its session expired (kept.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from consilium.consultations import drafts, kept
from consilium.consultations.access import (
    Side,
    get_consultation_for_user,
    requester_institution_ids,
)
from consilium.consultations.models import DraftKind


@login_required
@require_POST
def draft(request: HttpRequest) -> HttpResponse:
    """Keep what is being typed (htmx, a few seconds after the last keystroke)."""
    kind = request.POST.get("kind", "")
    consultation = None
    if kind in drafts.IN_CONSULTATION:
        pk = request.POST.get("consultation", "")
        if not pk.isdigit() or len(pk) > 12:
            return HttpResponse(_("This draft names no consultation."), status=400)
        # A consultation the person can no longer see answers 404, like its page.
        consultation, side = get_consultation_for_user(
            request.user, int(pk), request=request, audit=False
        )
        if kind == DraftKind.RECOMMENDATION and side != Side.EXPERT:
            raise PermissionDenied
    elif kind == DraftKind.REQUEST and not requester_institution_ids(request.user):
        raise PermissionDenied
    try:
        kept = drafts.save_draft(
            actor=request.user, kind=kind, consultation=consultation, data=request.POST.dict()
        )
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400)
    if kept is None:
        return HttpResponse("")
    when = timezone.localtime(kept.updated_at).strftime("%H:%M")
    return HttpResponse(_("Draft kept at %(time)s.") % {"time": when})


@login_required
@require_GET
def kept_post(request: HttpRequest, key: str) -> HttpResponse:
    """Where sign-in leads after a post arrived in an expired session: the text goes back
    into the form it came from, as a draft the person checks and sends themselves."""
    found = kept.redeem(request.user, key)
    if found is None:
        return render(request, "consultations/kept_gone.html", status=404)
    consultation = None
    if found.consultation_id is not None:
        consultation, _side = get_consultation_for_user(
            request.user, found.consultation_id, request=request, audit=False
        )
    drafts.save_draft(
        actor=request.user, kind=found.kind, consultation=consultation, data=found.data
    )
    messages.warning(
        request,
        _(
            "Your session had expired, so this was not sent. What you typed is back in the "
            "form: check it and send it."
        ),
    )
    if found.had_files:
        messages.warning(request, _("The files you had attached were not kept: attach them again."))
    return redirect(kept.form_path(found.kind, found.consultation_id))
