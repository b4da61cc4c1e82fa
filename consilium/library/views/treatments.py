from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from consilium.library.access import versions_for_user
from consilium.library.actions import treatments as actions
from consilium.library.forms import TreatmentProtocolForm
from consilium.library.models import PUBLISHED_STATUSES, DocumentKind
from consilium.registry.access import clinical_institution_ids
from consilium.registry.models import Treatment

MAX_ROWS = 50


def _protocol_versions(user: object) -> list:
    return list(
        versions_for_user(user)
        .filter(document__kind=DocumentKind.PROTOCOL, status__in=PUBLISHED_STATUSES)
        .select_related("document")
        .order_by("document__code", "-number")
    )


def _treatments(user: object) -> object:
    return Treatment.objects.filter(
        patient__institution_id__in=clinical_institution_ids(user)
    ).select_related("patient", "library_protocol__protocol_version__document")


@login_required
@require_GET
def treatment_links(request: HttpRequest) -> HttpResponse:
    """Find a patient's treatments by pseudonym and say which protocol version each followed."""
    if not clinical_institution_ids(request.user):
        raise PermissionDenied
    query = request.GET.get("q", "").strip()
    treatments = _treatments(request.user)
    if query:
        treatments = treatments.filter(patient__pseudonym__istartswith=query)
    rows = list(treatments.order_by("-start_date", "-id")[:MAX_ROWS])
    versions = _protocol_versions(request.user)
    for treatment in rows:
        link = getattr(treatment, "library_protocol", None)
        treatment.protocol_form = TreatmentProtocolForm(
            versions=versions,
            prefix=f"t{treatment.pk}",
            initial={"version": str(link.protocol_version_id) if link else ""},
        )
    return render(
        request, "library/treatments.html", {"rows": rows, "query": query, "versions": versions}
    )


@login_required
@require_POST
def treatment_link(request: HttpRequest, pk: int) -> HttpResponse:
    treatment = _treatments(request.user).filter(pk=pk).first()
    if treatment is None:
        raise Http404
    form = TreatmentProtocolForm(
        request.POST, versions=_protocol_versions(request.user), prefix=f"t{treatment.pk}"
    )
    if form.is_valid():
        try:
            actions.link_protocol(
                actor=request.user,
                treatment=treatment,
                version=form.versions[form.cleaned_data["version"]],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The treatment's protocol has been recorded."))
    else:
        messages.error(request, _("Choose a protocol version."))
    return redirect(f"{reverse('library:treatments')}?q={treatment.patient.pseudonym}")
