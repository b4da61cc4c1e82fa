"""A board's case-discussion agenda: propose a consultation, accept, order and time the
cases with their presenters, record each conclusion. Case summaries show only to those the
partnership rule allows, and each read is audited (cases.attach_summaries)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consilium.consultations.access import (
    consultations_for_user,
    get_consultation_for_user,
    requester_institution_ids,
)
from consilium.lib.forms import add_action_errors
from consilium.meetings import agenda, conclusion
from consilium.meetings.access import can_manage_event, get_event_for_user
from consilium.meetings.agenda_mail import agenda_reach
from consilium.meetings.board_views import present_case
from consilium.meetings.cases import attach_summaries
from consilium.meetings.choices import AgendaStatus, RegistrationStatus
from consilium.meetings.models import AgendaItem, Event
from consilium.meetings.video import join_open


class ProposeForm(forms.Form):
    consultation = forms.ModelChoiceField(label=gettext_lazy("Consultation"), queryset=None)

    def __init__(self, *args: object, user, event, **kwargs: object) -> None:
        super().__init__(*args, auto_id="propose-%s", **kwargs)
        own = requester_institution_ids(user) & event.organiser_ids()
        self.fields["consultation"].queryset = (
            consultations_for_user(user)
            .filter(requesting_institution_id__in=own, status__in=agenda.BOARD_STATUSES)
            .exclude(agenda_items__event=event)
            .select_related("patient")
        )
        self.fields["consultation"].label_from_instance = lambda c: (
            f"{c.patient.pseudonym} · {c.question[:60]}"
        )


class ConclusionForm(forms.Form):
    diagnosis = forms.CharField(
        label=gettext_lazy("Diagnosis"), required=False, widget=forms.Textarea({"rows": 2})
    )
    stage_risk = forms.CharField(
        label=gettext_lazy("Stage / risk"), required=False, widget=forms.Textarea({"rows": 1})
    )
    plan = forms.CharField(
        label=gettext_lazy("Recommended plan"), required=False, widget=forms.Textarea({"rows": 3})
    )
    next_step = forms.CharField(
        label=gettext_lazy("Who acts next"),
        max_length=300,
        help_text=gettext_lazy("e.g. “Dr Lan books the MRI and reports back in 2 weeks”"),
    )


def _items(event: Event):
    return event.agenda.select_related(
        "consultation__patient", "presenter", "proposed_by", "recorded_by"
    ).prefetch_related("consultation__patient__diagnoses")


def _agenda(
    request: HttpRequest,
    event: Event,
    *,
    bound: tuple[int, ConclusionForm] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    items = attach_summaries(user=user, event=event, items=_items(event), request=request)
    readable = set(
        consultations_for_user(user).filter(agenda_items__event=event).values_list("pk", flat=True)
    )
    can_manage = can_manage_event(user, event)
    started = event.starts_at <= timezone.now()
    accepted, proposed = [], []
    shown_bound = False
    for item in items:
        item.readable = item.consultation_id in readable
        if item.status == AgendaStatus.PROPOSED:
            if can_manage or item.proposed_by_id == user.pk:
                proposed.append(item)
            continue
        accepted.append(item)
        item.can_remove = item.recorded_at is None and agenda.removal_refusal(user, item) is None
        may_conclude = item.case is not None and conclusion.refusal(user, item) is None
        if item.recorded_at is None and may_conclude:
            if bound and bound[0] == item.pk:
                item.form = bound[1]
                shown_bound = True
            else:
                item.form = ConclusionForm(auto_id=f"c{item.pk}-%s")
    propose = ProposeForm(user=user, event=event)
    mine = event.registrations.filter(user=user, status=RegistrationStatus.REGISTERED).first()
    organisers = [event.host, *event.co_organisers.all()]
    mailing = None
    if can_manage and not started:
        mailing = {**agenda_reach(event), "sent_at": event.agenda_sent_at}
    return render(
        request,
        "meetings/agenda.html",
        {
            "event": event,
            "items": accepted,
            "proposed": proposed,
            "can_manage": can_manage,
            "started": started,
            "mailing": mailing,
            "reader_zone": timezone.get_current_timezone_name(),
            "presenters": list(agenda.presenter_candidates(event)) if can_manage else [],
            "organisers": organisers,
            "propose_form": (
                propose
                if not started and propose.fields["consultation"].queryset.exists()
                else None
            ),
            "join_token": mine.join_token if mine and join_open(event) else None,
            "bound_item": bound[0] if bound else None,
            # Refused, or the case went away under the reader: keep what they typed.
            "kept": _kept(bound[1]) if bound and not shown_bound else "",
            "error": error,
        },
        status=status,
    )


def _kept(form: ConclusionForm) -> str:
    values = (str(form.data.get(name, "")).strip() for name in ConclusionForm.base_fields)
    return "\n".join(v for v in values if v)


@login_required
@require_GET
def agenda_page(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_user(request.user, pk)
    return _agenda(request, event)


def _item(event: Event, value: str | None) -> AgendaItem:
    item = (
        event.agenda.select_related("consultation__patient", "event").filter(pk=_int(value)).first()
    )
    if item is None:
        raise Http404
    return item


@login_required
@require_POST
def agenda_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    event = get_event_for_user(request.user, pk)
    if action == "conclude":
        return _conclude(request, event)
    try:
        if action == "propose":
            form = ProposeForm(request.POST, user=request.user, event=event)
            if not form.is_valid():
                raise ValidationError(_("Choose one of your open consultations."))
            agenda.propose_case(
                actor=request.user, event=event, consultation=form.cleaned_data["consultation"]
            )
            messages.success(
                request, _("The case is proposed; the coordinator puts it on the agenda.")
            )
        elif action == "accept":
            agenda.accept_case(actor=request.user, item=_item(event, request.POST.get("item")))
            messages.success(request, _("The case is on the agenda."))
        elif action == "withdraw":
            agenda.withdraw_case(actor=request.user, item=_item(event, request.POST.get("item")))
            messages.success(request, _("The case is off the agenda."))
        elif action == "schedule":
            _schedule(request, event)
            messages.success(request, _("The agenda has been scheduled."))
        else:
            raise Http404
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("meetings:agenda", pk=event.pk)


def _schedule(request: HttpRequest, event: Event) -> None:
    accepted = list(event.agenda.filter(status=AgendaStatus.ACCEPTED).values_list("pk", flat=True))
    order = sorted(accepted, key=lambda item: _int(request.POST.get(f"order-{item}")))
    minutes = {item: _int(request.POST.get(f"minutes-{item}")) for item in order}
    candidates = {u.pk: u for u in agenda.presenter_candidates(event)}
    presenters = {}
    for item in order:
        value = request.POST.get(f"presenter-{item}")
        if value is None:
            continue
        if value == "":
            presenters[item] = None
        elif _int(value) in candidates:
            presenters[item] = candidates[_int(value)]
        else:
            raise ValidationError(
                _("A presenter is a participant or a clinician of the organisers.")
            )
    agenda.schedule_agenda(
        actor=request.user, event=event, order=order, minutes=minutes, presenters=presenters
    )


def _conclude(request: HttpRequest, event: Event) -> HttpResponse:
    """A refused or invalid conclusion shows the page it came from again (the agenda, or
    the presentation view's case) with the text as typed; a recorded one goes back there."""
    form = ConclusionForm(request.POST)
    item = (
        event.agenda.select_related("consultation", "event")
        .filter(pk=_int(request.POST.get("item")))
        .first()
    )
    # From the presentation view: its case number, to come back to the same case.
    shown = _int(request.POST.get("present"))

    def again(error: str = "", status: int = 400) -> HttpResponse:
        if shown > 0 and item is not None:
            n = _position(event, item)
            if n:
                return present_case(request, event, n, form=form, error=error, status=status)
        return _agenda(
            request, event, error=error, bound=(item.pk if item else 0, form), status=status
        )

    if item is None:
        return again(_("This case is no longer on the agenda; your text is below, copy it."))
    reason = conclusion.refusal(request.user, item)
    if reason:
        return again(reason, status=403)
    if form.is_valid():
        data = dict(form.cleaned_data)
        next_step = data.pop("next_step")
        try:
            conclusion.record_conclusion(
                actor=request.user, item=item, fields=data, next_step=next_step
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        except PermissionDenied as exc:
            return again(str(exc), status=403)
        else:
            messages.success(
                request, _("The conclusion has been posted in the consultation's thread.")
            )
            n = _position(event, item) if shown > 0 else 0
            if n:
                return redirect("meetings:present", pk=event.pk, n=n)
            return redirect("meetings:agenda", pk=event.pk)
    return again()


def _position(event: Event, item: AgendaItem) -> int:
    """Where the case stands in the presentation view (1-based), 0 if it is not there."""
    order = list(
        event.agenda.filter(status=AgendaStatus.ACCEPTED)
        .order_by("order", "pk")
        .values_list("pk", flat=True)
    )
    return order.index(item.pk) + 1 if item.pk in order else 0


@login_required
@require_http_methods(["GET", "POST"])
def propose_from_consultation(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Present at the next board": from the consultation, the requesting team picks one
    of the boards its institution runs (the next one first)."""
    consultation, side = get_consultation_for_user(request.user, pk, request=request)
    if side != "requester":
        raise Http404
    boards = list(agenda.upcoming_boards({consultation.requesting_institution_id})[:8])
    error = ""
    if request.method == "POST":
        chosen = next((b for b in boards if b.pk == _int(request.POST.get("event"))), None)
        if chosen is None:
            error = _("Choose one of the boards listed.")
        else:
            try:
                agenda.propose_case(actor=request.user, event=chosen, consultation=consultation)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(
                    request, _("The case is proposed; the coordinator puts it on the agenda.")
                )
                return redirect("meetings:agenda", pk=chosen.pk)
    return render(
        request,
        "meetings/propose.html",
        {"consultation": consultation, "boards": boards, "error": error},
        status=400 if error else 200,
    )


def _int(value: str | None) -> int:
    try:
        number = int(value or 0)
    except (ValueError, OverflowError):
        return 0
    # Beyond a database integer is no id of ours, and must not reach the query.
    return number if -(2**31) < number < 2**31 else 0
