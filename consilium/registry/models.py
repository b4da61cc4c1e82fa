"""The registry: pseudonymised patients of one institution, their tumours, treatment and
follow-up. Direct identifiers live apart, encrypted, in PatientIdentity; everything else is
what a partner or an aggregate may ever be built from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consilium.registry import terms
from consilium.registry.checks import Level
from consilium.registry.fields import EncryptedDateField, EncryptedTextField
from consilium.registry.terms import CodedTerm
from consilium.registry.toronto import Tier, TorontoTumour


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    UNKNOWN = "unknown", _("Unknown")


class ConsentStatus(models.TextChoices):
    GIVEN = "given", _("Given")
    REFUSED = "refused", _("Refused")
    WAIVED = "waived", _("Waived")
    UNKNOWN = "unknown", _("Not recorded")


class VitalStatus(models.TextChoices):
    ALIVE = "alive", _("Alive")
    DEAD = "dead", _("Dead")
    UNKNOWN = "unknown", _("Unknown")


class Laterality(models.TextChoices):
    NOT_PAIRED = "not_paired", _("Not a paired organ")
    RIGHT = "right", _("Right")
    LEFT = "left", _("Left")
    BILATERAL = "bilateral", _("Bilateral")
    UNKNOWN = "unknown", _("Paired, side unknown")


class BasisOfDiagnosis(models.TextChoices):
    # The IARC/ENCR codes themselves, so exports and the checks read them unchanged.
    DCO = "0", _("0 · Death certificate only")
    CLINICAL = "1", _("1 · Clinical")
    INVESTIGATION = "2", _("2 · Clinical investigation (imaging…)")
    MARKERS = "4", _("4 · Specific tumour markers")
    CYTOLOGY = "5", _("5 · Cytology, blood film, marrow")
    HISTOLOGY_METASTASIS = "6", _("6 · Histology of a metastasis")
    HISTOLOGY_PRIMARY = "7", _("7 · Histology of the primary")
    UNKNOWN = "9", _("9 · Unknown")


MICROSCOPIC_BASES = frozenset({"5", "6", "7"})


class RiskGroup(models.TextChoices):
    LOW = "low", _("Low")
    STANDARD = "standard", _("Standard")
    INTERMEDIATE = "intermediate", _("Intermediate")
    HIGH = "high", _("High")
    VERY_HIGH = "very_high", _("Very high")


class IcccGroup(models.TextChoices):
    """ICCC-3 main groups (Steliarova-Foucher et al., Cancer 2005), translatable."""

    I = "I", _("I · Leukaemias, myeloproliferative and myelodysplastic diseases")  # noqa: E741
    II = "II", _("II · Lymphomas and reticuloendothelial neoplasms")
    III = "III", _("III · CNS and other intracranial and intraspinal neoplasms")
    IV = "IV", _("IV · Neuroblastoma and other peripheral nervous cell tumours")
    V = "V", _("V · Retinoblastoma")
    VI = "VI", _("VI · Renal tumours")
    VII = "VII", _("VII · Hepatic tumours")
    VIII = "VIII", _("VIII · Malignant bone tumours")
    IX = "IX", _("IX · Soft tissue and other extraosseous sarcomas")
    X = "X", _("X · Germ cell and trophoblastic tumours, neoplasms of gonads")
    XI = "XI", _("XI · Other malignant epithelial neoplasms and melanomas")
    XII = "XII", _("XII · Other and unspecified malignant neoplasms")


def iccc_group_name(main_group: str) -> str:
    """The translated name of a main group (``IV`` → "IV · Neuroblastoma and other…"), in the
    active language; an empty or unknown group gives an empty string."""
    return str(IcccGroup(main_group).label) if main_group in IcccGroup.values else ""


class Marker(models.TextChoices):
    MYCN = "MYCN", "MYCN"
    PAX3_FOXO1 = "PAX3-FOXO1", "PAX3-FOXO1"
    PAX7_FOXO1 = "PAX7-FOXO1", "PAX7-FOXO1"
    BRAF_V600E = "BRAF V600E", "BRAF V600E"
    KIAA1549_BRAF = "KIAA1549-BRAF", "KIAA1549-BRAF"
    ETV6_RUNX1 = "ETV6-RUNX1", "ETV6-RUNX1"
    BCR_ABL1 = "BCR-ABL1", "BCR-ABL1"
    OTHER = "other", _("Other")


class MarkerResult(models.TextChoices):
    DETECTED = "detected", _("Detected (amplified, fused or mutated)")
    GAIN = "gain", _("Gain without amplification")
    NOT_DETECTED = "not_detected", _("Not detected")
    INCONCLUSIVE = "inconclusive", _("Inconclusive")


class MarkerMethod(models.TextChoices):
    FISH = "fish", "FISH"
    PCR = "pcr", _("PCR / RT-PCR")
    NGS = "ngs", _("Sequencing (NGS)")
    IHC = "ihc", _("Immunohistochemistry")
    KARYOTYPE = "karyotype", _("Karyotype")
    MLPA = "mlpa", "MLPA"
    OTHER = "other", _("Other")


class Intent(models.TextChoices):
    CURATIVE = "curative", _("Curative")
    PALLIATIVE = "palliative", _("Palliative")
    UNKNOWN = "unknown", _("Unknown")


# Several modalities of one treatment share a cell (or a FHIR extension): "chemotherapy+surgery".
MODALITY_SEPARATOR = "+"


class Modality(models.TextChoices):
    SURGERY = "surgery", _("Surgery")
    RADIOTHERAPY = "radiotherapy", _("Radiotherapy")
    CHEMOTHERAPY = "chemotherapy", _("Chemotherapy")
    HIGH_DOSE = "high_dose", _("High-dose chemotherapy with stem-cell rescue")
    IMMUNOTHERAPY = "immunotherapy", _("Immunotherapy")
    PALLIATIVE_CARE = "palliative_care", _("Palliative care")


class EventKind(models.TextChoices):
    REMISSION = "remission", _("Complete remission")
    RELAPSE = "relapse", _("Relapse")
    PROGRESSION = "progression", _("Progression")
    SECOND_CANCER = "second_cancer", _("Second cancer")
    ABANDONMENT = "abandonment", _("Treatment abandonment (4 weeks or more missed)")
    DEATH = "death", _("Death")


class DeathCause(models.TextChoices):
    DISEASE = "disease", _("Disease")
    TREATMENT = "treatment", _("Treatment-related")
    OTHER = "other", _("Other")


class Patient(models.Model):
    # No index of its own: every index below starts with the institution, and one more index
    # to keep up is one more cost for each of an import's 100,000 rows.
    institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="patients", db_index=False
    )
    pseudonym = models.CharField(_("pseudonym"), max_length=32, unique=True)
    # The parts of the pseudonym, kept so the next number is one indexed MAX away.
    pseudonym_year = models.PositiveSmallIntegerField()
    pseudonym_number = models.PositiveIntegerField()
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    # Year and month of birth are not direct identifiers; the full date is in PatientIdentity.
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    birth_month = models.PositiveSmallIntegerField(_("month of birth"), null=True, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    consent_status = models.CharField(
        _("consent to share de-identified data"),
        max_length=8,
        choices=ConsentStatus.choices,
        default=ConsentStatus.UNKNOWN,
    )
    consent_date = models.DateField(_("date of consent"), null=True, blank=True)
    consent_waiver_reason = models.CharField(_("reason for the waiver"), max_length=300, blank=True)
    vital_status = models.CharField(
        _("vital status"), max_length=8, choices=VitalStatus.choices, default=VitalStatus.ALIVE
    )
    last_contact = models.DateField(_("last contact"), null=True, blank=True)
    # Year of the first diagnosis (the pseudonym's year): the list filters on it.
    diagnosis_year = models.PositiveSmallIntegerField(_("year of diagnosis"))
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    import_job = models.ForeignKey(
        "ImportJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Survival facts: derived from the diagnoses and follow-up events, never typed in, kept
    # in sync by consilium.registry.survival_facts (read by the outcomes' GROUP BY).
    origin_date = models.DateField(null=True, blank=True, editable=False)
    origin_iccc_group = models.CharField(max_length=4, blank=True, editable=False)
    origin_stage_tumour = models.CharField(max_length=20, blank=True, editable=False)
    origin_stage_value = models.CharField(max_length=12, blank=True, editable=False)
    origin_index_cancer = models.CharField(max_length=16, blank=True, editable=False)
    death_date = models.DateField(null=True, blank=True, editable=False)
    # The first relapse, progression or second cancer (death apart).
    first_efs_event_date = models.DateField(null=True, blank=True, editable=False)
    abandonment_date = models.DateField(null=True, blank=True, editable=False)
    # The same facts as whole days from origin_date (negative when dated before it): the
    # GROUP BY then does integer arithmetic only, where date arithmetic (julianday on SQLite)
    # was a third of its cost at a million patients.
    last_contact_day = models.IntegerField(null=True, blank=True, editable=False)
    death_day = models.IntegerField(null=True, blank=True, editable=False)
    first_efs_event_day = models.IntegerField(null=True, blank=True, editable=False)
    abandonment_day = models.IntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "pseudonym_year", "pseudonym_number"],
                name="registry_patient_one_number_per_year",
            )
        ]
        indexes = [
            # The list: one institution's patients, newest first, optionally one year.
            models.Index(fields=["institution", "-id"], name="registry_patient_inst_id"),
            # vital_status rides along (PostgreSQL's INCLUDE; ignored elsewhere) so that "year
            # and alive", with or without a diagnosis filter, is an index-only scan: without it
            # "all filters" read 10,000 patient rows for the year from the table.
            models.Index(
                fields=["institution", "diagnosis_year", "-id"],
                include=["vital_status"],
                name="registry_patient_inst_year_v",
            ),
            models.Index(
                fields=["institution", "vital_status", "-id"], name="registry_patient_inst_vital"
            ),
            # The outcomes' GROUP BY: one institution's diagnosed patients, covering every
            # column the query reads (group keys, day offsets), so that it scans this narrow
            # index rather than the wide patient rows (half the scan's cost on SQLite).
            models.Index(
                fields=[
                    "institution",
                    "origin_date",
                    "origin_iccc_group",
                    "origin_index_cancer",
                    "origin_stage_tumour",
                    "origin_stage_value",
                    "vital_status",
                    "last_contact_day",
                    "death_day",
                    "first_efs_event_day",
                    "abandonment_day",
                ],
                name="registry_patient_outcomes",
            ),
        ]

    def __str__(self) -> str:
        return self.pseudonym

    @property
    def consent_waiver_reason_shown(self) -> str:
        """The reason as typed; a sentence a FHIR read-back wrote, in the reader's language."""
        from consilium.registry.checks import reader_message

        return reader_message(self.consent_waiver_reason)


