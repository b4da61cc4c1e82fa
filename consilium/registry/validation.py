"""What the registry's forms, API and importer all validate in the same way: the input data of a
patient and a diagnosis, normalised, turned into check facts, checked.

The clinical checks themselves are in checks.py; this adds the few rules that are about the
record rather than the tumour (a waived consent needs its reason, a death its cause)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from consilium.registry import iccc, toronto
from consilium.registry.checks import CheckResult, DiagnosisFacts, Level, run_all
from consilium.registry.codes import normalise_site
from consilium.registry.models import (
    ConsentStatus,
    Laterality,
    Modality,
    Sex,
    VitalStatus,
)

_CONSENT_VALUES = frozenset(ConsentStatus.values)


class ChecksFailed(Exception):
    """At least one ERROR: nothing was saved. ``results`` holds warnings too, for display."""

    def __init__(self, results: list[CheckResult]) -> None:
        super().__init__("; ".join(str(r.message) for r in results if r.level == Level.ERROR))
        self.results = results

    @property
    def errors(self) -> list[CheckResult]:
        return [r for r in self.results if r.level == Level.ERROR]


@dataclass(frozen=True, kw_only=True)
class IdentityData:
    name: str
    birth_date: datetime.date
    hospital_number: str = ""
    address: str = ""
    phone: str = ""


@dataclass(frozen=True, kw_only=True)
class PatientData:
    sex: str = Sex.UNKNOWN
    region: str = ""
    consent_status: str = ConsentStatus.UNKNOWN
    consent_date: datetime.date | None = None
    consent_waiver_reason: str = ""
    vital_status: str = VitalStatus.ALIVE
    last_contact: datetime.date | None = None


@dataclass(frozen=True, kw_only=True)
class DiagnosisData:
    date: datetime.date | None
    topography: str
    morphology: str
    behaviour: str
    basis_of_diagnosis: str
    grade: str = ""
    laterality: str = Laterality.NOT_PAIRED
    stage_tumour: str = ""
    stage_tier: int | None = None
    stage_value: str = ""
    risk_group: str = ""

    def normalised(self) -> DiagnosisData:
        """Codes as the registry stores them (``C42.1`` → ``C421``, stage in the guideline's
        spelling); what cannot be normalised is left as typed for the checks to report."""
        site = normalise_site(self.topography) or self.topography.strip().upper()
        morphology = self.morphology.strip()
        behaviour = self.behaviour.strip()
        stage = self.stage_value.strip()
        tumour = self.stage_tumour.strip()
        if stage and not tumour:
            # The tumour type follows from the codes: nobody should have to pick it.
            recode = iccc.classify(site, morphology, behaviour).recode
            tumour = toronto.tumour_for(recode, morphology, site) or ""
        if stage and tumour and self.stage_tier:
            stage = toronto.canonical_stage(tumour, self.stage_tier, stage) or stage
        return DiagnosisData(
            date=self.date,
            topography=site,
            morphology=morphology,
            behaviour=behaviour,
            basis_of_diagnosis=self.basis_of_diagnosis.strip(),
            grade=self.grade.strip(),
            laterality=self.laterality or Laterality.NOT_PAIRED,
            stage_tumour=tumour,
            stage_tier=self.stage_tier,
            stage_value=stage,
            risk_group=self.risk_group.strip(),
        )

    def classify(self) -> iccc.IcccResult:
        return iccc.classify(self.topography, self.morphology, self.behaviour)


@dataclass(frozen=True, kw_only=True)
class Context:
    """What the checks of one diagnosis need to know about the rest of the patient."""

    sex: str
    birth_date: datetime.date | None
    vital_status: str
    last_contact: datetime.date | None
    event_dates: tuple[datetime.date, ...] = field(default=())


def facts(diagnosis: DiagnosisData, context: Context, today: datetime.date) -> DiagnosisFacts:
    return DiagnosisFacts(
        today=today,
        sex=context.sex,
        birth_date=context.birth_date,
        diagnosis_date=diagnosis.date,
        site=diagnosis.topography,
        histology=diagnosis.morphology,
        behaviour=diagnosis.behaviour,
        grade=diagnosis.grade,
        basis_of_diagnosis=diagnosis.basis_of_diagnosis,
        stage_tumour=diagnosis.stage_tumour,
        stage_tier=diagnosis.stage_tier,
        stage_value=diagnosis.stage_value,
        event_dates=context.event_dates,
        last_contact=context.last_contact,
        vital_status=context.vital_status,
    )


def check_diagnosis(
    diagnosis: DiagnosisData, context: Context, today: datetime.date
) -> list[CheckResult]:
    return run_all(facts(diagnosis, context, today))


def check_patient_record(patient: PatientData, identity: IdentityData | None) -> list[CheckResult]:
    """The record's own rules, beyond the tumour checks."""
    results = []
    if patient.consent_status == ConsentStatus.WAIVED and not patient.consent_waiver_reason.strip():
        results.append(
            CheckResult(
                "consent_reason",
                Level.ERROR,
                _("A waived consent needs its reason."),
                "consent_waiver_reason",
            )
        )
    if patient.consent_status not in _CONSENT_VALUES:
        results.append(
            CheckResult(
                "consent_invalid",
                Level.ERROR,
                _("Consent must be given, refused, waived or unknown."),
                "consent_status",
            )
        )
    if identity is not None and not identity.name.strip():
        results.append(CheckResult("name_missing", Level.ERROR, _("The name is required."), "name"))
    return results


def check_treatment(
    *,
    start_date: datetime.date,
    end_date: datetime.date | None,
    modalities: list[str],
    today: datetime.date,
) -> list[CheckResult]:
    results = []
    if not modalities:
        results.append(
            CheckResult(
                "modality_missing", Level.ERROR, _("Choose at least one modality."), "modalities"
            )
        )
    elif not set(modalities) <= set(Modality.values):
        results.append(
            CheckResult("modality_invalid", Level.ERROR, _("Unknown modality."), "modalities")
        )
    if start_date > today:
        results.append(
            CheckResult(
                "date_in_future", Level.ERROR, _("The start is in the future."), "start_date"
            )
        )
    if end_date is not None and end_date < start_date:
        results.append(
            CheckResult("date_order", Level.ERROR, _("The end is before the start."), "end_date")
        )
    if end_date is not None and end_date > today:
        results.append(
            CheckResult("date_in_future", Level.ERROR, _("The end is in the future."), "end_date")
        )
    return results


def age_in_years(birth: datetime.date | None, on: datetime.date | None) -> int | None:
    if birth is None or on is None or birth > on:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
