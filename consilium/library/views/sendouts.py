"""Send-out pages. Both sides see the patient by pseudonym only; the requesting clinicians
reach identifiers through the registry, which audits that read itself."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consilium.audit.actions import record
from consilium.lib.forms import add_action_errors
from consilium.library.access import (
    Side,
    get_sendout_for_user,
    list_sendouts_for_user,
    molecular_partner_ids,
    requester_institution_ids,
)
from consilium.library.actions import sendouts as actions
from consilium.library.forms import FailureForm, ResultForm, SendOutForm, ShipmentForm
from consilium.library.models import DEFAULT_MARKER, SendOut, SendOutStatus
from consilium.network.models import Institution
from consilium.registry.access import patients_for_user


@login_required
@require_GET
def sendout_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in SendOutStatus.values:
        status = ""
    sendouts = list_sendouts_for_user(request.user, status=status, request=request)
    return render(
        request,
        "library/sendout_list.html",
        {
            "sendouts": sendouts,
            "statuses": SendOutStatus.choices,
            "status": status,
            "can_request": bool(requester_institution_ids(request.user)),
        },
    )


def _laboratories(user: object) -> object:
    ids: set[int] = set()
    for institution_id in requester_institution_ids(user):
        ids |= molecular_partner_ids(institution_id)
    return Institution.objects.filter(pk__in=ids).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def sendout_new(request: HttpRequest) -> HttpResponse:
    if not requester_institution_ids(request.user):
        raise PermissionDenied
    laboratories = _laboratories(request.user)
    if request.method == "POST":
        form = SendOutForm(request.POST, laboratories=laboratories)
        if form.is_valid():
            data = form.cleaned_data
            patient = (
                patients_for_user(request.user).filter(pseudonym=data["patient"].strip()).first()
            )
            if patient is None:
                form.add_error("patient", _("No patient of yours has this pseudonym."))
            else:
                consultation = None
                if data["consultation"]:
                    from consilium.consultations.access import consultations_for_user

                    consultation = (
                        consultations_for_user(request.user).filter(pk=data["consultation"]).first()
                    )
                    if consultation is None:
                        form.add_error("consultation", _("No such consultation of yours."))
                if not form.errors:
                    try:
                        sendout = actions.request_sendout(
                            actor=request.user,
                            patient=patient,
                            # The first diagnosis unless the patient has a newer tumour.
                            diagnosis=patient.diagnoses.order_by("-date", "-id").first(),
                            laboratory=data["laboratory"],
                            test=data["test"],
                            test_detail=data["test_detail"],
                            question=data["question"],
                            sample_type=data["sample_type"],
                            collected_on=data["collected_on"],
                            fixation=data["fixation"],
                            tumour_cell_percent=data["tumour_cell_percent"],
                            consultation=consultation,
                        )
                    except ValidationError as exc:
                        add_action_errors(form, exc)
                    else:
                        messages.success(request, _("The send-out has been requested."))
                        return redirect("library:sendout", pk=sendout.pk)
    else:
        form = SendOutForm(
            laboratories=laboratories, initial={"patient": request.GET.get("patient", "")}
        )
    return render(
        request,
        "library/sendout_new.html",
        {"form": form, "laboratories": laboratories},
        status=400 if form.errors else 200,
    )


def _render(request: HttpRequest, sendout: SendOut, side: Side, **forms: object) -> HttpResponse:
    is_lab = side == Side.LABORATORY
    status = sendout.status
    context = {
        "sendout": sendout,
        "side": str(side),
        "is_lab": is_lab,
        "events": sendout.events.select_related("by"),
        # A refused form is shown again with its reasons, whatever the status now is.
        "shipment_form": forms.get("shipment_form")
        or (not is_lab and status == SendOutStatus.REQUESTED and ShipmentForm()),
        "can_receive": is_lab and status in (SendOutStatus.REQUESTED, SendOutStatus.SHIPPED),
        "can_analyse": is_lab and status == SendOutStatus.RECEIVED,
        "result_form": forms.get("result_form")
        or (
            is_lab
            and status in (SendOutStatus.RECEIVED, SendOutStatus.IN_ANALYSIS)
            and ResultForm(initial={"marker": DEFAULT_MARKER.get(sendout.test)})
        ),
        "failure_form": forms.get("failure_form") or (not sendout.is_final and FailureForm()),
    }
    return render(request, "library/sendout.html", context, status=400 if forms else 200)


@login_required
@require_GET
def sendout_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sendout, side = get_sendout_for_user(request.user, pk, request=request)
    return _render(request, sendout, side)


@login_required
@require_POST
def sendout_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    sendout, side = get_sendout_for_user(request.user, pk, request=request, audit=False)
    user = request.user
    if action in ("received", "in_analysis"):
        try:
            actions.change_status(actor=user, sendout=sendout, status=action)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The status has been updated."))
        return redirect("library:sendout", pk=sendout.pk)
    forms = {
        "ship": ("shipment_form", ShipmentForm),
        "result": ("result_form", ResultForm),
        "fail": ("failure_form", FailureForm),
    }
    if action not in forms:
        raise Http404
    name, form_class = forms[action]
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "ship":
                actions.record_shipment(actor=user, sendout=sendout, **data)
            elif action == "result":
                actions.report_result(actor=user, sendout=sendout, **data)
            else:
                actions.mark_failed(actor=user, sendout=sendout, reason=data["reason"])
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("The send-out has been updated."))
            return redirect("library:sendout", pk=sendout.pk)
    return _render(request, sendout, side, **{name: form})


@login_required
@require_GET
def sendout_report(request: HttpRequest, pk: int) -> FileResponse:
    sendout, _side = get_sendout_for_user(request.user, pk, request=request, audit=False)
    if not sendout.report:
        raise Http404
    name = f"sendout-{sendout.pk}.pdf"
    record(
        actor=request.user,
        verb="library.file_downloaded",
        obj=sendout,
        institution_id=sendout.requesting_institution_id,
        details={"pseudonym": sendout.patient.pseudonym, "file": name, "kind": "report"},
        request=request,
    )
    return FileResponse(sendout.report.open("rb"), content_type="application/pdf", filename=name)
