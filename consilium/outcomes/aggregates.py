"""Life tables straight from the database: one ``GROUP BY`` per grouping, no loop over patients.

For each patient the database takes the first primary diagnosis (the earliest Diagnosis row;
the time origin) and works out the endpoint's time and status (see :mod:`endpoints` for the
definitions):

- the first follow-up event of the endpoint's kinds, by a correlated ``MIN`` over
  FollowUpEvent (index ``registry_event_kind`` or the patient foreign key);
- if there is none, censoring at the patient's last contact;
- time in whole days from diagnosis (:class:`~consilium.outcomes.days.DaysBetween`).

Time and status travel as one integer, the *code* ``4 * days + status`` with status 0 for an
event, 1 for censoring by an event kind (abandonment in the "abandon-censored" endpoints) and
2 for censoring at last contact, so that ``MIN`` over a patient's events picks the earliest
one, an event winning a tie; and so that the correlated subquery is written once in the SQL
(SQLite and PostgreSQL both re-run a correlated subquery at every place it appears). The
query then groups by (group key, code, vital status) and counts: rows of per-time counts,
never a patient.

Patients whose data cannot place them on the curve are left out and counted by reason, never
dropped silently (:data:`EXCLUSION_REASONS`): an endpoint event or abandonment dated before
the diagnosis, no last contact and no event, a last contact before the diagnosis, or a patient
recorded dead without a death event (the death date is unknown; censoring them alive would
overstate survival).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from consilium.outcomes.days import DaysBetween
from consilium.outcomes.endpoints import DEFINITIONS, Endpoint
from consilium.outcomes.groupings import Grouping
from consilium.outcomes.survival import LifeTable
from consilium.registry.models import Diagnosis, FollowUpEvent, VitalStatus

EVENT, CENSORED_BY_EVENT, CENSORED_AT_CONTACT = 0, 1, 2

EXCLUSION_REASONS = {
    "event_before_diagnosis": _("an event dated before the diagnosis"),
    "no_last_contact": _("no last contact and no event"),
    "contact_before_diagnosis": _("last contact before the diagnosis"),
    "dead_without_date": _("recorded dead without a date of death"),
}


@dataclass
class GroupedTables:
    """Per-group life tables of one endpoint, with who was left out and why."""

    endpoint: Endpoint
    grouping: Grouping
    tables: dict[Any, LifeTable]
    # group key -> reason -> patients
    excluded: dict[Any, Counter[str]] = field(default_factory=dict)
    # Patients the grouping does not cover (e.g. not an index cancer).
    not_grouped: int = 0
    # Length of one time unit in days: 1 from the database, ~30.44 after monthly coarsening.
    unit_days: float = 1.0

    @property
    def keys(self) -> list[Any]:
        return self.grouping.sort(list(self.tables.keys() | self.excluded.keys()))

    def label(self, key: Any) -> str:
        return str(self.grouping.labels(key))

    def excluded_total(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for counts in self.excluded.values():
            total.update(counts)
        return total


def first_diagnoses(institution_ids: Iterable[int]):
    """Each patient's first primary diagnosis (earliest date, then lowest id)."""
    earlier = Diagnosis.objects.filter(patient_id=OuterRef("patient_id")).filter(
        Q(date__lt=OuterRef("date")) | Q(date=OuterRef("date"), pk__lt=OuterRef("pk"))
    )
    return Diagnosis.objects.filter(patient__institution_id__in=list(institution_ids)).filter(
        ~Exists(earlier)
    )


def code_expression(endpoint: Endpoint):
    """``4 * days + status`` of the patient's endpoint, NULL with no event and no contact."""
    definition = DEFINITIONS[endpoint]
    days = DaysBetween("date", OuterRef("date"))
    first_event = (
        FollowUpEvent.objects.filter(patient_id=OuterRef("patient_id"), kind__in=definition.kinds)
        .order_by()
        .values("patient_id")
        .annotate(
            code=Min(
                Case(
                    When(kind__in=definition.events, then=days * 4 + EVENT),
                    default=days * 4 + CENSORED_BY_EVENT,
                    output_field=IntegerField(),
                )
            )
        )
        .values("code")
    )
    at_contact = DaysBetween("patient__last_contact", "date") * 4 + CENSORED_AT_CONTACT
    return Coalesce(Subquery(first_event, output_field=IntegerField()), at_contact)


def count_rows(
    endpoint: Endpoint, grouping: Grouping, institution_ids: Iterable[int]
) -> list[tuple[Any, int | None, str, int]]:
    """The one GROUP BY: (group key, code, vital status, patients)."""
    rows = (
        first_diagnoses(institution_ids)
        .filter(grouping.filter)
        .annotate(group_key=grouping.key, code=code_expression(endpoint))
        .order_by()
        .values_list("group_key", "code", "patient__vital_status")
        .annotate(patients=Count("pk"))
    )
    return list(rows)


def classify(code: int | None, vital_status: str) -> tuple[str | None, int, int]:
    """(exclusion reason or None, time in days, 1 if event else 0) for one code."""
    if code is None:
        return "no_last_contact", 0, 0
    days, status = divmod(code, 4)  # floor division: a negative day keeps its status
    if days < 0:
        reason = "contact_before_diagnosis" if status == CENSORED_AT_CONTACT else None
        return reason or "event_before_diagnosis", 0, 0
    if status == CENSORED_AT_CONTACT and vital_status == VitalStatus.DEAD:
        return "dead_without_date", 0, 0
    return None, days, int(status == EVENT)


def fold(endpoint: Endpoint, grouping: Grouping, rows: Iterable[Sequence[Any]]) -> GroupedTables:
    """Turn the grouped counts into life tables and exclusion counts."""
    counts: dict[Any, dict[int, list[int]]] = {}
    excluded: dict[Any, Counter[str]] = {}
    not_grouped = 0
    for key, code, vital_status, patients in rows:
        reason, days, event = classify(code, vital_status)
        if key is None:
            not_grouped += patients
            continue
        if reason:
            excluded.setdefault(key, Counter())[reason] += patients
            continue
        cell = counts.setdefault(key, {}).setdefault(days, [0, 0])
        cell[0 if event else 1] += patients
    tables = {
        key: LifeTable.from_counts((t, e, c) for t, (e, c) in by_time.items())
        for key, by_time in counts.items()
    }
    return GroupedTables(
        endpoint=endpoint,
        grouping=grouping,
        tables=tables,
        excluded=excluded,
        not_grouped=not_grouped,
    )


def life_tables(
    endpoint: Endpoint, grouping: Grouping, institution_ids: Iterable[int]
) -> GroupedTables:
    return fold(endpoint, grouping, count_rows(endpoint, grouping, institution_ids))
