"""Which protocol version a registry treatment followed, so outcomes can be grouped by
protocol and version. Kept here, beside the protocols, rather than in the registry."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class TreatmentProtocol(models.Model):
    treatment = models.OneToOneField(
        "registry.Treatment", on_delete=models.CASCADE, related_name="library_protocol"
    )
    protocol_version = models.ForeignKey(
        "library.DocumentVersion", on_delete=models.PROTECT, related_name="treatments"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"treatment {self.treatment_id} → {self.protocol_version_id}"
