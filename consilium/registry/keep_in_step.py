"""Keeping the registry in step with a hospital's monthly file.

A row whose hospital number is already registered is not refused: it is compared, column by
column, with what the registry holds (through the export's own rendering, so an export read
back is "unchanged"), and with its events, treatments and markers as wholes. The preview lists
the rows that differ with their old and new values; the confirmed import updates exactly
those rows, in one transaction, audited per patient.

Identifiers are never written into the preview kept on the job (it outlives the upload): a
changed name, date of birth, address or phone is named, not shown.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from consilium.accounts.models import User
from consilium.audit.actions import record
from consilium.network.models import Institution
from consilium.registry import repeated, survival_facts, toronto
from consilium.registry.bulk import insert
from consilium.registry.crypto import hospital_number_digest, name_birth_digest
from consilium.registry.models import (
    Diagnosis,
    FollowUpEvent,
    ImportJob,
    MolecularMarker,
    Patient,
    QualityIssue,
    Treatment,
)
from consilium.registry.rows import (
    DERIVED_DIAGNOSIS_FIELDS,
    DIAGNOSIS_FIELDS,
    Actor,
    diagnosis_row,
    patient_row,
)
from consilium.registry.sheets import MODALITY_SEPARATOR, PATIENTS

COLUMNS = tuple(c for c in PATIENTS.columns if c != "hospital_number")
IDENTIFYING = frozenset({"name", "birth_date", "address", "phone"})
REPEATED = ("events", "treatments", "markers")
# The preview lists at most this many changed rows (the counts are always exact).
MAX_LISTED = 5000
_PATIENT_FIELDS = (
    "sex",
    "birth_year",
    "birth_month",
    "region",
    "consent_status",
    "consent_date",
    "consent_waiver_reason",
    "vital_status",
    "last_contact",
    "diagnosis_year",
)
_DIAGNOSIS_FIELDS = (*DIAGNOSIS_FIELDS, *DERIVED_DIAGNOSIS_FIELDS)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


@dataclass
class Change:
    row: int
    patient_id: int
    pseudonym: str
    # (column, old, new); old and new are "" for an identifier.
    fields: list[tuple[str, str, str]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "patient": self.patient_id,
            "pseudonym": self.pseudonym,
            "fields": [list(f) for f in self.fields],
        }


def _file_values(row: Any) -> dict[str, str]:
    """The row as the registry would store it (`consilium.registry.rows.patient_row` and
    `diagnosis_row`, whose values these are), rendered as the export writes it; without
    building the two models, which took a quarter of a re-import's preview."""
    patient, diagnosis, identity = row.patient, row.diagnosis, row.identity
    assert diagnosis.date is not None
    stage_tumour = diagnosis.stage_tumour
    if not stage_tumour:
        stage_tumour = (
            toronto.tumour_for(
                diagnosis.classify().recode, diagnosis.morphology, diagnosis.topography
            )
            or ""
        )
    values = {
        "name": identity.name.strip(),
        "birth_date": identity.birth_date,
        "sex": patient.sex,
        "address": identity.address.strip(),
        "phone": identity.phone.strip(),
        "region": patient.region.strip(),
        "consent_status": patient.consent_status,
        "consent_date": patient.consent_date,
        "consent_waiver_reason": patient.consent_waiver_reason.strip(),
        "diagnosis_date": diagnosis.date,
        "topography": diagnosis.topography,
        "morphology": diagnosis.morphology,
        "behaviour": diagnosis.behaviour,
        "grade": diagnosis.grade,
        "laterality": diagnosis.laterality,
        "basis_of_diagnosis": diagnosis.basis_of_diagnosis,
        "stage_tumour": stage_tumour,
        "stage_tier": diagnosis.stage_tier if diagnosis.stage_value else None,
        "stage_value": diagnosis.stage_value,
        "risk_group": diagnosis.risk_group,
        "vital_status": patient.vital_status,
        "last_contact": patient.last_contact,
    }
    return {column: _text(values.get(column)) for column in COLUMNS}


