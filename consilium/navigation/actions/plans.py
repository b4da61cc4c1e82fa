"""Treatment plans and their visits: made from a protocol's plan template or by hand,
rescheduled with their history kept, marked attended or missed."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from consilium.accounts.models import User
from consilium.audit.actions import record
from consilium.library.models import PUBLISHED_STATUSES, Adoption, DocumentKind, DocumentVersion
from consilium.navigation.actions import continuity
from consilium.navigation.checks import check_visit_date, is_dead, require_clinical
from consilium.navigation.models import (
    AbandonmentStatus,
    OutreachTask,
    PlannedVisit,
    PlanStatus,
    ProposedAbandonment,
    TaskStatus,
    TreatmentPlan,
    VisitKind,
    VisitStatus,
)
from consilium.navigation.templates_of_plans import dated, parse_schedule
from consilium.network.models import Institution
from consilium.registry.models import Patient


def local_today(institution: Institution) -> datetime.date:
    import zoneinfo

    return timezone.now().astimezone(zoneinfo.ZoneInfo(institution.time_zone)).date()


def adopted_protocols(institution: Institution) -> list[DocumentVersion]:
    """The protocol versions in force at the institution that carry a plan template."""
    ids = Adoption.objects.filter(
        institution=institution, in_force_until__isnull=True, document__kind=DocumentKind.PROTOCOL
    ).values("version_id")
    return list(
        DocumentVersion.objects.filter(pk__in=ids, status__in=PUBLISHED_STATUSES)
        .exclude(visit_schedule=[])
        .select_related("document")
        .order_by("document__code")
    )


def _check_plan(patient: Patient) -> None:
    if is_dead(patient):
        raise ValidationError(_("No treatment plan can be made for a child who has died."))
    if TreatmentPlan.objects.filter(patient=patient, status=PlanStatus.ACTIVE).exists():
        raise ValidationError(_("This child already has an active treatment plan; close it first."))


def _create(
    *,
    actor: User,
    patient: Patient,
    title: str,
    start_date: datetime.date,
    version: DocumentVersion | None,
    visits: list[tuple[str, str, datetime.date]],
    request: HttpRequest | None,
) -> TreatmentPlan:
    for _kind, _label, date in visits:
        check_visit_date(patient, date, field="start_date")
    try:
        with transaction.atomic():
            plan = TreatmentPlan.objects.create(
                patient=patient,
                title=title,
                protocol_version=version,
                start_date=start_date,
                created_by=actor,
            )
            PlannedVisit.objects.bulk_create(
                PlannedVisit(
                    plan=plan,
                    patient=patient,
                    institution_id=patient.institution_id,
                    kind=kind,
                    label=label,
                    date=date,
                )
                for kind, label, date in visits
            )
            record(
                actor=actor,
                verb="navigation.plan_created",
                obj=plan,
                institution_id=patient.institution_id,
                details={
                    "pseudonym": patient.pseudonym,
                    "protocol": version.code if version else "",
                    "visits": len(visits),
                    "start": start_date,
                },
                request=request,
            )
    except IntegrityError:  # a plan made at the same moment by someone else
        raise ValidationError(
            _("This child already has an active treatment plan; close it first.")
        ) from None
    return plan


def create_plan_from_protocol(
    *,
    actor: User,
    patient: Patient,
    version: DocumentVersion,
    start_date: datetime.date,
    request: HttpRequest | None = None,
) -> TreatmentPlan:
    require_clinical(actor, patient)
    if version.pk not in {v.pk for v in adopted_protocols(patient.institution)}:
        raise ValidationError(
            _("Choose a protocol adopted at the child's institution with a plan template.")
        )
    _check_plan(patient)
    rows = parse_schedule(version.visit_schedule)
    return _create(
        actor=actor,
        patient=patient,
        title=f"{version.document.code} v{version.number}",
        start_date=start_date,
        version=version,
        visits=dated(rows, start_date),
        request=request,
    )


def create_plan_by_hand(
    *,
    actor: User,
    patient: Patient,
    title: str,
    start_date: datetime.date,
    visits: Iterable[tuple[str, str, datetime.date]] = (),
    request: HttpRequest | None = None,
) -> TreatmentPlan:
    require_clinical(actor, patient)
    title = title.strip()
    if not title:
        raise ValidationError({"title": [_("Name the plan.")]})
    visits = list(visits)
    if any(kind not in VisitKind.values for kind, _label, _date in visits):
        raise ValidationError({"kind": [_("Choose a kind of visit.")]})
    _check_plan(patient)
    check_visit_date(patient, start_date, field="start_date")
    return _create(
        actor=actor,
        patient=patient,
        title=title,
        start_date=start_date,
        version=None,
        visits=visits,
        request=request,
    )


def add_visit(
    *,
    actor: User,
    plan: TreatmentPlan,
    kind: str,
    date: datetime.date,
    label: str = "",
    request: HttpRequest | None = None,
) -> PlannedVisit:
    patient = plan.patient
    require_clinical(actor, patient)
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationError(_("Visits are added to an active plan only."))
    if kind not in VisitKind.values:
        raise ValidationError({"kind": [_("Choose a kind of visit.")]})
    check_visit_date(patient, date)
    with transaction.atomic():
        visit = PlannedVisit.objects.create(
            plan=plan,
            patient=patient,
            institution_id=patient.institution_id,
            kind=kind,
            label=label.strip()[:80],
            date=date,
        )
        record(
            actor=actor,
            verb="navigation.visit_added",
            obj=visit,
            institution_id=patient.institution_id,
            details={"pseudonym": patient.pseudonym, "kind": kind, "date": date},
            request=request,
        )
    return visit


def _locked(visit: PlannedVisit) -> PlannedVisit:
    return PlannedVisit.objects.select_for_update().select_related("patient").get(pk=visit.pk)


def _returned_to_care(patient: Patient, date: datetime.date) -> None:
    """A child seen again after an interruption long enough to be proposed: returned to care.
    A confirmed abandonment keeps its date; the return is written beside it."""
    ProposedAbandonment.objects.filter(
        patient=patient,
        status__in=[AbandonmentStatus.PROPOSED, AbandonmentStatus.CONFIRMED],
        returned_on__isnull=True,
        interruption_from__lte=date,
    ).update(returned_on=date)


def mark_visit(
    *,
    actor: User,
    visit: PlannedVisit,
    status: str,
    request: HttpRequest | None = None,
) -> PlannedVisit:
    """Attended or missed, once: a visit already marked is refused, so a second tick on a
    shared computer does not overwrite the first."""
    require_clinical(actor, visit.patient)
    if status not in (VisitStatus.ATTENDED, VisitStatus.MISSED):
        raise ValidationError(_("A visit is marked attended or missed."))
    with transaction.atomic():
        visit = _locked(visit)
        if visit.status != VisitStatus.PLANNED and not (
            # the sweep's guess may be corrected: the child did come
            visit.status == VisitStatus.MISSED
            and visit.missed_by_sweep
            and status == VisitStatus.ATTENDED
        ):
            raise ValidationError(
                _("This visit is already marked %(status)s.")
                % {"status": visit.get_status_display().lower()}
            )
        if visit.date > local_today(visit.patient.institution):
            # Missed as well as attended: a tap on a visit two months ahead was taken as
            # missed, counted against the family, and could not be undone.
            raise ValidationError(
                _("A visit cannot be marked attended before its day.")
                if status == VisitStatus.ATTENDED
                else _("A visit cannot be marked missed before its day; reschedule it instead.")
            )
        visit.status = status
        visit.marked_at = timezone.now()
        visit.marked_by = actor
        visit.save(update_fields=["status", "marked_at", "marked_by"])
        continuity.refresh([visit.patient_id])
        if status == VisitStatus.ATTENDED:
            _returned_to_care(visit.patient, visit.date)
            OutreachTask.objects.filter(visit=visit, status=TaskStatus.OPEN).update(
                status=TaskStatus.DONE, closed_at=timezone.now()
            )
        record(
            actor=actor,
            verb="navigation.visit_marked",
            obj=visit,
            institution_id=visit.institution_id,
            details={"pseudonym": visit.patient.pseudonym, "status": status, "date": visit.date},
            request=request,
        )
    return visit


def mark_day(
    *,
    actor: User,
    institution: Institution,
    date: datetime.date,
    attended: Iterable[int],
    request: HttpRequest | None = None,
) -> int:
    """The day list: the visits ticked are attended. Ticks on visits already marked are
    refused as a whole, and nothing changes."""
    ids = set(attended)
    visits = list(
        PlannedVisit.objects.filter(institution=institution, date=date, pk__in=ids).select_related(
            "patient__institution"
        )
    )
    if len(visits) != len(ids):
        raise ValidationError(_("Some of the visits ticked are not on this day's list."))
    with transaction.atomic():
        for visit in visits:
            mark_visit(actor=actor, visit=visit, status=VisitStatus.ATTENDED, request=request)
    return len(visits)


def reschedule_visit(
    *,
    actor: User,
    visit: PlannedVisit,
    date: datetime.date,
    request: HttpRequest | None = None,
) -> PlannedVisit:
    """The visit is kept, marked rescheduled (or left missed); a new planned visit on the new
    date points back at it."""
    require_clinical(actor, visit.patient)
    if date < local_today(visit.patient.institution):
        raise ValidationError({"date": [_("A visit cannot be rescheduled into the past.")]})
    check_visit_date(visit.patient, date)
    with transaction.atomic():
        old = _locked(visit)
        if old.status not in (VisitStatus.PLANNED, VisitStatus.MISSED):
            raise ValidationError(
                _("This visit is already marked %(status)s.")
                % {"status": old.get_status_display().lower()}
            )
        if PlannedVisit.objects.filter(rescheduled_from=old).exists():
            raise ValidationError(_("This visit has already been rescheduled."))
        if old.status == VisitStatus.PLANNED:
            old.status = VisitStatus.RESCHEDULED
            old.marked_at = timezone.now()
            old.marked_by = actor
            old.save(update_fields=["status", "marked_at", "marked_by"])
        # A missed visit stays missed (the measures count it); its new date points back at it.
        new = PlannedVisit.objects.create(
            plan_id=old.plan_id,
            patient=old.patient,
            institution_id=old.institution_id,
            kind=old.kind,
            label=old.label,
            date=date,
            rescheduled_from=old,
        )
        # A planned visit moved, or a missed one given a new date, leaves the interruption as
        # it was; refreshed all the same so no path that touches visits can leave it stale.
        continuity.refresh([old.patient_id])
        record(
            actor=actor,
            verb="navigation.visit_rescheduled",
            obj=new,
            institution_id=old.institution_id,
            details={"pseudonym": old.patient.pseudonym, "from": old.date, "to": date},
            request=request,
        )
    return new


def history(visit: PlannedVisit) -> list[PlannedVisit]:
    """The visit and the dates it had before, newest first."""
    chain = [visit]
    while chain[-1].rescheduled_from_id:
        chain.append(PlannedVisit.objects.get(pk=chain[-1].rescheduled_from_id))
    return chain


def close_plan(
    *, actor: User, plan: TreatmentPlan, reason: str, request: HttpRequest | None = None
) -> TreatmentPlan:
    """Close a child's active plan, saying why (treatment completed, changed, or made in
    error), so that another can be made. Its visits not marked yet are cancelled and its open
    calls closed: nobody is asked to chase a visit of a plan that no longer applies. Visits
    already marked keep their mark, which the child's therapy record was built from."""
    require_clinical(actor, plan.patient)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the plan is closed.")]})
    if len(reason) > 300:
        raise ValidationError({"reason": [_("Say why in at most 300 characters.")]})
    with transaction.atomic():
        plan = TreatmentPlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)
        if plan.status != PlanStatus.ACTIVE:
            raise ValidationError(_("This plan is closed already."))
        now = timezone.now()
        OutreachTask.objects.filter(visit__plan=plan, status=TaskStatus.OPEN).update(
            status=TaskStatus.DONE, closed_at=now
        )
        cancelled = plan.visits.filter(status=VisitStatus.PLANNED).update(
            status=VisitStatus.CANCELLED
        )
        plan.status = PlanStatus.CLOSED
        plan.closed_at = now
        plan.closed_by = actor
        plan.close_reason = reason
        plan.save(update_fields=["status", "closed_at", "closed_by", "close_reason"])
        continuity.refresh([plan.patient_id])
        record(
            actor=actor,
            verb="navigation.plan_closed",
            obj=plan,
            institution_id=plan.patient.institution_id,
            details={"pseudonym": plan.patient.pseudonym, "cancelled": cancelled, "reason": reason},
            request=request,
        )
    return plan
