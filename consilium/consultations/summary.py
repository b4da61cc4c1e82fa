"""The pseudonymised patient summary a consultation carries: codes with their names, the
stage, the age at diagnosis. Nothing here identifies the child."""

from dataclasses import dataclass

from consilium.registry.codes import MORPHOLOGY, TOPOGRAPHY
from consilium.registry.models import Patient
from consilium.registry.toronto import stage_label


@dataclass(frozen=True)
class DiagnosisLine:
    morphology: str
    morphology_name: str
    topography: str
    topography_name: str
    age: int | None
    stage: str
    risk_group: str


def diagnosis_lines(patient: Patient) -> list[DiagnosisLine]:
    lines = []
    for d in patient.diagnoses.all():
        code = f"{d.morphology}/{d.behaviour}"
        lines.append(
            DiagnosisLine(
                morphology=code,
                morphology_name=MORPHOLOGY.get(code, ""),
                topography=d.topography,
                topography_name=TOPOGRAPHY.get(d.topography, ""),
                age=d.age_at_diagnosis,
                stage=stage_label(d.stage_value),
                risk_group=d.get_risk_group_display() if d.risk_group else "",
            )
        )
    return lines