def _unsaved_patient(row: Any, institution: Institution) -> Patient:
    return patient_row(
        institution=institution,
        year=row.diagnosis.date.year,
        number=0,
        patient=row.patient,
        birth_date=row.identity.birth_date,
        actor=None,
    )


def _event_lines(events: list) -> list[str]:
    return sorted(
        " ".join(filter(None, (_text(e.date), e.kind, e.death_cause, e.note))) for e in events
    )


def _treatment_lines(treatments: list) -> list[str]:
    return sorted(
        " ".join(
            filter(
                None,
                (
                    _text(t.start_date) + ("–" + _text(t.end_date) if t.end_date else ""),
                    MODALITY_SEPARATOR.join(t.modalities),
                    t.intent,
                    t.protocol_name,
                    t.protocol_version,
                ),
            )
        )
        for t in treatments
    )


def _marker_lines(markers: list) -> list[str]:
    return sorted(
        " ".join(filter(None, (m.marker, m.other_name, m.result, m.method, m.lab, _text(m.date))))
        for m in markers
    )


def _repeated_lines(events: list, treatments: list, markers: list) -> dict[str, list[str]]:
    return {
        "events": _event_lines(events),
        "treatments": _treatment_lines(treatments),
        "markers": _marker_lines(markers),
    }


# What the registry holds of a patient, by the file's column (exports._values renders the
# same for the export): read as plain values, not models, since the preview of a monthly
# re-export compares every registered patient.
_STORED_PATIENT = {
    **{c: c for c in ("sex", "region", "consent_status", "consent_date")},
    **{c: c for c in ("consent_waiver_reason", "vital_status", "last_contact")},
    **{c: f"identity__{c}" for c in IDENTIFYING},
}
_STORED_DIAGNOSIS = {
    "diagnosis_date": "date",
    **{c: c for c in DIAGNOSIS_FIELDS if c != "date"},
}


def compare(
    matched: list[tuple[Any, int]], extras: dict[str, repeated.Extras], institution: Institution
) -> tuple[list[Change], int]:
    """The changed rows among ``matched`` (row, registered patient id), and how many are
    unchanged. A few queries per call, whatever the number of rows (the importer calls it a
    batch at a time, with the batch's repeated rows in ``extras``)."""
    ids = [pk for _row, pk in matched]
    patients = {
        values["pk"]: values
        for values in Patient.objects.filter(pk__in=ids).values(
            "pk", "pseudonym", *_STORED_PATIENT.values()
        )
    }
    first_diagnosis: dict[int, dict[str, Any]] = {}
    for values in (
        Diagnosis.objects.filter(patient_id__in=ids)
        .order_by("patient_id", "date", "id")
        .values("patient_id", "pk", *_STORED_DIAGNOSIS.values())
    ):
        first_diagnosis.setdefault(values["patient_id"], values)
    stored: dict[int, dict[str, list]] = {pk: {k: [] for k in REPEATED} for pk in ids}
    for e in (
        FollowUpEvent.objects.filter(patient_id__in=ids)
        .order_by()
        .values_list("patient_id", "date", "kind", "death_cause", "note", named=True)
    ):
        stored[e.patient_id]["events"].append(e)
    for t in (
        Treatment.objects.filter(patient_id__in=ids)
        .order_by()
        .values_list(
            "patient_id",
            "start_date",
            "end_date",
            "modalities",
            "intent",
            "protocol_name",
            "protocol_version",
            named=True,
        )
    ):
        stored[t.patient_id]["treatments"].append(t)
    by_diagnosis = {d["pk"]: pk for pk, d in first_diagnosis.items()}
    for m in (
        MolecularMarker.objects.filter(diagnosis_id__in=list(by_diagnosis))
        .order_by()
        .values_list(
            "diagnosis_id", "marker", "other_name", "result", "method", "lab", "date", named=True
        )
    ):
        stored[by_diagnosis[m.diagnosis_id]]["markers"].append(m)
    changes = []
    unchanged = 0
    for row, pk in matched:
        patient = patients[pk]
        diagnosis = first_diagnosis.get(pk, {})
        old_text = {
            **{c: _text(patient[name]) for c, name in _STORED_PATIENT.items()},
            **{c: _text(diagnosis.get(name)) for c, name in _STORED_DIAGNOSIS.items()},
        }
        new_text = _file_values(row)
        fields = []
        for column in COLUMNS:
            if old_text[column] != new_text[column]:
                if column in IDENTIFYING:
                    fields.append((column, "", ""))
                else:
                    fields.append((column, old_text[column], new_text[column]))
        found = extras.get(row.identity.hospital_number) or repeated.Extras()
        old_lines = _repeated_lines(**stored[pk])
        new_lines = _repeated_lines(found.events, found.treatments, found.markers)
        for kind in REPEATED:
            if old_lines[kind] != new_lines[kind]:
                fields.append((kind, "; ".join(old_lines[kind]), "; ".join(new_lines[kind])))
        if fields:
            changes.append(Change(row.number, pk, patient["pseudonym"], fields))
        else:
            unchanged += 1
    return changes, unchanged


