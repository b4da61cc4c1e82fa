"""CSV export of an institution's registry, streamed row by row.

Without identifiers it is pseudonymised (pseudonym, year and month of birth). With them, its
columns are the import's, so an export can be corrected in a spreadsheet and imported elsewhere.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Iterator
from typing import BinaryIO

from consilium.lib import csv_cells
from consilium.network.models import Institution
from consilium.registry.models import (
    FollowUpEvent,
    MolecularMarker,
    Patient,
    PatientIdentity,
    Treatment,
)
from consilium.registry.sheets import EVENTS, MARKERS, MODALITY_SEPARATOR, PATIENTS, TREATMENTS

IMPORT_COLUMNS = PATIENTS.columns

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


# Everything the registry holds, in the sheets the import reads (consilium.registry.sheets) -----


def sheet_rows(institution: Institution) -> Iterator[tuple[str, tuple[str, ...], Iterator[list]]]:
    """(sheet, columns, rows) for each sheet, identified: what an import reads back into the
    same registry. A patient's first diagnosis is its row (the import makes one per patient);
    repeated rows are joined by hospital number."""
    numbers = dict(
        PatientIdentity.objects.filter(patient__institution=institution).values_list(
            "patient_id", "hospital_number"
        )
    )

    def patients() -> Iterator[list]:
        found = (
            Patient.objects.filter(institution=institution)
            .select_related("identity")
            .prefetch_related("diagnoses")
            .order_by("pk")
        )
        for patient in found.iterator(chunk_size=1000):
            diagnoses = patient.diagnoses.all()
            values = _values(patient, diagnoses[0] if diagnoses else None, True)
            yield [values.get(column) for column in IDENTIFIED_COLUMNS]

    def events() -> Iterator[list]:
        rows = FollowUpEvent.objects.filter(patient__institution=institution).order_by(
            "patient_id", "date", "pk"
        )
        for e in rows.iterator(chunk_size=2000):
            yield [numbers.get(e.patient_id, ""), e.date, e.kind, e.death_cause, e.note]

    def treatments() -> Iterator[list]:
        rows = Treatment.objects.filter(patient__institution=institution).order_by(
            "patient_id", "start_date", "pk"
        )
        for t in rows.iterator(chunk_size=2000):
            yield [
                numbers.get(t.patient_id, ""),
                t.start_date,
                t.end_date,
                MODALITY_SEPARATOR.join(t.modalities),
                t.intent,
                t.protocol_name,
                t.protocol_version,
            ]

    def markers() -> Iterator[list]:
        rows = (
            MolecularMarker.objects.filter(diagnosis__patient__institution=institution)
            .select_related("diagnosis")
            .order_by("diagnosis__patient_id", "pk")
        )
        for m in rows.iterator(chunk_size=2000):
            yield [
                numbers.get(m.diagnosis.patient_id, ""),
                m.marker,
                m.other_name,
                m.result,
                m.method,
                m.lab,
                m.date,
            ]

    yield "patients", IDENTIFIED_COLUMNS, patients()
    yield "events", EVENTS.columns, events()
    yield "treatments", TREATMENTS.columns, treatments()
    yield "markers", MARKERS.columns, markers()


def write_zip(institution: Institution, out: BinaryIO) -> None:
    """A .zip of one CSV file per sheet (patients.csv, events.csv, …)."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for sheet, columns, rows in sheet_rows(institution):
            with archive.open(f"{sheet}.csv", "w") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                text.write("\ufeff")
                writer = csv_cells.writer(text)
                writer.writerow(columns)
                for row in rows:
                    writer.writerow(row)
                text.flush()
                text.detach()


def write_xlsx(institution: Institution, out: BinaryIO) -> None:
    """An .xlsx workbook, one sheet each, written streaming (openpyxl's write-only mode);
    dates are Excel dates."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    for sheet, columns, rows in sheet_rows(institution):
        worksheet = book.create_sheet(sheet)
        worksheet.append(list(columns))
        for row in rows:
            cells = []
            for value in row:
                cell = WriteOnlyCell(worksheet, value=value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text, never a formula
                elif isinstance(value, datetime.date):
                    cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            worksheet.append(cells)
    book.save(out)
