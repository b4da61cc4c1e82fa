"""The navigator's page, its printable call list, and the data manager's decisions."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from consilium.navigation import queries
from consilium.navigation.access import (
    can_decide_abandonment,
    get_abandonment_for_user,
    get_navigation_institution,
    navigation_institutions,
    record_read,
)
from consilium.navigation.actions import abandonment as abandonment_actions
from consilium.navigation.actions.plans import local_today
from consilium.navigation.forms import RejectForm
from consilium.navigation.views.common import form_errors, refuse


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    institution = get_navigation_institution(request.user, request.GET.get("institution"))
    today = local_today(institution)
    yesterday = today - datetime.timedelta(days=1)
    record_read(request.user, "navigation.page_viewed", institution, request, day=today)
    tasks = list(queries.outreach_due(institution, today))
    expected = queries.day_visits(institution, today)
    return render(
        request,
        "navigation/home.html",
        {
            "institution": institution,
            "institutions": navigation_institutions(request.user),
            "today": today,
            "yesterday": yesterday,
            # The day list holds the whole day; here the first rows and how many there are.
            "expected": queries.labelled(list(expected[: queries.ROWS])),
            "expected_count": expected.count(),
            "missed": queries.labelled(list(queries.missed_on(institution, yesterday))),
            "interrupted": queries.interruptions(institution, today),
            "high_risk": list(queries.new_high_risk(institution)),
            "tasks": tasks,
            "proposals": list(queries.proposed_abandonments(institution)),
            "can_decide": can_decide_abandonment(request.user, institution.pk),
        },
    )


@login_required
@require_GET
def call_list(request: HttpRequest) -> HttpResponse:
    """Today's calls on paper, in the reader's language: outreach due and yesterday's missed
    visits, with the family's numbers (a clinical page; the read is audited)."""
    from weasyprint import HTML

    institution = get_navigation_institution(request.user, request.GET.get("institution"))
    today = local_today(institution)
    tasks = list(queries.outreach_due(institution, today))
    record_read(request.user, "navigation.call_list_printed", institution, request, rows=len(tasks))
    families = queries.family_by_patient([task.patient_id for task in tasks])
    rows = [(task, families.get(task.patient_id, [])) for task in tasks]
    language = request.user.language or translation.get_language()
    with translation.override(language):
        html = render_to_string(
            "navigation/call_list_pdf.html",
            {"institution": institution, "today": today, "rows": rows, "language": language},
        )
        filename = _("call-list-%(date)s.pdf") % {"date": today.isoformat()}
    pdf = HTML(string=html, base_url=None).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
@require_POST
def abandonment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    proposal = get_abandonment_for_user(request.user, pk)
    back = reverse("navigation:home") + f"?institution={proposal.patient.institution.code}"
    if not can_decide_abandonment(request.user, proposal.institution_id):
        raise PermissionDenied
    try:
        if action == "confirm":
            abandonment_actions.confirm(actor=request.user, proposal=proposal, request=request)
            messages.success(request, _("The abandonment is recorded in the registry."))
        elif action == "reject":
            form = RejectForm(request.POST)
            if not form.is_valid():
                form_errors(request, form)
                return redirect(back)
            abandonment_actions.reject(
                actor=request.user,
                proposal=proposal,
                reason=form.cleaned_data["reason"],
                request=request,
            )
            messages.success(request, _("The proposal is rejected; the reason is kept."))
        else:
            raise Http404
    except ValidationError as exc:
        refuse(request, exc)
    return redirect(back)