class PatientCount(models.Model):
    """How many patients an institution has. The unfiltered patient list shows this figure
    and pages by it: an exact COUNT of an institution's 100,000 patients is a sequential scan
    on PostgreSQL (25-40 ms of every page view). Database triggers on the patient table keep
    it (registry/patient_count_triggers.py), so every way a patient row is written or removed
    counts, the importer's COPY and a raw DELETE included. Never written from Python."""

    institution = models.OneToOneField(
        "network.Institution", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    patients = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.institution_id}: {self.patients}"


class PatientIdentity(models.Model):
    """The direct identifiers, only ever shown to the owning institution's clinical staff."""

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, primary_key=True, related_name="identity"
    )
    name = EncryptedTextField(_("name"))
    hospital_number = EncryptedTextField(_("hospital number"), blank=True)
    birth_date = EncryptedDateField(_("date of birth"))
    address = EncryptedTextField(_("address"), blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    # Keyed hashes of normalised values: what duplicate detection and search compare.
    # Indexed in Meta: db_index=True would also give PostgreSQL a LIKE index for each, which
    # an exact-match digest never uses and every insert would keep up.
    name_birth_digest = models.CharField(max_length=64)
    hospital_number_digest = models.CharField(max_length=64, blank=True)
    # The patient's institution again, so the database itself can keep a hospital number to
    # one child per institution (the constraint below).
    institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("patient identity")
        verbose_name_plural = _("patient identities")
        indexes = [
            models.Index(fields=["name_birth_digest"], name="registry_identity_name_birth"),
            models.Index(fields=["hospital_number_digest"], name="registry_identity_number"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "hospital_number_digest"],
                condition=~models.Q(hospital_number_digest=""),
                name="registry_identity_unique_number",
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient_id}"


class Diagnosis(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="diagnoses")
    date = models.DateField(_("date of diagnosis"))
    topography = models.CharField(_("topography (ICD-O-3)"), max_length=4)
    morphology = models.CharField(_("morphology (ICD-O-3)"), max_length=4)
    behaviour = models.CharField(_("behaviour"), max_length=1)
    grade = models.CharField(_("grade"), max_length=1, blank=True)
    laterality = models.CharField(
        _("laterality"), max_length=12, choices=Laterality.choices, default=Laterality.NOT_PAIRED
    )
    basis_of_diagnosis = models.CharField(
        _("basis of diagnosis"), max_length=1, choices=BasisOfDiagnosis.choices
    )
    # Derived by the action from the codes (iccc.classify), never typed in.
    iccc_recode = models.CharField(_("ICCC-3 recode"), max_length=3)
    iccc_extended = models.CharField(_("ICCC-3 extended code"), max_length=3)
    iccc_main_group = models.CharField(
        _("ICCC-3 main group"), max_length=4, choices=IcccGroup.choices, blank=True
    )
    stage_tumour = models.CharField(
        _("Toronto tumour type"), max_length=20, choices=TorontoTumour.choices, blank=True
    )
    stage_tier = models.PositiveSmallIntegerField(
        _("Toronto tier"), choices=Tier.choices, null=True, blank=True
    )
    stage_value = models.CharField(_("Toronto stage"), max_length=12, blank=True)
    risk_group = models.CharField(
        _("risk group"), max_length=16, choices=RiskGroup.choices, blank=True
    )
    age_at_diagnosis = models.PositiveSmallIntegerField(
        _("age at diagnosis (years)"), null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("diagnosis")
        verbose_name_plural = _("diagnoses")
        indexes = [
            models.Index(fields=["iccc_main_group", "patient"], name="registry_diag_group"),
            # The group too, so that the list's stage-and-group filter is read from the index.
            models.Index(
                fields=["stage_value", "iccc_main_group", "patient"], name="registry_diag_stage_g"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topography} {self.morphology}/{self.behaviour}"

    @property
    def stage_label(self) -> str:
        from consilium.registry.toronto import stage_label

        return stage_label(self.stage_value)

    @property
    def topography_display(self) -> str:
        return f"{self.topography[:3]}.{self.topography[3:]}"

    @property
    def morphology_display(self) -> str:
        return f"{self.morphology}/{self.behaviour}"

    @property
    def topography_term(self) -> CodedTerm:
        return terms.topography(self.topography)

    @property
    def morphology_term(self) -> CodedTerm:
        return terms.morphology(self.morphology, self.behaviour)

    @property
    def microscopically_verified(self) -> bool:
        return self.basis_of_diagnosis in MICROSCOPIC_BASES


class MolecularMarker(models.Model):
    diagnosis = models.ForeignKey(Diagnosis, on_delete=models.CASCADE, related_name="markers")
    marker = models.CharField(_("marker"), max_length=16, choices=Marker.choices)
    other_name = models.CharField(_("name (other marker)"), max_length=60, blank=True)
    result = models.CharField(_("result"), max_length=16, choices=MarkerResult.choices)
    method = models.CharField(_("method"), max_length=12, choices=MarkerMethod.choices)
    lab = models.CharField(_("laboratory"), max_length=120, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("molecular marker")
        verbose_name_plural = _("molecular markers")

    def __str__(self) -> str:
        return f"{self.other_name or self.marker}: {self.result}"


class Treatment(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="treatments")
    diagnosis = models.ForeignKey(
        Diagnosis, on_delete=models.CASCADE, null=True, blank=True, related_name="treatments"
    )
    # Free text until protocols have their own module.
    protocol_name = models.CharField(_("protocol"), max_length=120, blank=True)
    protocol_version = models.CharField(_("protocol version"), max_length=40, blank=True)
    intent = models.CharField(
        _("intent"), max_length=12, choices=Intent.choices, default=Intent.CURATIVE
    )
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"), null=True, blank=True)
    modalities = models.JSONField(_("modalities"), default=list)

    class Meta:
        ordering = ["start_date", "id"]
        verbose_name = _("treatment")
        verbose_name_plural = _("treatments")

    def __str__(self) -> str:
        return f"{self.protocol_name} {self.protocol_version}".strip()

    def modality_labels(self) -> list[str]:
        return [str(Modality(value).label) for value in self.modalities]


class FollowUpEvent(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="events")
    diagnosis = models.ForeignKey(
        Diagnosis, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=16, choices=EventKind.choices)
    date = models.DateField(_("date"))
    death_cause = models.CharField(
        _("cause of death"), max_length=12, choices=DeathCause.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("follow-up event")
        verbose_name_plural = _("follow-up events")
        indexes = [models.Index(fields=["kind", "patient"], name="registry_event_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.date}"


class QualityIssue(models.Model):
    """A data-quality finding that did not block saving (a warning), or that a later bulk run
    found (an error in data that predates a check). Warnings are closed by confirming them."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="issues")
    diagnosis = models.ForeignKey(
        Diagnosis, on_delete=models.CASCADE, null=True, related_name="issues"
    )
    code = models.CharField(max_length=40)
    level = models.CharField(max_length=8, choices=Level.choices)
    field = models.CharField(max_length=40, blank=True)
    # Written in the installation's language when found; the patient page re-runs the checks
    # to show them in the reader's.
    message = models.TextField()
    found_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["patient", "confirmed_at"], name="registry_issue_open"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.level})"

    @property
    def reader_message(self) -> str:
        from consilium.registry.checks import reader_message

        return reader_message(self.message)


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    VALIDATING = "validating", _("Checking every row")
    SAVING = "saving", _("Saving")
    PREVIEW = "preview", _("Checked: waiting for your confirmation")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Not imported")
    CANCELLED = "cancelled", _("Cancelled: nothing imported")


class ImportJob(models.Model):
    institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=200)
    # Where the upload waits for the worker; deleted once read, since it holds identifiers.
    path = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    # What the confirmed import would do: new, changed (with their columns, old -> new, no
    # identifiers) and unchanged rows (consilium.registry.keep_in_step).
    preview = models.JSONField(default=dict, blank=True)
    # Set when the data manager confirms the preview; the worker then writes.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    rows_updated = models.PositiveIntegerField(default=0)
    # The data manager chose to import the rows without problems and leave out the others
    # (never the default: a file with problems imports nothing until someone says so).
    skips_problems = models.BooleanField(default=False)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED)

    @property
    def working(self) -> bool:
        """A worker has it, or will: the page keeps watching."""
        return not self.finished and self.status != ImportStatus.PREVIEW

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)


class CodeKind(models.TextChoices):
    TOPOGRAPHY = "topography", _("Topography")
    MORPHOLOGY = "morphology", _("Morphology")


class CodeTerm(models.Model):
    """A term of the full ICD-O-3 list, for look-ups beyond the curated paediatric codes.

    The full list is WHO's to license, not ours to ship: a registry that holds the licence
    loads its copy with `consilium load-icdo3 FILE`."""

    kind = models.CharField(max_length=12, choices=CodeKind.choices)
    code = models.CharField(max_length=8)
    """``C421`` (no dot) or ``9836/3``, as in codes.py."""
    term = models.CharField(max_length=300)

    class Meta:
        ordering = ["kind", "code"]
        indexes = [models.Index(fields=["kind", "code"], name="registry_codeterm_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.term}"
