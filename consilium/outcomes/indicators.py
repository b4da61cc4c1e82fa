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

All six come from one query over the first diagnoses (plus one over all tumours), grouped by
institution.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consilium.network.models import Institution
from consilium.outcomes.aggregates import first_diagnoses
from consilium.outcomes.days import DaysBetween
from consilium.registry.models import (
    MICROSCOPIC_BASES,
    DeathCause,
    Diagnosis,
    EventKind,
    FollowUpEvent,
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


def _event(kind: str, **extra: object) -> Exists:
    return Exists(
        FollowUpEvent.objects.filter(patient_id=OuterRef("patient_id"), kind=kind, **extra)
    )


def indicator_rows(
    institutions: Sequence[Institution],
    *,
    early_death_weeks: int = DEFAULT_EARLY_DEATH_WEEKS,
    today: datetime.date | None = None,
) -> list[IndicatorRow]:
    """One row per institution, then the total when there are several."""
    today = today or timezone.localdate()
    early_days = early_death_weeks * 7
    ids = [i.pk for i in institutions]
    early_death = FollowUpEvent.objects.filter(
        patient_id=OuterRef("patient_id"), kind=EventKind.DEATH
    ).annotate(days=DaysBetween("date", OuterRef("date")))
    counts = (
        first_diagnoses(ids)
        .annotate(
            abandoned=_event(EventKind.ABANDONMENT),
            early_death=Exists(early_death.filter(days__gte=0, days__lte=early_days)),
            treatment_death=_event(EventKind.DEATH, death_cause=DeathCause.TREATMENT),
            remission=_event(EventKind.REMISSION),
            relapse=_event(EventKind.RELAPSE),
        )
        .order_by()
        .values("patient__institution_id")
        .annotate(
            patients=Count("pk"),
            abandoned_n=Count("pk", filter=Q(abandoned=True)),
            early_base=Count("pk", filter=Q(date__lte=today - datetime.timedelta(days=early_days))),
            early_n=Count(
                "pk",
                filter=Q(early_death=True, date__lte=today - datetime.timedelta(days=early_days)),
            ),
            treatment_n=Count("pk", filter=Q(treatment_death=True)),
            remission_n=Count("pk", filter=Q(remission=True)),
            relapse_n=Count("pk", filter=Q(remission=True, relapse=True)),
            followed_n=Count(
                "pk",
                filter=Q(patient__vital_status=VitalStatus.DEAD)
                | Q(patient__last_contact__gte=today - datetime.timedelta(days=FOLLOW_UP_DAYS)),
            ),
        )
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
    by_id = {row["patient__institution_id"]: row for row in counts}
    for row in tumours:
        by_id.setdefault(row["patient__institution_id"], {}).update(row)
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
                if name != "patient__institution_id":
                    total[name] = total.get(name, 0) + (value or 0)
        rows.append(IndicatorRow(str(_("All")), _indicators(total, early_death_weeks)))
    return rows


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
