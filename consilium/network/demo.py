"""The partnerships of the twinning stories in shared/context: the Hanoi workshop MoU with
Institut Curie and Robert-Debré, and the MoUs signed at the 2024 Tashkent congress."""

import datetime

from django.db import transaction
from django.utils import timezone

from consilium.accounts.models import Membership, Profession, Role, User
from consilium.network import actions
from consilium.network.models import (
    AreaKind,
    CollaborationArea,
    Institution,
    InstitutionKind,
    MilestoneStatus,
    Partnership,
    PartnershipStatus,
)
from consilium.network.resources import Availability

A, L, N, R = (
    Availability.AVAILABLE,
    Availability.LIMITED,
    Availability.NOT_AVAILABLE,
    Availability.REFERRED,
)

RESOURCES = {
    "VNCH": {
        "ultrasound": (A, ""),
        "ct": (A, ""),
        "mri": (L, "One scanner shared with adult services; 2–3 week wait for elective scans"),
        "pet": (R, "Referred to K Hospital"),
        "nuclear_medicine": (L, "MIBG scintigraphy not available; bone scan available"),
        "histology": (A, ""),
        "immunohistochemistry": (L, "Basic panel; no INI1, no ALK"),
        "flow_cytometry": (A, ""),
        "cytogenetics_fish": (L, "Karyotype only; FISH for MYCN sent out"),
        "pcr": (A, ""),
        "sequencing": (N, ""),
        "rt_2d": (R, "At K Hospital"),
        "rt_3d_conformal": (R, "At K Hospital"),
        "rt_imrt": (R, "At K Hospital, waiting list"),
        "rt_proton": (N, ""),
        "rt_brachytherapy": (N, ""),
        "paediatric_surgical_oncology": (A, ""),
        "neurosurgery": (A, ""),
        "orthopaedic_oncology": (L, "No endoprostheses"),
        "essential_medicines": (L, "Dactinomycin and asparaginase stock-outs"),
        "hdct_ascr": (L, "Autologous only, 6 beds"),
        "immunotherapy": (N, "No anti-GD2"),
        "intensive_care": (A, ""),
        "transfusion": (A, ""),
        "infection_control": (L, "No positive-pressure rooms"),
        "palliative_care": (L, "Team of two; oral morphine available"),
        "hospice": (N, ""),
    },
    "UZPHO": {
        "ultrasound": (A, ""),
        "ct": (A, ""),
        "mri": (A, ""),
        "pet": (N, ""),
        "histology": (A, ""),
        "immunohistochemistry": (A, ""),
        "flow_cytometry": (A, ""),
        "cytogenetics_fish": (L, "FISH panel for leukaemia only"),
        "pcr": (A, ""),
        "sequencing": (R, "Sent abroad through partners"),
        "rt_3d_conformal": (R, "Republican Oncology Centre"),
        "hdct_ascr": (L, "Started 2023"),
        "essential_medicines": (L, "Intermittent supply of vincristine"),
        "intensive_care": (A, ""),
        "infection_control": (L, "SOPs under development with the Rogachev Center"),
        "palliative_care": (A, ""),
        "hospice": (R, "Taskin Children's Hospice"),
    },
}

EXTRA_INSTITUTIONS = [
    (
        "DRNRC",
        "Dmitry Rogachev National Research Center of Pediatric Hematology, Oncology and Immunology",
        "НМИЦ ДГОИ им. Дмитрия Рогачева",
        "RU",
        "Moscow",
        "Europe/Moscow",
        InstitutionKind.CANCER_CENTRE,
        ["ru", "en"],
    ),
    (
        "SIOP",
        "International Society of Paediatric Oncology",
        "SIOP",
        "CH",
        "Geneva",
        "Europe/Zurich",
        InstitutionKind.SOCIETY,
        ["en", "fr"],
    ),
]

EXTRA_PEOPLE = [
    # email, name, profession, specialty, institution, role, tz, language, languages
    (
        "sophie.bernard@rdebre.demo",
        "Dr Sophie Bernard",
        Profession.DOCTOR,
        "Paediatric haemato-oncology (leukaemia)",
        "RDEBRE",
        Role.EXPERT,
        "Europe/Paris",
        "fr",
        ["fr", "en"],
    ),
    (
        "julien.moreau@curie.demo",
        "Dr Julien Moreau",
        Profession.DOCTOR,
        "Paediatric radiotherapy",
        "CURIE",
        Role.EXPERT,
        "Europe/Paris",
        "fr",
        ["fr", "en"],
    ),
    (
        "anne.leroy@curie.demo",
        "Anne Leroy",
        Profession.COORDINATOR,
        "International relations",
        "CURIE",
        Role.COORDINATOR,
        "Europe/Paris",
        "fr",
        ["fr", "en"],
    ),
    (
        "dilnoza.rakhimova@uzpho.demo",
        "Dilnoza Rakhimova",
        Profession.COORDINATOR,
        "International partnerships",
        "UZPHO",
        Role.COORDINATOR,
        "Asia/Tashkent",
        "ru",
        ["uz", "ru", "en"],
    ),
    (
        "mai.le@vnch.demo",
        "Lê Thị Mai",
        Profession.NURSE,
        "Paediatric oncology nursing",
        "VNCH",
        Role.CLINICIAN,
        "Asia/Ho_Chi_Minh",
        "vi",
        ["vi"],
    ),
]


