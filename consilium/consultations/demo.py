"""Consultations in every state, between VNCH and its Paris partners and from Tashkent,
through the same actions the application uses; some clocks are moved into the past so
the turnaround dashboard has history."""

import datetime

from django.db import transaction
from django.utils import timezone

from consilium.accounts.models import User
from consilium.consultations import actions
from consilium.consultations.models import Consultation
from consilium.network.models import Institution
from consilium.registry.models import ConsentStatus, Patient

CASES = [
    # (diagnosis group hint, question, urgency, specialty, template, history, imaging, pathology)
    (
        "IV",
        "High-risk neuroblastoma, MYCN amplified, bone marrow positive. Is tandem high-dose "
        "chemotherapy realistic here, or one course with busulfan-melphalan?",
        "routine",
        "neuroblastoma",
        "neuroblastoma",
        "Abdominal mass and bone pain for 4 weeks.",
        "Left adrenal mass 9 cm, encasing the aorta (IDRF +). Bone scan: multiple lesions.",
        "Poorly differentiated neuroblastoma, MYCN amplified (FISH, sent out).",
    ),
    (
        "III",
        "Posterior fossa tumour, resected. Medulloblastoma SHH? Radiotherapy only at K "
        "Hospital with a 6-week wait: what should we give meanwhile?",
        "urgent",
        "neuro-oncology radiotherapy",
        "cns",
        "Headaches and morning vomiting for 3 weeks, ataxia.",
        "MRI: 4 cm vermian mass, hydrocephalus; spine MRI pending.",
        "Desmoplastic/nodular medulloblastoma; molecular group not available locally.",
    ),
    (
        "VI",
        "Bilateral Wilms tumour after 6 weeks of vincristine-dactinomycin: which side to "
        "operate first, and is nephron-sparing surgery safe here?",
        "routine",
        "surgery",
        "renal",
        "Bilateral renal masses at diagnosis.",
        "CT after chemotherapy: right 5 cm, left 3 cm at the lower pole.",
        "",
    ),
    (
        "V",
        "Unilateral retinoblastoma, group E. Enucleation done; optic nerve margin involved. "
        "Adjuvant chemotherapy and orbital radiotherapy?",
        "urgent",
        "retinoblastoma",
        "retinoblastoma",
        "Leukocoria for 3 months.",
        "MRI before surgery: no extra-ocular extension visible.",
        "Retinoblastoma with post-laminar optic nerve invasion, margin positive.",
    ),
    (
        "I",
        "ALL with CNS3 at diagnosis and slow day-15 response. Should we intensify, and how, "
        "without cranial radiotherapy available quickly?",
        "routine",
        "leukaemia",
        "leukaemia",
        "Fever, pallor, cranial nerve VI palsy.",
        "",
        "B-precursor ALL, ETV6-RUNX1 negative, BCR-ABL1 negative.",
    ),
]


# Each thread and recommendation fits its case's diagnosis (by summary template).
THREADS = {
    "neuroblastoma": (
        "Thank you, I have read the summary. Could you send the MIBG or bone scan report and "
        "the bone marrow result after two courses of induction?",
        "Bone scan after two courses: fewer lesions; bone marrow still 5 % tumour cells. "
        "Platelets 85 G/L, neutrophils 0.9 G/L.",
    ),
    "cns": (
        "Thank you. Is there residual tumour on the post-operative MRI, and was the spine MRI "
        "done? Has CSF cytology been sent after day 14?",
        "Post-operative MRI: residual under 1.5 cm²; spine MRI clear; CSF cytology negative "
        "on day 16.",
    ),
    "renal": (
        "Thank you. Could you send the CT slices through both kidneys and the renal function "
        "(creatinine, GFR estimate)?",
        "CT images attached; creatinine 38 µmol/L, no hypertension.",
    ),
}
RECOMMENDATIONS = {
    "neuroblastoma": {
        "diagnostic_opinion": "Agree: high-risk neuroblastoma, MYCN amplified, stage M.",
        "stage_risk_opinion": "High risk (INRG M, MYCN amplified).",
        "recommended_treatment": "Complete rapid COJEC induction, then surgery; one course "
        "of high-dose busulfan-melphalan with autologous rescue; local radiotherapy.",
        "further_investigations": "Response assessment after induction (MIBG or bone scan, "
        "bone marrow).",
        "local_feasibility": "Feasible in Hanoi with radiotherapy at K Hospital; anti-GD2 is "
        "not available, so it is not part of this plan.",
    },
    "cns": {
        "diagnostic_opinion": "Desmoplastic/nodular medulloblastoma, most likely SHH; send "
        "tissue for molecular grouping and TP53 if possible.",
        "stage_risk_opinion": "Standard risk if M0 and residual under 1.5 cm².",
        "recommended_treatment": "Start craniospinal radiotherapy (23.4 Gy, boost to 54 Gy) "
        "within 28 days of surgery if at all possible; if the wait is longer, give "
        "carboplatin-etoposide bridging chemotherapy, then radiotherapy and maintenance.",
        "further_investigations": "Audiogram and endocrine baseline before radiotherapy.",
        "local_feasibility": "Bridging chemotherapy is feasible locally; the radiotherapy "
        "date at K Hospital decides the plan.",
    },
}


