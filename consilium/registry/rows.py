"""The rows a new patient is written as, and the numbering lock: shared by the actions and the
importer, which must not import the actions (the actions queue the import task, whose importer
would close a circle: actions -> tasks -> importer -> actions)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Max
from django.utils import translation

from consilium.accounts.models import User
from consilium.network.models import Institution
from consilium.registry import toronto
from consilium.registry.checks import CheckResult
from consilium.registry.crypto import hospital_number_digest, name_birth_digest
from consilium.registry.models import Diagnosis, ImportJob, Patient, PatientIdentity
from consilium.registry.validation import DiagnosisData, IdentityData, PatientData, age_in_years

Actor = User | AnonymousUser | None


# What a correction may change, what its audit entry shows before and after, and what a
# re-import compares: clinical codes and dates, never an identifier.
DIAGNOSIS_FIELDS = (
    "date",
    "topography",
    "morphology",
    "behaviour",
    "grade",
    "laterality",
    "basis_of_diagnosis",
    "stage_tumour",
    "stage_tier",
    "stage_value",
    "risk_group",
)
# Derived from those by diagnosis_row, rewritten with them.
DERIVED_DIAGNOSIS_FIELDS = ("iccc_recode", "iccc_extended", "iccc_main_group", "age_at_diagnosis")


def pseudonym(code: str, year: int, number: int) -> str:
    return f"{code}-{year}-{number:04d}"


def next_pseudonym_number(institution: Institution, year: int) -> int:
    """Call inside the transaction that holds the institution's lock (see _lock_numbering)."""
    current = Patient.objects.filter(institution=institution, pseudonym_year=year).aggregate(
        top=Max("pseudonym_number")
    )["top"]
    return (current or 0) + 1


def lock_numbering(institution: Institution) -> None:
    """Serialise pseudonym numbering per institution. SQLite transactions here are IMMEDIATE,
    which already serialises writers; PostgreSQL needs the row lock."""
    # FOR NO KEY UPDATE, not FOR UPDATE: rows that merely refer to the institution (an audit
    # entry, a contact) take a key-share lock on it, which this one does not block.
    list(
        Institution.objects.select_for_update(no_key=True)
        .filter(pk=institution.pk)
        .values_list("pk")
    )


def message_text(result: CheckResult) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(result.message)


def identity_row(
    patient: Patient, identity: IdentityData, *, digests: tuple[str, str] | None = None
) -> PatientIdentity:
    """The identity row; ``digests`` are its lookup digests when the caller has them already
    (the importer's duplicate check works them out for every row)."""
    if not digests or not digests[0]:
        digests = (
            name_birth_digest(identity.name, identity.birth_date),
            hospital_number_digest(identity.hospital_number),
        )
    return PatientIdentity(
        patient=patient,
        institution_id=patient.institution_id,
        name=identity.name.strip(),
        hospital_number=identity.hospital_number.strip(),
        birth_date=identity.birth_date,
        address=identity.address.strip(),
        phone=identity.phone.strip(),
        name_birth_digest=digests[0],
        hospital_number_digest=digests[1],
    )


def patient_row(
    *,
    institution: Institution,
    year: int,
    number: int,
    patient: PatientData,
    birth_date: datetime.date,
    actor: Actor,
    import_job: ImportJob | None = None,
) -> Patient:
    return Patient(
        institution=institution,
        pseudonym=pseudonym(institution.code, year, number),
        pseudonym_year=year,
        pseudonym_number=number,
        sex=patient.sex,
        birth_year=birth_date.year,
        birth_month=birth_date.month,
        region=patient.region.strip(),
        consent_status=patient.consent_status,
        consent_date=patient.consent_date,
        consent_waiver_reason=patient.consent_waiver_reason.strip(),
        vital_status=patient.vital_status,
        last_contact=patient.last_contact,
        diagnosis_year=year,
        created_by=actor if isinstance(actor, User) else None,
        import_job=import_job,
    )


def diagnosis_row(
    patient: Patient, data: DiagnosisData, birth_date: datetime.date | None
) -> Diagnosis:
    result = data.classify()
    # The Toronto tumour type follows from the codes; stored even before a stage is known, so
    # stage completeness can be counted over the diagnoses that should have one.
    stage_tumour = data.stage_tumour or (
        toronto.tumour_for(result.recode, data.morphology, data.topography) or ""
    )
    return Diagnosis(
        patient=patient,
        date=data.date,
        topography=data.topography,
        morphology=data.morphology,
        behaviour=data.behaviour,
        grade=data.grade,
        laterality=data.laterality,
        basis_of_diagnosis=data.basis_of_diagnosis,
        iccc_recode=result.recode,
        iccc_extended=result.extended,
        iccc_main_group=result.main_group or "",
        stage_tumour=stage_tumour,
        stage_tier=data.stage_tier if data.stage_value else None,
        stage_value=data.stage_value,
        risk_group=data.risk_group,
        age_at_diagnosis=age_in_years(birth_date, data.date),
    )