def _people() -> dict[str, User]:
    institutions = {i.code: i for i in Institution.objects.all()}
    people = {}
    for email, name, profession, specialty, code, role, tz, lang, langs in EXTRA_PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            from consilium.core.demo_data import DEMO_PASSWORD

            user = User.objects.create_user(
                email,
                DEMO_PASSWORD,
                full_name=name,
                profession=profession,
                specialty=specialty,
                time_zone=tz,
                language=lang,
                languages=langs,
            )
        Membership.objects.get_or_create(
            user=user, institution=institutions[code], role=role, ended_at=None
        )
        people[email] = user
    return people


@transaction.atomic
def load_demo() -> None:
    if Partnership.objects.exists():
        return
    for code, name, local, country, city, tz, kind, langs in EXTRA_INSTITUTIONS:
        Institution.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "local_name": local,
                "country": country,
                "city": city,
                "time_zone": tz,
                "kind": kind,
                "languages": langs,
            },
        )
    extra = _people()
    user = {u.email: u for u in User.objects.all()}
    inst = {i.code: i for i in Institution.objects.all()}
    hanoi_coord = user["hoa.pham@vnch.demo"]
    tashkent_coord = user["dilnoza.rakhimova@uzpho.demo"]
    today = timezone.localdate()

    for code, items in RESOURCES.items():
        actor = hanoi_coord if code == "VNCH" else tashkent_coord
        actions.record_resource_profile(
            actor=actor,
            institution=inst[code],
            valid_from=datetime.date(2024, 1, 15),
            items=items,
            note="Recorded at the start of the partnership.",
        )
    # A second, later version for Hanoi: MIBG became available, so the history shows.
    later = dict(RESOURCES["VNCH"])
    later["nuclear_medicine"] = (A, "MIBG scintigraphy since March 2025")
    actions.record_resource_profile(
        actor=hanoi_coord,
        institution=inst["VNCH"],
        valid_from=datetime.date(2025, 3, 1),
        items=later,
        note="MIBG scintigraphy now done on site.",
    )

    hanoi = _signed(
        actor=hanoi_coord,
        title="Vietnam National Children's Hospital – Institut Curie – Hôpital Robert-Debré",
        institutions=[inst["VNCH"], inst["CURIE"], inst["RDEBRE"]],
        signed_on=datetime.date(2024, 12, 2),
        signed_place="Pediatric Oncology Workshop 2024, Hanoi",
        valid_from=datetime.date(2024, 12, 2),
        valid_until=datetime.date(2029, 12, 1),
        status=PartnershipStatus.ACTIVE,
        areas={
            AreaKind.TRAINING: "Train paediatric oncologists, nurses and technicians of VNCH "
            "and provincial hospitals; fellowships in Paris.",
            AreaKind.TELEMEDICINE: "Remote case discussion by written consultation and a "
            "fortnightly virtual tumour board.",
            AreaKind.PROTOCOLS: "Adapt neuroblastoma, rhabdomyosarcoma and low-grade glioma "
            "protocols to the resources available in Hanoi.",
            AreaKind.SUPPORTIVE: "Supportive and palliative care pathways.",
        },
    )
    areas = {a.kind: a for a in hanoi.areas.all()}
    clinician = user["lan.nguyen@vnch.demo"]
    expert = user["claire.martin@curie.demo"]
    plan = [
        (
            AreaKind.TRAINING,
            "Workshop: neuroblastoma, sarcomas, low-grade glioma (20 talks)",
            datetime.date(2024, 12, 6),
            hanoi_coord,
            MilestoneStatus.DONE,
        ),
        (
            AreaKind.TRAINING,
            "Two nurses trained in Paris (central-line care)",
            today + datetime.timedelta(days=5),
            extra["mai.le@vnch.demo"],
            MilestoneStatus.IN_PROGRESS,
        ),
        (
            AreaKind.TELEMEDICINE,
            "Fortnightly virtual tumour board running",
            datetime.date(2025, 3, 1),
            hanoi_coord,
            MilestoneStatus.DONE,
        ),
        (
            AreaKind.TELEMEDICINE,
            "Median time to first expert reply under 72 h",
            today + datetime.timedelta(days=60),
            clinician,
            MilestoneStatus.IN_PROGRESS,
        ),
        (
            AreaKind.PROTOCOLS,
            "Adapted high-risk neuroblastoma protocol approved",
            today - datetime.timedelta(days=20),
            expert,
            MilestoneStatus.IN_PROGRESS,
        ),
        (
            AreaKind.SUPPORTIVE,
            "Oral morphine pathway for home care",
            today + datetime.timedelta(days=120),
            clinician,
            MilestoneStatus.PLANNED,
        ),
    ]
    for kind, title, due, owner, status in plan:
        _milestone(hanoi_coord, areas[kind], title, due, owner, status)

    congress = "First International Congress of Pediatric Oncology and Hematology, Tashkent"
    for partner, until_days in (("PMC", None), ("CCHE", 80), ("MUW", None)):
        valid_until = (
            today + datetime.timedelta(days=until_days) if until_days else datetime.date(2029, 6, 4)
        )
        p = _signed(
            actor=tashkent_coord,
            title=f"UZPHO – {inst[partner].name}",
            institutions=[inst["UZPHO"], inst[partner]],
            signed_on=datetime.date(2024, 6, 5),
            signed_place=congress,
            valid_from=datetime.date(2024, 6, 5),
            valid_until=valid_until,
            status=PartnershipStatus.ACTIVE,
            areas={
                AreaKind.TRAINING: "Training and retraining of specialists.",
                AreaKind.PROTOCOLS: "Therapeutic protocols: surgery, radiotherapy, "
                "chemotherapy, immunotherapy.",
                AreaKind.RESEARCH: "Support in establishing a scientific research centre.",
                AreaKind.MOLECULAR: "Molecular and genomic diagnostics.",
                AreaKind.TELEMEDICINE: "Discussion of clinical cases using telemedicine.",
            },
        )
        molecular = p.areas.get(kind=AreaKind.MOLECULAR)
        _milestone(
            tashkent_coord,
            molecular,
            "Send-out pathway for MYCN and fusion testing agreed",
            today - datetime.timedelta(days=10),
            tashkent_coord,
            MilestoneStatus.IN_PROGRESS,
        )
    rogachev = _signed(
        actor=tashkent_coord,
        title="UZPHO – Rogachev Center: infection-control standard procedures (WHO GICC)",
        institutions=[inst["UZPHO"], inst["DRNRC"]],
        signed_on=datetime.date(2024, 6, 6),
        signed_place=congress,
        valid_from=datetime.date(2024, 6, 6),
        valid_until=datetime.date(2027, 6, 5),
        status=PartnershipStatus.ACTIVE,
        areas={
            AreaKind.INFECTION_CONTROL: "Develop standard procedures for infection control "
            "under the WHO Global Initiative for Childhood Cancer."
        },
    )
    _milestone(
        tashkent_coord,
        rogachev.areas.get(),
        "Hand-hygiene and central-line SOPs drafted",
        today + datetime.timedelta(days=3),
        tashkent_coord,
        MilestoneStatus.IN_PROGRESS,
    )


