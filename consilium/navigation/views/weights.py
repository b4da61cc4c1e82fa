"""An institution's risk weights: shown to its clinical roles, set by its data managers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consilium.accounts.access import has_role
from consilium.accounts.models import Role
from consilium.navigation.access import get_navigation_institution
from consilium.navigation.actions import risk as risk_actions
from consilium.navigation.forms import WeightsForm
from consilium.navigation.risk import FACTORS, rules_for
from consilium.navigation.views.common import form_errors, refuse


@login_required
@require_http_methods(["GET", "POST"])
def weights(request: HttpRequest) -> HttpResponse:
    institution = get_navigation_institution(request.user, request.GET.get("institution"))
    can_edit = has_role(request.user, institution.pk, {Role.DATA_MANAGER})
    rules = rules_for(institution)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = WeightsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                risk_actions.set_weights(
                    actor=request.user,
                    institution=institution,
                    weights={f.key: data[f"w_{f.key}"] for f in FACTORS},
                    medium_from=data["medium_from"],
                    high_from=data["high_from"],
                    travel_cost_limit=data["travel_cost_limit"],
                    request=request,
                )
            except ValidationError as exc:
                refuse(request, exc)
            else:
                messages.success(request, _("The risk weights are saved."))
        else:
            form_errors(request, form)
        return redirect(f"{reverse('navigation:weights')}?institution={institution.code}")
    form = WeightsForm(
        initial={
            "medium_from": rules.medium_from,
            "high_from": rules.high_from,
            "travel_cost_limit": rules.travel_cost_limit,
            **{f"w_{k}": v for k, v in rules.weights.items()},
        }
    )
    return render(
        request,
        "navigation/weights.html",
        {
            "institution": institution,
            "form": form,
            "can_edit": can_edit,
            "rules": rules,
            "factors": [(f, rules.weights[f.key]) for f in FACTORS],
        },
    )
