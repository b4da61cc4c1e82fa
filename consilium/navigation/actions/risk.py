"""Recording a family's social profile (scored at once) and an institution's weights."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from consilium.accounts.access import has_role
from consilium.accounts.models import Role, User
from consilium.audit.actions import record
from consilium.navigation.checks import require_clinical
from consilium.navigation.models import (
    OutreachTask,
    RiskBand,
    RiskWeights,
    SocialProfile,
    TaskReason,
    TaskStatus,
)
from consilium.navigation.risk import FACTOR_KEYS, MAX_WEIGHT, MIN_WEIGHT, rules_for, score
from consilium.network.models import Institution
from consilium.registry.models import Patient

PROFILE_FIELDS = (
    "travel_minutes",
    "travel_cost",
    "income_band",
    "insurance",
    "caregiver_available",
    "needs_lodging",
    "phone_access",
    "language",
    "needs_interpreter",
    "earlier_missed_visits",
)


def record_profile(
    *,
    actor: User,
    patient: Patient,
    data: dict,
    today: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> SocialProfile:
    """Records (or corrects) the profile and scores it; a high risk opens a task to agree a
    navigation plan with the family, once."""
    require_clinical(actor, patient)
    profile = SocialProfile.objects.filter(patient=patient).first() or SocialProfile(
        patient=patient, institution_id=patient.institution_id
    )
    for name in PROFILE_FIELDS:
        setattr(profile, name, data[name])
    profile.full_clean(
        exclude=["patient", "institution", "recorded_by", "factors", "score", "band"]
    )
    flag = score(profile, rules_for(patient.institution))
    profile.score, profile.band = flag.score, flag.band
    profile.factors = [key for key, _label, _weight in flag.factors]
    profile.recorded_by = actor
    profile.recorded_at = timezone.now()
    with transaction.atomic():
        profile.save()
        if (
            flag.band == RiskBand.HIGH
            and not OutreachTask.objects.filter(
                patient=patient, reason=TaskReason.HIGH_RISK, status=TaskStatus.OPEN
            ).exists()
        ):
            OutreachTask.objects.create(
                patient=patient,
                institution_id=patient.institution_id,
                reason=TaskReason.HIGH_RISK,
                due_on=today or timezone.localdate(),
            )
        record(
            actor=actor,
            verb="navigation.profile_recorded",
            obj=profile,
            institution_id=patient.institution_id,
            details={"pseudonym": patient.pseudonym, "score": flag.score, "band": flag.band},
            request=request,
        )
    return profile


def set_weights(
    *,
    actor: User,
    institution: Institution,
    weights: dict[str, int],
    medium_from: int,
    high_from: int,
    travel_cost_limit: Decimal,
    request: HttpRequest | None = None,
) -> RiskWeights:
    """An institution's own weights; data managers set them (they answer for the figures)."""
    if not has_role(actor, institution.pk, {Role.DATA_MANAGER}):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    for key in FACTOR_KEYS:
        value = weights.get(key)
        if not isinstance(value, int) or not MIN_WEIGHT <= value <= MAX_WEIGHT:
            errors[key] = [
                _("A weight is a whole number from %(low)d to %(high)d.")
                % {"low": MIN_WEIGHT, "high": MAX_WEIGHT}
            ]
    if set(weights) - set(FACTOR_KEYS):
        errors["weights"] = [_("Unknown factor.")]
    if not 1 <= medium_from < high_from <= MAX_WEIGHT * len(FACTOR_KEYS):
        errors["high_from"] = [_("The high threshold must be above the medium one (at least 1).")]
    if travel_cost_limit < 0:
        errors["travel_cost_limit"] = [_("The travel-cost limit cannot be negative.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row, _created = RiskWeights.objects.update_or_create(
            institution=institution,
            defaults={
                "weights": {k: weights[k] for k in FACTOR_KEYS},
                "medium_from": medium_from,
                "high_from": high_from,
                "travel_cost_limit": travel_cost_limit,
                "changed_by": actor,
                "changed_at": timezone.now(),
            },
        )
        record(
            actor=actor,
            verb="navigation.weights_set",
            obj=institution,
            institution_id=institution.pk,
            details={"weights": row.weights, "medium": medium_from, "high": high_from},
            request=request,
        )
    return row
