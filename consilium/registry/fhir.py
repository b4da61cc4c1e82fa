"""FHIR R4 export of an institution's registry: a collection Bundle, pseudonymised, aligned
with the mCODE profiles (each resource names its profile in meta.profile).

Pseudonymised means: the Patient carries the pseudonym as its only identifier, no name, no
address, and its year of birth only. Resource ids and fullUrls are derived from the pseudonym,
never from database keys, so two exports of the same registry name the same resources.

Resources are built as plain JSON and validated, a patient at a time, by fhir.resources' R4B
models (whose JSON is R4's for every resource used here).

What mCODE has no element for travels in extensions under ``urn:consilium:`` (last contact,
region, consent and its date, basis of diagnosis, grade, laterality, risk group, cause of
death, a treatment's modalities, intent and protocol, a marker's other name and laboratory),
so the Bundle holds everything the survival figures are computed from, and the molecular
markers (an mCODE tumour marker test each, coded in Consilium's marker, result and method
codes: the registry's markers are fusions and amplifications that LOINC codes only test by
test), and :mod:`consilium.registry.fhir_in` can read it back into the same registry.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, QuerySet

from consilium.network.models import Institution
from consilium.registry.codes import MORPHOLOGY, TOPOGRAPHY, display_site
from consilium.registry.models import (
    MODALITY_SEPARATOR,
    Diagnosis,
    EventKind,
    FollowUpEvent,
    Modality,
    MolecularMarker,
    Patient,
    Sex,
    Treatment,
    VitalStatus,
)
from consilium.registry.toronto import TorontoTumour

MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
PROFILES = {
    "patient": MCODE + "mcode-cancer-patient",
    "condition": MCODE + "mcode-primary-cancer-condition",
    "stage": MCODE + "mcode-cancer-stage",
    "surgery": MCODE + "mcode-cancer-related-surgical-procedure",
    "radiotherapy": MCODE + "mcode-radiotherapy-course-summary",
    "medication": MCODE + "mcode-cancer-related-medication-statement",
    "status": MCODE + "mcode-cancer-disease-status",
    "marker": MCODE + "mcode-tumor-marker-test",
}
HISTOLOGY_EXTENSION = MCODE + "mcode-histology-morphology-behavior"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
TORONTO = "urn:consilium:toronto-stage"
EVENT_KIND = "urn:consilium:event-kind"
TREATMENT = "urn:consilium:treatment"
MARKER = "urn:consilium:marker"
MARKER_RESULT = "urn:consilium:marker-result"
MARKER_METHOD = "urn:consilium:marker-method"
# Consilium's own extensions (see the module doc).
EXT = {
    name: f"urn:consilium:{name}"
    for name in (
        "last-contact",
        "basis-of-diagnosis",
        "grade",
        "laterality",
        "risk-group",
        "death-cause",
        "modalities",
        "intent",
        "protocol-name",
        "protocol-version",
        "marker-name",
        "lab",
        "region",
        "consent-status",
        "consent-date",
    )
}
DISEASE_STATUS_LOINC = "97509-4"
STAGE_LOINC = "21908-9"
_NAMESPACE = uuid.UUID("6f1d2c52-5d0e-4b8e-9a53-3c1f0b7a2f10")

_GENDER = {Sex.MALE: "male", Sex.FEMALE: "female", Sex.UNKNOWN: "unknown"}
_MEDICATION_MODALITIES = {Modality.CHEMOTHERAPY, Modality.HIGH_DOSE, Modality.IMMUNOTHERAPY}
_PROCEDURES = {
    Modality.SURGERY: ("surgery", "387713003", "Surgical procedure"),
    Modality.RADIOTHERAPY: ("radiotherapy", "1217123003", "Radiotherapy course of treatment"),
}
# A treatment of palliative care alone has no mCODE resource: a plain procedure carries it.
_PALLIATIVE = ("surgery", "103735009", "Palliative care")
_CLINICAL_STATUS = {
    EventKind.REMISSION: "remission",
    EventKind.RELAPSE: "relapse",
    EventKind.PROGRESSION: "active",
}


def _full_url(key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, key)}"


def _ref(key: str) -> dict[str, str]:
    return {"reference": _full_url(key)}


def _entry(key: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": _full_url(key), "resource": resource}


def _period(start: Any, end: Any) -> dict[str, str]:
    period = {"start": start.isoformat()}
    if end is not None:
        period["end"] = end.isoformat()
    return period


def _patient(patient: Patient, death_date: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": patient.pseudonym,
        "meta": {"profile": [PROFILES["patient"]]},
        "identifier": [
            {
                "system": f"urn:consilium:pseudonym:{patient.institution.code}",
                "value": patient.pseudonym,
            }
        ],
        "gender": _GENDER.get(patient.sex, "unknown"),
    }
    if patient.birth_year:
        # Year and month, as the pseudonymised CSV export gives them; never the day.
        resource["birthDate"] = (
            f"{patient.birth_year:04d}-{patient.birth_month:02d}"
            if patient.birth_month
            else f"{patient.birth_year:04d}"
        )
    if patient.vital_status == VitalStatus.DEAD:
        if death_date is not None:
            resource["deceasedDateTime"] = death_date.isoformat()
        else:
            resource["deceasedBoolean"] = True
    # What the registry needs to share a child's case (its consent) and to count by region
    # travels too: a region is a province, not an address; the waiver's reason is free text
    # and stays home, as in the pseudonymised CSV export.
    extensions = [
        {"url": EXT[name], key: value.isoformat() if key == "valueDate" else value}
        for name, key, value in (
            ("last-contact", "valueDate", patient.last_contact),
            ("region", "valueString", patient.region),
            ("consent-status", "valueCode", patient.consent_status),
            ("consent-date", "valueDate", patient.consent_date),
        )
        if value
    ]
    if extensions:
        resource["extension"] = extensions
    return resource


def _code_extensions(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"url": EXT[name], "valueCode": value} for name, value in values.items() if value]


def _morphology(diagnosis: Diagnosis) -> dict[str, Any]:
    code = diagnosis.morphology_display
    coding = {"system": ICDO3, "code": code}
    if name := MORPHOLOGY.get(code):
        coding["display"] = name
    return {"coding": [coding], "text": name or code}


def _condition(patient: Patient, diagnosis: Diagnosis, key: str, status: str) -> dict[str, Any]:
    site = display_site(diagnosis.topography)
    site_coding = {"system": ICDO3, "code": site}
    if name := TOPOGRAPHY.get(diagnosis.topography) or TOPOGRAPHY.get(diagnosis.topography[:3]):
        site_coding["display"] = name
    return {
        "resourceType": "Condition",
        "id": key,
        "meta": {"profile": [PROFILES["condition"]]},
        "extension": [
            {"url": HISTOLOGY_EXTENSION, "valueCodeableConcept": _morphology(diagnosis)},
            *_code_extensions(
                {
                    "basis-of-diagnosis": diagnosis.basis_of_diagnosis,
                    "grade": diagnosis.grade,
                    "laterality": diagnosis.laterality,
                    "risk-group": diagnosis.risk_group,
                }
            ),
        ],
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": status,
                }
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "confirmed",
                }
            ]
        },
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                        "code": "problem-list-item",
                    }
                ]
            }
        ],
        "code": _morphology(diagnosis),
        "bodySite": [{"coding": [site_coding]}],
        "subject": _ref(patient.pseudonym),
        "onsetDateTime": diagnosis.date.isoformat(),
        "recordedDate": diagnosis.date.isoformat(),
    }


def _stage(patient: Patient, diagnosis: Diagnosis, key: str, condition_key: str) -> dict[str, Any]:
    tumour = TorontoTumour(diagnosis.stage_tumour)
    method = f"{tumour.value}-tier-{diagnosis.stage_tier}"
    return {
        "resourceType": "Observation",
        "id": key,
        "meta": {"profile": [PROFILES["stage"]]},
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                    }
                ]
            }
        ],
        "code": {
            "coding": [
                {"system": LOINC, "code": STAGE_LOINC, "display": "Stage group.other Cancer"}
            ]
        },
        "subject": _ref(patient.pseudonym),
        "focus": [_ref(condition_key)],
        "effectiveDateTime": diagnosis.date.isoformat(),
        "method": {
            "coding": [{"system": TORONTO, "code": method}],
            "text": f"Toronto Paediatric Cancer Stage Guidelines, tier {diagnosis.stage_tier}",
        },
        "valueCodeableConcept": {
            "coding": [{"system": f"{TORONTO}:{method}", "code": diagnosis.stage_value}],
            "text": diagnosis.stage_value,
        },
    }


def _treatment_resources(
    patient: Patient, treatment: Treatment, index: int, condition_keys: dict[int, str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """One Procedure per surgery or radiotherapy and one MedicationStatement for the drugs;
    each names the treatment it belongs to (identifier) and carries its modalities, intent
    and protocol, so the reader puts the treatment back together."""
    done = treatment.end_date is not None
    reason = (
        [_ref(condition_keys[treatment.diagnosis_id])]
        if treatment.diagnosis_id in condition_keys
        else []
    )
    protocol = f"{treatment.protocol_name} {treatment.protocol_version}".strip()
    common: dict[str, Any] = {
        "identifier": [{"system": TREATMENT, "value": f"{patient.pseudonym}-tx{index}"}],
        "extension": [
            {
                "url": EXT["modalities"],
                "valueString": MODALITY_SEPARATOR.join(treatment.modalities),
            },
            *_code_extensions({"intent": treatment.intent}),
            *(
                {"url": EXT[name], "valueString": value}
                for name, value in (
                    ("protocol-name", treatment.protocol_name),
                    ("protocol-version", treatment.protocol_version),
                )
                if value
            ),
        ],
    }
    procedures = [_PROCEDURES[m] for m in treatment.modalities if m in _PROCEDURES]
    medication = _MEDICATION_MODALITIES & set(treatment.modalities)
    if not procedures and not medication:
        procedures = [_PALLIATIVE]
    for profile, code, display in procedures:
        key = f"{patient.pseudonym}-tx{index}-{code}"
        resource: dict[str, Any] = {
            "resourceType": "Procedure",
            "id": key,
            "meta": {"profile": [PROFILES[profile]]} if code != _PALLIATIVE[1] else {},
            **common,
            "status": "completed" if done else "in-progress",
            "code": {"coding": [{"system": SNOMED, "code": code, "display": display}]},
            "subject": _ref(patient.pseudonym),
            "performedPeriod": _period(treatment.start_date, treatment.end_date),
        }
        if not resource["meta"]:
            del resource["meta"]
        if reason:
            resource["reasonReference"] = reason
        yield key, resource
    if medication:
        key = f"{patient.pseudonym}-tx{index}-medication"
        labels = [
            str(Modality(m).label) for m in treatment.modalities if m in _MEDICATION_MODALITIES
        ]
        resource = {
            "resourceType": "MedicationStatement",
            "id": key,
            "meta": {"profile": [PROFILES["medication"]]},
            **common,
            "status": "completed" if done else "active",
            "medicationCodeableConcept": {"text": protocol or ", ".join(labels)},
            "subject": _ref(patient.pseudonym),
            "effectivePeriod": _period(treatment.start_date, treatment.end_date),
        }
        if reason:
            resource["reasonReference"] = reason
        yield key, resource


def _event(
    patient: Patient, event: FollowUpEvent, index: int, condition_key: str | None
) -> tuple[str, dict[str, Any]]:
    """A follow-up event as an mCODE disease status, dated; its kind in Consilium's codes."""
    key = f"{patient.pseudonym}-ev{index}"
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": key,
        "meta": {"profile": [PROFILES["status"]]},
        "status": "final",
        "code": {
            "coding": [
                {
                    "system": LOINC,
                    "code": DISEASE_STATUS_LOINC,
                    "display": "Cancer disease status",
                }
            ]
        },
        "subject": _ref(patient.pseudonym),
        "effectiveDateTime": event.date.isoformat(),
        "valueCodeableConcept": {"coding": [{"system": EVENT_KIND, "code": event.kind}]},
    }
    if event.death_cause:
        resource["extension"] = _code_extensions({"death-cause": event.death_cause})
    if condition_key:
        resource["focus"] = [_ref(condition_key)]
    if event.note:
        resource["note"] = [{"text": event.note}]
    return key, resource


