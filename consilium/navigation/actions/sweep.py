"""The daily missed-visit sweep (consilium.core.periodic runs it with the other jobs; it is
idempotent, so running it every few minutes costs little and changes nothing twice).

1. A visit still planned after the end of its day plus the grace
   (CONSILIUM_NAVIGATION_GRACE_HOURS, in the institution's time zone) becomes missed and
   opens an outreach task for the institution's navigators, due the day it was found.
2. A child with a planned therapy visit missed 28 days ago or more and no therapy visit
   attended since (SIOP PODC: four or more consecutive weeks of planned therapy missed)
   gets a proposed abandonment, which a data manager confirms or rejects.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from consilium.audit.actions import record
from consilium.navigation.actions import continuity
from consilium.navigation.models import (
    INTERRUPTION_DAYS,
    THERAPY_KINDS,
    OutreachTask,
    PlannedVisit,
    ProposedAbandonment,
    SweepRun,
    TaskReason,
    TherapyState,
    VisitStatus,
)
from consilium.network.models import Institution
from consilium.registry.models import VitalStatus

BATCH = 5000


def last_missable_day(institution: Institution, now: datetime.datetime) -> datetime.date:
    """The latest visit date whose day, plus the grace, has ended at the institution."""
    grace = datetime.timedelta(hours=settings.CONSILIUM_NAVIGATION_GRACE_HOURS)
    local = (now - grace).astimezone(zoneinfo.ZoneInfo(institution.time_zone))
    return local.date() - datetime.timedelta(days=1)


def _mark_missed(institution: Institution, now: datetime.datetime) -> int:
    cutoff = last_missable_day(institution, now)
    today = now.astimezone(zoneinfo.ZoneInfo(institution.time_zone)).date()
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                PlannedVisit.objects.select_for_update(skip_locked=True)
                .filter(institution=institution, status=VisitStatus.PLANNED, date__lte=cutoff)
                .values_list("pk", "patient_id")[:BATCH]
            )
            if not ids:
                break
            PlannedVisit.objects.filter(
                pk__in=[pk for pk, _patient in ids], status=VisitStatus.PLANNED
            ).update(status=VisitStatus.MISSED, marked_at=now, missed_by_sweep=True)
            continuity.refresh(patient_id for _pk, patient_id in ids)
            OutreachTask.objects.bulk_create(
                [
                    OutreachTask(
                        patient_id=patient_id,
                        institution=institution,
                        reason=TaskReason.MISSED_VISIT,
                        visit_id=pk,
                        due_on=today,
                        opened_at=now,
                    )
                    for pk, patient_id in ids
                ],
                ignore_conflicts=True,
            )
            record(
                actor=None,
                actor_label="navigation sweep",
                verb="navigation.visits_missed",
                obj=institution,
                institution_id=institution.pk,
                details={"visits": len(ids), "through": cutoff},
            )
        total += len(ids)
    return total


def interrupted(institution: Institution, today: datetime.date):
    """Per patient, the first therapy visit missed with no therapy visit attended after it,
    for the children whose interruption has lasted 28 days or more (read from the kept
    TherapyState, not from the visits)."""
    return (
        TherapyState.objects.filter(
            institution=institution,
            interrupted_since__lte=today - datetime.timedelta(days=INTERRUPTION_DAYS),
        )
        .exclude(patient__vital_status=VitalStatus.DEAD)
        .annotate(first_missed=F("interrupted_since"))
        .values("patient_id", "first_missed", "last_attended")
    )


def abandonment_date(
    last_attended: datetime.date | None, interruption_from: datetime.date
) -> datetime.date:
    """SIOP PODC date rule as applied here: the abandonment is dated at the last day the
    child was in care, the last therapy visit attended before the interruption; a child who
    never came for planned therapy is dated at the first visit missed (failure to start)."""
    return last_attended or interruption_from


def _propose(institution: Institution, now: datetime.datetime) -> int:
    today = now.astimezone(zoneinfo.ZoneInfo(institution.time_zone)).date()
    rows = list(interrupted(institution, today))
    if not rows:
        return 0
    known = set(
        ProposedAbandonment.objects.filter(
            patient_id__in=[row["patient_id"] for row in rows]
        ).values_list("patient_id", "interruption_from")
    )
    open_patients = set(
        ProposedAbandonment.objects.filter(
            patient_id__in=[row["patient_id"] for row in rows], returned_on__isnull=True
        )
        .exclude(status="rejected")
        .values_list("patient_id", flat=True)
    )
    new = [
        row
        for row in rows
        if (row["patient_id"], row["first_missed"]) not in known
        and row["patient_id"] not in open_patients
    ]
    if not new:
        return 0
    proposals = []
    for row in new:
        # The kept last attended visit is the one before the interruption, unless a therapy
        # visit was attended on the very day of the first one missed: then ask the visits.
        before = row["last_attended"]
        if before is not None and before >= row["first_missed"]:
            before = (
                PlannedVisit.objects.filter(
                    patient_id=row["patient_id"],
                    status=VisitStatus.ATTENDED,
                    kind__in=THERAPY_KINDS,
                    date__lt=row["first_missed"],
                )
                .order_by("-date")
                .values_list("date", flat=True)
                .first()
            )
        proposals.append(
            ProposedAbandonment(
                patient_id=row["patient_id"],
                institution=institution,
                interruption_from=row["first_missed"],
                last_attended=before,
                abandonment_date=abandonment_date(before, row["first_missed"]),
                proposed_at=now,
            )
        )
    with transaction.atomic():
        made = ProposedAbandonment.objects.bulk_create(proposals, ignore_conflicts=True)
        record(
            actor=None,
            actor_label="navigation sweep",
            verb="navigation.abandonments_proposed",
            obj=institution,
            institution_id=institution.pk,
            details={"proposed": len(made)},
        )
    return len(proposals)


def _first_run_today(institution: Institution, now: datetime.datetime) -> bool:
    today = now.astimezone(zoneinfo.ZoneInfo(institution.time_zone)).date()
    try:
        with transaction.atomic():
            SweepRun.objects.create(institution=institution, day=today, ran_at=now)
    except IntegrityError:
        return False
    return True


def run(now: datetime.datetime | None = None) -> dict[str, int]:
    """Marking missed visits is cheap (the partial index of planned visits) and runs each
    time; looking for interruptions runs once a local day per institution."""
    now = now or timezone.now()
    missed = proposed = 0
    has_visits = PlannedVisit.objects.filter(institution_id=OuterRef("pk"))
    for institution in Institution.objects.filter(Exists(has_visits)):
        missed += _mark_missed(institution, now)
        if _first_run_today(institution, now):
            proposed += _propose(institution, now)
    return {"missed": missed, "proposed": proposed}
