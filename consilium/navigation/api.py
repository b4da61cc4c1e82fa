"""Navigation's JSON API (/api/v1/navigation/): the same access helpers and actions as the
pages, so the same people see the same things and every read is audited."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from consilium.lib.forms import error_messages
from consilium.navigation import queries
from consilium.navigation.access import (
    get_abandonment_for_user,
    get_navigation_institution,
    get_patient_for_navigation,
    get_visit_for_user,
    record_read,
)
from consilium.navigation.actions import abandonment as abandonment_actions
from consilium.navigation.actions import outreach as outreach_actions
from consilium.navigation.actions import plans as plan_actions
from consilium.navigation.actions import risk as risk_actions
from consilium.navigation.measures import measures
from consilium.navigation.models import PlannedVisit, PlanStatus, TreatmentPlan
from consilium.network.models import Institution
from consilium.registry.access import aggregate_institution_ids

router = Router(tags=["navigation"])
FORBIDDEN = {"detail": "You may not do this."}


class Error(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


def _invalid(exc: ValidationError) -> Status:
    return Status(422, {"detail": " ".join(exc.messages), "errors": error_messages(exc)})


def _run(function, **kwargs):
    try:
        return function(**kwargs), None
    except PermissionDenied:
        return None, Status(403, FORBIDDEN)
    except ValidationError as exc:
        return None, _invalid(exc)


class NavVisitOut(Schema):
    id: int
    patient: str
    kind: str
    label: str
    date: datetime.date
    status: str
    rescheduled_from: int | None


class NavPlanOut(Schema):
    id: int
    title: str
    protocol_version_id: int | None
    start_date: datetime.date
    status: str
    closed_at: datetime.datetime | None
    close_reason: str
    visits: list[NavVisitOut]


def _visit_out(visit: PlannedVisit, pseudonym: str) -> dict:
    return {
        "id": visit.pk,
        "patient": pseudonym,
        "kind": visit.kind,
        "label": visit.label,
        "date": visit.date,
        "status": visit.status,
        "rescheduled_from": visit.rescheduled_from_id,
    }


def _plan_out(plan: TreatmentPlan) -> dict:
    pseudonym = plan.patient.pseudonym
    return {
        "id": plan.pk,
        "title": plan.title,
        "protocol_version_id": plan.protocol_version_id,
        "start_date": plan.start_date,
        "status": plan.status,
        "closed_at": plan.closed_at,
        "close_reason": plan.close_reason,
        "visits": [_visit_out(v, pseudonym) for v in plan.visits.order_by("date", "pk")],
    }


@router.get("/patients/{pk}/plans", response=list[NavPlanOut])
def nav_plans(request: HttpRequest, pk: int):
    patient = get_patient_for_navigation(request.auth, pk, request=request)
    return [_plan_out(plan) for plan in patient.navigation_plans.all()]


class NavVisitIn(Schema):
    kind: str
    label: str = ""
    date: datetime.date


class NavPlanIn(Schema):
    start_date: datetime.date
    protocol_version_id: int | None = None
    title: str = ""
    visits: list[NavVisitIn] = []


@router.post("/patients/{pk}/plans", response={201: NavPlanOut, 403: Error, 422: Error})
def nav_create_plan(request: HttpRequest, pk: int, payload: NavPlanIn):
    patient = get_patient_for_navigation(request.auth, pk, audit=False)
    if payload.protocol_version_id is not None:
        versions = {v.pk: v for v in plan_actions.adopted_protocols(patient.institution)}
        version = versions.get(payload.protocol_version_id)
        if version is None:
            return Status(
                422,
                {
                    "detail": "Choose a protocol adopted at the child's institution.",
                    "errors": {"protocol_version_id": ["not adopted"]},
                },
            )
        plan, error = _run(
            plan_actions.create_plan_from_protocol,
            actor=request.auth,
            patient=patient,
            version=version,
            start_date=payload.start_date,
            request=request,
        )
    else:
        plan, error = _run(
            plan_actions.create_plan_by_hand,
            actor=request.auth,
            patient=patient,
            title=payload.title,
            start_date=payload.start_date,
            visits=[(v.kind, v.label, v.date) for v in payload.visits],
            request=request,
        )
    return error or Status(201, _plan_out(plan))


class NavCloseIn(Schema):
    reason: str


@router.post("/patients/{pk}/plan/close", response={200: NavPlanOut, 403: Error, 422: Error})
def nav_close_plan(request: HttpRequest, pk: int, payload: NavCloseIn):
    """Close the child's active plan: its unmarked visits cancelled, its open calls closed."""
    patient = get_patient_for_navigation(request.auth, pk, audit=False)
    plan = TreatmentPlan.objects.filter(patient=patient, status=PlanStatus.ACTIVE).first()
    if plan is None:
        return Status(422, {"detail": _("This child has no active treatment plan to close.")})
    closed, error = _run(
        plan_actions.close_plan,
        actor=request.auth,
        plan=plan,
        reason=payload.reason,
        request=request,
    )
    return error or Status(200, _plan_out(closed))


