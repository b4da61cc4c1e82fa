"""A child's treatment plan and its planned visits: what the navigator follows day by day."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class VisitKind(models.TextChoices):
    CHEMOTHERAPY = "chemotherapy", _("Chemotherapy cycle")
    RADIOTHERAPY = "radiotherapy", _("Radiotherapy block")
    SURGERY = "surgery", _("Surgery")
    FOLLOW_UP = "follow_up", _("Follow-up")


# Visits that deliver therapy: missing them is what SIOP PODC counts as an interruption.
THERAPY_KINDS = frozenset({VisitKind.CHEMOTHERAPY, VisitKind.RADIOTHERAPY, VisitKind.SURGERY})


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ATTENDED = "attended", _("Attended")
    MISSED = "missed", _("Missed")
    RESCHEDULED = "rescheduled", _("Rescheduled")
    # Not marked when its plan was closed: kept on the page, never swept as missed.
    CANCELLED = "cancelled", _("Cancelled")


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class TreatmentPlan(models.Model):
    patient = models.ForeignKey(
        "registry.Patient", on_delete=models.CASCADE, related_name="navigation_plans"
    )
    title = models.CharField(_("plan"), max_length=120)
    # The adopted protocol version whose plan template made the visits; none for a plan
    # entered by hand.
    protocol_version = models.ForeignKey(
        "library.DocumentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    start_date = models.DateField(_("start"))
    status = models.CharField(
        _("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_reason = models.CharField(_("why the plan was closed"), max_length=300, blank=True)

    class Meta:
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status="active"),
                name="navigation_one_active_plan",
            )
        ]

    def __str__(self) -> str:
        return self.title


class PlannedVisit(models.Model):
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="visits")
    # The patient and institution again, so the day list and the sweep read one table.
    patient = models.ForeignKey(
        "registry.Patient", on_delete=models.CASCADE, related_name="navigation_visits"
    )
    institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=16, choices=VisitKind.choices)
    label = models.CharField(_("label"), max_length=80, blank=True)
    date = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=12, choices=VisitStatus.choices, default=VisitStatus.PLANNED
    )
    # A rescheduled visit stays, marked rescheduled, and points at nothing; its replacement
    # points back at it, so the history of a visit is the chain of rescheduled_from.
    rescheduled_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="rescheduled_to"
    )
    marked_at = models.DateTimeField(null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    missed_by_sweep = models.BooleanField(default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["date", "pk"]
        indexes = [
            # the day list and the navigator's page: one institution, one day
            models.Index(fields=["institution", "date", "status"], name="navigation_visit_day"),
            # the sweep: what is still planned, oldest first
            models.Index(
                fields=["date"], condition=Q(status="planned"), name="navigation_visit_open"
            ),
            models.Index(fields=["patient", "status", "date"], name="navigation_visit_patient"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"

    @property
    def is_therapy(self) -> bool:
        return self.kind in THERAPY_KINDS


class TherapyState(models.Model):
    """Kept per child so the navigator's page and the sweep read one indexed row instead of
    searching every visit: the last therapy visit attended, and the first therapy visit missed
    with no therapy visit attended after it (the start of the interruption; none when the child
    is in care). consilium.navigation.actions.continuity.refresh rewrites it from the visits
    inside every action that changes a visit's status; nothing else writes it."""

    patient = models.OneToOneField(
        "registry.Patient", on_delete=models.CASCADE, related_name="navigation_therapy"
    )
    institution = models.ForeignKey(
        "network.Institution", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    last_attended = models.DateField(_("last attended visit"), null=True, blank=True)
    interrupted_since = models.DateField(_("therapy interrupted since"), null=True, blank=True)

    class Meta:
        indexes = [
            # the navigator's page and the sweep: one institution's interruptions, oldest first
            # (the child last, so a page of them comes in the index's order, unsorted)
            models.Index(
                fields=["institution", "interrupted_since", "patient"],
                condition=Q(interrupted_since__isnull=False),
                name="navigation_therapy_stop_child",
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient_id}: interrupted since {self.interrupted_since}"