def _marker(
    patient: Patient, marker: MolecularMarker, index: int, condition_key: str | None
) -> tuple[str, dict[str, Any]]:
    """A molecular marker as an mCODE tumour marker test: what was looked for (code), what
    was found (value) and how (method), dated when the laboratory gave a date."""
    key = f"{patient.pseudonym}-mk{index}"
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": key,
        "meta": {"profile": [PROFILES["marker"]]},
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {
            "coding": [{"system": MARKER, "code": marker.marker}],
            "text": marker.other_name or marker.marker,
        },
        "subject": _ref(patient.pseudonym),
        "valueCodeableConcept": {"coding": [{"system": MARKER_RESULT, "code": marker.result}]},
        "method": {"coding": [{"system": MARKER_METHOD, "code": marker.method}]},
    }
    extensions = [
        {"url": EXT[name], "valueString": value}
        for name, value in (("marker-name", marker.other_name), ("lab", marker.lab))
        if value
    ]
    if extensions:
        resource["extension"] = extensions
    if marker.date is not None:
        resource["effectiveDateTime"] = marker.date.isoformat()
    if condition_key:
        resource["focus"] = [_ref(condition_key)]
    return key, resource


@dataclass(frozen=True, slots=True)
class _Record:
    patient: Patient
    diagnoses: list[Diagnosis]  # by date
    treatments: list[Treatment]  # by start date
    events: list[FollowUpEvent]
    markers: list[MolecularMarker] = field(default_factory=list)  # by date


