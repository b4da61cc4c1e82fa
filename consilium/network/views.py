import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consilium.accounts.models import Membership, User
from consilium.lib.forms import add_action_errors
from consilium.network import actions
from consilium.network.access import (
    can_confirm_partnership,
    can_edit_institution,
    can_manage_partnership,
    get_institution,
    get_partnership_for_user,
    managed_institution_ids,
)
from consilium.network.availability import with_away_flag
from consilium.network.forms import (
    AbsenceForm,
    AddAreaForm,
    AreaObjectivesForm,
    DirectoryFilterForm,
    EndPartnershipForm,
    InstitutionForm,
    MilestoneForm,
    MilestoneUpdateForm,
    PartnershipForm,
    ResourceProfileForm,
)
from consilium.network.models import (
    OPEN_MILESTONE_STATUSES,
    Absence,
    CollaborationArea,
    Institution,
    Milestone,
    MilestoneStatus,
    Partnership,
    PartnershipStatus,
    ResourceProfile,
)
from consilium.network.resources import grouped_catalogue

EXPIRY_WINDOW_DAYS = 90


def _partnerships_with_progress():
    return Partnership.objects.prefetch_related(
        "parties__institution",
        Prefetch(
            "areas",
            queryset=CollaborationArea.objects.annotate(
                total=Count("milestones", filter=~Q(milestones__status=MilestoneStatus.CANCELLED)),
                done=Count("milestones", filter=Q(milestones__status=MilestoneStatus.DONE)),
            ),
        ),
    )


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    institutions = Institution.objects.order_by("country", "name")
    by_country: dict[str, list[Institution]] = {}
    for institution in institutions:
        by_country.setdefault(institution.country, []).append(institution)
    return render(
        request,
        "network/overview.html",
        {
            "by_country": sorted(by_country.items()),
            "partnerships": _partnerships_with_progress(),
            "today": timezone.localdate(),
            "can_create": bool(managed_institution_ids(request.user)),
        },
    )


def _profile_rows(profile: ResourceProfile | None) -> list:
    items = {item.resource: item for item in profile.items.all()} if profile else {}
    return [
        (category, [(resource, items.get(resource.value)) for resource in resources])
        for category, resources in grouped_catalogue()
    ]


