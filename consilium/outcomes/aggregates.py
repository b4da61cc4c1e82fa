"""Life tables straight from the database: one ``GROUP BY`` per grouping, no loop over patients.

The query reads only the Patient table: the facts survival needs are kept on each patient row
by the registry (:mod:`consilium.registry.survival_facts`): the date of the first primary
diagnosis (the time origin) and the group keys of that diagnosis, and the date of the first
death, of the first relapse/progression/second cancer, and of the first abandonment. From them
the database works out the endpoint's time and status (see :mod:`endpoints` for the
definitions):

- the first follow-up event of the endpoint's kinds, the earliest of those dates;
- if there is none, censoring at the patient's last contact;
- time in whole days from diagnosis, kept on the row as integers (``*_day``) so that the
  query does no date arithmetic.

Time and status travel as one integer, the *code* ``4 * days + status`` with status 0 for an
event, 1 for censoring by an event kind (abandonment in the "abandon-censored" endpoints), 2
for censoring at last contact and 3 for "censored" at last contact while recorded dead (an
exclusion, below), so that the smallest code is the earliest date, an event winning a tie.
The query then scans the institution's patients once and groups by (group key, code) and
counts: rows of per-time counts, never a patient.

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

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce, Least, NullIf
from django.utils.translation import gettext_lazy as _

from consilium.outcomes.endpoints import DEFINITIONS, Endpoint
from consilium.outcomes.groupings import UNLISTED, Grouping
from consilium.outcomes.survival import LifeTable
from consilium.registry.models import Diagnosis, EventKind, Patient, VitalStatus

EVENT, CENSORED_BY_EVENT, CENSORED_AT_CONTACT, DEAD_AT_CONTACT = 0, 1, 2, 3
# Larger than any code: stands for "no such event" inside LEAST (which SQLite's scalar MIN
# would turn into NULL if given a NULL).
NO_EVENT = 2**31 - 1

# The Patient column holding the first event of each kind, in days from the diagnosis (kept
# by survival_facts).
FIRST_DAY_COLUMN = {
    EventKind.DEATH: "death_day",
    EventKind.RELAPSE: "first_efs_event_day",
    EventKind.PROGRESSION: "first_efs_event_day",
    EventKind.SECOND_CANCER: "first_efs_event_day",
    EventKind.ABANDONMENT: "abandonment_day",
}

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


def _earliest(codes: Sequence[Any]):
    """The smallest of these integer expressions, NULL if all are NULL: LEAST with NULL as a
    number larger than any code (SQLite's scalar MIN would return NULL on any NULL)."""
    if len(codes) == 1:
        return codes[0]
    return NullIf(Least(*(Coalesce(c, Value(NO_EVENT)) for c in codes)), Value(NO_EVENT))


def code_expression(endpoint: Endpoint):
    """``4 * days + status`` of the patient's endpoint over a Patient row, NULL with no event
    and no contact.

    Only integer arithmetic on the day offsets kept on the row (``*_day``, days from the
    first diagnosis): the first of the endpoint's events or, failing one, the last contact.
    """
    definition = DEFINITIONS[endpoint]
    events = sorted({FIRST_DAY_COLUMN[kind] for kind in definition.events})
    censoring = sorted({FIRST_DAY_COLUMN[kind] for kind in definition.censoring} - set(events))
    first = _earliest(
        [F(c) * 4 + Value(EVENT) for c in events]
        + [F(c) * 4 + Value(CENSORED_BY_EVENT) for c in censoring]
    )
    at_contact = F("last_contact_day") * 4 + Case(
        When(vital_status=VitalStatus.DEAD, then=Value(DEAD_AT_CONTACT)),
        default=Value(CENSORED_AT_CONTACT),
    )
    return Coalesce(first, at_contact, output_field=IntegerField())


def count_rows(
    endpoint: Endpoint, grouping: Grouping, institution_ids: Iterable[int]
) -> list[tuple[Any, int | None, int]]:
    """The one GROUP BY: (group key, code, patients).

    The database groups by integers only (the grouping's numbered key and the code), and the
    numbers become the grouping's keys here; patients with a value outside the grouping's
    list (:data:`~consilium.outcomes.groupings.UNLISTED`) are counted by a second GROUP BY
    by their text, over them alone, which only runs if there are any."""
    patients = Patient.objects.filter(
        institution_id__in=list(institution_ids), origin_date__isnull=False
    ).filter(grouping.filter)
    rows = (
        patients.annotate(group_key=grouping.key, code=code_expression(endpoint))
        .order_by()
        # The integer code first: SQLite sorts the million rows of the GROUP BY with its
        # faster integer comparison then (about a tenth of the query at 1M patients).
        .values_list("code", "group_key")
        .annotate(patients=Count("pk"))
    )
    counted, unlisted = [], False
    for code, key, n in rows:
        if key == UNLISTED and grouping.unlisted is not None:
            unlisted = True
        else:
            counted.append((grouping.key_of(key), code, n))
    if unlisted:
        rest = (
            patients.alias(numbered=grouping.key)
            .filter(numbered=UNLISTED)
            .annotate(group_key=grouping.unlisted, code=code_expression(endpoint))
            .order_by()
            .values_list("code", "group_key")
            .annotate(patients=Count("pk"))
        )
        counted.extend((key, code, n) for code, key, n in rest)
    return counted


def classify(code: int | None) -> tuple[str | None, int, int]:
    """(exclusion reason or None, time in days, 1 if event else 0) for one code."""
    if code is None:
        return "no_last_contact", 0, 0
    days, status = divmod(code, 4)  # floor division: a negative day keeps its status
    if days < 0:
        at_contact = status in (CENSORED_AT_CONTACT, DEAD_AT_CONTACT)
        return "contact_before_diagnosis" if at_contact else "event_before_diagnosis", 0, 0
    if status == DEAD_AT_CONTACT:
        return "dead_without_date", 0, 0
    return None, days, int(status == EVENT)


def fold(endpoint: Endpoint, grouping: Grouping, rows: Iterable[Sequence[Any]]) -> GroupedTables:
    """Turn the grouped counts into life tables and exclusion counts."""
    counts: dict[Any, dict[int, list[int]]] = {}
    excluded: dict[Any, Counter[str]] = {}
    not_grouped = 0
    for key, code, patients in rows:
        reason, days, event = classify(code)
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
