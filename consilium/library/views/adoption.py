from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from consilium.library.access import can_adopt_at, get_adoption_for_user, required_people
from consilium.library.actions import adoption as actions
from consilium.library.models import VersionStatus


@login_required
@require_GET
def adoption_detail(request: HttpRequest, pk: int) -> HttpResponse:
    adoption = get_adoption_for_user(request.user, pk)
    acknowledged = {a.user_id: a.acknowledged_at for a in adoption.acknowledgements.all()}
    people = [(person, acknowledged.get(person.pk)) for person in required_people(adoption)]
    me = next((p for p in people if p[0].pk == request.user.pk), None)
    newer = adoption.version.document.versions.filter(
        status=VersionStatus.APPROVED, number__gt=adoption.version.number
    ).first()
    return render(
        request,
        "library/adoption.html",
        {
            "adoption": adoption,
            "version": adoption.version,
            "people": people,
            "done": sum(1 for _person, at in people if at),
            "can_acknowledge": me is not None
            and me[1] is None
            and adoption.in_force
            and adoption.version.status == VersionStatus.APPROVED,
            "can_remind": can_adopt_at(request.user, adoption.institution)
            and adoption.in_force
            and adoption.version.status == VersionStatus.APPROVED,
            "newer": newer,
        },
    )


@login_required
@require_POST
def adoption_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    adoption = get_adoption_for_user(request.user, pk)
    try:
        actions.acknowledge(actor=request.user, adoption=adoption)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Thank you: your acknowledgement has been recorded."))
    return redirect("library:adoption", pk=adoption.pk)


@login_required
@require_POST
def adoption_remind(request: HttpRequest, pk: int) -> HttpResponse:
    adoption = get_adoption_for_user(request.user, pk)
    try:
        count = actions.remind_pending(actor=request.user, adoption=adoption)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d person has been reminded.",
                "%(count)d people have been reminded.",
                count,
            )
            % {"count": count},
        )
    return redirect("library:adoption", pk=adoption.pk)
