"""Which version of a document is in force at an institution, and who has acknowledged it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Adoption(models.Model):
    institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="library_adoptions"
    )
    # The document as well as the version, so "one version in force" is a database rule.
    document = models.ForeignKey(
        "library.Document", on_delete=models.PROTECT, related_name="adoptions"
    )
    version = models.ForeignKey(
        "library.DocumentVersion", on_delete=models.PROTECT, related_name="adoptions"
    )
    in_force_from = models.DateField(_("in force from"))
    in_force_until = models.DateField(_("in force until"), null=True, blank=True)
    required_roles = models.JSONField(_("roles that must acknowledge"), default=list, blank=True)
    required_professions = models.JSONField(
        _("professions that must acknowledge"), default=list, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    adopted_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["institution__name", "-in_force_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "document"],
                condition=Q(in_force_until__isnull=True),
                name="library_one_version_in_force",
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} at {self.institution}"

    @property
    def in_force(self) -> bool:
        return self.in_force_until is None


class Acknowledgement(models.Model):
    adoption = models.ForeignKey(
        Adoption, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="library_acknowledgements"
    )
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["acknowledged_at"]
        constraints = [
            models.UniqueConstraint(fields=["adoption", "user"], name="library_ack_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} acknowledged {self.adoption}"
