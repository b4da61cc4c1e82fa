"""The library's demo, all through its actions: the infection-control SOP that UZPHO wrote
with the Rogachev Center and that Hanoi adopted too, with months of audits that improve; the
adapted Wilms tumour protocol of VNCH reviewed by Institut Curie, in two versions; and
molecular send-outs from Hanoi and Tashkent in every state. Runs after the registry's demo;
a second run changes nothing."""

import datetime
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from consilium.accounts.models import Membership, Profession, Role, User
from consilium.library.actions import adoption, compliance, documents, sendouts
from consilium.library.models import Document, DocumentVersion, ObservationResult
from consilium.network import actions as network_actions
from consilium.network.models import AreaKind, Institution, Partnership
from consilium.registry.models import Patient

# One empty page: the demo has no real procedure to show, only its place in the workflow.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n170\n%%EOF\n"
)

PEOPLE = [
    # email, name, profession, specialty, institution, role, time zone, language
    (
        "elena.sokolova@drnrc.demo",
        "Dr Elena Sokolova",
        Profession.DOCTOR,
        "Infection control in paediatric haematology",
        "DRNRC",
        Role.EXPERT,
        "Europe/Moscow",
        "ru",
    ),
    (
        "gulnora.yusupova@uzpho.demo",
        "Gulnora Yusupova",
        Profession.NURSE,
        "Haematology nursing",
        "UZPHO",
        Role.CLINICIAN,
        "Asia/Tashkent",
        "uz",
    ),
    (
        "malika.tursunova@uzpho.demo",
        "Malika Tursunova",
        Profession.NURSE,
        "Oncology nursing",
        "UZPHO",
        Role.CLINICIAN,
        "Asia/Tashkent",
        "ru",
    ),
    (
        "bobur.aliyev@uzpho.demo",
        "Dr Bobur Aliyev",
        Profession.DOCTOR,
        "Paediatric oncology",
        "UZPHO",
        Role.CLINICIAN,
        "Asia/Tashkent",
        "ru",
    ),
    (
        "lukas.huber@muw.demo",
        "Dr Lukas Huber",
        Profession.DOCTOR,
        "Molecular pathology",
        "MUW",
        Role.EXPERT,
        "Europe/Vienna",
        "en",
    ),
]

BUNDLE_ITEMS = [
    "Hand hygiene before touching the patient or the line",
    "Hub scrubbed with 2 % chlorhexidine in alcohol for 15 seconds",
    "Dressing clean, dry, intact and dated",
    "Line still needed, reviewed today",
    "Sterile gloves and mask when the line is accessed",
]
HAND_ITEMS = [
    "Before touching a patient",
    "Before a clean or aseptic procedure",
    "After body-fluid exposure risk",
    "After touching a patient",
    "After touching patient surroundings",
]


def _person(email, name, profession, specialty, code, role, tz, language) -> User:
    from consilium.core.demo_data import DEMO_PASSWORD

    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email,
            DEMO_PASSWORD,
            full_name=name,
            profession=profession,
            specialty=specialty,
            time_zone=tz,
            language=language,
            languages=[language, "en"],
        )
    Membership.objects.get_or_create(
        user=user, institution=Institution.objects.get(code=code), role=role, ended_at=None
    )
    return user


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _publish(
    version: DocumentVersion, editor: User, publisher: User, reviewers: list[User], files: list[str]
) -> DocumentVersion:
    for language in files:
        documents.add_file(
            actor=editor, version=version, language=language, upload=_pdf(f"{language}.pdf")
        )
    for reviewer in reviewers:
        documents.invite_reviewer(actor=editor, version=version, reviewer=reviewer)
    documents.submit_for_review(actor=editor, version=version)
    for n, reviewer in enumerate(reviewers):
        documents.add_comment(
            actor=reviewer,
            version=version,
            body="Checked against our current practice; see the marked steps."
            if n == 0
            else "Agreed.",
        )
        documents.decide_review(actor=reviewer, version=version, decision="approved")
    return documents.approve_version(actor=publisher, version=version)


@transaction.atomic
def load_demo() -> None:
    if Document.objects.exists() or not Partnership.objects.exists():
        return
    people = {p[0]: _person(*p) for p in PEOPLE}
    user = {u.email: u for u in User.objects.filter(email__endswith=".demo")}
    inst = {i.code: i for i in Institution.objects.all()}
    today = timezone.localdate()
    _infection_control(user, people, inst, today)
    _wilms(user, inst)
    _rhabdomyosarcoma(user, inst)
    _sendouts(user, people, inst, today)


