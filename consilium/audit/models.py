from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One entry of the append-only, hash-chained audit log.

    Requests insert entries unsealed (no `seq`, no hash), taking no lock, so audited reads
    never wait on one another; the sealer (consilium.audit.sealer) then links them into the
    chain in the order it finds them committed: `seq` is the position in the chain and `hash`
    covers the entry and the hash of the one before. Database triggers refuse DELETE, and
    every UPDATE except the sealer's one-time seal of an unsealed row that leaves its content
    as it was, so `consilium audit-verify` can find any row changed behind the application's
    back.
    """

    at = models.DateTimeField(_("time"), db_index=True)
    # No foreign-key constraint in PostgreSQL (the ORM still protects the person and the
    # institution from deletion): each insert's check took a share lock on the user's and
    # the institution's rows, which every concurrent entry of the same person or hospital
    # shares (multixacts), and which once ordered locks into a deadlock (issue 22).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("actor"), max_length=254, blank=True)
    # Indexed in Meta, not by db_index: on PostgreSQL that would add a second, LIKE-pattern
    # index, and every index is written on each insert and again on each seal.
    verb = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    institution = models.ForeignKey(
        "network.Institution",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_constraint=False,
    )
    details = models.JSONField(_("details"), default=dict)
    # Set once, by the sealer; empty on an entry not sealed yet.
    seq = models.BigIntegerField(null=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    # NULL until sealed. Not unique: `seq` already orders the chain, and two unique indexes
    # (and a LIKE one) on the hash slowed the sealer for nothing.
    hash = models.CharField(max_length=64, null=True)  # noqa: DJ001
    sealed_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["verb"], name="audit_verb"),
            # What the sealer looks for, kept small: only the few entries not sealed yet.
            models.Index(fields=["id"], condition=Q(seq__isnull=True), name="audit_unsealed"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.verb} {self.object_type}:{self.object_id}"

    @property
    def sealed(self) -> bool:
        return self.seq is not None
