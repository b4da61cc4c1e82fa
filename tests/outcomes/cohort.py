"""A seeded synthetic cohort registered through the registry's actions, and the survival
endpoints computed from it patient by patient in plain Python: the reference the database
aggregation is checked against."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.utils import timezone

from consilium.outcomes.endpoints import DEFINITIONS, Endpoint
from consilium.registry import actions
from consilium.registry.models import DeathCause, EventKind, Patient, VitalStatus
from consilium.registry.validation import DiagnosisData, IdentityData, PatientData

# (topography, morphology, behaviour, basis, laterality, stage tumour, stages)
TUMOURS = (
    ("C421", "9836", "3", "5", "not_paired", "all", ("CNS1", "CNS3")),
    ("C649", "8960", "3", "7", "right", "wilms", ("I", "III")),
    ("C692", "9510", "3", "1", "left", "retinoblastoma", ("I", "II")),
    ("C770", "9663", "3", "7", "not_paired", "hodgkin", ("IIA", "IVB")),
    ("C749", "9500", "3", "7", "not_paired", "neuroblastoma", ("L2", "M")),
    ("C716", "9421", "1", "7", "not_paired", "", ()),
)
FIRST = datetime.date(2016, 1, 1)
SPAN_DAYS = 2900


@dataclass(frozen=True)
class Plan:
    tumour: int
    diagnosed: datetime.date
    stage: str
    events: tuple[tuple[str, int, str], ...]  # kind, days after diagnosis, death cause
    contact_after: int | None  # days after diagnosis of the last contact, if alive


def plan(rng: random.Random) -> Plan:
    tumour = rng.randrange(len(TUMOURS))
    diagnosed = FIRST + datetime.timedelta(days=rng.randrange(SPAN_DAYS))
    stages = TUMOURS[tumour][6]
    stage = rng.choice(stages) if stages and rng.random() < 0.85 else ""

    # Many ties: days drawn from a small set as well as at random.
    def day() -> int:
        return rng.choice([0, 30, 90, 365, rng.randrange(1, 1500)])

    events: list[tuple[str, int, str]] = []
    t = 0
    if rng.random() < 0.7:
        t += rng.randrange(20, 120)
        events.append((EventKind.REMISSION, t, ""))
    roll = rng.random()
    if roll < 0.15:
        t = max(t, day())
        events.append((EventKind.ABANDONMENT, t, ""))
    elif roll < 0.35:
        t = max(t + 1, day())
        events.append((rng.choice([EventKind.RELAPSE, EventKind.PROGRESSION]), t, ""))
    elif roll < 0.4:
        t = max(t + 1, day())
        events.append((EventKind.SECOND_CANCER, t, ""))
    if rng.random() < 0.3:
        # Sometimes the same day as the previous event: a tie between kinds.
        t = t + rng.choice([0, 0, rng.randrange(1, 400)])
        cause = rng.choice([DeathCause.DISEASE, DeathCause.TREATMENT, DeathCause.OTHER])
        events.append((EventKind.DEATH, t, cause))
        return Plan(tumour, diagnosed, stage, tuple(events), None)
    contact = t + rng.choice([0, rng.randrange(1, 800)])
    return Plan(tumour, diagnosed, stage, tuple(events), contact)


def register(plan_: Plan, *, serial: int, institution, actor) -> Patient:
    site, morphology, behaviour, basis, laterality, stage_tumour, _stages = TUMOURS[plan_.tumour]
    d = plan_.diagnosed
    patient = actions.register_patient(
        actor=actor,
        institution=institution,
        identity=IdentityData(
            name=f"Synthetic Child {institution.code} {serial}",
            birth_date=d - datetime.timedelta(days=5 * 365 + serial),
            hospital_number=f"SYN-{institution.code}-{serial:05d}",
        ),
        patient=PatientData(sex="female", consent_status="given", consent_date=d),
        diagnosis=DiagnosisData(
            date=d,
            topography=site,
            morphology=morphology,
            behaviour=behaviour,
            basis_of_diagnosis=basis,
            laterality=laterality,
            stage_tumour=stage_tumour if plan_.stage else "",
            stage_tier=2 if plan_.stage else None,
            stage_value=plan_.stage,
        ),
        confirm_duplicate=True,
    )
    # Nothing may be dated in the future: drop what the plan put after today.
    limit = (timezone.localdate() - d).days
    for kind, days, cause in plan_.events:
        if days > limit:
            return patient
        actions.record_event(
            actor=actor,
            patient=patient,
            kind=kind,
            date=d + datetime.timedelta(days=days),
            death_cause=cause,
        )
    if plan_.contact_after is not None:
        day = d + datetime.timedelta(days=min(plan_.contact_after, limit))
        if patient.last_contact is None or day > patient.last_contact:
            actions.record_contact(
                actor=actor, patient=patient, date=day, vital_status=VitalStatus.ALIVE
            )
    return patient


def build(rng: random.Random, count: int, *, institution, actor, start: int = 0) -> list[Patient]:
    return [
        register(plan(rng), serial=start + i, institution=institution, actor=actor)
        for i in range(count)
    ]


def expected_outcome(patient: Patient, endpoint: Endpoint) -> tuple[str | None, int, bool]:
    """(exclusion reason or None, days, event) read from the patient's rows, one by one."""
    definition = DEFINITIONS[endpoint]
    origin = min((d.date, d.pk) for d in patient.diagnoses.all())[0]
    relevant = sorted(
        (e.date, 0 if e.kind in definition.events else 1)
        for e in patient.events.all()
        if e.kind in definition.kinds
    )
    if relevant:
        date, censoring = relevant[0]
        days = (date - origin).days
        if days < 0:
            return "event_before_diagnosis", 0, False
        return None, days, not censoring
    if patient.last_contact is None:
        return "no_last_contact", 0, False
    days = (patient.last_contact - origin).days
    if days < 0:
        return "contact_before_diagnosis", 0, False
    if patient.vital_status == VitalStatus.DEAD:
        return "dead_without_date", 0, False
    return None, days, False
