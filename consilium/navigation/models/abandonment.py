"""Proposed abandonments: what the sweep finds, and a data manager decides."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# SIOP PODC (Mostert et al., Lancet Oncol 2011): abandonment is the failure to start or to
# complete curative treatment, with an interruption of four or more consecutive weeks of
# planned therapy.
INTERRUPTION_DAYS = 28


class AbandonmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class ProposedAbandonment(models.Model):
    patient = models.ForeignKey(
        "registry.Patient", on_delete=models.CASCADE, related_name="navigation_abandonments"
    )
    institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # The first planned therapy visit missed, with nothing attended since.
    interruption_from = models.DateField(_("therapy interrupted since"))
    last_attended = models.DateField(_("last attended visit"), null=True, blank=True)
    # The date the registry records (see docs/navigation.md, "The date of an abandonment").
    abandonment_date = models.DateField(_("date of abandonment"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=AbandonmentStatus.choices,
        default=AbandonmentStatus.PROPOSED,
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    event = models.ForeignKey(
        "registry.FollowUpEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    returned_on = models.DateField(_("returned to care"), null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at"]
        constraints = [
            # one proposal per interruption: a rejected one is not proposed again
            models.UniqueConstraint(
                fields=["patient", "interruption_from"], name="navigation_one_per_interruption"
            )
        ]
        indexes = [
            # Open proposals oldest first, in the index's order: the page reads only its rows
            # (status in the index, not as a partial index's condition: see OutreachTask).
            models.Index(
                fields=["institution", "status", "proposed_at", "id"],
                name="navigation_abandon_waiting",
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient_id} from {self.interruption_from}"


class SweepRun(models.Model):
    """The day an institution's interruptions were last looked for: the scheduler calls the
    sweep every few minutes, the search for interruptions runs once a local day."""

    institution = models.ForeignKey(
        "network.Institution", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    ran_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["institution", "day"], name="navigation_sweep_once")
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.day}"
