"""The social profile at diagnosis and the weights that turn it into a risk flag.

The flag is a sum of points, one weight per factor present, compared with two thresholds;
the factors, weights and thresholds are shown beside the flag (see risk.py)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IncomeBand(models.TextChoices):
    LOWEST = "lowest", _("Lowest (below the poverty line)")
    LOW = "low", _("Low")
    MIDDLE = "middle", _("Middle")
    HIGHER = "higher", _("Higher")
    UNKNOWN = "unknown", _("Unknown")


class Insurance(models.TextChoices):
    NONE = "none", _("None")
    PARTIAL = "partial", _("Partial")
    FULL = "full", _("Full")
    UNKNOWN = "unknown", _("Unknown")


class PhoneAccess(models.TextChoices):
    OWN = "own", _("Own phone")
    SHARED = "shared", _("Shared or neighbour's phone")
    NONE = "none", _("No phone")


class RiskBand(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class SocialProfile(models.Model):
    patient = models.OneToOneField(
        "registry.Patient", on_delete=models.CASCADE, related_name="social_profile"
    )
    institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    travel_minutes = models.PositiveIntegerField(_("travel time to the centre (minutes)"))
    travel_cost = models.DecimalField(
        _("travel cost per visit (local currency)"), max_digits=12, decimal_places=2
    )
    income_band = models.CharField(_("household income"), max_length=8, choices=IncomeBand.choices)
    insurance = models.CharField(_("health insurance"), max_length=8, choices=Insurance.choices)
    caregiver_available = models.BooleanField(_("a caregiver can stay with the child"))
    needs_lodging = models.BooleanField(_("needs lodging near the centre"))
    phone_access = models.CharField(_("phone access"), max_length=8, choices=PhoneAccess.choices)
    language = models.CharField(_("family's language"), max_length=40, blank=True)
    needs_interpreter = models.BooleanField(_("needs an interpreter"), default=False)
    earlier_missed_visits = models.PositiveSmallIntegerField(_("visits missed before"), default=0)
    score = models.PositiveSmallIntegerField(default=0)
    band = models.CharField(max_length=8, choices=RiskBand.choices, default=RiskBand.LOW)
    factors = models.JSONField(default=list)  # the factors present when it was scored
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["institution", "band", "recorded_at"], name="navigation_risk_new")
        ]

    def __str__(self) -> str:
        return f"{self.patient_id}: {self.band}"


class RiskWeights(models.Model):
    """An institution's own weights; without a row the documented defaults apply."""

    institution = models.OneToOneField(
        "network.Institution", on_delete=models.CASCADE, related_name="navigation_weights"
    )
    weights = models.JSONField(default=dict)
    medium_from = models.PositiveSmallIntegerField(default=3)
    high_from = models.PositiveSmallIntegerField(default=6)
    travel_cost_limit = models.DecimalField(max_digits=12, decimal_places=2, default=100000)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"risk weights of {self.institution_id}"
