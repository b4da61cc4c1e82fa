"""Outreach to families (tasks, contacts), support given, and the family's contact details."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consilium.registry.fields import EncryptedTextField


class TaskReason(models.TextChoices):
    MISSED_VISIT = "missed_visit", _("Missed visit")
    HIGH_RISK = "high_risk", _("High social risk: agree a navigation plan")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class OutreachTask(models.Model):
    patient = models.ForeignKey(
        "registry.Patient", on_delete=models.CASCADE, related_name="navigation_tasks"
    )
    institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    reason = models.CharField(_("reason"), max_length=16, choices=TaskReason.choices)
    visit = models.OneToOneField(
        "navigation.PlannedVisit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outreach_task",
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            # The navigator's page walks it in order to find each child's first task due,
            # and counts the children from it alone (the child is in the index). Not a
            # partial index on status="open": SQLite cannot tell that a query's bound status
            # parameter matches the index's condition, so it read every task's row to check
            # (150 ms for 35,000 open tasks, against 10 ms from the index alone).
            models.Index(
                fields=["institution", "status", "due_on", "patient"],
                name="navigation_task_due_child",
            ),
            # The count of children with outreach due: read in child order, each child is
            # counted as the scan passes it, where the index above (in date order) needs a
            # sort of every open task to drop repeated children (2,000,000 visits, 180,000
            # open tasks after a catch-up: 31 ms against 19 ms, more under load).
            models.Index(
                fields=["institution", "status", "patient", "due_on"],
                name="navigation_task_child_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.due_on})"


class ContactKind(models.TextChoices):
    CALL = "call", _("Phone call")
    MESSAGE = "message", _("Message")
    HOME_VISIT = "home_visit", _("Home visit")


class Contact(models.Model):
    patient = models.ForeignKey(
        "registry.Patient", on_delete=models.CASCADE, related_name="navigation_contacts"
    )
    task = models.ForeignKey(
        OutreachTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts"
    )
    kind = models.CharField(_("contact"), max_length=12, choices=ContactKind.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    reached = models.BooleanField(_("reached the family"))
    spoke_with = models.CharField(_("spoke with"), max_length=60, blank=True)
    agreed = models.TextField(_("what was agreed"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["patient", "at"], name="navigation_contact_patient")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


class SupportKind(models.TextChoices):
    TRANSPORT = "transport", _("Transport")
    LODGING = "lodging", _("Lodging")
    FOOD = "food", _("Food")
    MONEY = "money", _("Money")
    EDUCATION = "education", _("Education session")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial support")


class Support(models.Model):
    patient = models.ForeignKey(
        "registry.Patient", on_delete=models.CASCADE, related_name="navigation_support"
    )
    kind = models.CharField(_("support"), max_length=16, choices=SupportKind.choices)
    given_on = models.DateField(_("date"))
    amount = models.DecimalField(
        _("amount (local currency)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-given_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.given_on}"


class FamilyContact(models.Model):
    """Who to call, and where they live: identifiers, encrypted at rest like the registry's."""

    patient = models.ForeignKey(
        "registry.Patient", on_delete=models.CASCADE, related_name="navigation_family"
    )
    relation = models.CharField(_("relation to the child"), max_length=40)
    name = EncryptedTextField(_("name"), blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    address = EncryptedTextField(_("address"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.relation
