"""The demo network: real public institutions of twinning programmes, invented people.

Each module adds its own demo data through a `load_demo` function listed in DEMO_LOADERS;
all of it goes through the same actions the application uses."""

from dataclasses import dataclass

from django.db import transaction

from consilium.accounts.models import Membership, Profession, Role, User
from consilium.network.models import Institution, InstitutionKind

DEMO_PASSWORD = "consilium-demo"  # noqa: S105 - printed on purpose: it is the demo's sign-in

INSTITUTIONS = [
    # code, name, local name, country, city, time zone, kind, languages
    (
        "VNCH",
        "Vietnam National Children's Hospital",
        "Bệnh viện Nhi Trung ương",
        "VN",
        "Hanoi",
        "Asia/Ho_Chi_Minh",
        InstitutionKind.CHILDRENS_HOSPITAL,
        ["vi", "en"],
    ),
    (
        "KHOSP",
        "K Hospital (Vietnam National Cancer Hospital)",
        "Bệnh viện K",
        "VN",
        "Hanoi",
        "Asia/Ho_Chi_Minh",
        InstitutionKind.CANCER_CENTRE,
        ["vi", "en"],
    ),
    (
        "CURIE",
        "Institut Curie",
        "Institut Curie",
        "FR",
        "Paris",
        "Europe/Paris",
        InstitutionKind.CANCER_CENTRE,
        ["fr", "en"],
    ),
    (
        "RDEBRE",
        "Hôpital Robert-Debré (AP-HP)",
        "Hôpital Robert-Debré",
        "FR",
        "Paris",
        "Europe/Paris",
        InstitutionKind.CHILDRENS_HOSPITAL,
        ["fr", "en"],
    ),
    (
        "UZPHO",
        "Center for Pediatric Hematology, Oncology and Clinical Immunology",
        "Bolalar gematologiyasi, onkologiyasi va klinik immunologiyasi markazi",
        "UZ",
        "Tashkent",
        "Asia/Tashkent",
        InstitutionKind.CHILDRENS_HOSPITAL,
        ["uz", "ru", "en"],
    ),
    (
        "PMC",
        "Princess Máxima Center for Pediatric Oncology",
        "Prinses Máxima Centrum",
        "NL",
        "Utrecht",
        "Europe/Amsterdam",
        InstitutionKind.CANCER_CENTRE,
        ["nl", "en"],
    ),
    (
        "CCHE",
        "Children's Cancer Hospital Egypt 57357",
        "مستشفى سرطان الأطفال مصر 57357",
        "EG",
        "Cairo",
        "Africa/Cairo",
        InstitutionKind.CHILDRENS_HOSPITAL,
        ["ar", "en"],
    ),
    (
        "MUW",
        "Medical University of Vienna",
        "Medizinische Universität Wien",
        "AT",
        "Vienna",
        "Europe/Vienna",
        InstitutionKind.UNIVERSITY_CLINIC,
        ["de", "en"],
    ),
]


@dataclass(frozen=True)
class Persona:
    key: str
    email: str
    full_name: str
    profession: str
    specialty: str
    institution: str
    role: str
    time_zone: str
    language: str
    languages: tuple[str, ...]
    description: str


PERSONAS = [
    Persona(
        "clinician",
        "lan.nguyen@vnch.demo",
        "Dr Nguyễn Thị Lan",
        Profession.DOCTOR,
        "Paediatric oncology",
        "VNCH",
        Role.CLINICIAN,
        "Asia/Ho_Chi_Minh",
        "vi",
        ("vi", "en", "fr"),
        "clinician at Vietnam National Children's Hospital, Hanoi",
    ),
    Persona(
        "data_manager",
        "minh.tran@vnch.demo",
        "Trần Văn Minh",
        Profession.DATA_MANAGER,
        "Cancer registry",
        "VNCH",
        Role.DATA_MANAGER,
        "Asia/Ho_Chi_Minh",
        "en",
        ("vi", "en"),
        "data manager at Vietnam National Children's Hospital",
    ),
    Persona(
        "navigator",
        "thu.le@vnch.demo",
        "Lê Thị Thu",
        Profession.NURSE,
        "Patient navigation",
        "VNCH",
        Role.NAVIGATOR,
        "Asia/Ho_Chi_Minh",
        "vi",
        ("vi", "en"),
        "nurse navigator at Vietnam National Children's Hospital",
    ),
    Persona(
        "coordinator",
        "hoa.pham@vnch.demo",
        "Phạm Thu Hoa",
        Profession.COORDINATOR,
        "International partnerships",
        "VNCH",
        Role.COORDINATOR,
        "Asia/Ho_Chi_Minh",
        "en",
        ("vi", "en"),
        "programme coordinator at Vietnam National Children's Hospital",
    ),
    Persona(
        "expert",
        "claire.martin@curie.demo",
        "Dr Claire Martin",
        Profession.DOCTOR,
        "Paediatric oncology (neuroblastoma)",
        "CURIE",
        Role.EXPERT,
        "Europe/Paris",
        "fr",
        ("fr", "en"),
        "expert at Institut Curie, Paris (partner of VNCH)",
    ),
    Persona(
        "outsider",
        "pieter.dejong@pmc.demo",
        "Dr Pieter de Jong",
        Profession.DOCTOR,
        "Paediatric neuro-oncology",
        "PMC",
        Role.EXPERT,
        "Europe/Amsterdam",
        "en",
        ("nl", "en"),
        "expert at Princess Máxima Center (no partnership with VNCH)",
    ),
    Persona(
        "admin",
        "admin@consilium.demo",
        "Aziza Karimova",
        Profession.OTHER,
        "Network administration",
        "UZPHO",
        Role.ADMIN,
        "Asia/Tashkent",
        "ru",
        ("uz", "ru", "en"),
        "administrator of the installation",
    ),
]


@transaction.atomic
def load_foundation() -> dict[str, User]:
    institutions = {}
    for code, name, local, country, city, tz, kind, langs in INSTITUTIONS:
        institutions[code], _ = Institution.objects.get_or_create(
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
    users = {}
    for p in PERSONAS:
        user = User.objects.filter(email=p.email).first()
        if user is None:
            user = User.objects.create_user(
                p.email,
                DEMO_PASSWORD,
                full_name=p.full_name,
                profession=p.profession,
                specialty=p.specialty,
                time_zone=p.time_zone,
                language=p.language,
                languages=list(p.languages),
                is_staff=p.role == Role.ADMIN,
                is_superuser=p.role == Role.ADMIN,
            )
        Membership.objects.get_or_create(
            user=user, institution=institutions[p.institution], role=p.role, ended_at=None
        )
        users[p.key] = user
    return users


# Dotted paths, loaded in order, so that this module does not import every app.
DEMO_LOADERS = [
    "consilium.core.demo_data.load_foundation",
    "consilium.network.demo.load_demo",
    "consilium.registry.demo.load_demo",
    "consilium.consultations.demo.load_demo",
    "consilium.meetings.demo.load_demo",
    "consilium.library.demo.load_demo",
    "consilium.navigation.demo.load_demo",
    "consilium.consultations.demo_memory.load_demo",
    # Last: it indexes what the loaders above made.
    "consilium.search.demo.load_demo",
]
