"""The social risk flag: documented rules, no black box.

Each factor below is present or not in a family's profile; present factors add their weight
(0 to 5 points); the sum is compared with two thresholds. An institution may set its own
weights, thresholds and travel-cost limit (RiskWeights); the page shows the factors present,
their weights and the thresholds beside the flag. The defaults follow the risk factors for
abandonment most often reported in LMIC cohorts (distance and cost of travel, poverty, no
insurance, no caregiver, no phone, a language barrier, earlier missed visits); they are a
starting point for an institution to adjust, not a validated score.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from consilium.navigation.models import (
    IncomeBand,
    Insurance,
    PhoneAccess,
    RiskBand,
    RiskWeights,
    SocialProfile,
)
from consilium.network.models import Institution

MIN_WEIGHT, MAX_WEIGHT = 0, 5


@dataclass(frozen=True)
class Factor:
    key: str
    label: Promise
    default: int
    present: Callable[[SocialProfile, Decimal], bool]


FACTORS: list[Factor] = [
    Factor("long_travel", _("Travel of 4 hours or more"), 2, lambda p, c: p.travel_minutes >= 240),
    Factor(
        "costly_travel", _("Travel costs more than the limit"), 1, lambda p, c: p.travel_cost > c
    ),
    Factor(
        "lowest_income", _("Lowest income band"), 2, lambda p, c: p.income_band == IncomeBand.LOWEST
    ),
    Factor("low_income", _("Low income band"), 1, lambda p, c: p.income_band == IncomeBand.LOW),
    Factor("no_insurance", _("No health insurance"), 2, lambda p, c: p.insurance == Insurance.NONE),
    Factor("no_caregiver", _("No caregiver can stay"), 2, lambda p, c: not p.caregiver_available),
    Factor("needs_lodging", _("Needs lodging"), 1, lambda p, c: p.needs_lodging),
    Factor("no_phone", _("No phone"), 2, lambda p, c: p.phone_access == PhoneAccess.NONE),
    Factor("shared_phone", _("Shared phone"), 1, lambda p, c: p.phone_access == PhoneAccess.SHARED),
    Factor("interpreter", _("Needs an interpreter"), 1, lambda p, c: p.needs_interpreter),
    Factor("missed_before", _("Missed visits before"), 2, lambda p, c: p.earlier_missed_visits > 0),
]
FACTOR_KEYS = [f.key for f in FACTORS]
DEFAULT_MEDIUM, DEFAULT_HIGH = 3, 6
DEFAULT_COST_LIMIT = Decimal("100000")


@dataclass(frozen=True)
class Rules:
    weights: dict[str, int]
    medium_from: int
    high_from: int
    travel_cost_limit: Decimal


def rules_for(institution: Institution) -> Rules:
    row = RiskWeights.objects.filter(institution=institution).first()
    defaults = {f.key: f.default for f in FACTORS}
    if row is None:
        return Rules(defaults, DEFAULT_MEDIUM, DEFAULT_HIGH, DEFAULT_COST_LIMIT)
    return Rules(
        {**defaults, **{k: int(v) for k, v in row.weights.items() if k in defaults}},
        row.medium_from,
        row.high_from,
        row.travel_cost_limit,
    )


@dataclass(frozen=True)
class Flag:
    score: int
    band: str
    factors: list[tuple[str, str, int]]  # key, label, weight: the factors present


def score(profile: SocialProfile, rules: Rules) -> Flag:
    present = [
        (f.key, str(f.label), rules.weights[f.key])
        for f in FACTORS
        if f.present(profile, rules.travel_cost_limit)
    ]
    total = sum(weight for _key, _label, weight in present)
    if total >= rules.high_from:
        band = RiskBand.HIGH
    elif total >= rules.medium_from:
        band = RiskBand.MEDIUM
    else:
        band = RiskBand.LOW
    return Flag(total, band, present)


def factor_labels() -> dict[str, str]:
    return {f.key: str(f.label) for f in FACTORS}