def _infection_control(user, people, inst, today) -> None:
    tashkent = user["dilnoza.rakhimova@uzpho.demo"]
    hanoi = user["hoa.pham@vnch.demo"]
    version = documents.create_document(
        actor=tashkent,
        owner=inst["UZPHO"],
        kind="sop",
        code="IC-BUNDLE",
        title="Hand hygiene and central-line bundle",
        summary="Infection-control standard procedure of the WHO Global Initiative for "
        "Childhood Cancer: the five moments of hand hygiene and the central-line bundle.",
        language="ru",
        change_summary="First version, drafted with the Rogachev Center.",
        authors=[people["bobur.aliyev@uzpho.demo"]],
    )
    _publish(version, tashkent, tashkent, [people["elena.sokolova@drnrc.demo"]], ["ru", "uz", "en"])
    required = {"roles": [Role.CLINICIAN], "professions": [Profession.NURSE]}
    start = today - datetime.timedelta(days=190)
    at_uzpho = adoption.adopt_version(
        actor=tashkent, institution=inst["UZPHO"], version=version, in_force_from=start, **required
    )
    at_vnch = adoption.adopt_version(
        actor=hanoi,
        institution=inst["VNCH"],
        version=version,
        in_force_from=start + datetime.timedelta(days=30),
        note="Adopted from UZPHO's procedure; Vietnamese translation to follow.",
        **required,
    )
    for email in ("gulnora.yusupova@uzpho.demo", "bobur.aliyev@uzpho.demo"):
        adoption.acknowledge(actor=people[email], adoption=at_uzpho)
    adoption.acknowledge(actor=user["mai.le@vnch.demo"], adoption=at_vnch)

    bundle = compliance.create_checklist(
        actor=tashkent, version=version, title="Central-line bundle", items=BUNDLE_ITEMS
    )
    compliance.create_checklist(
        actor=tashkent, version=version, title="Hand hygiene: five moments", items=HAND_ITEMS
    )
    items = [item.pk for item in bundle.items.all()]
    series = [
        (inst["UZPHO"], tashkent, "Haematology ward", 0.52, 0.07, 11),
        (inst["UZPHO"], tashkent, "Oncology ward", 0.45, 0.08, 12),
        (inst["VNCH"], hanoi, "Oncology ward 3", 0.40, 0.09, 13),
    ]
    for institution, auditor, unit, base, gain, seed in series:
        rng = random.Random(seed)
        for month in range(6):
            day = start + datetime.timedelta(days=30 * month + 10 + seed % 5)
            if day > today:
                break
            share = min(0.97, base + gain * month)
            # Deterministic: a fixed share of 20 observed opportunities is compliant; which
            # ones fail varies, so items differ from month to month.
            slots = [item for item in items for _ in range(4)]
            rng.shuffle(slots)
            compliant = round(share * (len(slots) - 1))
            observations = [(slots[0], ObservationResult.NOT_APPLICABLE)]
            observations += [
                (
                    item,
                    ObservationResult.COMPLIANT
                    if n < compliant
                    else ObservationResult.NON_COMPLIANT,
                )
                for n, item in enumerate(slots[1:])
            ]
            compliance.record_round(
                actor=auditor,
                checklist=bundle,
                institution=institution,
                unit=unit,
                audited_on=day,
                observations=observations,
            )


def _wilms(user, inst) -> None:
    hanoi = user["hoa.pham@vnch.demo"]
    clinician = user["lan.nguyen@vnch.demo"]
    curie = [user["claire.martin@curie.demo"], user["julien.moreau@curie.demo"]]
    first = documents.create_document(
        actor=hanoi,
        owner=inst["VNCH"],
        kind="protocol",
        code="WILMS-VN",
        title="Wilms tumour: protocol adapted to Hanoi (after SIOP-RTSG UMBRELLA)",
        summary="Pre-operative vincristine and dactinomycin, nephrectomy, post-operative "
        "treatment by stage and histology; radiotherapy referred to K Hospital.",
        language="vi",
        change_summary="First adaptation, agreed at the Hanoi workshop.",
        authors=[clinician],
    )
    _publish(first, hanoi, hanoi, curie, ["vi", "fr"])
    second = documents.new_version(
        actor=hanoi,
        document=first.document,
        change_summary="Dactinomycin stock-outs: a documented alternative schedule; flank "
        "radiotherapy timing relaxed to 14 days after surgery for referral delays.",
    )
    _publish(second, hanoi, hanoi, curie[:1], ["vi"])


def _rhabdomyosarcoma(user, inst) -> None:
    hanoi = user["hoa.pham@vnch.demo"]
    version = documents.create_document(
        actor=hanoi,
        owner=inst["VNCH"],
        kind="protocol",
        code="RMS-VN",
        title="Rhabdomyosarcoma, including the orbit: protocol adapted to Hanoi (after EpSSG)",
        summary="Risk groups by histology, site (orbit favourable), size, age and nodes; "
        "IVA chemotherapy; orbital radiotherapy referred to K Hospital, no exenteration.",
        language="en",
        change_summary="Agreed with Institut Curie after three orbital cases.",
        authors=[user["lan.nguyen@vnch.demo"]],
    )
    _publish(version, hanoi, hanoi, [user["claire.martin@curie.demo"]], ["en"])


