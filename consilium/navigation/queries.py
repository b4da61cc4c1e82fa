"""What the navigator's page and the call list read: each a bounded query on an index."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone

from consilium.navigation.models import (
    AbandonmentStatus,
    FamilyContact,
    OutreachTask,
    PlannedVisit,
    ProposedAbandonment,
    RiskBand,
    SocialProfile,
    TaskStatus,
    TherapyState,
    VisitKind,
    VisitStatus,
)
from consilium.network.models import Institution
from consilium.registry.models import Patient, VitalStatus

ROWS = 100
NEW_HIGH_RISK_DAYS = 14


def labelled(rows: list[PlannedVisit]) -> list[PlannedVisit]:
    """The kind and status in words, looked up once per list: get_FOO_display translates the
    choices again on every row, which was a third of a 700-row page's time."""
    kinds = {key: str(label) for key, label in VisitKind.choices}
    statuses = {key: str(label) for key, label in VisitStatus.choices}
    for row in rows:
        row.kind_label = kinds.get(row.kind, row.kind)
        row.status_label = statuses.get(row.status, row.status)
    return rows


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
    first, with the days since the last attended visit (or the first missed one). Read from
    the kept TherapyState on its partial index: searching the visits took seconds at a
    national scale."""
    rows = (
        TherapyState.objects.filter(institution=institution, interrupted_since__lte=today)
        .exclude(patient__vital_status=VitalStatus.DEAD)
        .select_related("patient")
        .order_by("interrupted_since", "patient_id")[:ROWS]
    )
    return [
        Interruption(
            patient=row.patient,
            first_missed=row.interrupted_since,
            last_attended=row.last_attended,
            days_since=(today - (row.last_attended or row.interrupted_since)).days,
        )
        for row in rows
    ]


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
    """One row per child: the child's first open task due, with how many more are open (a
    child who missed four visits is one family to call, not four lines)."""
    due = OutreachTask.objects.filter(
        institution=institution, status=TaskStatus.OPEN, due_on__lte=today
    )
    same_child = due.filter(patient=OuterRef("patient"))
    return (
        due.filter(pk=Subquery(same_child.order_by("due_on", "pk").values("pk")[:1]))
        .annotate(
            more=Subquery(
                same_child.order_by().values("patient").annotate(n=Count("pk")).values("n")[:1]
            )
            - 1
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
