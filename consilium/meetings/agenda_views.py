"""A board's case-discussion agenda: propose a consultation, order and time the cases,
record each conclusion. Case details show only to those the consultation rules allow."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from consilium.consultations.access import consultations_for_user, requester_institution_ids
from consilium.consultations.models import OPEN_STATUSES
from consilium.meetings import agenda
from consilium.meetings.access import can_manage_event, get_event_for_user


class ProposeForm(forms.Form):
    consultation = forms.ModelChoiceField(label=gettext_lazy("Consultation"), queryset=None)

    def __init__(self, *args: object, user, event, **kwargs: object) -> None:
        super().__init__(*args, auto_id="propose-%s", **kwargs)
        own = requester_institution_ids(user) & event.organiser_ids()
        self.fields["consultation"].queryset = (
            consultations_for_user(user)
            .filter(requesting_institution_id__in=own, status__in=OPEN_STATUSES)
            .exclude(agenda_items__event=event)
            .select_related("patient")
        )


class ConclusionForm(forms.Form):
    diagnostic_opinion = forms.CharField(
        label=gettext_lazy("Diagnostic opinion"), required=False, widget=forms.Textarea({"rows": 2})
    )
    recommended_treatment = forms.CharField(
        label=gettext_lazy("Recommended treatment"),
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )
    further_investigations = forms.CharField(
        label=gettext_lazy("Further investigations"),
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )


@require_GET
def agenda_page(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_user(request.user, pk)
    if not request.user.is_authenticated:
        raise Http404
    readable = set(
        consultations_for_user(request.user)
        .filter(agenda_items__event=event)
        .values_list("pk", flat=True)
    )
    items = list(event.agenda.select_related("consultation__patient", "presenter"))
    for item in items:
        item.readable = item.consultation_id in readable
        if item.readable and item.recommendation_id is None:
            item.form = ConclusionForm(auto_id=f"c{item.pk}-%s")
    propose = ProposeForm(user=request.user, event=event)
    return render(
        request,
        "meetings/agenda.html",
        {
            "event": event,
            "items": items,
            "can_manage": can_manage_event(request.user, event),
            "propose_form": propose if propose.fields["consultation"].queryset.exists() else None,
        },
    )


@login_required
@require_POST
def agenda_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    event = get_event_for_user(request.user, pk)
    try:
        if action == "propose":
            form = ProposeForm(request.POST, user=request.user, event=event)
            if not form.is_valid():
                raise ValidationError(_("Choose one of your open consultations."))
            agenda.propose_case(
                actor=request.user, event=event, consultation=form.cleaned_data["consultation"]
            )
            messages.success(request, _("The case is on the agenda."))
        elif action == "schedule":
            order = sorted(
                event.agenda.values_list("pk", flat=True),
                key=lambda item: _int(request.POST.get(f"order-{item}")),
            )
            minutes = {item: _int(request.POST.get(f"minutes-{item}")) for item in order}
            agenda.schedule_agenda(actor=request.user, event=event, order=order, minutes=minutes)
            messages.success(request, _("The agenda has been scheduled."))
        elif action == "conclude":
            item = (
                event.agenda.select_related("consultation")
                .filter(pk=request.POST.get("item"))
                .first()
            )
            if item is None:
                raise Http404
            form = ConclusionForm(request.POST)
            form.is_valid()
            agenda.record_conclusion(actor=request.user, item=item, fields=form.cleaned_data)
            messages.success(request, _("The conclusion has been recorded in the consultation."))
        else:
            raise Http404
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("meetings:agenda", pk=event.pk)


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
