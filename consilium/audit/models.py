from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One entry of the append-only, hash-chained audit log.

    Rows are only ever inserted (database triggers refuse UPDATE and DELETE); each holds the
    hash of the previous entry, so `consilium audit-verify` can find any row changed behind
    the application's back.
    """

    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=254, blank=True)
    verb = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, null=True, related_name="+"
    )
    details = models.JSONField(_("details"), default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.verb} {self.object_type}:{self.object_id}"
