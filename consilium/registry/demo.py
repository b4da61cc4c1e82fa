"""Synthetic registries for the demo: about 60 children at VNCH (Hanoi), 30 at the paediatric
ward of K Hospital (Hanoi) and 40 at UZPHO (Tashkent), with the tumours, treatments and
outcomes such units see, abandonment and deaths included. Invented names; a seeded random
generator, so every run makes the same children, and a child whose hospital number is already
registered is skipped, so a second run adds none.

The demo's data manager (minh.tran@vnch.demo) keeps the hospital-based registries of both
Hanoi hospitals, as one registry team often does for the hospitals of a city: he holds the
data-manager role at K Hospital as well as at VNCH, so he may compare the two institutions'
outcomes (and registers K Hospital's children in the demo).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.utils import timezone

from consilium.accounts.models import CLINICAL_ROLES, Membership, Role, User
from consilium.core.demo_data import load_foundation
from consilium.network.models import Institution
from consilium.registry import actions
from consilium.registry.crypto import hospital_number_digest
from consilium.registry.models import (
    ConsentStatus,
    DeathCause,
    EventKind,
    Intent,
    Laterality,
    Marker,
    MarkerMethod,
    MarkerResult,
    Modality,
    PatientIdentity,
    RiskGroup,
    Sex,
    VitalStatus,
)
from consilium.registry.validation import DiagnosisData, IdentityData, PatientData


@dataclass(frozen=True)
class Tumour:
    weight: int
    sites: tuple[str, ...]
    morphology: str
    behaviour: str
    ages: tuple[int, int]
    stage_tumour: str
    stages: tuple[str, ...]
    protocol: tuple[str, str]
    modalities: tuple[str, ...]
    basis: str = "7"
    laterality: str = Laterality.NOT_PAIRED
    marker: tuple[str, str, float] | None = None
    """Marker, method, how often it is detected."""
    relapse: float = 0.15
    death: float = 0.2


C, S, R, H, IMMUNO = (
    Modality.CHEMOTHERAPY,
    Modality.SURGERY,
    Modality.RADIOTHERAPY,
    Modality.HIGH_DOSE,
    Modality.IMMUNOTHERAPY,
)
TUMOURS = (
    Tumour(
        9,
        ("C421",),
        "9836",
        "3",
        (1, 14),
        "all",
        ("CNS1", "CNS1", "CNS2", "CNS3"),
        ("ALL IC-BFM 2009", "2009"),
        (C,),
        basis="5",
        marker=(Marker.ETV6_RUNX1, MarkerMethod.PCR, 0.25),
        relapse=0.15,
        death=0.15,
    ),
    Tumour(
        2,
        ("C421",),
        "9837",
        "3",
        (4, 15),
        "all",
        ("CNS1", "CNS3"),
        ("ALL IC-BFM 2009", "2009"),
        (C,),
        basis="5",
        marker=(Marker.BCR_ABL1, MarkerMethod.PCR, 0.05),
        relapse=0.25,
        death=0.3,
    ),
    Tumour(
        2,
        ("C421",),
        "9861",
        "3",
        (1, 15),
        "aml",
        ("CNS negative",),
        ("AML-BFM 2012", "2012"),
        (C,),
        basis="5",
        relapse=0.3,
        death=0.4,
    ),
    Tumour(
        4,
        ("C749", "C480"),
        "9500",
        "3",
        (0, 5),
        "neuroblastoma",
        ("L1", "L2", "M", "M", "MS"),
        ("SIOPEN HR-NBL2", "1.0"),
        (C, S),
        marker=(Marker.MYCN, MarkerMethod.FISH, 0.3),
        relapse=0.25,
        death=0.35,
    ),
    Tumour(
        3,
        ("C649",),
        "8960",
        "3",
        (1, 6),
        "wilms",
        ("I", "II", "III", "IV"),
        ("SIOP UMBRELLA", "2016"),
        (C, S),
        laterality=Laterality.RIGHT,
        relapse=0.1,
        death=0.1,
    ),
    Tumour(
        3,
        ("C692",),
        "9510",
        "3",
        (0, 3),
        "retinoblastoma",
        ("0", "I", "I", "II", "III"),
        ("Retinoblastoma national guideline", "2019"),
        (C, S),
        basis="1",
        laterality=Laterality.LEFT,
        relapse=0.05,
        death=0.15,
    ),
    Tumour(
        2,
        ("C716",),
        "9470",
        "3",
        (3, 12),
        "medulloblastoma",
        ("M0", "M0", "M1", "M3"),
        ("SIOP PNET 5 MB", "3.0"),
        (S, R, C),
        relapse=0.25,
        death=0.35,
    ),
    Tumour(
        1,
        ("C716",),
        "9421",
        "1",
        (2, 12),
        "",
        (),
        ("SIOP-LGG 2004", "2004"),
        (S,),
        marker=(Marker.KIAA1549_BRAF, MarkerMethod.FISH, 0.7),
        relapse=0.1,
        death=0.02,
    ),
    Tumour(
        2,
        ("C760", "C499", "C699"),
        "8910",
        "3",
        (1, 10),
        "rhabdomyosarcoma",
        ("1", "2", "3"),
        ("EpSSG RMS 2005", "2005"),
        (C, S, R),
        relapse=0.2,
        death=0.25,
    ),
    Tumour(
        1,
        ("C492", "C499"),
        "8920",
        "3",
        (5, 15),
        "rhabdomyosarcoma",
        ("3", "4"),
        ("EpSSG RMS 2005", "2005"),
        (C, R),
        marker=(Marker.PAX3_FOXO1, MarkerMethod.FISH, 0.7),
        relapse=0.35,
        death=0.45,
    ),
    Tumour(
        2,
        ("C172", "C189"),
        "9687",
        "3",
        (4, 13),
        "nhl",
        ("II", "III", "III", "IV"),
        ("LMB 96", "2001"),
        (C,),
        relapse=0.1,
        death=0.15,
    ),
    Tumour(
        3,
        ("C770", "C771"),
        "9663",
        "3",
        (8, 15),
        "hodgkin",
        ("IIA", "IIB", "IIIA", "IVB"),
        ("EuroNet-PHL-C2", "2015"),
        (C, R),
        relapse=0.08,
        death=0.05,
    ),
    Tumour(
        2,
        ("C402", "C400"),
        "9180",
        "3",
        (9, 15),
        "osteosarcoma",
        ("Localised", "Metastatic"),
        ("MAP (EURAMOS-1)", "2005"),
        (C, S),
        laterality=Laterality.LEFT,
        relapse=0.3,
        death=0.35,
    ),
    Tumour(
        1,
        ("C414", "C402"),
        "9260",
        "3",
        (7, 15),
        "ewing",
        ("Localised", "Metastatic"),
        ("Ewing 2012", "2012"),
        (C, S, R),
        relapse=0.3,
        death=0.35,
    ),
    Tumour(
        1,
        ("C220",),
        "8970",
        "3",
        (0, 3),
        "hepatoblastoma",
        ("I", "II", "III"),
        ("SIOPEL / PHITT", "2017"),
        (C, S),
        relapse=0.1,
        death=0.15,
    ),
)
_STAGE_TIER = 2


@dataclass(frozen=True)
class Names:
    family: tuple[str, ...]
    male: tuple[str, ...]
    female: tuple[str, ...]
    regions: tuple[str, ...]
    streets: tuple[str, ...]
    phone: str
    number: str


VIETNAMESE = Names(
    family=(
        "Nguyễn",
        "Trần",
        "Lê",
        "Phạm",
        "Hoàng",
        "Huỳnh",
        "Phan",
        "Vũ",
        "Võ",
        "Đặng",
        "Bùi",
        "Đỗ",
        "Hồ",
        "Ngô",
        "Dương",
        "Lý",
    ),
    male=(
        "Văn An",
        "Đức Bình",
        "Minh Dũng",
        "Gia Huy",
        "Quốc Hùng",
        "Minh Khang",
        "Hoàng Long",
        "Hải Nam",
        "Bảo Phúc",
        "Anh Quân",
        "Tuấn Kiệt",
        "Đức Thịnh",
    ),
    female=(
        "Thị Mai",
        "Ngọc Anh",
        "Thu Hà",
        "Thị Linh",
        "Bảo Ngân",
        "Phương Thảo",
        "Thu Trang",
        "Khánh Vy",
        "Hải Yến",
        "Minh Châu",
        "Ngọc Giang",
        "Thị Hương",
    ),
    regions=(
        "Hà Nội",
        "Bắc Ninh",
        "Hải Phòng",
        "Nam Định",
        "Thái Bình",
        "Nghệ An",
        "Thanh Hóa",
        "Lào Cai",
        "Hà Giang",
        "Quảng Ninh",
        "Phú Thọ",
        "Sơn La",
    ),
    streets=("Thôn Đông", "Xóm 3", "Ngõ 12 Phố Huế", "Thôn Trung", "Tổ 5 Phường Quang Trung"),
    phone="+84 9{:02d} {:03d} {:03d}",
    number="BN{year}-{serial:05d}",
)
UZBEK = Names(
    family=(
        "Karimov",
        "Rahimov",
        "Tursunov",
        "Yusupov",
        "Abdullayev",
        "Ismoilov",
        "Qodirov",
        "Saidov",
        "Xolmatov",
        "Ergashev",
        "Nazarov",
        "Usmonov",
    ),
    male=(
        "Akmal",
        "Bekzod",
        "Doniyor",
        "Jasur",
        "Jahongir",
        "Otabek",
        "Sardor",
        "Shoxrux",
        "Temur",
        "Ulugʻbek",
        "Islom",
        "Abdulloh",
    ),
    female=(
        "Dilnoza",
        "Gulnora",
        "Madina",
        "Malika",
        "Nilufar",
        "Sevara",
        "Shahnoza",
        "Zarina",
        "Kamola",
        "Feruza",
        "Oydin",
        "Mohinur",
    ),
    regions=(
        "Toshkent",
        "Samarqand",
        "Buxoro",
        "Fargʻona",
        "Andijon",
        "Namangan",
        "Qashqadaryo",
        "Surxondaryo",
        "Xorazm",
        "Qoraqalpogʻiston",
        "Jizzax",
        "Navoiy",
    ),
    streets=("Mustaqillik koʻchasi", "Navoiy koʻchasi", "Amir Temur koʻchasi", "Bogʻishamol"),
    phone="+998 9{:01d} {:03d} {:02d} {:02d}",
    number="UZ-{year}-{serial:05d}",
)
SITES = {"VNCH": (VIETNAMESE, 60, 4042), "KHOSP": (VIETNAMESE, 30, 1969), "UZPHO": (UZBEK, 40, 998)}
# The second registry the demo's data manager serves (see the module's docstring).
SECOND_REGISTRY = "KHOSP"
FIRST_DIAGNOSIS = datetime.date(2021, 1, 4)
LAST_DIAGNOSIS = datetime.date(2025, 10, 31)


def _name(rng: random.Random, names: Names, sex: str) -> str:
    family = rng.choice(names.family)
    given = rng.choice(names.male if sex == Sex.MALE else names.female)
    if names is UZBEK:
        suffix = "a" if sex == Sex.FEMALE else ""
        return f"{given} {family}{suffix}"
    return f"{family} {given}"


def _phone(rng: random.Random, names: Names) -> str:
    if names is UZBEK:
        return names.phone.format(
            rng.randint(0, 9), rng.randint(100, 999), rng.randint(10, 99), rng.randint(10, 99)
        )
    return names.phone.format(rng.randint(0, 99), rng.randint(100, 999), rng.randint(100, 999))


def _days(rng: random.Random, low: int, high: int) -> datetime.timedelta:
    return datetime.timedelta(days=rng.randint(low, high))


def _actor(institution: Institution) -> User | None:
    membership = (
        Membership.objects.filter(
            institution=institution, role__in=CLINICAL_ROLES, ended_at__isnull=True
        )
        .select_related("user")
        .order_by("role", "pk")
        .first()
    )
    return membership.user if membership else None


def load_demo() -> None:
    people = load_foundation()
    Membership.objects.get_or_create(
        user=people["data_manager"],
        institution=Institution.objects.get(code=SECOND_REGISTRY),
        role=Role.DATA_MANAGER,
        ended_at=None,
    )
    today = timezone.localdate()
    for code, (names, count, seed) in SITES.items():
        institution = Institution.objects.get(code=code)
        # UZPHO has no clinical demo user: its children are registered by the demo itself.
        actor = _actor(institution)
        for serial in range(1, count + 1):
            # One generator per child: skipping a child already there changes nothing after it.
            rng = random.Random(seed * 1000 + serial)
            _one_child(rng, names, institution, actor, serial, today)


def _one_child(
    rng: random.Random,
    names: Names,
    institution: Institution,
    actor: User | None,
    serial: int,
    today: datetime.date,
) -> None:
    tumour = rng.choices(TUMOURS, weights=[t.weight for t in TUMOURS])[0]
    sex = rng.choice((Sex.MALE, Sex.MALE, Sex.FEMALE, Sex.FEMALE, Sex.MALE))
    span = (LAST_DIAGNOSIS - FIRST_DIAGNOSIS).days
    diagnosed = FIRST_DIAGNOSIS + datetime.timedelta(days=rng.randint(0, span))
    age_days = rng.randint(tumour.ages[0] * 365 + 30, tumour.ages[1] * 365 + 300)
    born = diagnosed - datetime.timedelta(days=age_days)
    site = rng.choice(tumour.sites)
    stage = rng.choice(tumour.stages) if tumour.stages else ""
    number = names.number.format(year=diagnosed.year % 100, serial=serial * 37 + diagnosed.day)
    identity = IdentityData(
        name=_name(rng, names, sex),
        birth_date=born,
        hospital_number=number,
        address=f"{rng.choice(names.streets)}, {rng.choice(names.regions)}",
        phone=_phone(rng, names),
    )
    region = identity.address.rsplit(", ", 1)[-1]
    consent = rng.choices(
        (ConsentStatus.GIVEN, ConsentStatus.REFUSED, ConsentStatus.WAIVED, ConsentStatus.UNKNOWN),
        weights=(80, 4, 6, 10),
    )[0]
    relapse = rng.random() < tumour.relapse
    abandoned = rng.random() < 0.1
    dies = rng.random() < tumour.death
    marker_found = tumour.marker is not None and rng.random() < tumour.marker[2]
    extra_stale = rng.random() < 0.12
    contact_gap = rng.randint(400, 700) if extra_stale else rng.randint(5, 300)
    treatment_days = rng.randint(150, 300)
    risk = rng.choice((RiskGroup.STANDARD, RiskGroup.INTERMEDIATE, RiskGroup.HIGH))

    digest = hospital_number_digest(number)
    if PatientIdentity.objects.filter(
        patient__institution=institution, hospital_number_digest=digest
    ).exists():
        return
    patient = actions.register_patient(
        actor=actor,
        institution=institution,
        identity=identity,
        patient=PatientData(
            sex=sex,
            region=region,
            consent_status=consent,
            consent_date=diagnosed + _days(rng, 1, 10)
            if consent != ConsentStatus.UNKNOWN
            else None,
            consent_waiver_reason="Parents not reachable after discharge"
            if consent == ConsentStatus.WAIVED
            else "",
            vital_status=VitalStatus.ALIVE,
        ),
        diagnosis=DiagnosisData(
            date=diagnosed,
            topography=site,
            morphology=tumour.morphology,
            behaviour=tumour.behaviour,
            basis_of_diagnosis=tumour.basis,
            laterality=tumour.laterality
            if site in ("C649", "C692", "C402", "C400")
            else Laterality.NOT_PAIRED,
            stage_tumour=tumour.stage_tumour if stage else "",
            stage_tier=_STAGE_TIER if stage else None,
            stage_value=stage,
            risk_group=risk,
        ),
        confirm_duplicate=True,
    )
    diagnosis = patient.diagnoses.get()
    if tumour.marker is not None:
        marker, method, _often = tumour.marker
        actions.add_marker(
            actor=actor,
            diagnosis=diagnosis,
            marker=marker,
            result=MarkerResult.DETECTED if marker_found else MarkerResult.NOT_DETECTED,
            method=method,
            lab="Institut Curie, Paris" if institution.code == "VNCH" else "Local laboratory",
            date=min(diagnosed + _days(rng, 7, 28), today),
        )
    start = diagnosed + _days(rng, 2, 14)
    modalities = list(tumour.modalities)
    if stage in ("M", "Metastatic") and tumour.stage_tumour == "neuroblastoma":
        modalities += [H, R, IMMUNO]
    end = start + datetime.timedelta(days=treatment_days)
    outcome: list[tuple[str, datetime.date, str]] = []
    if abandoned:
        left = start + _days(rng, 30, 120)
        end = left
        outcome.append((EventKind.ABANDONMENT, left, ""))
        if dies:
            outcome.append((EventKind.DEATH, left + _days(rng, 60, 300), DeathCause.DISEASE))
    else:
        outcome.append((EventKind.REMISSION, start + _days(rng, 35, 120), ""))
        if relapse:
            relapsed = end + _days(rng, 60, 500)
            outcome.append((EventKind.RELAPSE, relapsed, ""))
            if dies:
                outcome.append(
                    (EventKind.DEATH, relapsed + _days(rng, 30, 300), DeathCause.DISEASE)
                )
        elif dies and rng.random() < 0.5:
            outcome.append((EventKind.DEATH, start + _days(rng, 10, 90), DeathCause.TREATMENT))
    actions.add_treatment(
        actor=actor,
        patient=patient,
        diagnosis=diagnosis,
        protocol_name=tumour.protocol[0],
        protocol_version=tumour.protocol[1],
        intent=Intent.CURATIVE,
        start_date=min(start, today),
        end_date=end if end < today else None,
        modalities=modalities,
    )
    for kind, day, cause in outcome:
        if day >= today:
            break
        actions.record_event(
            actor=actor,
            patient=patient,
            kind=kind,
            date=day,
            diagnosis=diagnosis,
            death_cause=cause,
        )
        if kind == EventKind.DEATH:
            return
    last = max(filter(None, [patient.last_contact, diagnosed]))
    seen = max(last, today - datetime.timedelta(days=contact_gap))
    if seen > last and seen <= today:
        actions.record_contact(
            actor=actor, patient=patient, date=seen, vital_status=VitalStatus.ALIVE
        )
