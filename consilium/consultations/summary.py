"""The pseudonymised patient summary a consultation carries: codes with their names, the
stage, the age at diagnosis. Nothing here identifies the child."""

from dataclasses import dataclass

from consilium.registry import terms
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
                morphology_name=terms.morphology_term(d.morphology, d.behaviour),
                topography=d.topography_display,
                topography_name=terms.topography_term(d.topography),
                age=d.age_at_diagnosis,
                stage=stage_label(d.stage_value),
                risk_group=d.get_risk_group_display() if d.risk_group else "",
            )
        )
    return lines


@dataclass(frozen=True)
class ClinicalSummary:
    """What the expert needs to answer from her phone, for the mail: nothing identifying."""

    sex: str
    diagnoses: list[DiagnosisLine]
    markers: list[str]
    fields: list[tuple[str, str]]
    resources: list[tuple[str, str]]


def clinical_summary(consultation) -> ClinicalSummary:
    from consilium.consultations.actions import SUMMARY_FIELDS
    from consilium.registry.models import MolecularMarker

    patient = consultation.patient
    markers = [
        f"{m.other_name or m.get_marker_display()}: {m.get_result_display()}"
        for m in MolecularMarker.objects.filter(diagnosis__patient=patient).order_by("pk")
    ]
    fields = [
        (str(consultation._meta.get_field(name).verbose_name), getattr(consultation, name))
        for name in SUMMARY_FIELDS
        if getattr(consultation, name)
    ]
    resources = []
    if consultation.resource_profile_id:
        resources = [
            (str(item.get_resource_display()), str(item.get_availability_display()))
            for item in consultation.resource_profile.items.order_by("resource")
        ]
    return ClinicalSummary(
        sex=str(patient.get_sex_display()),
        diagnoses=diagnosis_lines(patient),
        markers=markers,
        fields=fields,
        resources=resources,
    )
