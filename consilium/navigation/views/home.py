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

from consilium.navigation import queries, sections
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
from consilium.navigation.views.common import form_errors, patient_url_prefix, refuse


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    institution = get_navigation_institution(request.user, request.GET.get("institution"))
    today = local_today(institution)
    yesterday = today - datetime.timedelta(days=1)
    record_read(request.user, "navigation.page_viewed", institution, request, day=today)
    return render(
        request,
        "navigation/home.html",
        {
            "institution": institution,
            "institutions": navigation_institutions(request.user),
            "today": today,
            "yesterday": yesterday,
            "sections": [sections.top(s, institution, today) for s in sections.SECTIONS.values()],
            "can_decide": can_decide_abandonment(request.user, institution.pk),
            "patient_url": patient_url_prefix(),
        },
    )


@login_required
@require_GET
def section(request: HttpRequest, key: str) -> HttpResponse:
    """One list of the navigator's page in full, a page at a time (?page=N)."""
    institution = get_navigation_institution(request.user, request.GET.get("institution"))
    context: dict[str, object] = {
        "institution": institution,
        "sections": sections.SECTIONS.values(),
        "patient_url": patient_url_prefix(),
    }
    chosen = sections.SECTIONS.get(key)
    if chosen is None:
        # A clear answer with the lists there are, not a bare "not found".
        context["unknown"] = key[:40]
        return render(request, "navigation/section.html", context, status=404)
    today = local_today(institution)
    total = chosen.count(institution, today)
    pages = sections.page_count(total, sections.PAGE_ROWS)
    asked = request.GET.get("page") or "1"
    number = sections.page_number(asked, pages)
    if number is None:
        # Past the end (the list shrank since the link was made) or not a number: say so and
        # show the nearest real page.
        context["no_such_page"] = asked[:20]
        number = sections.nearest_page(asked, pages)
    offset = (number - 1) * sections.PAGE_ROWS
    shown = sections.Shown(
        chosen.key,
        chosen.title,
        chosen.rows(institution, today, offset, sections.PAGE_ROWS),
        total,
        page=number,
        pages=pages,
    )
    record_read(
        request.user,
        "navigation.section_viewed",
        institution,
        request,
        section=chosen.key,
        page=number,
    )
    context.update(
        {
            "today": today,
            "section": shown,
            "can_decide": can_decide_abandonment(request.user, institution.pk),
        }
    )
    return render(request, "navigation/section.html", context)


@login_required
@require_GET
def call_list(request: HttpRequest) -> HttpResponse:
    """Today's calls on paper, in the reader's language: outreach due and yesterday's missed
    visits, with the family's numbers (a clinical page; the read is audited)."""
    from weasyprint import HTML

    institution = get_navigation_institution(request.user, request.GET.get("institution"))
    today = local_today(institution)
    # Every child with outreach due, however many: the paper list is the day's whole work.
    tasks = queries.outreach_rows(institution, today)
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
