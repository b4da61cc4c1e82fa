import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consilium.lib.timezones import validate_time_zone
from consilium.network.resources import Availability, Resource


class InstitutionKind(models.TextChoices):
    CHILDRENS_HOSPITAL = "childrens_hospital", _("Children's hospital")
    CANCER_CENTRE = "cancer_centre", _("Cancer centre")
    UNIVERSITY_CLINIC = "university_clinic", _("University clinic")
    HOSPICE = "hospice", _("Hospice")
    LABORATORY = "laboratory", _("Laboratory")
    SOCIETY = "society", _("NGO or society")
    WHO_OFFICE = "who_office", _("WHO office")


class Institution(models.Model):
    name = models.CharField(_("name"), max_length=200)
    local_name = models.CharField(_("name in the local language"), max_length=200, blank=True)
    code = models.CharField(
        _("short code"),
        max_length=12,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z][A-Z0-9]{1,11}$",
                _("Use 2 to 12 capital letters or digits, starting with a letter."),
            )
        ],
        help_text=_("Used in pseudonyms, e.g. VNCH-2024-0042."),
    )
    country = models.CharField(
        _("country"),
        max_length=2,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Use the two-letter ISO country code."))],
    )
    city = models.CharField(_("city"), max_length=100)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    kind = models.CharField(_("kind"), max_length=32, choices=InstitutionKind.choices)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["country", "name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return self.name


class ResourceProfile(models.Model):
    """One dated version of what an institution can do. A change is a new version, so an
    expert can see what was true when they advised."""

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="resource_profiles"
    )
    version = models.PositiveIntegerField(_("version"))
    valid_from = models.DateField(_("valid from"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["institution", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "version"], name="one_profile_version")
        ]

    def __str__(self) -> str:
        return f"{self.institution.code} v{self.version}"


class ResourceItem(models.Model):
    profile = models.ForeignKey(ResourceProfile, on_delete=models.CASCADE, related_name="items")
    resource = models.CharField(_("resource"), max_length=40, choices=Resource.choices)
    availability = models.CharField(_("availability"), max_length=16, choices=Availability.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "resource"], name="one_item_per_resource")
        ]

    def __str__(self) -> str:
        return f"{self.get_resource_display()}: {self.get_availability_display()}"


class Absence(models.Model):
    """An expert's out-of-office period; assignment skips people who are away."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="absence_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_on}–{self.ends_on}"


class PartnershipStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    # Sent to the other parties; active only once a coordinator of every party has confirmed.
    PROPOSED = "proposed", _("Proposed")
    DECLINED = "declined", _("Declined")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    ENDED = "ended", _("Ended")


class Partnership(models.Model):
    """A memorandum of understanding between two or more institutions."""

    title = models.CharField(_("title"), max_length=200)
    institutions = models.ManyToManyField(
        Institution, through="PartnershipParty", related_name="partnerships"
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signed_place = models.CharField(
        _("where it was signed"),
        max_length=200,
        blank=True,
        help_text=_("e.g. First International Congress of Paediatric Oncology, Tashkent"),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=PartnershipStatus.choices,
        default=PartnershipStatus.DRAFT,
    )
    document = models.FileField(_("signed document (PDF)"), upload_to="mou/%Y/", blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    ended_reason = models.CharField(_("reason for ending"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="partnership_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def effective_status(self, today: datetime.date | None = None) -> str:
        """Active partnerships past their validity count as expired, without a job to flip
        them: access must end on the day, not when a cron runs."""
        today = today or timezone.localdate()
        if self.status == PartnershipStatus.ACTIVE and not self.is_valid_on(today):
            return PartnershipStatus.EXPIRED
        return self.status

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def is_active(self, today: datetime.date | None = None) -> bool:
        return self.effective_status(today) == PartnershipStatus.ACTIVE


class PartnershipParty(models.Model):
    """One institution in a partnership, and whether one of its coordinators (or admins) has
    agreed to it: nobody can bind an institution to a partnership it has not confirmed."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="parties")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partnership", "institution"], name="one_party_each")
        ]

    def __str__(self) -> str:
        return f"{self.institution} in {self.partnership}"


class AreaKind(models.TextChoices):
    TRAINING = "training", _("Training and retraining of specialists")
    PROTOCOLS = (
        "protocols",
        _("Therapeutic protocols (surgery, radiotherapy, chemotherapy, immunotherapy)"),
    )
    RESEARCH = "research_centre", _("Support for a research centre")
    MOLECULAR = "molecular_diagnostics", _("Molecular and genomic diagnostics")
    TELEMEDICINE = "telemedicine", _("Clinical case discussion by telemedicine")
    INFECTION_CONTROL = "infection_control", _("Infection-control standard procedures")
    SUPPORTIVE = "supportive_palliative", _("Supportive and palliative care")
    NURSING = "nursing", _("Nursing")


class CollaborationArea(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="areas")
    kind = models.CharField(_("area"), max_length=32, choices=AreaKind.choices)
    objectives = models.TextField(_("objectives"), blank=True)

    class Meta:
        ordering = ["partnership", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "kind"], name="one_area_of_each_kind")
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_MILESTONE_STATUSES = (MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS)


class Milestone(models.Model):
    """An activity or milestone of a collaboration area."""

    area = models.ForeignKey(CollaborationArea, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_milestones",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=16, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    reminded_before_on = models.DateField(null=True, blank=True)
    reminded_overdue_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "title"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status in OPEN_MILESTONE_STATUSES and self.due_on < today


class MilestoneEvidence(models.Model):
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="evidence")
    note = models.TextField(_("note"), blank=True)
    file = models.FileField(_("file"), upload_to="evidence/%Y/", blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at"]

    def __str__(self) -> str:
        return f"evidence for {self.milestone}"
