"""One row per searchable thing, with the words both backends index.

The row holds what a reader may be shown of it (title, a plain-text body for snippets) and a
few columns the filters and access rules use; the full-text index itself is kept by the
database: an FTS5 table with triggers on SQLite, a generated tsvector with a GIN index on
PostgreSQL (migration 0001). Patients' names and hospital numbers never enter it: they are
found through keyed digests (`IdentifierToken`), like the registry's own look-ups."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    CONSULTATION = "consultation", _("Consultations")
    PATIENT = "patient", _("Patients")
    DOCUMENT = "document", _("Library")
    EVENT = "event", _("Meetings")
    PERSON = "person", _("People")
    INSTITUTION = "institution", _("Institutions")


class SearchDocument(models.Model):
    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.BigIntegerField()
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    # Folded, space-separated words of title and body: what the full-text index reads.
    words = models.TextField(blank=True)
    # Filters: folded ICCC group and subgroup codes and diagnosis words; folded centre names.
    diagnosis = models.CharField(max_length=300, blank=True)
    centre = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=16, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_one_per_object")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class IdentifierToken(models.Model):
    """A keyed digest of one word of a patient's name, or of the hospital number: the only way
    an identifier can be searched, and only by the institution's clinical roles."""

    # No constraint in the database: the registry's bulk clean-ups delete patients with plain
    # DELETEs (children first), and a token left behind matches no patient anyone may see.
    patient = models.ForeignKey(
        "registry.Patient",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    digest = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["digest", "patient"], name="search_ident_digest")]
        constraints = [
            models.UniqueConstraint(fields=["patient", "digest"], name="search_ident_unique")
        ]

    def __str__(self) -> str:
        return f"identifier token of patient {self.patient_id}"
