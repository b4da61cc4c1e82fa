"""One of everything a URL can point at, made through the actions the application uses:
the demo's institutions and personas, the VNCH–Institut Curie partnership, a VNCH patient
with a consultation to Curie (a DICOM slice, a photo, a thread, a final recommendation and
its PDF), a tumour board with that case on its agenda, a workshop with a programme, slides,
registrations and a certificate, a series, a calendar feed, an approved and adopted SOP with
a checklist, a molecular send-out with its report, and a registry import.

The demo loaders themselves take minutes (hundreds of congress registrations); this is the
small form of the same network, built once per test module by the security tests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone

from consilium.accounts.models import Profession, User
from consilium.consultations import actions as consultation_actions
from consilium.consultations.models import Attachment, Consultation, Message
from consilium.library.actions import adoption as adoption_actions
from consilium.library.actions import compliance as compliance_actions
from consilium.library.actions import documents as document_actions
from consilium.library.actions import sendouts as sendout_actions
from consilium.meetings import actions as meeting_actions
from consilium.meetings import agenda, attendance
from consilium.meetings.choices import EventKind, EventMode, SessionKind, Visibility
from consilium.meetings.models import Event, Registration
from consilium.network import actions as network_actions
from consilium.network.models import AreaKind, Institution, Milestone, PartnershipStatus
from consilium.registry import actions as registry_actions
from consilium.registry.models import ImportJob, Patient, QualityIssue
from tests.consultations.dicom_files import ct_slice, phone_photo
from tests.consultations.fixtures import run_queued_tasks
from tests.network.conftest import PDF
from tests.network.helpers import confirmed_partnership
from tests.registry.conftest import diagnosis_data, identity, patient_data

RECOMMENDATION = {
    "diagnostic_opinion": "High-risk neuroblastoma, MYCN amplified, stage M.",
    "stage_risk_opinion": "High risk (INRG).",
    "recommended_treatment": "Rapid COJEC induction, then surgery; single HDCT.",
    "further_investigations": "MIBG after induction; bone marrow.",
    "local_feasibility": "Autologous transplant possible in Hanoi.",
}


@dataclass
class World:
    personas: dict[str, User]
    institutions: dict[str, Institution]
    partnership: object
    area: object
    milestone: Milestone
    patient: Patient
    second_patient: Patient
    issue: QualityIssue | None
    consultation: Consultation
    dicom: Attachment
    photo: Attachment
    message: Message
    board: Event
    workshop: Event
    public_event: Event
    presentation: object
    registration: Registration
    series: object
    feed_token: str
    document: object
    version: object
    adoption: object
    checklist: object
    sendout: object
    treatment: object
    import_job: ImportJob
    nav_plan: object
    nav_visit: object
    nav_proposal: object

    @property
    def ids(self) -> SimpleNamespace:
        return SimpleNamespace(**{k: getattr(v, "pk", v) for k, v in vars(self).items()})


def _day(days: int) -> datetime.datetime:
    now = timezone.now().replace(microsecond=0, second=0, minute=0)
    return now + datetime.timedelta(days=days)


def build(personas: dict[str, User]) -> World:
    coordinator, clinician = personas["coordinator"], personas["clinician"]
    expert = personas["expert"]
    institutions = {i.code: i for i in Institution.objects.all()}
    vnch, curie = institutions["VNCH"], institutions["CURIE"]
    today = timezone.localdate()

    partnership = confirmed_partnership(
        actor=coordinator,
        title="VNCH – Institut Curie",
        institutions=[vnch, curie],
        valid_from=today - datetime.timedelta(days=365),
        valid_until=today + datetime.timedelta(days=4 * 365),
        signed_on=today - datetime.timedelta(days=365),
        status=PartnershipStatus.ACTIVE,
        document=SimpleUploadedFile("mou.pdf", PDF, content_type="application/pdf"),
        areas={
            AreaKind.TELEMEDICINE: "Case discussion",
            AreaKind.TRAINING: "Fellowships",
            AreaKind.PROTOCOLS: "Adapted protocols",
            AreaKind.MOLECULAR: "MYCN testing",
        },
    )
    area = partnership.areas.get(kind=AreaKind.TELEMEDICINE)
    milestone = network_actions.add_milestone(
        actor=coordinator,
        area=area,
        title="Weekly board running",
        due_on=today + datetime.timedelta(days=60),
        owner=coordinator,
    )

    patient = registry_actions.register_patient(
        actor=clinician,
        institution=vnch,
        identity=identity(),
        patient=patient_data(),
        diagnosis=diagnosis_data(),
    )
    second_patient = registry_actions.register_patient(
        actor=clinician,
        institution=vnch,
        identity=identity(
            name="Lê Thị Bích Ngọc",
            birth_date=datetime.date(2017, 8, 23),
            hospital_number="BN23-11873",
            address="Số 12 Phố Huế, Hai Bà Trưng, Hà Nội",
            phone="+84 24 3971 0000",
        ),
        patient=patient_data(sex="female", region="Hà Nội"),
        # A warning the data manager can confirm: an unusual basis of diagnosis for the age.
        diagnosis=diagnosis_data(date=datetime.date(2024, 1, 10), basis_of_diagnosis="1"),
    )
    treatment = registry_actions.add_treatment(
        actor=clinician,
        patient=patient,
        diagnosis=patient.diagnoses.first(),
        start_date=datetime.date(2024, 2, 10),
        modalities=["chemotherapy"],
        protocol_name="COJEC",
    )
    registry_actions.record_event(
        actor=clinician,
        patient=patient,
        diagnosis=patient.diagnoses.first(),
        kind="remission",
        date=datetime.date(2024, 8, 1),
    )

    consultation = consultation_actions.request_consultation(
        actor=clinician,
        patient=patient,
        expert_institution=curie,
        question="High-risk neuroblastoma, MYCN amplified: is tandem HDCT feasible here?",
        urgency="routine",
        specialty="neuroblastoma",
        summary={"history": "3-year-old boy, abdominal mass for 4 weeks."},
        files=[
            consultation_actions.Upload(filename="ct.dcm", data=ct_slice()),
            consultation_actions.Upload(filename="lesion.jpg", data=phone_photo()),
        ],
    )
    if not consultation.assignments.filter(expert=expert).exists():
        consultation_actions.assign_expert(
            actor=_curie_manager(curie),
            consultation=consultation,
            expert=expert,
        )
    consultation_actions.accept(actor=expert, consultation=consultation)
    message = consultation_actions.post_message(
        actor=expert, consultation=consultation, body="Could you send the MIBG scan?"
    )
    board = meeting_actions.create_event(
        actor=coordinator,
        kind=EventKind.TUMOUR_BOARD,
        title="VNCH – Curie tumour board",
        starts_at=_day(7),
        ends_at=_day(7) + datetime.timedelta(hours=1),
        time_zone="Asia/Ho_Chi_Minh",
        host=vnch,
        co_organisers=[curie],
        online_link="https://visio.example.org/board",
        mode=EventMode.ONLINE,
        visibility=Visibility.PARTNERS,
    )
    agenda.accept_case(
        actor=coordinator,
        item=agenda.propose_case(actor=clinician, event=board, consultation=consultation),
    )

    with TestCase.captureOnCommitCallbacks(execute=True):
        consultation_actions.save_recommendation(
            actor=expert, consultation=consultation, fields=RECOMMENDATION, finalise=True
        )
    run_queued_tasks("consilium.consultations.tasks.deliver_report")
    consultation.refresh_from_db()

    workshop = meeting_actions.create_event(
        actor=coordinator,
        kind=EventKind.WORKSHOP,
        title="Pediatric Oncology Workshop",
        starts_at=_day(-10),
        ends_at=_day(-10) + datetime.timedelta(hours=8),
        time_zone="Asia/Ho_Chi_Minh",
        host=vnch,
        co_organisers=[curie],
        venue="VNCH, Hanoi",
        online_link="https://visio.example.org/workshop",
        mode=EventMode.HYBRID,
        visibility=Visibility.NETWORK,
    )
    session = meeting_actions.add_session(
        actor=coordinator,
        event=workshop,
        kind=SessionKind.SECTION,
        title="Neuroblastoma",
        starts_at=workshop.starts_at,
        ends_at=workshop.starts_at + datetime.timedelta(hours=2),
    )
    presentation = meeting_actions.add_presentation(
        actor=coordinator,
        session=session,
        title="Induction for high-risk neuroblastoma",
        speakers=[expert],
        slides=SimpleUploadedFile("slides.pdf", PDF, content_type="application/pdf"),
    )
    registration = attendance.register(
        actor=coordinator, event=workshop, mode="in_person", user=expert
    )
    attendance.check_in(
        actor=coordinator, event=workshop, registration=registration, hours=Decimal(6)
    )
    public_event = meeting_actions.create_event(
        actor=coordinator,
        kind=EventKind.CONGRESS,
        title="National paediatric oncology congress",
        starts_at=_day(30),
        ends_at=_day(31),
        time_zone="Asia/Ho_Chi_Minh",
        host=vnch,
        venue="Hanoi",
        mode=EventMode.IN_PERSON,
        visibility=Visibility.PUBLIC,
    )
    series = meeting_actions.create_series(
        actor=coordinator,
        title="Fortnightly neuroblastoma board",
        host=vnch,
        co_organisers=[curie],
        weekday=today.weekday(),
        start_time=datetime.time(14, 0),
        time_zone="Asia/Ho_Chi_Minh",
        starts_on=today + datetime.timedelta(days=14),
        until=today + datetime.timedelta(days=60),
        online_link="https://visio.example.org/series",
    )
    feed = meeting_actions.calendar_feed_for(actor=expert)

    version = document_actions.create_document(
        actor=coordinator,
        owner=vnch,
        kind="sop",
        code="IC-HAND",
        title="Hand hygiene and central-line bundle",
        language="en",
        change_summary="First version.",
    )
    document_actions.add_file(
        actor=coordinator,
        version=version,
        language="en",
        upload=SimpleUploadedFile("sop.pdf", PDF, content_type="application/pdf"),
    )
    document_actions.invite_reviewer(actor=coordinator, version=version, reviewer=expert)
    document_actions.submit_for_review(actor=coordinator, version=version)
    document_actions.decide_review(actor=expert, version=version, decision="approved")
    version = document_actions.approve_version(actor=coordinator, version=version)
    adoption = adoption_actions.adopt_version(
        actor=coordinator,
        institution=vnch,
        version=version,
        in_force_from=today,
        roles=[],
        professions=[Profession.DOCTOR],
    )
    checklist = compliance_actions.create_checklist(
        actor=coordinator,
        version=version,
        title="Central-line bundle",
        items=["Hand hygiene before touching the line", "Hub scrubbed for 15 seconds"],
    )
    sendout = sendout_actions.request_sendout(
        actor=clinician,
        patient=patient,
        diagnosis=patient.diagnoses.first(),
        laboratory=curie,
        test="mycn",
        sample_type="ffpe_block",
        collected_on=today - datetime.timedelta(days=3),
        fixation="formalin",
        tumour_cell_percent=60,
        question="MYCN status for risk stratification (INRG).",
    )

    import_job = ImportJob.objects.create(
        institution=vnch, created_by=personas["data_manager"], file_name="patients.csv"
    )
    nav_plan, nav_visit, nav_proposal = _navigation(personas, patient)

    return World(
        personas=personas,
        institutions=institutions,
        partnership=partnership,
        area=area,
        milestone=milestone,
        patient=patient,
        second_patient=second_patient,
        issue=QualityIssue.objects.filter(patient__institution=vnch).first(),
        consultation=consultation,
        dicom=consultation.attachments.get(kind="dicom"),
        photo=consultation.attachments.get(kind="photo"),
        message=message,
        board=board,
        workshop=workshop,
        public_event=public_event,
        presentation=presentation,
        registration=registration,
        series=series,
        feed_token=feed.token,
        document=version.document,
        version=version,
        adoption=adoption,
        checklist=checklist,
        sendout=sendout,
        treatment=treatment,
        import_job=import_job,
        nav_plan=nav_plan,
        nav_visit=nav_visit,
        nav_proposal=nav_proposal,
    )


def _navigation(personas: dict[str, User], patient: Patient) -> tuple:
    """The patient's treatment plan: two cycles missed five and four weeks ago (a proposed
    abandonment), one today still to mark, the family's phone, a high social risk."""
    from consilium.navigation.actions import outreach, sweep
    from consilium.navigation.actions import plans as plan_actions
    from consilium.navigation.actions import risk as risk_actions
    from consilium.navigation.models import ProposedAbandonment

    navigator = personas["navigator"]
    today = plan_actions.local_today(patient.institution)
    day = datetime.timedelta(days=1)
    plan = plan_actions.create_plan_by_hand(
        actor=navigator,
        patient=patient,
        title="Induction",
        start_date=today - 35 * day,
        visits=[
            ("chemotherapy", "C1", today - 35 * day),
            ("chemotherapy", "C2", today - 28 * day),
            ("chemotherapy", "C3", today),
            ("follow_up", "Review", today + 30 * day),
        ],
    )
    outreach.add_family_contact(
        actor=navigator,
        patient=patient,
        relation="Mother",
        name="Trần Thị Hà",
        phone="+84 98 765 4321",
        address="Xã Yên Bình, Hà Giang",
    )
    risk_actions.record_profile(
        actor=navigator,
        patient=patient,
        data={
            "travel_minutes": 300,
            "travel_cost": Decimal("250000"),
            "income_band": "lowest",
            "insurance": "none",
            "caregiver_available": True,
            "needs_lodging": True,
            "phone_access": "shared",
            "language": "Hmong",
            "needs_interpreter": True,
            "earlier_missed_visits": 0,
        },
    )
    sweep.run()
    outreach.give_support(
        actor=navigator, patient=patient, kind="transport", given_on=today, amount=Decimal("1")
    )
    return plan, plan.visits.get(label="C3"), ProposedAbandonment.objects.get(patient=patient)


def _curie_manager(curie: Institution) -> User:
    """Curie's coordinator triages what its partners send (made here: not a demo persona)."""
    from consilium.accounts.models import Membership, Role

    user, created = User.objects.get_or_create(
        email="sophie.bernard@curie.test",
        defaults={"full_name": "Sophie Bernard", "profession": Profession.COORDINATOR},
    )
    if created:
        Membership.objects.create(user=user, institution=curie, role=Role.COORDINATOR)
    return user