def _patient(institution: Institution, morphologies: tuple[str, ...], skip: int = 0):
    return (
        Patient.objects.filter(institution=institution, diagnoses__morphology__in=morphologies)
        .order_by("-pseudonym_year", "pseudonym_number")
        .distinct()[skip : skip + 1]
        .first()
    )


def _sendouts(user, people, inst, today) -> None:
    hanoi_coord = user["hoa.pham@vnch.demo"]
    hanoi = (
        Partnership.objects.filter(parties__institution=inst["VNCH"])
        .filter(parties__institution=inst["CURIE"])
        .first()
    )
    if hanoi is not None and not hanoi.areas.filter(kind=AreaKind.MOLECULAR).exists():
        network_actions.add_area(
            actor=hanoi_coord,
            partnership=hanoi,
            kind=AreaKind.MOLECULAR,
            objectives="MYCN FISH and fusion testing at Institut Curie until Hanoi has FISH.",
        )
    now = timezone.now()
    clinician = user["lan.nguyen@vnch.demo"]
    lab = user["claire.martin@curie.demo"]
    # Five neuroblastomas from Hanoi to Paris, one in each state.
    for n, state in enumerate(("requested", "shipped", "received", "reported", "failed")):
        patient = _patient(inst["VNCH"], ("9500",), n) or _patient(inst["VNCH"], ("8960",), n)
        if patient is None:
            return
        _one(
            patient=patient,
            requester=clinician,
            lab_user=lab,
            laboratory=inst["CURIE"],
            test="mycn",
            state=state,
            days_ago=60 - n * 9,
            now=now,
        )
    tashkent = people["bobur.aliyev@uzpho.demo"]
    vienna = people["lukas.huber@muw.demo"]
    for n, (test, morphologies, state) in enumerate(
        [
            ("pax_foxo1", ("8920", "8910"), "in_analysis"),
            ("braf", ("9421",), "reported"),
        ]
    ):
        patient = _patient(inst["UZPHO"], morphologies) or _patient(inst["UZPHO"], ("9500",), n)
        if patient is not None:
            _one(
                patient=patient,
                requester=tashkent,
                lab_user=vienna,
                laboratory=inst["MUW"],
                test=test,
                state=state,
                days_ago=45 - n * 10,
                now=now,
            )


RESULTS = {
    "mycn": ("MYCN", "detected", "fish", "MYCN amplified: >10 copies, 85 % of tumour nuclei."),
    "braf": ("KIAA1549-BRAF", "detected", "pcr", "KIAA1549-BRAF fusion (exons 16–9)."),
    "pax_foxo1": ("PAX3-FOXO1", "not_detected", "pcr", "No PAX3- or PAX7-FOXO1 transcript."),
}


def _one(*, patient, requester, lab_user, laboratory, test, state, days_ago, now) -> None:
    diagnosis = patient.diagnoses.order_by("-date", "-id").first()
    requested = now - datetime.timedelta(days=days_ago)
    sendout = sendouts.request_sendout(
        actor=requester,
        patient=patient,
        diagnosis=diagnosis,
        laboratory=laboratory,
        test=test,
        sample_type="ffpe_block",
        collected_on=min(diagnosis.date, timezone.localdate(requested)),
        fixation="formalin",
        tumour_cell_percent=20 if state == "failed" else 70,
        question="Risk stratification before cycle 3.",
        requested_at=requested,
    )
    if state == "requested":
        return
    sendouts.record_shipment(
        actor=requester,
        sendout=sendout,
        courier="DHL Medical Express",
        tracking_number=f"JD0146{sendout.pk:06d}",
        temperature="ambient",
        shipped_at=requested + datetime.timedelta(days=2),
    )
    if state == "shipped":
        return
    sendouts.change_status(
        actor=lab_user,
        sendout=sendout,
        status="received",
        at=requested + datetime.timedelta(days=6),
    )
    if state == "failed":
        sendouts.mark_failed(
            actor=lab_user,
            sendout=sendout,
            reason="Tumour cells under 30 % in the block sent; please send another block.",
        )
        return
    if state == "in_analysis":
        sendouts.change_status(
            actor=lab_user,
            sendout=sendout,
            status="in_analysis",
            at=requested + datetime.timedelta(days=8),
        )
    if state != "reported":
        return
    marker, result, method, summary = RESULTS[test]
    sendouts.report_result(
        actor=lab_user,
        sendout=sendout,
        marker=marker,
        result=result,
        method=method,
        summary=summary,
        reported_at=requested + datetime.timedelta(days=17),
    )