def apply(
    updates: list[tuple[Any, int, list[str]]],
    extras: dict[str, repeated.Extras],
    *,
    institution: Institution,
    actor: Actor,
    job: ImportJob,
    warnings: dict[int, list[tuple[str, str, str, str]]],
) -> int:
    """Write the changed rows (row, patient id, changed columns): the caller's transaction
    holds them all, so they land together or not at all."""
    ids = [pk for _row, pk, _columns in updates]
    patients = {
        p.pk: p
        for p in Patient.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("identity")
        .prefetch_related("diagnoses")
    }
    for row, pk, columns in updates:
        patient = patients[pk]
        new_patient = _unsaved_patient(row, institution)
        for name in _PATIENT_FIELDS:
            setattr(patient, name, getattr(new_patient, name))
        patient.save(update_fields=list(_PATIENT_FIELDS))
        identity = patient.identity
        identity.name = row.identity.name.strip()
        identity.birth_date = row.identity.birth_date
        identity.address = row.identity.address.strip()
        identity.phone = row.identity.phone.strip()
        identity.name_birth_digest = name_birth_digest(identity.name, identity.birth_date)
        identity.hospital_number_digest = hospital_number_digest(identity.hospital_number)
        identity.save()
        diagnoses = patient.diagnoses.all()
        diagnosis = diagnoses[0] if diagnoses else None
        fresh = diagnosis_row(patient, row.diagnosis, row.identity.birth_date)
        if diagnosis is None:
            fresh.save()
            diagnosis = fresh
        else:
            for name in _DIAGNOSIS_FIELDS:
                setattr(diagnosis, name, getattr(fresh, name))
            diagnosis.save(update_fields=list(_DIAGNOSIS_FIELDS))
        # The checks' open findings are the file's now; confirmed ones stay.
        QualityIssue.objects.filter(diagnosis=diagnosis, confirmed_at__isnull=True).delete()
        insert(
            [
                QualityIssue(
                    patient_id=pk,
                    diagnosis_id=diagnosis.pk,
                    code=code,
                    level=level,
                    field=name,
                    message=message,
                )
                for code, level, name, message in warnings.get(row.number, ())
            ]
        )
        if set(columns) & set(REPEATED):
            FollowUpEvent.objects.filter(patient_id=pk).delete()
            Treatment.objects.filter(patient_id=pk).delete()
            MolecularMarker.objects.filter(diagnosis=diagnosis).delete()
            found = extras.get(row.identity.hospital_number) or repeated.Extras()
            for rows in repeated.rows_for(found, pk, diagnosis.pk):
                insert(rows)
        record(
            actor=actor if isinstance(actor, User) else None,
            actor_label="" if isinstance(actor, User) else "consilium import",
            verb="registry.import_updated",
            obj=patient,
            institution_id=patient.institution_id,
            details={"job": job.pk, "row": row.number, "columns": columns},
        )
    survival_facts.refresh(Patient.objects.filter(pk__in=ids))
    return len(updates)


def refresh_search(ids: list[int]) -> None:
    from consilium.search.index import Kind, refresh_many

    for start in range(0, len(ids), 1000):
        with transaction.atomic():
            refresh_many(Kind.PATIENT, ids[start : start + 1000])
