"""A child's navigation page: plan and visits, social risk, family, outreach and support."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from consilium.navigation.access import get_patient_for_navigation, get_visit_for_user
from consilium.navigation.actions import outreach as outreach_actions
from consilium.navigation.actions import plans as plan_actions
from consilium.navigation.actions import risk as risk_actions
from consilium.navigation.forms import (
    ClosePlanForm,
    ContactForm,
    FamilyForm,
    HandPlanForm,
    ProfileForm,
    ProtocolPlanForm,
    RescheduleForm,
    SupportForm,
    VisitForm,
)
from consilium.navigation.models import (
    PlanStatus,
    ProposedAbandonment,
    SocialProfile,
    TreatmentPlan,
    VisitStatus,
)
from consilium.navigation.risk import rules_for, score
from consilium.navigation.views.common import form_errors, refuse


def _back(patient_pk: int) -> HttpResponse:
    return redirect(reverse("navigation:patient", args=[patient_pk]))


@login_required
@require_GET
def patient(request: HttpRequest, pk: int) -> HttpResponse:
    child = get_patient_for_navigation(request.user, pk, request=request)
    plan = TreatmentPlan.objects.filter(patient=child, status=PlanStatus.ACTIVE).first()
    visits = list(child.navigation_visits.select_related("rescheduled_from").order_by("date", "pk"))
    profile = SocialProfile.objects.filter(patient=child).first()
    rules = rules_for(child.institution)
    flag = score(profile, rules) if profile else None
    versions = plan_actions.adopted_protocols(child.institution)
    return render(
        request,
        "navigation/patient.html",
        {
            "patient": child,
            "plan": plan,
            "visits": visits,
            "today": plan_actions.local_today(child.institution),
            "profile": profile,
            "flag": flag,
            "rules": rules,
            "family": list(child.navigation_family.all()),
            "contacts": list(child.navigation_contacts.select_related("recorded_by")[:50]),
            "support": list(child.navigation_support.all()[:50]),
            "proposals": list(ProposedAbandonment.objects.filter(patient=child)),
            "protocol_form": ProtocolPlanForm(versions=versions, prefix="protocol")
            if versions
            else None,
            "hand_form": HandPlanForm(prefix="hand"),
            "visit_form": VisitForm(prefix="visit"),
            "profile_form": ProfileForm(
                prefix="profile",
                initial={f: getattr(profile, f) for f in risk_actions.PROFILE_FIELDS}
                if profile
                else None,
            ),
            "contact_form": ContactForm(prefix="contact"),
            "support_form": SupportForm(
                prefix="support", initial={"given_on": plan_actions.local_today(child.institution)}
            ),
            "family_form": FamilyForm(prefix="family"),
            "reschedule_form": RescheduleForm(prefix="reschedule"),
            "close_form": ClosePlanForm(prefix="close"),
            "closed_plans": list(
                TreatmentPlan.objects.filter(patient=child, status=PlanStatus.CLOSED).order_by(
                    "-closed_at"
                )
            ),
        },
    )


@login_required
@require_POST
def plan_new(request: HttpRequest, pk: int) -> HttpResponse:
    child = get_patient_for_navigation(request.user, pk, audit=False)
    try:
        if request.POST.get("protocol-version"):
            form = ProtocolPlanForm(
                request.POST,
                versions=plan_actions.adopted_protocols(child.institution),
                prefix="protocol",
            )
            if not form.is_valid():
                form_errors(request, form)
                return _back(pk)
            plan_actions.create_plan_from_protocol(
                actor=request.user,
                patient=child,
                version=form.versions[form.cleaned_data["version"]],
                start_date=form.cleaned_data["start_date"],
                request=request,
            )
        else:
            form = HandPlanForm(request.POST, prefix="hand")
            if not form.is_valid():
                form_errors(request, form)
                return _back(pk)
            plan_actions.create_plan_by_hand(
                actor=request.user,
                patient=child,
                title=form.cleaned_data["title"],
                start_date=form.cleaned_data["start_date"],
                request=request,
            )
    except ValidationError as exc:
        refuse(request, exc)
    else:
        messages.success(request, _("The treatment plan is made."))
    return _back(pk)


@login_required
@require_POST
def plan_close(request: HttpRequest, pk: int) -> HttpResponse:
    child = get_patient_for_navigation(request.user, pk, audit=False)
    plan = TreatmentPlan.objects.filter(patient=child, status=PlanStatus.ACTIVE).first()
    form = ClosePlanForm(request.POST, prefix="close")
    if plan is None:
        messages.error(request, _("This child has no active treatment plan to close."))
    elif not form.is_valid():
        form_errors(request, form)
    else:
        try:
            closed = plan_actions.close_plan(
                actor=request.user, plan=plan, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationError as exc:
            refuse(request, exc)
        else:
            messages.success(
                request,
                _("The plan %(title)s is closed; another can be made.") % {"title": closed.title},
            )
    return _back(pk)


@login_required
@require_POST
def visit_new(request: HttpRequest, pk: int) -> HttpResponse:
    child = get_patient_for_navigation(request.user, pk, audit=False)
    plan = TreatmentPlan.objects.filter(patient=child, status=PlanStatus.ACTIVE).first()
    form = VisitForm(request.POST, prefix="visit")
    if plan is None:
        messages.error(request, _("Make a treatment plan first."))
    elif not form.is_valid():
        form_errors(request, form)
    else:
        try:
            plan_actions.add_visit(
                actor=request.user, plan=plan, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            refuse(request, exc)
        else:
            messages.success(request, _("The visit is planned."))
    return _back(pk)


@login_required
@require_POST
def visit_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    visit = get_visit_for_user(request.user, pk)
    try:
        if action in (VisitStatus.ATTENDED, VisitStatus.MISSED):
            plan_actions.mark_visit(actor=request.user, visit=visit, status=action, request=request)
            messages.success(request, _("The visit is marked."))
        elif action == "reschedule":
            form = RescheduleForm(request.POST)
            if not form.is_valid():
                form_errors(request, form)
                return _back(visit.patient_id)
            plan_actions.reschedule_visit(
                actor=request.user, visit=visit, date=form.cleaned_data["date"], request=request
            )
            messages.success(request, _("The visit is rescheduled; its old date is kept."))
        else:
            raise Http404
    except ValidationError as exc:
        refuse(request, exc)
    return _back(visit.patient_id)


@login_required
@require_POST
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    child = get_patient_for_navigation(request.user, pk, audit=False)
    form = ProfileForm(request.POST, prefix="profile")
    if not form.is_valid():
        form_errors(request, form)
        return _back(pk)
    try:
        saved = risk_actions.record_profile(
            actor=request.user, patient=child, data=form.cleaned_data, request=request
        )
    except ValidationError as exc:
        refuse(request, exc)
    else:
        messages.success(
            request,
            _("Social profile saved: %(band)s risk (%(score)d points).")
            % {"band": saved.get_band_display().lower(), "score": saved.score},
        )
    return _back(pk)


def _record_for_child(
    request: HttpRequest, pk: int, form_class: type, prefix: str, action, done: str
) -> HttpResponse:
    """The child's page's small forms (a contact, support, a family contact): one form, one
    action, a message, back to the page; a refusal keeps nothing."""
    child = get_patient_for_navigation(request.user, pk, audit=False)
    form = form_class(request.POST, prefix=prefix)
    if not form.is_valid():
        form_errors(request, form)
        return _back(pk)
    try:
        action(actor=request.user, patient=child, request=request, **form.cleaned_data)
    except ValidationError as exc:
        refuse(request, exc)
    else:
        messages.success(request, done)
    return _back(pk)


@login_required
@require_POST
def contact_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_for_child(
        request,
        pk,
        ContactForm,
        "contact",
        outreach_actions.log_contact,
        _("The contact is logged."),
    )


@login_required
@require_POST
def support_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_for_child(
        request,
        pk,
        SupportForm,
        "support",
        outreach_actions.give_support,
        _("The support is recorded."),
    )


@login_required
@require_POST
def family_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_for_child(
        request,
        pk,
        FamilyForm,
        "family",
        outreach_actions.add_family_contact,
        _("The family contact is saved."),
    )