def patient_entries(record: _Record) -> Iterator[dict[str, Any]]:
    patient = record.patient
    events = sorted(record.events, key=lambda e: (e.date, e.pk or 0))
    death = next((e.date for e in events if e.kind == EventKind.DEATH), None)
    yield _entry(patient.pseudonym, _patient(patient, death))
    status = "active"
    for event in events:
        status = _CLINICAL_STATUS.get(event.kind, status)
    condition_keys: dict[int, str] = {}
    for number, diagnosis in enumerate(record.diagnoses, start=1):
        key = f"{patient.pseudonym}-dx{number}"
        condition_keys[diagnosis.pk] = key
        yield _entry(key, _condition(patient, diagnosis, key, status))
        if diagnosis.stage_value and diagnosis.stage_tumour and diagnosis.stage_tier:
            stage_key = f"{key}-stage"
            yield _entry(stage_key, _stage(patient, diagnosis, stage_key, key))
    for index, treatment in enumerate(record.treatments, start=1):
        for key, resource in _treatment_resources(patient, treatment, index, condition_keys):
            yield _entry(key, resource)
    first_condition = next(iter(condition_keys.values()), None)
    for index, event in enumerate(events, start=1):
        key, resource = _event(
            patient, event, index, condition_keys.get(event.diagnosis_id, first_condition)
        )
        yield _entry(key, resource)
    for index, marker in enumerate(record.markers, start=1):
        key, resource = _marker(patient, marker, index, condition_keys.get(marker.diagnosis_id))
        yield _entry(key, resource)


