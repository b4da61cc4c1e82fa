"""What the navigator's page and the call list read: each a bounded query on an index."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, Max, Min, OuterRef, QuerySet
from django.utils import timezone

from consilium.navigation.models import (
    THERAPY_KINDS,
    AbandonmentStatus,
    FamilyContact,
    OutreachTask,
    PlannedVisit,
    ProposedAbandonment,
    RiskBand,
    SocialProfile,
    TaskStatus,
    VisitStatus,
)
from consilium.network.models import Institution
from consilium.registry.models import Patient, VitalStatus

ROWS = 100
NEW_HIGH_RISK_DAYS = 14


def day_visits(institution: Institution, day: datetime.date) -> QuerySet[PlannedVisit]:
    return (
        PlannedVisit.objects.filter(institution=institution, date=day)
        .exclude(status=VisitStatus.RESCHEDULED)
        .select_related("patient")
        .order_by("patient__pseudonym", "pk")
    )


def missed_on(institution: Institution, day: datetime.date) -> QuerySet[PlannedVisit]:
    """The day's visits nobody marked attended: missed, or not yet swept."""
    return (
        PlannedVisit.objects.filter(
            institution=institution,
            date=day,
            status__in=[VisitStatus.MISSED, VisitStatus.PLANNED],
        )
        .select_related("patient")
        .order_by("patient__pseudonym", "pk")
    )


@dataclass
class Interruption:
    patient: Patient
    first_missed: datetime.date
    last_attended: datetime.date | None
    days_since: int


def interruptions(institution: Institution, today: datetime.date) -> list[Interruption]:
    """Children with a therapy visit missed and no therapy visit attended since, longest
    first, with the days since the last attended visit (or the first missed one)."""
    attended_after = PlannedVisit.objects.filter(
        patient_id=OuterRef("patient_id"),
        status=VisitStatus.ATTENDED,
        kind__in=THERAPY_KINDS,
        date__gt=OuterRef("date"),
    )
    rows = list(
        PlannedVisit.objects.filter(
            institution=institution,
            status=VisitStatus.MISSED,
            kind__in=THERAPY_KINDS,
            date__lte=today,
        )
        .exclude(patient__vital_status=VitalStatus.DEAD)
        .exclude(Exists(attended_after))
        .values("patient_id")
        .annotate(first_missed=Min("date"))
        .order_by("first_missed")[:ROWS]
    )
    ids = [row["patient_id"] for row in rows]
    last = dict(
        PlannedVisit.objects.filter(
            patient_id__in=ids, status=VisitStatus.ATTENDED, kind__in=THERAPY_KINDS
        )
        .values("patient_id")
        .annotate(last=Max("date"))
        .values_list("patient_id", "last")
    )
    patients = Patient.objects.in_bulk(ids)
    result = []
    for row in rows:
        since = last.get(row["patient_id"]) or row["first_missed"]
        result.append(
            Interruption(
                patient=patients[row["patient_id"]],
                first_missed=row["first_missed"],
                last_attended=last.get(row["patient_id"]),
                days_since=(today - since).days,
            )
        )
    return result


def new_high_risk(institution: Institution) -> QuerySet[SocialProfile]:
    since = timezone.now() - datetime.timedelta(days=NEW_HIGH_RISK_DAYS)
    return (
        SocialProfile.objects.filter(
            institution=institution, band=RiskBand.HIGH, recorded_at__gte=since
        )
        .select_related("patient")
        .order_by("-recorded_at")[:ROWS]
    )


def outreach_due(institution: Institution, today: datetime.date) -> QuerySet[OutreachTask]:
    return (
        OutreachTask.objects.filter(
            institution=institution, status=TaskStatus.OPEN, due_on__lte=today
        )
        .select_related("patient", "visit")
        .order_by("due_on", "pk")[:ROWS]
    )


def proposed_abandonments(institution: Institution) -> QuerySet[ProposedAbandonment]:
    return (
        ProposedAbandonment.objects.filter(
            institution=institution, status=AbandonmentStatus.PROPOSED
        )
        .select_related("patient")
        .order_by("proposed_at", "pk")[:ROWS]
    )


def family_by_patient(patient_ids: list[int]) -> dict[int, list[FamilyContact]]:
    families: dict[int, list[FamilyContact]] = {}
    for row in FamilyContact.objects.filter(patient_id__in=patient_ids).order_by("pk"):
        families.setdefault(row.patient_id, []).append(row)
    return families
