"""Compliance audits of a procedure: a checklist derived from an SOP version, and audit
rounds on a unit (a ward) that observe each item."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Checklist(models.Model):
    version = models.ForeignKey(
        "library.DocumentVersion", on_delete=models.PROTECT, related_name="checklists"
    )
    title = models.CharField(_("title"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(_("item"), max_length=300)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "position"], name="library_item_position")
        ]

    def __str__(self) -> str:
        return self.text


class ObservationResult(models.TextChoices):
    COMPLIANT = "compliant", _("Compliant")
    NON_COMPLIANT = "non_compliant", _("Not compliant")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class AuditRound(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="rounds")
    institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="+"
    )
    unit = models.CharField(_("unit (ward)"), max_length=100)
    audited_on = models.DateField(_("audited on"))
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["audited_on", "id"]
        indexes = [models.Index(fields=["checklist", "institution", "audited_on"])]

    def __str__(self) -> str:
        return f"{self.checklist} · {self.unit} · {self.audited_on}"


class Observation(models.Model):
    """One observed opportunity of one item; a round may observe an item several times."""

    round = models.ForeignKey(AuditRound, on_delete=models.CASCADE, related_name="observations")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="observations")
    result = models.CharField(_("result"), max_length=16, choices=ObservationResult.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["item__position", "id"]

    def __str__(self) -> str:
        return f"{self.item}: {self.result}"
