"""A registry's patients as comparable values, for the round-trip tests (workbook, CSV, FHIR):
what went out must come back the same."""

import datetime

from consilium.registry import survival_facts

PATIENT_FIELDS = (
    "sex",
    "birth_year",
    "birth_month",
    "region",
    "consent_status",
    "consent_date",
    "vital_status",
    "last_contact",
    *survival_facts.FIELDS,
)
DIAGNOSIS_FIELDS = (
    "date",
    "topography",
    "morphology",
    "behaviour",
    "grade",
    "laterality",
    "basis_of_diagnosis",
    "iccc_recode",
    "stage_tumour",
    "stage_tier",
    "stage_value",
    "risk_group",
)


def values(obj, fields) -> tuple:
    return tuple(getattr(obj, name) for name in fields)


def _sortable(row: tuple) -> tuple:
    """A row as a sort key in which a missing value (a treatment still running has no end
    date) sorts before any value instead of failing to compare with it."""
    return tuple((value is not None, value) for value in row)


def events(patient) -> list[tuple]:
    return sorted(
        ((e.kind, e.date, e.death_cause, e.note) for e in patient.events.all()), key=_sortable
    )


def treatments(patient) -> list[tuple]:
    return sorted(
        (
            (t.start_date, t.end_date, tuple(t.modalities), t.intent, t.protocol_name)
            for t in patient.treatments.all()
        ),
        key=_sortable,
    )


def markers(diagnosis) -> list[tuple]:
    return sorted(
        (m.marker, m.other_name, m.result, m.method, m.lab, m.date or datetime.date.min)
        for m in diagnosis.markers.all()
    )
