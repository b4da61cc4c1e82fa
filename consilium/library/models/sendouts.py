"""Molecular diagnostics send-outs: a sample sent from a hospital to a partner laboratory,
tracked from the request to the report. The laboratory knows the patient by pseudonym only."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consilium.registry.models import Marker, MarkerMethod, MarkerResult


class MolecularTest(models.TextChoices):
    MYCN = "mycn", _("MYCN amplification")
    PAX_FOXO1 = "pax_foxo1", _("PAX-FOXO1 fusion")
    BRAF = "braf", _("BRAF alteration")
    PANEL = "panel", _("Sequencing panel")
    OTHER = "other", _("Other test")


# The registry marker a test's result is most likely recorded as; the laboratory may change it.
DEFAULT_MARKER = {
    MolecularTest.MYCN: Marker.MYCN,
    MolecularTest.PAX_FOXO1: Marker.PAX3_FOXO1,
    MolecularTest.BRAF: Marker.BRAF_V600E,
    MolecularTest.PANEL: Marker.OTHER,
    MolecularTest.OTHER: Marker.OTHER,
}


class SampleType(models.TextChoices):
    FFPE_BLOCK = "ffpe_block", _("FFPE tissue block")
    FFPE_SLIDES = "ffpe_slides", _("FFPE unstained slides")
    FRESH_FROZEN = "fresh_frozen", _("Fresh-frozen tissue")
    BLOOD = "blood", _("Peripheral blood (EDTA)")
    BONE_MARROW = "bone_marrow", _("Bone marrow aspirate")
    NUCLEIC_ACID = "nucleic_acid", _("Extracted DNA or RNA")
    OTHER = "other", _("Other")


class Fixation(models.TextChoices):
    FORMALIN = "formalin", _("10 % neutral buffered formalin")
    NONE = "none", _("None (fresh)")
    FROZEN = "frozen", _("Snap-frozen")
    ALCOHOL = "alcohol", _("Alcohol-based")
    OTHER = "other", _("Other")


class Temperature(models.TextChoices):
    AMBIENT = "ambient", _("Ambient")
    COOLED = "2_8c", _("2–8 °C")
    FROZEN = "frozen", _("Frozen")
    DRY_ICE = "dry_ice", _("Dry ice")


class SendOutStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received")
    IN_ANALYSIS = "in_analysis", _("In analysis")
    REPORTED = "reported", _("Reported")
    FAILED = "failed", _("Failed")


# The forward order; FAILED may follow any status that is not final.
STATUS_ORDER = {
    SendOutStatus.REQUESTED: 0,
    SendOutStatus.SHIPPED: 1,
    SendOutStatus.RECEIVED: 2,
    SendOutStatus.IN_ANALYSIS: 3,
    SendOutStatus.REPORTED: 4,
}
FINAL_STATUSES = (SendOutStatus.REPORTED, SendOutStatus.FAILED)


class SendOut(models.Model):
    requesting_institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="sendouts_requested"
    )
    laboratory = models.ForeignKey(
        "network.Institution",
        on_delete=models.PROTECT,
        related_name="sendouts_received",
        verbose_name=_("laboratory"),
    )
    patient = models.ForeignKey(
        "registry.Patient", on_delete=models.PROTECT, related_name="sendouts"
    )
    diagnosis = models.ForeignKey(
        "registry.Diagnosis", on_delete=models.PROTECT, related_name="sendouts"
    )
    consultation = models.ForeignKey(
        "consultations.Consultation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sendouts",
        verbose_name=_("consultation"),
    )
    test = models.CharField(_("test"), max_length=12, choices=MolecularTest.choices)
    test_detail = models.CharField(_("test details"), max_length=200, blank=True)
    question = models.TextField(_("clinical question"), blank=True)

    sample_type = models.CharField(_("sample type"), max_length=16, choices=SampleType.choices)
    collected_on = models.DateField(_("collected on"))
    fixation = models.CharField(_("fixation"), max_length=12, choices=Fixation.choices)
    tumour_cell_percent = models.PositiveSmallIntegerField(
        _("tumour cells (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )

    courier = models.CharField(_("courier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    temperature = models.CharField(
        _("temperature"), max_length=8, choices=Temperature.choices, blank=True
    )

    status = models.CharField(
        _("status"),
        max_length=12,
        choices=SendOutStatus.choices,
        default=SendOutStatus.REQUESTED,
        db_index=True,
    )
    failed_reason = models.CharField(_("reason for failure"), max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)

    marker = models.CharField(_("marker"), max_length=16, choices=Marker.choices, blank=True)
    marker_other_name = models.CharField(_("name (other marker)"), max_length=60, blank=True)
    result = models.CharField(_("result"), max_length=16, choices=MarkerResult.choices, blank=True)
    method = models.CharField(_("method"), max_length=12, choices=MarkerMethod.choices, blank=True)
    result_summary = models.TextField(_("report summary"), blank=True)
    report = models.FileField(_("report (PDF)"), upload_to="sendouts/%Y/", blank=True)
    result_entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    registry_marker = models.OneToOneField(
        "registry.MolecularMarker",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sendout",
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["requesting_institution", "-requested_at"]),
            models.Index(fields=["laboratory", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(failed_reason=""),
                name="library_failed_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(tumour_cell_percent__isnull=True) | Q(tumour_cell_percent__lte=100),
                name="library_tumour_cells_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_test_display()} · {self.patient}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def days_to_receipt(self) -> int | None:
        return _days(self.requested_at, self.received_at)

    @property
    def days_to_report(self) -> int | None:
        return _days(self.received_at, self.reported_at)


def _days(start: datetime.datetime | None, end: datetime.datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return (end - start).days


class SendOutEvent(models.Model):
    """The status history, one row per change."""

    sendout = models.ForeignKey(SendOut, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=12, choices=SendOutStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.sendout_id} → {self.status}"
