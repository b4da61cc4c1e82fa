"""CSV export of an institution's registry, streamed row by row.

Without identifiers it is pseudonymised (pseudonym, year and month of birth). With them, its
columns are the import's, so an export can be corrected in a spreadsheet and imported elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator

from consilium.lib import csv_cells
from consilium.network.models import Institution
from consilium.registry.importer import COLUMNS as IMPORT_COLUMNS
from consilium.registry.models import Patient

__all__ = ["IMPORT_COLUMNS", "PSEUDONYMISED_COLUMNS", "csv_lines"]

IDENTIFYING = ("hospital_number", "name", "birth_date", "address", "phone")
DERIVED = ("iccc_recode", "iccc_extended", "iccc_main_group", "age_at_diagnosis")
PSEUDONYMISED_COLUMNS = (
    "pseudonym",
    "birth_year",
    "birth_month",
    *(c for c in IMPORT_COLUMNS if c not in IDENTIFYING and c != "consent_waiver_reason"),
    *DERIVED,
)
IDENTIFIED_COLUMNS = ("pseudonym", *IMPORT_COLUMNS, *DERIVED)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _values(patient: Patient, diagnosis, identifiers: bool) -> dict[str, object]:
    values: dict[str, object] = {
        "pseudonym": patient.pseudonym,
        "birth_year": patient.birth_year,
        "birth_month": patient.birth_month,
        "sex": patient.sex,
        "region": patient.region,
        "consent_status": patient.consent_status,
        "consent_date": patient.consent_date,
        "consent_waiver_reason": patient.consent_waiver_reason,
        "vital_status": patient.vital_status,
        "last_contact": patient.last_contact,
    }
    if diagnosis is not None:
        values |= {
            "diagnosis_date": diagnosis.date,
            "topography": diagnosis.topography,
            "morphology": diagnosis.morphology,
            "behaviour": diagnosis.behaviour,
            "grade": diagnosis.grade,
            "laterality": diagnosis.laterality,
            "basis_of_diagnosis": diagnosis.basis_of_diagnosis,
            "stage_tumour": diagnosis.stage_tumour,
            "stage_tier": diagnosis.stage_tier,
            "stage_value": diagnosis.stage_value,
            "risk_group": diagnosis.risk_group,
            "iccc_recode": diagnosis.iccc_recode,
            "iccc_extended": diagnosis.iccc_extended,
            "iccc_main_group": diagnosis.iccc_main_group,
            "age_at_diagnosis": diagnosis.age_at_diagnosis,
        }
    if identifiers:
        identity = getattr(patient, "identity", None)
        if identity is not None:
            values |= {field: getattr(identity, field) for field in IDENTIFYING}
    return values


def csv_lines(institution: Institution, *, identifiers: bool) -> Iterator[str]:
    """One line per diagnosis (a second primary is a second line with the same pseudonym)."""
    columns = IDENTIFIED_COLUMNS if identifiers else PSEUDONYMISED_COLUMNS
    writer = csv_cells.writer(_Echo())
    yield "\ufeff" + writer.writerow(columns)  # the BOM makes spreadsheets read UTF-8
    patients = Patient.objects.filter(institution=institution).prefetch_related("diagnoses")
    if identifiers:
        patients = patients.select_related("identity")
    for patient in patients.order_by("pk").iterator(chunk_size=1000):
        for diagnosis in patient.diagnoses.all() or [None]:
            values = _values(patient, diagnosis, identifiers)
            yield writer.writerow([values.get(column) for column in columns])