@login_required
@require_GET
def institution_detail(request: HttpRequest, code: str) -> HttpResponse:
    institution = get_institution(code)
    profiles = list(institution.resource_profiles.select_related("recorded_by"))
    version = request.GET.get("version")
    shown = profiles[0] if profiles else None
    if version:
        shown = next((p for p in profiles if str(p.version) == version), None)
        if shown is None:
            raise Http404
    partnerships = _partnerships_with_progress().filter(parties__institution=institution)
    return render(
        request,
        "network/institution.html",
        {
            "institution": institution,
            "profile": shown,
            "profiles": profiles,
            "rows": _profile_rows(shown),
            "partnerships": partnerships,
            "today": timezone.localdate(),
            "can_edit": can_edit_institution(request.user, institution),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def resources_edit(request: HttpRequest, code: str) -> HttpResponse:
    institution = get_institution(code)
    if not can_edit_institution(request.user, institution):
        raise PermissionDenied
    latest = institution.resource_profiles.first()
    current = {i.resource: (i.availability, i.note) for i in latest.items.all()} if latest else {}
    if request.method == "POST":
        form = ResourceProfileForm(request.POST, current=current)
        if form.is_valid():
            try:
                actions.record_resource_profile(
                    actor=request.user,
                    institution=institution,
                    valid_from=form.cleaned_data["valid_from"],
                    items=form.items(),
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(
                    request, _("The resource profile has been saved as a new version.")
                )
                return redirect("network:institution", code=code)
    else:
        form = ResourceProfileForm(initial={"valid_from": timezone.localdate()}, current=current)
    return render(
        request, "network/resources_edit.html", {"institution": institution, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def institution_edit(request: HttpRequest, code: str) -> HttpResponse:
    institution = get_institution(code)
    if not can_edit_institution(request.user, institution):
        raise PermissionDenied
    if request.method == "POST":
        form = InstitutionForm(request.POST, instance=Institution.objects.get(pk=institution.pk))
        if form.is_valid():
            actions.update_institution(
                actor=request.user, institution=institution, **form.cleaned_data
            )
            messages.success(request, _("The institution has been saved."))
            return redirect("network:institution", code=code)
    else:
        form = InstitutionForm(instance=institution)
    return render(
        request, "network/institution_edit.html", {"institution": institution, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def partnership_new(request: HttpRequest) -> HttpResponse:
    if not managed_institution_ids(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = PartnershipForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                partnership = actions.create_partnership(
                    actor=request.user,
                    title=data["title"],
                    institutions=data["institutions"],
                    valid_from=data["valid_from"],
                    valid_until=data["valid_until"],
                    signed_on=data["signed_on"],
                    signed_place=data["signed_place"],
                    status=data["status"],
                    document=data["document"],
                    areas=dict.fromkeys(data["areas"], ""),
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("The partnership has been recorded."))
                return redirect("network:partnership", pk=partnership.pk)
    else:
        form = PartnershipForm(
            initial={"institutions": list(managed_institution_ids(request.user))}
        )
    return render(request, "network/partnership_new.html", {"form": form})


@login_required
@require_GET
def partnership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = get_partnership_for_user(request.user, pk)
    return _render_partnership(request, partnership)


def _render_partnership(
    request: HttpRequest, partnership: Partnership, **forms: object
) -> HttpResponse:
    can_manage = can_manage_partnership(request.user, partnership)
    areas = partnership.areas.prefetch_related(
        Prefetch(
            "milestones",
            queryset=Milestone.objects.select_related("owner").prefetch_related(
                "evidence__added_by"
            ),
        )
    )
    for area in areas:
        for milestone in area.milestones.all():
            if can_manage or milestone.owner_id == request.user.pk:
                milestone.update_form = MilestoneUpdateForm.for_milestone(milestone)
    context = {
        "partnership": partnership,
        "areas": areas,
        "status": partnership.effective_status(),
        "today": timezone.localdate(),
        "can_manage": can_manage,
        "can_confirm": can_confirm_partnership(request.user, partnership),
        "milestone_form": forms.get("milestone_form") or MilestoneForm(partnership=partnership),
        "area_form": forms.get("area_form") or AddAreaForm(),
        "end_form": forms.get("end_form") or EndPartnershipForm(),
    }
    status = 400 if forms else 200
    return render(request, "network/partnership.html", context, status=status)


@login_required
@require_POST
def partnership_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The changes made from a partnership's page; each posts its own small form."""
    partnership = get_partnership_for_user(request.user, pk)
    if not can_manage_partnership(request.user, partnership):
        raise PermissionDenied
    if action == "activate":
        try:
            actions.activate_partnership(actor=request.user, partnership=partnership)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    elif action in ("confirm", "decline"):
        try:
            if action == "confirm":
                actions.confirm_partnership(actor=request.user, partnership=partnership)
                messages.success(request, _("You have confirmed the partnership."))
            else:
                reason = request.POST.get("reason", "")
                actions.decline_partnership(
                    actor=request.user, partnership=partnership, reason=reason
                )
                messages.success(request, _("You have declined the partnership."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    elif action == "end":
        form = EndPartnershipForm(request.POST)
        if not form.is_valid():
            return _render_partnership(request, partnership, end_form=form)
        try:
            actions.end_partnership(
                actor=request.user, partnership=partnership, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("The partnership has ended. Partners' access has ended with it.")
            )
    elif action == "area":
        form = AddAreaForm(request.POST)
        if form.is_valid():
            try:
                actions.add_area(actor=request.user, partnership=partnership, **form.cleaned_data)
            except ValidationError as exc:
                add_action_errors(form, exc)
        if form.errors:
            return _render_partnership(request, partnership, area_form=form)
    elif action == "milestone":
        form = MilestoneForm(request.POST, partnership=partnership)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.add_milestone(
                    actor=request.user,
                    area=partnership.areas.get(pk=data["area"]),
                    title=data["title"],
                    due_on=data["due_on"],
                    owner=data["owner"],
                    description=data["description"],
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
        if form.errors:
            return _render_partnership(request, partnership, milestone_form=form)
        messages.success(request, _("The milestone has been added."))
    else:
        raise Http404
    return redirect("network:partnership", pk=partnership.pk)


@login_required
@require_POST
def area_objectives(request: HttpRequest, pk: int, area_pk: int) -> HttpResponse:
    partnership = get_partnership_for_user(request.user, pk)
    area = partnership.areas.filter(pk=area_pk).first()
    if area is None:
        raise Http404
    form = AreaObjectivesForm(request.POST)
    if form.is_valid():
        actions.update_area_objectives(
            actor=request.user, area=area, objectives=form.cleaned_data["objectives"]
        )
    return redirect("network:partnership", pk=pk)


@login_required
@require_POST
def milestone_update(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = Milestone.objects.select_related("area__partnership").filter(pk=pk).first()
    if milestone is None:
        raise Http404
    form = MilestoneUpdateForm(request.POST, request.FILES, prefix=f"m{milestone.pk}")
    if form.is_valid():
        try:
            actions.update_milestone(actor=request.user, milestone=milestone, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The milestone has been updated."))
    else:
        messages.error(request, _("The milestone could not be updated: check the status and file."))
    return redirect("network:partnership", pk=milestone.area.partnership_id)


@login_required
@require_GET
def partnership_document(request: HttpRequest, pk: int) -> FileResponse:
    partnership = get_partnership_for_user(request.user, pk)
    if not partnership.document:
        raise Http404
    return FileResponse(
        partnership.document.open("rb"),
        content_type="application/pdf",
        as_attachment=False,
        filename=f"mou-{partnership.pk}.pdf",
    )


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """What needs a coordinator's attention in the partnerships of their institutions."""
    today = timezone.localdate()
    mine = managed_institution_ids(request.user)
    partnerships = Partnership.objects.filter(parties__institution_id__in=mine).distinct()
    overdue = (
        Milestone.objects.filter(
            area__partnership__in=partnerships, status__in=OPEN_MILESTONE_STATUSES, due_on__lt=today
        )
        .select_related("owner", "area__partnership")
        .order_by("due_on")
    )
    expiring = partnerships.filter(
        status=PartnershipStatus.ACTIVE,
        valid_until__gte=today,
        valid_until__lte=today + datetime.timedelta(days=EXPIRY_WINDOW_DAYS),
    ).order_by("valid_until")
    upcoming = (
        Milestone.objects.filter(
            area__partnership__in=partnerships,
            status__in=OPEN_MILESTONE_STATUSES,
            due_on__gte=today,
            due_on__lte=today + datetime.timedelta(days=30),
        )
        .select_related("owner", "area__partnership")
        .order_by("due_on")
    )
    return render(
        request,
        "network/dashboard.html",
        {
            "overdue": overdue,
            "expiring": expiring,
            "upcoming": upcoming,
            "today": today,
            "is_manager": bool(mine),
            "window": EXPIRY_WINDOW_DAYS,
        },
    )


@login_required
@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    people = User.objects.filter(is_active=True, memberships__ended_at__isnull=True).distinct()
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            people = people.filter(
                Q(full_name__icontains=data["q"]) | Q(specialty__icontains=data["q"])
            )
        if data["institution"]:
            people = people.filter(memberships__institution=data["institution"])
        if data["language"]:
            # JSON containment is not portable to SQLite; the list is a short array of codes.
            people = people.filter(languages__icontains=f'"{data["language"]}"')
    people = with_away_flag(people, timezone.localdate()).prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(ended_at__isnull=True).select_related("institution"),
        )
    )
    return render(
        request,
        "network/directory.html",
        {"form": form, "people": people.order_by("full_name")[:200]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def absences(request: HttpRequest) -> HttpResponse:
    form = AbsenceForm(request.POST or None)
    if request.method == "POST":
        if "remove" in request.POST:
            remove = request.POST["remove"]
            # A forged or garbled id is "no such absence", not a server error.
            absence = (
                Absence.objects.filter(pk=remove, user=request.user).first()
                if remove.isdigit()
                else None
            )
            if absence is None:
                raise Http404
            actions.remove_absence(actor=request.user, absence=absence)
            return redirect("network:absences")
        if form.is_valid():
            try:
                actions.add_absence(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("Your absence has been recorded."))
                return redirect("network:absences")
    mine = Absence.objects.filter(user=request.user, ends_on__gte=timezone.localdate())
    return render(request, "network/absences.html", {"form": form, "absences": mine})