@router.post("/patients/{pk}/visits", response={201: NavVisitOut, 403: Error, 422: Error})
def nav_add_visit(request: HttpRequest, pk: int, payload: NavVisitIn):
    patient = get_patient_for_navigation(request.auth, pk, audit=False)
    plan = TreatmentPlan.objects.filter(patient=patient, status=PlanStatus.ACTIVE).first()
    if plan is None:
        return Status(422, {"detail": "Make a treatment plan first.", "errors": {}})
    visit, error = _run(
        plan_actions.add_visit,
        actor=request.auth,
        plan=plan,
        kind=payload.kind,
        label=payload.label,
        date=payload.date,
        request=request,
    )
    return error or Status(201, _visit_out(visit, patient.pseudonym))


@router.get("/institutions/{code}/days/{day}", response=list[NavVisitOut])
def nav_day_list(request: HttpRequest, code: str, day: datetime.date):
    institution = get_navigation_institution(request.auth, code)
    record_read(request.auth, "navigation.day_list_viewed", institution, request, day=day)
    return [_visit_out(v, v.patient.pseudonym) for v in queries.day_visits(institution, day)]


class NavAttendanceIn(Schema):
    status: str  # attended | missed


@router.post("/visits/{pk}/attendance", response={200: NavVisitOut, 403: Error, 422: Error})
def nav_mark_visit(request: HttpRequest, pk: int, payload: NavAttendanceIn):
    visit = get_visit_for_user(request.auth, pk)
    marked, error = _run(
        plan_actions.mark_visit,
        actor=request.auth,
        visit=visit,
        status=payload.status,
        request=request,
    )
    return error or Status(200, _visit_out(marked, visit.patient.pseudonym))


class NavRescheduleIn(Schema):
    date: datetime.date


@router.post("/visits/{pk}/reschedule", response={201: NavVisitOut, 403: Error, 422: Error})
def nav_reschedule_visit(request: HttpRequest, pk: int, payload: NavRescheduleIn):
    visit = get_visit_for_user(request.auth, pk)
    new, error = _run(
        plan_actions.reschedule_visit,
        actor=request.auth,
        visit=visit,
        date=payload.date,
        request=request,
    )
    return error or Status(201, _visit_out(new, visit.patient.pseudonym))


class NavContactOut(Schema):
    id: int
    kind: str
    at: datetime.datetime
    reached: bool
    spoke_with: str
    agreed: str


class NavSupportOut(Schema):
    id: int
    kind: str
    given_on: datetime.date
    amount: Decimal | None
    note: str


class NavTaskOut(Schema):
    id: int
    reason: str
    due_on: datetime.date
    status: str
    visit_id: int | None


class NavOutreachOut(Schema):
    patient: str
    tasks: list[NavTaskOut]
    contacts: list[NavContactOut]
    support: list[NavSupportOut]


@router.get("/patients/{pk}/outreach", response=NavOutreachOut)
def nav_outreach(request: HttpRequest, pk: int):
    patient = get_patient_for_navigation(request.auth, pk, request=request)
    return {
        "patient": patient.pseudonym,
        "tasks": list(patient.navigation_tasks.all()),
        "contacts": list(patient.navigation_contacts.all()),
        "support": list(patient.navigation_support.all()),
    }


class NavContactIn(Schema):
    kind: str
    reached: bool
    spoke_with: str = ""
    agreed: str = ""
    at: datetime.datetime | None = None


@router.post("/patients/{pk}/contacts", response={201: NavContactOut, 403: Error, 422: Error})
def nav_log_contact(request: HttpRequest, pk: int, payload: NavContactIn):
    patient = get_patient_for_navigation(request.auth, pk, audit=False)
    if payload.at is not None and payload.at.tzinfo is None:
        return Status(422, {"detail": "Give the time with its zone.", "errors": {"at": ["naive"]}})
    contact, error = _run(
        outreach_actions.log_contact,
        actor=request.auth,
        patient=patient,
        request=request,
        **payload.dict(),
    )
    return error or Status(201, contact)


class NavSupportIn(Schema):
    kind: str
    given_on: datetime.date
    amount: int | None = None  # whole units of the local currency
    note: str = ""


@router.post("/patients/{pk}/support", response={201: NavSupportOut, 403: Error, 422: Error})
def nav_give_support(request: HttpRequest, pk: int, payload: NavSupportIn):
    patient = get_patient_for_navigation(request.auth, pk, audit=False)
    data = payload.dict()
    data["amount"] = None if data["amount"] is None else Decimal(data["amount"])
    support, error = _run(
        outreach_actions.give_support,
        actor=request.auth,
        patient=patient,
        request=request,
        **data,
    )
    return error or Status(201, support)