def _records(institution: Institution, chunk: int = 500) -> Iterator[_Record]:
    """The institution's patients with what the export shows of them, 500 at a time by key
    ranges (no cursor held open while a slow client reads). The related rows are grouped by
    hand: Django's prefetch builds a queryset per patient and relation, a fifth of the
    export's time at 100,000 patients."""
    last = 0
    while True:
        patients = list(
            Patient.objects.filter(institution=institution, pk__gt=last).order_by("pk")[:chunk]
        )
        if not patients:
            return
        keys = [patient.pk for patient in patients]
        diagnoses = _by_patient(
            Diagnosis.objects.filter(patient_id__in=keys).order_by("date", "id")
        )
        treatments = _by_patient(
            Treatment.objects.filter(patient_id__in=keys).order_by("start_date", "id")
        )
        events = _by_patient(FollowUpEvent.objects.filter(patient_id__in=keys))
        markers = _by_patient(
            MolecularMarker.objects.filter(diagnosis__patient_id__in=keys)
            .annotate(patient_id=F("diagnosis__patient_id"))
            .order_by(F("date").asc(nulls_first=True), "id")
        )
        for patient in patients:
            patient.institution = institution
            yield _Record(
                patient,
                diagnoses.get(patient.pk, []),
                treatments.get(patient.pk, []),
                events.get(patient.pk, []),
                markers.get(patient.pk, []),
            )
        last = keys[-1]


def _by_patient(rows: QuerySet[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.patient_id].append(row)
    return grouped


def bundle_chunks(institution: Institution) -> Iterator[str]:
    """The Bundle as JSON text, one patient's entries at a time, each patient's resources
    validated by fhir.resources before they are written. Memory is that of one patient
    whatever the registry's size: the whole Bundle as one model took 5.6 GB and 268 s for
    100,000 patients."""
    from fhir.resources.R4B import get_fhir_model_class

    models: dict[str, Any] = {}
    yield '{"resourceType":"Bundle","type":"collection"'
    separator = ',"entry":[\n'  # only once there is an entry: FHIR JSON has no empty arrays
    for record in _records(institution):
        entries = list(patient_entries(record))
        for entry in entries:
            # Each resource by its own model: a third faster than through a Bundle's entries.
            kind = entry["resource"]["resourceType"]
            model = models.get(kind) or models.setdefault(kind, get_fhir_model_class(kind))
            model.model_validate(entry["resource"])
        if entries:  # one chunk per patient: fewer, larger writes to the client
            yield separator + ",\n".join(
                json.dumps(entry, ensure_ascii=False, separators=(",", ":")) for entry in entries
            )
            separator = ",\n"
    yield "}\n" if separator.startswith(',"entry"') else "\n]}\n"
