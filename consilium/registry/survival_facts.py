"""The few facts survival analysis needs, kept on the Patient row so that the outcomes'
``GROUP BY`` reads one table (see :mod:`consilium.outcomes.aggregates`).

- ``origin_*``: the first primary diagnosis (earliest date, then lowest id), the time origin,
  and the group keys the groupings read from it (ICCC-3 main group, Toronto tumour and stage,
  WHO index cancer);
- ``death_date``, ``first_efs_event_date`` (first relapse, progression or second cancer;
  death apart), ``abandonment_date``: the first follow-up event of each kind, whatever
  diagnosis it is attached to;
- ``*_day``: those dates and the last contact as whole days from ``origin_date`` (negative
  when dated before it), what the ``GROUP BY`` actually computes with (integer arithmetic is
  far cheaper than date arithmetic over a million rows).

They are derived, never typed in, and written in one place: :func:`refresh` (set-based
``UPDATE`` statements with correlated subqueries, the same on SQLite and PostgreSQL). The
registry's actions that add a diagnosis, record an event or a contact call
:func:`refresh_survival_facts` in their transaction. The bulk import writes each new patient
with its facts already set (:func:`facts_of_first_diagnosis`: an imported patient has one
diagnosis and no event yet), so it needs no UPDATE of the rows it has just inserted (on
PostgreSQL those UPDATEs wrote every patient row again).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import CharField, F, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from consilium.registry.models import Diagnosis, EventKind, FollowUpEvent, Patient

EFS_EVENT_KINDS = (EventKind.RELAPSE, EventKind.PROGRESSION, EventKind.SECOND_CANCER)

FIELDS = (
    "origin_date",
    "origin_iccc_group",
    "origin_stage_tumour",
    "origin_stage_value",
    "origin_index_cancer",
    "death_date",
    "first_efs_event_date",
    "abandonment_date",
    "last_contact_day",
    "death_day",
    "first_efs_event_day",
    "abandonment_day",
)

# Day column -> the date column it counts up to, from origin_date.
DAY_COLUMNS = {
    "last_contact_day": "last_contact",
    "death_day": "death_date",
    "first_efs_event_day": "first_efs_event_date",
    "abandonment_day": "abandonment_date",
}


def _first_event(events: Any, kinds: tuple[str, ...]) -> Subquery:
    dates = (
        events.objects.filter(patient_id=OuterRef("pk"), kind__in=kinds)
        .order_by()
        .values("patient_id")
        .annotate(first=Min("date"))
        .values("first")
    )
    return Subquery(dates)


def values(diagnoses: Any = Diagnosis, events: Any = FollowUpEvent) -> dict[str, Any]:
    """Column -> SQL expression over a Patient row, for ``QuerySet.update`` (the models can be
    a migration's historical ones)."""
    from consilium.outcomes.index_cancers import index_cancer_key

    first = diagnoses.objects.filter(patient_id=OuterRef("pk")).order_by("date", "pk")

    def text(expression: Any) -> Coalesce:
        column = first.annotate(value=expression).values("value")[:1]
        return Coalesce(Subquery(column, output_field=CharField()), Value(""))

    return {
        "origin_date": Subquery(first.values("date")[:1]),
        "origin_iccc_group": text(F("iccc_main_group")),
        "origin_stage_tumour": text(F("stage_tumour")),
        "origin_stage_value": text(F("stage_value")),
        "origin_index_cancer": text(index_cancer_key()),
        "death_date": _first_event(events, (EventKind.DEATH,)),
        "first_efs_event_date": _first_event(events, EFS_EVENT_KINDS),
        "abandonment_date": _first_event(events, (EventKind.ABANDONMENT,)),
    }


def day_values() -> dict[str, Any]:
    """Day column -> SQL expression over a Patient row whose dates are already up to date."""
    from consilium.outcomes.days import DaysBetween

    return {day: DaysBetween(F(date), F("origin_date")) for day, date in DAY_COLUMNS.items()}


def refresh(patients: QuerySet[Patient]) -> int:
    """Recompute the facts of these patients; returns the rows updated.

    Two UPDATEs: the right-hand sides of one UPDATE all read the row as it was, so the day
    offsets can only be computed from the dates once those are written."""
    patients = patients.order_by()
    updated = patients.update(**values())
    patients.update(**day_values())
    return updated


def refresh_survival_facts(patient: Patient | int) -> None:
    """Recompute one patient's facts (and copy them onto the instance, if one is given, so a
    later full ``save()`` of it does not write stale values back)."""
    pk = patient if isinstance(patient, int) else patient.pk
    refresh(Patient.objects.filter(pk=pk))
    if isinstance(patient, Patient):
        fresh = Patient.objects.filter(pk=pk).values(*FIELDS).first() or {}
        for name, value in fresh.items():
            setattr(patient, name, value)


def _holds(diagnosis: Diagnosis, condition: Q) -> bool:
    """A condition of INDEX_CANCERS (ANDed exact or ``__in`` lookups) on an unsaved row: the
    same definitions the SQL reads, so the two cannot drift apart."""
    if condition.connector != Q.AND or condition.negated:
        raise ValueError(f"not a plain AND of lookups: {condition!r}")
    for name, expected in condition.children:
        field, _sep, lookup = name.partition("__")
        actual = getattr(diagnosis, field)
        if lookup == "in":
            if actual not in expected:
                return False
        elif lookup in ("", "exact"):
            if actual != expected:
                return False
        else:
            raise ValueError(f"lookup {lookup!r} of {name!r} is not evaluated here")
    return True


def index_cancer_of(diagnosis: Diagnosis) -> str:
    from consilium.outcomes.index_cancers import INDEX_CANCERS

    for key, _label, condition in INDEX_CANCERS:
        if _holds(diagnosis, condition):
            return key
    return ""


def facts_of_first_diagnosis(
    diagnosis: Diagnosis, last_contact: datetime.date | None
) -> dict[str, Any]:
    """What :func:`refresh` finds for a patient whose only record is ``diagnosis``."""
    contact_day = (last_contact - diagnosis.date).days if last_contact and diagnosis.date else None
    return {
        "last_contact_day": contact_day,
        "death_day": None,
        "first_efs_event_day": None,
        "abandonment_day": None,
        "origin_date": diagnosis.date,
        "origin_iccc_group": diagnosis.iccc_main_group or "",
        "origin_stage_tumour": diagnosis.stage_tumour or "",
        "origin_stage_value": diagnosis.stage_value or "",
        "origin_index_cancer": index_cancer_of(diagnosis),
        "death_date": None,
        "first_efs_event_date": None,
        "abandonment_date": None,
    }
