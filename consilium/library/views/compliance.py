from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from consilium.lib import csv_cells
from consilium.lib.forms import add_action_errors
from consilium.library import charts, compliance
from consilium.library.access import (
    audit_institutions,
    compliance_institutions,
    get_checklist_for_user,
)
from consilium.library.actions import compliance as actions
from consilium.library.forms import AuditRoundForm
from consilium.library.models import Checklist
from consilium.network.models import Institution


def _chosen_institution(request: HttpRequest, checklist: Checklist) -> tuple[list, object]:
    institutions = list(compliance_institutions(request.user, checklist))
    code = request.GET.get("institution")
    if code:
        chosen = next((i for i in institutions if i.code == code), None)
        if chosen is None:
            raise Http404
    else:
        chosen = institutions[0] if institutions else None
    return institutions, chosen


@login_required
@require_GET
def checklist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    checklist = get_checklist_for_user(request.user, pk)
    institutions, chosen = _chosen_institution(request, checklist)
    points = compliance.rounds(checklist, chosen) if chosen else []
    series = compliance.by_unit(points)
    return render(
        request,
        "library/checklist.html",
        {
            "checklist": checklist,
            "version": checklist.version,
            "items": checklist.items.all(),
            "institutions": institutions,
            "chosen": chosen,
            "points": points,
            "chart": charts.line_chart(series),
            "units": list(series),
            "can_audit": audit_institutions(request.user, checklist).exists(),
        },
    )


@login_required
@require_GET
def compliance_csv(request: HttpRequest, pk: int) -> HttpResponse:
    checklist = get_checklist_for_user(request.user, pk)
    _institutions, chosen = _chosen_institution(request, checklist)
    if chosen is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="compliance-{checklist.pk}-{chosen.code}.csv"'
    )
    writer = csv_cells.writer(response)
    writer.writerow(
        [
            "institution",
            "unit",
            "audited_on",
            "compliant",
            "non_compliant",
            "not_applicable",
            "compliance_percent",
        ]
    )
    for point in compliance.rounds(checklist, chosen):
        writer.writerow(
            [
                chosen.code,
                point.unit,
                point.audited_on.isoformat(),
                point.compliant,
                point.non_compliant,
                point.not_applicable,
                "" if point.percent is None else point.percent,
            ]
        )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def round_new(request: HttpRequest, pk: int) -> HttpResponse:
    checklist = get_checklist_for_user(request.user, pk)
    institutions = audit_institutions(request.user, checklist)
    if not institutions.exists():
        raise PermissionDenied
    items = list(checklist.items.all())
    if request.method == "POST":
        form = AuditRoundForm(request.POST, institutions=institutions, items=items)
        if form.is_valid():
            data = form.cleaned_data
            institution: Institution = data["institution"]
            try:
                actions.record_round(
                    actor=request.user,
                    checklist=checklist,
                    institution=institution,
                    unit=data["unit"],
                    audited_on=data["audited_on"],
                    observations=form.observations(),
                    note=data["note"],
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("The audit round has been recorded."))
                url = reverse("library:checklist", args=[checklist.pk])
                return redirect(f"{url}?institution={institution.code}")
    else:
        form = AuditRoundForm(
            institutions=institutions,
            items=items,
            initial={"audited_on": timezone.localdate(), "institution": institutions.first()},
        )
    return render(
        request,
        "library/round_new.html",
        {"checklist": checklist, "form": form},
        status=400 if form.errors else 200,
    )
