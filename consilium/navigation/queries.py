"""What the navigator's page, its section pages, the day list and the call list read.

Every list is read a slice at a time (offset and limit) in an order an index gives, so a page
costs the rows it shows, not the rows the institution has: at a national scale a big centre
has hundreds of visits a day and, after a scheduler outage, tens of thousands of open tasks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, QuerySet
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

NEW_HIGH_RISK_DAYS = 14
# The API's list of open proposals keeps its old bound.
API_ROWS = 100
# Tasks read per round when picking each child's first open task (see outreach_rows).
TASK_CHUNK = 500
IN_CHUNK = 2000

# What the rows show of a patient: loading the whole row (encrypted identifiers and all)
# for a pseudonym was a good part of a list's time.
_VISIT_FIELDS = ("kind", "label", "date", "status", "missed_by_sweep")


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
    """The whole day (the API's list). The pages read day_rows."""
    return (
        PlannedVisit.objects.filter(institution=institution, date=day)
        .exclude(status=VisitStatus.RESCHEDULED)
        .select_related("patient")
        .order_by("patient__pseudonym", "pk")
    )


def _day(institution: Institution, day: datetime.date) -> QuerySet[PlannedVisit]:
    return PlannedVisit.objects.filter(institution=institution, date=day).exclude(
        status=VisitStatus.RESCHEDULED
    )


def day_rows(
    institution: Institution, day: datetime.date, offset: int, limit: int
) -> list[PlannedVisit]:
    """One page of a day's visits by pseudonym: the day's few hundred visits are sorted on
    (pseudonym, id) alone, then only the page's rows are loaded."""
    ids = list(
        _day(institution, day)
        .order_by("patient__pseudonym", "pk")
        .values_list("pk", flat=True)[offset : offset + limit]
    )
    rows = {
        row.pk: row
        for row in PlannedVisit.objects.filter(pk__in=ids)
        .select_related("patient")
        .only(*_VISIT_FIELDS, "patient__pseudonym")
    }
    return labelled([rows[pk] for pk in ids if pk in rows])


def day_count(institution: Institution, day: datetime.date) -> int:
    return _day(institution, day).count()


def _missed(institution: Institution, day: datetime.date) -> QuerySet[PlannedVisit]:
    """The day's visits nobody marked attended: missed, or not yet swept."""
    return PlannedVisit.objects.filter(
        institution=institution, date=day, status__in=[VisitStatus.MISSED, VisitStatus.PLANNED]
    )


def missed_rows(
    institution: Institution, day: datetime.date, offset: int, limit: int
) -> list[PlannedVisit]:
    return labelled(
        list(
            _missed(institution, day)
            .select_related("patient")
            .only(*_VISIT_FIELDS, "patient__pseudonym")
            .order_by("patient__pseudonym", "pk")[offset : offset + limit]
        )
    )


def missed_count(institution: Institution, day: datetime.date) -> int:
    return _missed(institution, day).count()


@dataclass
class Interruption:
    patient: Patient
    first_missed: datetime.date
    last_attended: datetime.date | None
    days_since: int


def _interrupted(institution: Institution, today: datetime.date) -> QuerySet[TherapyState]:
    """Read from the kept TherapyState on its partial index: searching the visits took
    seconds at a national scale. The dead are left out by one small list (the institution's
    dead, from an index) rather than by joining every row's patient: the count's time went
    from 14 ms to under 1 ms for 2,000 interruptions."""
    dead = Patient.objects.filter(institution=institution, vital_status=VitalStatus.DEAD)
    return TherapyState.objects.filter(
        institution=institution, interrupted_since__lte=today
    ).exclude(patient_id__in=dead.values("pk"))


def interruption_rows(
    institution: Institution, today: datetime.date, offset: int, limit: int
) -> list[Interruption]:
    """Children with a therapy visit missed and no therapy visit attended since, longest
    first, with the days since the last attended visit (or the first missed one)."""
    rows = (
        _interrupted(institution, today)
        .select_related("patient")
        .only("last_attended", "interrupted_since", "patient__pseudonym")
        # patient_id, not "patient": that would sort by the patient's own ordering (newest
        # first), which the index does not hold, so every interruption was sorted for ten.
        .order_by("interrupted_since", "patient_id")[offset : offset + limit]
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


def interruption_count(institution: Institution, today: datetime.date) -> int:
    return _interrupted(institution, today).count()


def _high_risk(institution: Institution) -> QuerySet[SocialProfile]:
    since = timezone.now() - datetime.timedelta(days=NEW_HIGH_RISK_DAYS)
    return SocialProfile.objects.filter(
        institution=institution, band=RiskBand.HIGH, recorded_at__gte=since
    )


def high_risk_rows(institution: Institution, offset: int, limit: int) -> list[SocialProfile]:
    return list(
        _high_risk(institution)
        .select_related("patient")
        .only("score", "recorded_at", "patient__pseudonym")
        .order_by("-recorded_at", "-pk")[offset : offset + limit]
    )


def high_risk_count(institution: Institution) -> int:
    return _high_risk(institution).count()


def _due(institution: Institution, today: datetime.date) -> QuerySet[OutreachTask]:
    return OutreachTask.objects.filter(
        institution=institution, status=TaskStatus.OPEN, due_on__lte=today
    )


def _first_task_ids(
    institution: Institution, today: datetime.date, offset: int, limit: int | None
) -> list[int]:
    """Each child's most urgent open task, children in the order of those tasks. The tasks
    are walked in index order (due, child, id) a chunk at a time and the first task of each
    child kept, stopping once the page is full: a GROUP BY over every open task (or a
    subquery per task, as before) cost seconds after a catch-up sweep opened 35,000."""
    due = _due(institution, today).order_by("due_on", "patient_id", "pk")
    seen: set[int] = set()
    first: list[int] = []
    start = 0
    while True:
        chunk = list(due.values_list("pk", "patient_id")[start : start + TASK_CHUNK])
        for pk, patient_id in chunk:
            if patient_id in seen:
                continue
            seen.add(patient_id)
            if len(seen) > offset:
                first.append(pk)
                if limit is not None and len(first) == limit:
                    return first
        if len(chunk) < TASK_CHUNK:
            return first
        start += TASK_CHUNK


def outreach_rows(
    institution: Institution, today: datetime.date, offset: int = 0, limit: int | None = None
) -> list[OutreachTask]:
    """One row per child: the child's first open task due, with how many more are open (a
    child who missed four visits is one family to call, not four lines)."""
    ids = _first_task_ids(institution, today, offset, limit)
    if not ids:
        return []
    tasks: dict[int, OutreachTask] = {}
    open_per_child: dict[int, int] = {}
    # In chunks: the complete call list can hold thousands of children, past what a
    # database takes as parameters of one query.
    for start in range(0, len(ids), IN_CHUNK):
        chunk = OutreachTask.objects.filter(pk__in=ids[start : start + IN_CHUNK])
        found = {task.pk: task for task in chunk.select_related("patient", "visit")}
        tasks.update(found)
        # By child (their own index), not by the institution's whole list of tasks due.
        open_per_child.update(
            OutreachTask.objects.filter(
                patient_id__in=[task.patient_id for task in found.values()],
                status=TaskStatus.OPEN,
                due_on__lte=today,
            )
            .order_by()
            .values("patient_id")
            .annotate(n=Count("pk"))
            .values_list("patient_id", "n")
        )
    rows = [tasks[pk] for pk in ids if pk in tasks]
    for task in rows:
        task.more = open_per_child.get(task.patient_id, 1) - 1
    return rows


def outreach_count(institution: Institution, today: datetime.date) -> int:
    """How many children have outreach due (not how many tasks)."""
    return _due(institution, today).values("patient_id").distinct().count()


def _proposals(institution: Institution) -> QuerySet[ProposedAbandonment]:
    return ProposedAbandonment.objects.filter(
        institution=institution, status=AbandonmentStatus.PROPOSED
    )


def proposal_rows(institution: Institution, offset: int, limit: int) -> list[ProposedAbandonment]:
    return list(
        _proposals(institution)
        .select_related("patient")
        .order_by("proposed_at", "pk")[offset : offset + limit]
    )


def proposal_count(institution: Institution) -> int:
    return _proposals(institution).count()


def proposed_abandonments(institution: Institution) -> list[ProposedAbandonment]:
    """The API's list: the oldest open proposals."""
    return proposal_rows(institution, 0, API_ROWS)


def family_by_patient(patient_ids: list[int]) -> dict[int, list[FamilyContact]]:
    families: dict[int, list[FamilyContact]] = {}
    for start in range(0, len(patient_ids), IN_CHUNK):
        chunk = patient_ids[start : start + IN_CHUNK]
        for row in FamilyContact.objects.filter(patient_id__in=chunk).order_by("pk"):
            families.setdefault(row.patient_id, []).append(row)
    return families