# ICCC group I holds AML as well as ALL: a question about ALL goes to a child with ALL
# (precursor lymphoblastic leukaemia/lymphoma morphologies), with CNS3 where there is one.
ALL_MORPHOLOGIES = frozenset({"9811", "9812", "9813", "9814", "9815", "9816", "9817", "9818"})
ALL_MORPHOLOGIES |= {"9835", "9836", "9837"}
PREFERRED_STAGES = frozenset({"CNS3"})


def _fits(group: str, template: str, diagnosis) -> bool:
    if diagnosis.iccc_main_group != group:
        return False
    return template != "leukaemia" or diagnosis.morphology in ALL_MORPHOLOGIES


@transaction.atomic
def load_demo() -> None:
    if Consultation.objects.exists():
        return
    vnch = Institution.objects.get(code="VNCH")
    curie = Institution.objects.get(code="CURIE")
    clinician = User.objects.get(email="lan.nguyen@vnch.demo")
    patients = list(
        Patient.objects.filter(
            institution=vnch, consent_status__in=[ConsentStatus.GIVEN, ConsentStatus.WAIVED]
        ).prefetch_related("diagnoses")
    )
    now = timezone.now()
    created = []
    for index, (
        group,
        question,
        urgency,
        specialty,
        template,
        history,
        imaging,
        pathology,
    ) in enumerate(CASES):
        fitting = [p for p in patients if any(_fits(group, template, d) for d in p.diagnoses.all())]
        preferred = [
            p for p in fitting if any(d.stage_value in PREFERRED_STAGES for d in p.diagnoses.all())
        ]
        patient = (preferred or fitting or [patients[index % len(patients)]])[0]
        patients.remove(patient)
        consultation = actions.request_consultation(
            actor=clinician,
            patient=patient,
            expert_institution=curie,
            question=question,
            urgency=urgency,
            specialty=specialty,
            language="en",
            template=template,
            summary={"history": history, "imaging": imaging, "pathology": pathology},
        )
        created.append(consultation)

    # 0: answered, recommended, outcome known (partly followed); 1: recommended, follow-up
    # due; 2: in discussion; 3: waiting for the expert, overdue; 4: just sent.
    def backdate(consultation: Consultation, days: float, reply_hours: float | None) -> None:
        sent = now - datetime.timedelta(days=days)
        hours = 24 if consultation.urgency == "urgent" else 72
        Consultation.objects.filter(pk=consultation.pk).update(
            created_at=sent,
            first_reply_due=sent + datetime.timedelta(hours=hours),
            first_reply_at=sent + datetime.timedelta(hours=reply_hours) if reply_hours else None,
        )
        consultation.refresh_from_db()

    first, second, third, fourth, _fifth = created

    def expert_of(consultation: Consultation) -> User:
        return consultation.assignments.get().expert

    for consultation, days, reply in ((first, 70, 5), (second, 63, 30), (third, 3, 20)):
        asked, answered = THREADS[consultation.template]
        actions.post_message(actor=expert_of(consultation), consultation=consultation, body=asked)
        actions.post_message(actor=clinician, consultation=consultation, body=answered)
        backdate(consultation, days, reply)
    for consultation in (first, second):
        actions.save_recommendation(
            actor=expert_of(consultation),
            consultation=consultation,
            fields=RECOMMENDATIONS[consultation.template],
            finalise=True,
        )
    Consultation.objects.filter(pk=first.pk).update(
        recommended_at=now - datetime.timedelta(days=66),
        follow_up_due_on=(now - datetime.timedelta(days=10)).date(),
    )
    first.refresh_from_db()
    actions.answer_follow_up(
        actor=clinician,
        consultation=first,
        adherence="partly",
        reasons=["drug_unavailable"],
        note="Busulfan not available; melphalan alone was given.",
    )
    Consultation.objects.filter(pk=second.pk).update(
        recommended_at=now - datetime.timedelta(days=60),
        follow_up_due_on=(now - datetime.timedelta(days=3)).date(),
        follow_up_asked_at=now - datetime.timedelta(days=3),
    )
    backdate(fourth, 2, None)