class NavAbandonmentOut(Schema):
    id: int
    patient: str
    interruption_from: datetime.date
    last_attended: datetime.date | None
    abandonment_date: datetime.date
    status: str
    reason: str
    returned_on: datetime.date | None


def _abandonment_out(proposal) -> dict:
    return {
        "id": proposal.pk,
        "patient": proposal.patient.pseudonym,
        "interruption_from": proposal.interruption_from,
        "last_attended": proposal.last_attended,
        "abandonment_date": proposal.abandonment_date,
        "status": proposal.status,
        "reason": proposal.reason,
        "returned_on": proposal.returned_on,
    }


@router.get("/institutions/{code}/abandonments", response=list[NavAbandonmentOut])
def nav_abandonments(request: HttpRequest, code: str):
    institution = get_navigation_institution(request.auth, code)
    record_read(request.auth, "navigation.abandonments_listed", institution, request)
    return [_abandonment_out(p) for p in queries.proposed_abandonments(institution)]


class NavDecisionIn(Schema):
    decision: str  # confirm | reject
    reason: str = ""


@router.post(
    "/abandonments/{pk}/decision", response={200: NavAbandonmentOut, 403: Error, 422: Error}
)
def nav_decide_abandonment(request: HttpRequest, pk: int, payload: NavDecisionIn):
    proposal = get_abandonment_for_user(request.auth, pk)
    if payload.decision == "confirm":
        done, error = _run(
            abandonment_actions.confirm, actor=request.auth, proposal=proposal, request=request
        )
    elif payload.decision == "reject":
        done, error = _run(
            abandonment_actions.reject,
            actor=request.auth,
            proposal=proposal,
            reason=payload.reason,
            request=request,
        )
    else:
        return Status(
            422, {"detail": "Decide confirm or reject.", "errors": {"decision": ["unknown"]}}
        )
    return error or Status(200, _abandonment_out(done))


class NavWeightsIn(Schema):
    weights: dict[str, int]
    medium_from: int
    high_from: int
    travel_cost_limit: int  # whole units of the local currency


class NavWeightsOut(Schema):
    weights: dict[str, int]
    medium_from: int
    high_from: int
    travel_cost_limit: Decimal


@router.put("/institutions/{code}/weights", response={200: NavWeightsOut, 403: Error, 422: Error})
def nav_set_weights(request: HttpRequest, code: str, payload: NavWeightsIn):
    institution = get_navigation_institution(request.auth, code)
    data = payload.dict()
    data["travel_cost_limit"] = Decimal(data["travel_cost_limit"])
    row, error = _run(
        risk_actions.set_weights,
        actor=request.auth,
        institution=institution,
        request=request,
        **data,
    )
    return error or Status(200, row)


class NavRateOut(Schema):
    numerator: int
    denominator: int
    percent: float | None


class NavSideOut(Schema):
    label: str
    abandonment: NavRateOut
    by_band: dict[str, NavRateOut]
    missed: int
    median_days_to_outreach: float | None
    never_reached_out: int
    returned_within_14: NavRateOut
    support: dict[str, dict[str, float]]


class NavMeasuresOut(Schema):
    institution: str
    programme_start: datetime.date | None
    sides: list[NavSideOut]
    abandonment_by_year: dict[int, NavRateOut]


def _rate(rate) -> dict:
    return {"numerator": rate.numerator, "denominator": rate.denominator, "percent": rate.percent}


@router.get("/institutions/{code}/measures", response=NavMeasuresOut)
def nav_measures(request: HttpRequest, code: str, programme_start: datetime.date | None = None):
    """Aggregates only: the institution's clinical roles and its coordinators, as outcomes."""
    institution = Institution.objects.filter(
        code=code, pk__in=aggregate_institution_ids(request.auth)
    ).first()
    if institution is None:
        raise Http404
    result = measures([institution.pk], start=programme_start)
    keys = ["low", "medium", "high", "not_assessed"]
    support_keys = ["transport", "lodging", "food", "money", "education", "psychosocial"]
    return {
        "institution": institution.code,
        "programme_start": programme_start,
        "abandonment_by_year": {year: _rate(rate) for year, rate in result.by_year},
        "sides": [
            {
                "label": str(side.label),
                "abandonment": _rate(side.abandonment),
                "by_band": {k: _rate(r) for k, (_l, r) in zip(keys, side.by_band, strict=True)},
                "missed": side.missed,
                "median_days_to_outreach": side.median_days_to_outreach,
                "never_reached_out": side.never_reached_out,
                "returned_within_14": _rate(side.returned_within_14),
                "support": {
                    k: {"count": n, "amount": amount}
                    for k, (_l, n, amount) in zip(support_keys, side.support, strict=True)
                },
            }
            for side in result.sides
        ],
    }
