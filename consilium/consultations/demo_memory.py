"""The network's memory in the demo: past consultations between VNCH and Curie that a new
case can be compared with (three orbital rhabdomyosarcomas, two L2 neuroblastomas with their
advice and outcomes), and a child with an L2 neuroblastoma just registered, about whom no one
has asked yet. Made through the same actions as the rest of the demo."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from consilium.accounts.models import User
from consilium.consultations import actions
from consilium.consultations.models import Consultation
from consilium.network.models import Institution
from consilium.registry import actions as registry_actions
from consilium.registry.models import (
    BasisOfDiagnosis,
    ConsentStatus,
    EventKind,
    Marker,
    MarkerMethod,
    MarkerResult,
    Sex,
)
from consilium.registry.validation import DiagnosisData, IdentityData, PatientData


@dataclass(frozen=True)
class PastCase:
    name: str
    number: str
    sex: str
    age_years: int
    months_ago: int
    topography: str
    morphology: str
    stage_tumour: str
    stage_value: str
    mycn: str
    question: str
    answer: str
    advice: str
    followed: str  # "fully", "partly", "not" or "" (not asked yet)
    relapse_after_months: int | None = None


ORBIT = "C696"
ADRENAL = "C749"
CASES = [
    PastCase(
        "Đỗ Minh Khang",
        "MEM-0001",
        Sex.MALE,
        4,
        30,
        ORBIT,
        "8910",
        "rhabdomyosarcoma",
        "1",
        "",
        "Orbital rhabdomyosarcoma, embryonal, 3 cm, no nodes. Biopsy only. Chemotherapy alone "
        "or with orbital radiotherapy?",
        "Embryonal orbital RMS is favourable. We would not exenterate.",
        "IVA for 9 courses; orbital radiotherapy 45 Gy if not in complete remission at week 9.",
        "fully",
    ),
    PastCase(
        "Lê Thu Trang",
        "MEM-0002",
        Sex.FEMALE,
        7,
        20,
        ORBIT,
        "8910",
        "rhabdomyosarcoma",
        "1",
        "",
        "Second orbital rhabdomyosarcoma this year: residual mass after 9 courses of IVA. "
        "Radiotherapy is only at K Hospital. What dose, and can we wait?",
        "A residual orbital mass after IVA is often scar; image again before radiotherapy.",
        "MRI at week 12; radiotherapy 41.4 Gy only if the mass is enhancing; no surgery.",
        "partly",
    ),
    PastCase(
        "Vũ Đức Anh",
        "MEM-0003",
        Sex.MALE,
        2,
        9,
        ORBIT,
        "8910",
        "rhabdomyosarcoma",
        "2",
        "",
        "Orbital rhabdomyosarcoma with a node in the neck on ultrasound. Does this change the "
        "plan for orbit rhabdo?",
        "A regional node moves it to the node-positive group: add radiotherapy to the node.",
        "IVA then IVA with nodal and orbital radiotherapy; maintenance vinorelbine and "
        "cyclophosphamide for 6 months.",
        "",
    ),
    PastCase(
        "Hoàng Gia Bảo",
        "MEM-0004",
        Sex.MALE,
        3,
        26,
        ADRENAL,
        "9500",
        "neuroblastoma",
        "L2",
        MarkerResult.NOT_DETECTED,
        "L2 neuroblastoma of the adrenal, MYCN not amplified, image-defined risk factors. "
        "Surgery first or chemotherapy first?",
        "Intermediate risk: chemotherapy first to remove the risk factors.",
        "Four courses of carboplatin-etoposide / CADO, then resection; no radiotherapy.",
        "fully",
    ),
    PastCase(
        "Trịnh Ngọc Hân",
        "MEM-0005",
        Sex.FEMALE,
        4,
        15,
        ADRENAL,
        "9500",
        "neuroblastoma",
        "L2",
        MarkerResult.NOT_DETECTED,
        "L2 neuroblastoma, MYCN not amplified, age 4: how many courses before surgery?",
        "Two to four courses, assessing the risk factors after each pair.",
        "Carboplatin-etoposide x2, reassess; surgery when the IDRF resolve.",
        "not",
        relapse_after_months=11,
    ),
]
# The child about whom the clinician is about to ask: like cases 4 and 5.
NEW_CHILD = PastCase(
    "Phan Bảo Ngọc",
    "MEM-0006",
    Sex.FEMALE,
    3,
    0,
    ADRENAL,
    "9500",
    "neuroblastoma",
    "L2",
    MarkerResult.NOT_DETECTED,
    "",
    "",
    "",
    "",
)


def _register(case: PastCase, vnch: Institution, actor: User, today: datetime.date):
    diagnosed = today - datetime.timedelta(days=case.months_ago * 30 + 10)
    patient = registry_actions.register_patient(
        actor=actor,
        institution=vnch,
        identity=IdentityData(
            name=case.name,
            birth_date=diagnosed - datetime.timedelta(days=case.age_years * 365 + 40),
            hospital_number=case.number,
        ),
        patient=PatientData(
            sex=case.sex,
            consent_status=ConsentStatus.GIVEN,
            consent_date=diagnosed,
            last_contact=max(diagnosed, today - datetime.timedelta(days=20)),
        ),
        diagnosis=DiagnosisData(
            date=diagnosed,
            topography=case.topography,
            morphology=case.morphology,
            behaviour="3",
            basis_of_diagnosis=BasisOfDiagnosis.HISTOLOGY_PRIMARY,
            stage_tumour=case.stage_tumour,
            stage_tier=2,
            stage_value=case.stage_value,
        ),
        confirm_duplicate=True,
    )
    if case.mycn:
        registry_actions.add_marker(
            actor=actor,
            diagnosis=patient.diagnoses.get(),
            marker=Marker.MYCN,
            result=case.mycn,
            method=MarkerMethod.FISH,
        )
    if case.relapse_after_months:
        registry_actions.record_event(
            actor=actor,
            patient=patient,
            diagnosis=None,
            kind=EventKind.RELAPSE,
            date=diagnosed + datetime.timedelta(days=case.relapse_after_months * 30),
        )
    return patient


@transaction.atomic
def load_demo() -> None:
    vnch = Institution.objects.get(code="VNCH")
    if Consultation.objects.filter(question=CASES[0].question).exists():
        return
    curie = Institution.objects.get(code="CURIE")
    clinician = User.objects.get(email="lan.nguyen@vnch.demo")
    claire = User.objects.get(email="claire.martin@curie.demo")
    today = timezone.localdate()
    now = timezone.now()
    for case in CASES:
        patient = _register(case, vnch, clinician, today)
        consultation = actions.request_consultation(
            actor=clinician,
            patient=patient,
            expert_institution=curie,
            question=case.question,
            urgency="routine",
            specialty=case.stage_tumour,
            language="en",
            summary={"history": f"{case.age_years} years old at diagnosis."},
        )
        # The demo's expert persona answered these, so her searches find them.
        for _turn in range(5):
            offered = consultation.assignments.filter(status="offered").first()
            if offered is None or offered.expert_id == claire.pk:
                break
            actions.decline(
                actor=offered.expert, consultation=consultation, reason="Away that week."
            )
        expert = consultation.assignments.filter(status="offered").first().expert
        actions.post_message(actor=expert, consultation=consultation, body=case.answer)
        actions.save_recommendation(
            actor=expert,
            consultation=consultation,
            fields={"diagnostic_opinion": case.answer, "recommended_treatment": case.advice},
            finalise=True,
        )
        sent = now - datetime.timedelta(days=case.months_ago * 30)
        Consultation.objects.filter(pk=consultation.pk).update(
            created_at=sent,
            first_reply_due=sent + datetime.timedelta(hours=72),
            first_reply_at=sent + datetime.timedelta(hours=20),
            recommended_at=sent + datetime.timedelta(days=3),
            follow_up_due_on=(sent + datetime.timedelta(days=60)).date(),
        )
        if case.followed:
            consultation.refresh_from_db()
            actions.answer_follow_up(
                actor=clinician,
                consultation=consultation,
                adherence=case.followed,
                reasons=[] if case.followed == "fully" else ["drug_unavailable"],
                note="",
            )
    _register(NEW_CHILD, vnch, clinician, today)
