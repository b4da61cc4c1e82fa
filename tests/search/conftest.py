"""A small network memory: consultations from VNCH to Curie with chosen diagnoses, made
through the actions (so the search rows are written as in production)."""

import datetime

import pytest

from tests.network.conftest import institutions, partnership  # noqa: F401


def make_case(
    personas,
    *,
    name: str,
    number: str,
    question: str,
    topography: str = "C749",
    morphology: str = "9500",
    stage_tumour: str = "neuroblastoma",
    stage_value: str = "L2",
    age: int = 3,
    mycn: str | None = None,
    advice: str = "",
    followed: str = "",
):
    from django.utils import timezone

    from consilium.consultations import actions
    from consilium.network.models import Institution
    from consilium.registry import actions as registry_actions
    from consilium.registry.validation import DiagnosisData, IdentityData, PatientData

    vnch = Institution.objects.get(code="VNCH")
    diagnosed = timezone.localdate() - datetime.timedelta(days=400)
    clinician = personas["clinician"]
    patient = registry_actions.register_patient(
        actor=clinician,
        institution=vnch,
        identity=IdentityData(
            name=name,
            birth_date=diagnosed - datetime.timedelta(days=age * 365 + 60),
            hospital_number=number,
        ),
        patient=PatientData(sex="female", consent_status="given", consent_date=diagnosed),
        diagnosis=DiagnosisData(
            date=diagnosed,
            topography=topography,
            morphology=morphology,
            behaviour="3",
            basis_of_diagnosis="7",
            stage_tumour=stage_tumour if stage_value else "",
            stage_tier=2 if stage_value else None,
            stage_value=stage_value,
        ),
        confirm_duplicate=True,
    )
    if mycn:
        registry_actions.add_marker(
            actor=clinician,
            diagnosis=patient.diagnoses.get(),
            marker="MYCN",
            result=mycn,
            method="fish",
        )
    consultation = actions.request_consultation(
        actor=clinician,
        patient=patient,
        expert_institution=Institution.objects.get(code="CURIE"),
        question=question,
        urgency="routine",
    )
    if advice:
        actions.save_recommendation(
            actor=personas["expert"],
            consultation=consultation,
            fields={"diagnostic_opinion": "Agreed.", "recommended_treatment": advice},
            finalise=True,
        )
        if followed:
            consultation.refresh_from_db()
            actions.answer_follow_up(
                actor=clinician,
                consultation=consultation,
                adherence=followed,
                reasons=[] if followed == "fully" else ["drug_unavailable"],
            )
    return consultation


ORBITAL = [
    ("Đỗ Minh Khang", "MEM-0001", "Orbital rhabdomyosarcoma, embryonal, 3 cm: radiotherapy?"),
    ("Lê Thu Trang", "MEM-0002", "Second orbital rhabdomyosarcoma: residual mass after IVA."),
    ("Vũ Đức Anh", "MEM-0003", "Orbital rhabdomyosarcoma with a node in the neck."),
]


@pytest.fixture
def memory(personas, partnership):  # noqa: F811
    """Three orbital rhabdomyosarcomas and a neuroblastoma, all sent to Curie."""
    cases = [
        make_case(
            personas,
            name=name,
            number=number,
            question=question,
            topography="C696",
            morphology="8910",
            stage_tumour="rhabdomyosarcoma",
            stage_value="1",
            advice="IVA for 9 courses; orbital radiotherapy if not in remission.",
        )
        for name, number, question in ORBITAL
    ]
    cases.append(
        make_case(
            personas,
            name="Nguyễn Văn Bình",
            number="BN-2024-55501",
            question="Localised neuroblastoma of the adrenal: surgery first?",
        )
    )
    return cases
