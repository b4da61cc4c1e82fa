"""Treatment protocols, standard operating procedures and guides, each as numbered versions.
An approved version is never changed: a change is a new version."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    PROTOCOL = "protocol", _("Treatment protocol")
    SOP = "sop", _("Standard operating procedure")
    GUIDE = "guide", _("Guide")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    RETIRED = "retired", _("Retired")


# What the whole network may read; drafts stay with the authors and their reviewers.
PUBLISHED_STATUSES = (VersionStatus.APPROVED, VersionStatus.RETIRED)


class Document(models.Model):
    owner = models.ForeignKey(
        "network.Institution",
        on_delete=models.PROTECT,
        related_name="library_documents",
        verbose_name=_("owning institution"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=DocumentKind.choices)
    code = models.CharField(
        _("code"),
        max_length=30,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z][A-Z0-9-]{1,29}$",
                _("Use 2 to 30 capital letters, digits or hyphens, starting with a letter."),
            )
        ],
        help_text=_("A stable short code, e.g. WILMS-VN or IC-HAND; versions add -v1, -v2…"),
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "title"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title


class DocumentVersion(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    language = models.CharField(_("original language"), max_length=8)
    change_summary = models.TextField(_("change summary"), blank=True)
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="authored_versions", verbose_name=_("authors")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(_("sent for review"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    # A protocol's plan template: [{"kind": "chemotherapy", "label": "Cycle 1", "day": 0}, ...]
    # with days counted from the start of treatment; navigation makes the planned visits of a
    # child's treatment plan from it (see consilium/navigation/templates.py).
    visit_schedule = models.JSONField(_("plan template"), default=list, blank=True)

    class Meta:
        ordering = ["document", "-number"]
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="library_one_number"),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_at__isnull=False),
                name="library_approved_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document.title} v{self.number}"

    @property
    def code(self) -> str:
        """Stable across the version's life: what a treatment record points at."""
        return f"{self.document.code}-v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.status in PUBLISHED_STATUSES


class VersionFile(models.Model):
    """The version's PDF in one language; a version may have one per language."""

    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="files")
    language = models.CharField(_("language"), max_length=8)
    file = models.FileField(_("file (PDF)"), upload_to="library/%Y/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "language"], name="library_one_file_per_lang"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} [{self.language}]"


class ReviewDecision(models.TextChoices):
    PENDING = "pending", _("Not yet reviewed")
    APPROVED = "approved", _("Approved")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")


class Review(models.Model):
    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="library_reviews"
    )
    # Where the reviewer worked when invited: approval counts partner institutions.
    institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(
        _("decision"),
        max_length=20,
        choices=ReviewDecision.choices,
        default=ReviewDecision.PENDING,
    )
    note = models.TextField(_("note"), blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    invited_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["invited_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "reviewer"], name="library_one_review_each")
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} on {self.version}"


class ReviewComment(models.Model):
    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment by {self.author} on {self.version}"
