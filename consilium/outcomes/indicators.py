"""Quality indicators of a paediatric oncology unit, each a count over a count.

Every indicator is shown with its numerator and denominator beside the percentage and a 95%
Wilson score interval (better than the normal approximation for small units and rates near 0
or 100%). Patients are counted once, from their first primary diagnosis.

=========================  ===============================================  =================
indicator                  numerator                                        denominator
=========================  ===============================================  =================
abandonment                patients with a treatment abandonment event      patients
early death                deaths within N weeks of diagnosis (default 4)   patients diagnosed
                                                                            at least N weeks
                                                                            ago
treatment-related deaths   deaths with cause "treatment-related"            patients
relapse                    patients with a relapse after a complete         patients with a
                           remission                                        complete remission
microscopically verified   tumours with basis of diagnosis 5, 6 or 7        tumours
follow-up completeness     patients dead, or alive with a contact in the    patients
                           last 12 months
=========================  ===============================================  =================

"Relapse" counts, among the patients with a complete remission, those with a relapse event
(whatever its date relative to the remission: a relapse is one by definition).

Three ``GROUP BY institution`` queries, none with a per-patient subquery: one over the patient
rows, which carry their first diagnosis and first abandonment (kept by
:mod:`consilium.registry.survival_facts`); one over the follow-up events of the three kinds
that need more than the first event (death: its cause, and any death in the window; remission;
relapse), grouped per patient into flags, then summed; and one over all tumours. At 25,000
patients on PostgreSQL this is several times cheaper than deriving the first diagnoses with a
``NOT EXISTS`` and probing each patient's events with five ``EXISTS`` (see
``bench/bench_indicators.py``).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from django.db import connection
from django.db.models import Case, Count, DateField, F, IntegerField, Max, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consilium.network.models import Institution
from consilium.outcomes.days import DaysBetween
from consilium.registry.models import (
    MICROSCOPIC_BASES,
    DeathCause,
    Diagnosis,
    EventKind,
    FollowUpEvent,
    Patient,
    VitalStatus,
)

DEFAULT_EARLY_DEATH_WEEKS = 4
FOLLOW_UP_DAYS = 365


def wilson(successes: int, trials: int, alpha: float = 0.05) -> tuple[float, float] | None:
    """The Wilson score interval for a binomial proportion; None with no trials."""
    if trials <= 0:
        return None
    z = NormalDist().inv_cdf(1 - alpha / 2)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    # At 0 and at 100% the bound is exact; say so rather than print 1e-17.
    lower = 0.0 if successes == 0 else max(0.0, centre - half)
    upper = 1.0 if successes == trials else min(1.0, centre + half)
    return lower, upper


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    numerator: int
    denominator: int

    @property
    def proportion(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.numerator, self.denominator)

    def as_dict(self) -> dict[str, object]:
        interval = self.interval
        return {
            "key": self.key,
            "label": self.label,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "proportion": self.proportion,
            "lower": interval[0] if interval else None,
            "upper": interval[1] if interval else None,
        }


@dataclass(frozen=True)
class IndicatorRow:
    institution: str
    indicators: list[Indicator]


def indicator_rows(
    institutions: Sequence[Institution],
    *,
    early_death_weeks: int = DEFAULT_EARLY_DEATH_WEEKS,
    today: datetime.date | None = None,
) -> list[IndicatorRow]:
    """One row per institution, then the total when there are several."""
    today = today or timezone.localdate()
    early_days = early_death_weeks * 7
    early_cutoff = today - datetime.timedelta(days=early_days)
    ids = [i.pk for i in institutions]
    # A patient is counted once they have a diagnosis: origin_date is their first one's date.
    # Only columns of the registry_patient_outcomes index are read (the day offsets rather
    # than the dates; origin_date, not null here, as what is counted), so that the scan reads
    # that narrow index, not the wide patient rows.
    contact_cutoff = today - datetime.timedelta(days=FOLLOW_UP_DAYS)
    patients = (
        Patient.objects.filter(institution_id__in=ids, origin_date__isnull=False)
        .alias(cutoff_day=DaysBetween(Value(contact_cutoff, DateField()), F("origin_date")))
        .order_by()
        .values("institution_id")
        .annotate(
            patients=Count("origin_date"),
            abandoned_n=Count("origin_date", filter=Q(abandonment_day__isnull=False)),
            early_base=Count("origin_date", filter=Q(origin_date__lte=early_cutoff)),
            # last_contact >= cutoff, in days from the diagnosis.
            followed_n=Count(
                "origin_date",
                filter=Q(vital_status=VitalStatus.DEAD) | Q(last_contact_day__gte=F("cutoff_day")),
            ),
        )
    )
    death = Q(kind=EventKind.DEATH)
    # One row per patient with flags (1 if any of their events meets the condition), then
    # summed per institution: no correlated subquery, and no COUNT(DISTINCT), which sorts
    # once per aggregate on PostgreSQL.
    per_patient = (
        FollowUpEvent.objects.filter(
            kind__in=(EventKind.DEATH, EventKind.REMISSION, EventKind.RELAPSE),
            patient__institution_id__in=ids,
            patient__origin_date__isnull=False,
        )
        .alias(days=DaysBetween("date", "patient__origin_date"))
        .order_by()
        .values("patient__institution_id", "patient_id")
        .annotate(
            # Any death in the window counts, not only the first one recorded.
            early=_flag(
                death & Q(patient__origin_date__lte=early_cutoff, days__gte=0, days__lte=early_days)
            ),
            treatment=_flag(death & Q(death_cause=DeathCause.TREATMENT)),
            remission=_flag(Q(kind=EventKind.REMISSION)),
            relapse=_flag(Q(kind=EventKind.RELAPSE)),
        )
    )
    # The ORM cannot group a grouped query again; the inner SQL is the ORM's own, with its
    # parameters passed apart, so nothing from outside is spliced in.
    inner, params = per_patient.query.sql_with_params()
    sql = (
        "SELECT patient__institution_id, SUM(early), SUM(treatment), SUM(remission), "  # noqa: S608
        f"SUM(remission * relapse) FROM ({inner}) per_patient GROUP BY patient__institution_id"
    )
    by_id: dict[int, dict[str, Any]] = {}
    for row in patients:
        by_id[row.pop("institution_id")] = row
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for pk, early, treatment, remission, relapse in cursor.fetchall():
            by_id.setdefault(pk, {}).update(
                early_n=early, treatment_n=treatment, remission_n=remission, relapse_n=relapse
            )
    tumours = (
        Diagnosis.objects.filter(patient__institution_id__in=ids)
        .order_by()
        .values("patient__institution_id")
        .annotate(
            tumours=Count("pk"),
            verified=Count("pk", filter=Q(basis_of_diagnosis__in=MICROSCOPIC_BASES)),
        )
    )
    for row in tumours:
        by_id.setdefault(row.pop("patient__institution_id"), {}).update(row)
    codes = {i.pk: i.code for i in institutions}
    keys = sorted(by_id, key=lambda pk: codes.get(pk, ""))
    rows = [
        IndicatorRow(codes.get(pk, str(pk)), _indicators(by_id[pk], early_death_weeks))
        for pk in keys
    ]
    if len(rows) > 1:
        total: dict[str, int] = {}
        for pk in keys:
            for name, value in by_id[pk].items():
                total[name] = total.get(name, 0) + (value or 0)
        rows.append(IndicatorRow(str(_("All")), _indicators(total, early_death_weeks)))
    return rows


def _flag(condition: Q) -> Max:
    """Over one patient's events: 1 if any meets the condition, else 0."""
    return Max(Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField()))


def _indicators(row: dict[str, int], weeks: int) -> list[Indicator]:
    def n(name: str) -> int:
        return int(row.get(name) or 0)

    return [
        Indicator("abandonment", str(_("Treatment abandonment")), n("abandoned_n"), n("patients")),
        Indicator(
            "early_death",
            str(_("Early death (within %(weeks)d weeks)") % {"weeks": weeks}),
            n("early_n"),
            n("early_base"),
        ),
        Indicator(
            "treatment_related_mortality",
            str(_("Treatment-related deaths")),
            n("treatment_n"),
            n("patients"),
        ),
        Indicator("relapse", str(_("Relapse after remission")), n("relapse_n"), n("remission_n")),
        Indicator(
            "microscopically_verified",
            str(_("Microscopically verified tumours")),
            n("verified"),
            n("tumours"),
        ),
        Indicator(
            "follow_up_completeness",
            str(_("Follow-up complete (contact within 12 months, or dead)")),
            n("followed_n"),
            n("patients"),
        ),
    ]