def _signed(**kwargs) -> Partnership:
    return confirm_by_every_party(actions.create_partnership(**kwargs))


def confirm_by_every_party(partnership: Partnership) -> Partnership:
    """The demo's MoUs were signed by every party: each party's coordinator (or admin)
    confirms it, through the same action a coordinator uses on the page. A party with no
    one to answer for it gets a demo coordinator."""
    for party in partnership.parties.filter(confirmed_at__isnull=True).select_related(
        "institution"
    ):
        institution = party.institution
        manager = (
            Membership.objects.filter(
                institution=institution,
                role__in=[Role.COORDINATOR, Role.ADMIN],
                ended_at__isnull=True,
                user__is_active=True,
            )
            .select_related("user")
            .first()
        )
        if manager is None:
            user = User.objects.create_user(
                f"coordinator@{institution.code.lower()}.demo",
                None,
                full_name=f"{institution.code} coordinator",
                profession=Profession.COORDINATOR,
            )
            manager = Membership.objects.create(
                user=user, institution=institution, role=Role.COORDINATOR
            )
        partnership.refresh_from_db()
        if partnership.status != PartnershipStatus.PROPOSED:
            break
        actions.confirm_partnership(actor=manager.user, partnership=partnership)
    partnership.refresh_from_db()
    return partnership


def _milestone(
    actor: User,
    area: CollaborationArea,
    title: str,
    due_on: datetime.date,
    owner: User,
    status: str,
) -> None:
    milestone = actions.add_milestone(
        actor=actor, area=area, title=title, due_on=due_on, owner=owner
    )
    if status != MilestoneStatus.PLANNED:
        actions.update_milestone(actor=actor, milestone=milestone, status=status)
