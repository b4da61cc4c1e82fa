"""One row per searchable thing, with the words both backends index.

The row holds what a reader may be shown of it (title, a plain-text body for snippets) and a
few columns the filters and access rules use; the full-text index itself is kept by the
database: an FTS5 table with triggers on SQLite; on PostgreSQL a tsvector with a GIN index in
a narrow table kept by a trigger (`SearchMatch`, migration 0002). Patients' names and
hospital numbers never enter it: they are found through keyed digests (`IdentifierToken`),
like the registry's own look-ups."""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
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


class SearchMatch(models.Model):
    """PostgreSQL only: what a search matches and filters on, one narrow row per
    SearchDocument (same id), kept by a trigger on it (migration 0002); on SQLite the table
    stays empty and FTS5 does this work.

    The tsvector used to sit beside the title, body and words, about one row per page, so a
    one-word search that matched 74,000 rows read 41,000 pages to apply the reader's access
    rule (docs/benchmarks.md, issue 21). Here a page holds dozens of rows; the wide row is
    read only for the results shown."""

    id = models.BigIntegerField(primary_key=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.BigIntegerField()
    diagnosis = models.CharField(max_length=300, blank=True)
    centre = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=16, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField()
    vector = SearchVectorField(null=True)

    def __str__(self) -> str:
        return f"match of {self.kind} {self.object_id}"


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
