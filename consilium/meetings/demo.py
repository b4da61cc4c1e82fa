"""The meetings of shared/context, through the same actions the application uses: the
Tashkent congress of June 2024, the Hanoi workshop of December 2024, and the fortnightly
VNCH–Curie virtual tumour board. Synthetic participants come from a seeded generator, so
the demo is the same on every machine; each part is skipped if it is already there."""

import datetime
import random
from collections.abc import Iterator

from django.db import transaction
from django.utils import timezone

from consilium.accounts.models import Profession, User
from consilium.meetings import actions, attendance
from consilium.meetings.choices import (
    AttendanceMode,
    EventKind,
    EventMode,
    SessionKind,
    Visibility,
)
from consilium.meetings.choices import (
    DiagnosisGroup as D,
)
from consilium.meetings.choices import (
    Discipline as S,
)
from consilium.meetings.models import Event, Series
from consilium.meetings.times import aware
from consilium.network.models import Institution, Partnership

CONGRESS = "First International Congress of Pediatric Oncology and Hematology"
WORKSHOP = "Pediatric Oncology Workshop 2024"
BOARD = "VNCH – Institut Curie virtual tumour board"

CONGRESS_SECTIONS = [
    ("Acute leukaemias", [D.LEUKAEMIA], [S.CHEMOTHERAPY]),
    ("Lymphomas", [D.LYMPHOMA], [S.CHEMOTHERAPY]),
    ("Neuro-oncology", [D.CNS], [S.SURGERY, S.RADIOTHERAPY]),
    ("Neuroblastoma and renal tumours", [D.NEUROBLASTOMA, D.RENAL], [S.SURGERY]),
    ("Bone sarcomas", [D.BONE], [S.SURGERY, S.CHEMOTHERAPY]),
    ("Soft-tissue sarcomas", [D.SOFT_TISSUE], [S.RADIOTHERAPY]),
    ("Retinoblastoma", [D.RETINOBLASTOMA], [S.SURGERY]),
    ("Liver and germ-cell tumours", [D.HEPATIC, D.GERM_CELL], [S.CHEMOTHERAPY]),
    ("Haematopoietic stem-cell transplantation", [D.LEUKAEMIA], [S.CHEMOTHERAPY]),
    ("Clinical immunology", [], [S.SUPPORTIVE_CARE]),
    ("Benign haematology", [], [S.SUPPORTIVE_CARE]),
    ("Supportive care", [], [S.SUPPORTIVE_CARE]),
    ("Infection control", [], [S.INFECTION_CONTROL]),
    ("Paediatric palliative care", [], [S.PALLIATIVE_CARE]),
    ("Paediatric oncology nursing", [], [S.NURSING]),
    ("Radiotherapy", [], [S.RADIOTHERAPY]),
    ("Pathology and molecular diagnostics", [D.LEUKAEMIA, D.CNS], []),
    ("Cancer registries and outcomes", [], []),
    ("WHO Global Initiative for Childhood Cancer", [], []),
]

# 17 countries abroad, as the congress summary lists them, and the host country.
CONGRESS_COUNTRIES = [
    ("UZ", 205),
    ("KZ", 15),
    ("RU", 12),
    ("TJ", 10),
    ("KG", 10),
    ("AZ", 6),
    ("AM", 5),
    ("BY", 5),
    ("DE", 4),
    ("GB", 4),
    ("US", 4),
    ("AT", 4),
    ("EG", 4),
    ("IL", 3),
    ("IN", 3),
    ("DK", 2),
    ("SI", 2),
    ("AE", 2),
]

INSTITUTIONS_BY_COUNTRY = {
    "UZ": [
        "National Children's Medical Center, Tashkent",
        "Republican Specialised Centre of Oncology and Radiology, Tashkent",
        "Samarkand Regional Children's Hospital",
        "Fergana Regional Children's Hospital",
        "Bukhara Regional Children's Hospital",
        "Taskin Children's Hospice, Tashkent",
    ],
    "RU": ["Городская детская больница, Москва", "Областная детская больница, Екатеринбург"],
    "BY": ["Республиканский детский онкологический центр, Минск"],
    "KZ": ["Научный центр педиатрии и детской хирургии, Алматы"],
}

LATIN_FIRST = ["Aziz", "Dilshod", "Nodira", "Gulnora", "Jasur", "Malika", "Sardor", "Zarina"]
LATIN_LAST = ["Karimov", "Yusupova", "Rakhimov", "Tashkentova", "Aliyev", "Nazarova", "Saidov"]
CYRILLIC_FIRST = ["Анна", "Дмитрий", "Елена", "Сергей", "Ольга", "Алексей", "Наталья"]
CYRILLIC_LAST = ["Иванова", "Петров", "Смирнова", "Кузнецов", "Попова", "Соколов"]
OTHER_FIRST = ["Sarah", "Thomas", "Amira", "Ravi", "Anna", "David", "Lena", "Omar"]
OTHER_LAST = ["Miller", "Schmidt", "Hassan", "Sharma", "Jensen", "Cohen", "Novak", "Evans"]
VIET_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ"]
VIET_MIDDLE = ["Thị", "Văn", "Minh", "Thu", "Đức", "Ngọc", "Quang"]
VIET_GIVEN = ["Hương", "Dũng", "Lan", "Tuấn", "Hà", "Phương", "Hải", "Thảo", "Sơn", "Yến"]
VIET_HOSPITALS = [
    "Bệnh viện Nhi Trung ương",
    "Bệnh viện K",
    "Bệnh viện Nhi đồng 1, TP. Hồ Chí Minh",
    "Bệnh viện Sản Nhi Nghệ An",
    "Bệnh viện Nhi Thanh Hóa",
    "Bệnh viện Trung ương Huế",
    "Bệnh viện Sản Nhi Quảng Ninh",
]

PROFESSIONS = [
    (Profession.DOCTOR, 60),
    (Profession.NURSE, 22),
    (Profession.TECHNICIAN, 6),
    (Profession.PHARMACIST, 4),
    (Profession.PSYCHOLOGIST, 3),
    (Profession.DATA_MANAGER, 3),
    (Profession.OTHER, 2),
]


def _profession(rng: random.Random) -> str:
    choices, weights = zip(*PROFESSIONS, strict=True)
    return rng.choices(choices, weights)[0]


def _name(rng: random.Random, country: str) -> str:
    if country in {"RU", "BY", "KZ"}:
        return f"{rng.choice(CYRILLIC_FIRST)} {rng.choice(CYRILLIC_LAST)}"
    if country in {"UZ", "TJ", "KG", "AZ"}:
        return f"{rng.choice(LATIN_FIRST)} {rng.choice(LATIN_LAST)}"
    return f"{rng.choice(OTHER_FIRST)} {rng.choice(OTHER_LAST)}"


def _viet_name(rng: random.Random) -> str:
    return f"{rng.choice(VIET_FAMILY)} {rng.choice(VIET_MIDDLE)} {rng.choice(VIET_GIVEN)}"


def _at(day: datetime.date, hhmm: str, zone: str) -> datetime.datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return aware(datetime.datetime.combine(day, datetime.time(hours, minutes)), zone)


def load_demo() -> None:
    people = {u.email: u for u in User.objects.all()}
    institutions = {i.code: i for i in Institution.objects.all()}
    if "dilnoza.rakhimova@uzpho.demo" not in people:
        return  # the network demo has not run; these events need its coordinators
    _congress(people, institutions)
    _workshop(people, institutions)
    _tumour_board(people, institutions)


@transaction.atomic
def _congress(people: dict[str, User], inst: dict[str, Institution]) -> None:
    if Event.objects.filter(title=CONGRESS).exists():
        return
    coord = people["dilnoza.rakhimova@uzpho.demo"]
    zone = "Asia/Tashkent"
    days = [datetime.date(2024, 6, d) for d in (5, 6, 7)]
    event = actions.create_event(
        actor=coord,
        kind=EventKind.CONGRESS,
        title=CONGRESS,
        description="“Evidence to Action”. Paediatric oncology, haematology, clinical "
        "immunology and paediatric palliative care.",
        starts_at=_at(days[0], "09:00", zone),
        ends_at=_at(days[2], "13:00", zone),
        time_zone=zone,
        host=inst["UZPHO"],
        supporting_organisations=[
            "ESO European School of Oncology",
            "SIOP",
            "SIOP Asia",
            "WHO",
            "WHO Country Office in Uzbekistan",
        ],
        venue="Tashkent, Uzbekistan",
        mode=EventMode.IN_PERSON,
        languages=["uz", "ru", "en"],
        visibility=Visibility.PUBLIC,
        capacity=1000,
    )
    halls = ["Hall 1", "Hall 2", "Hall 3", "Hall 4"]
    slots = [("09:00", "10:30"), ("11:00", "12:30"), ("14:00", "15:30"), ("16:00", "17:30")]
    # Sections fill the halls slot by slot over the first two days; the workshops, the
    # round table and the seminar take the slots left; the third morning is site visits.
    grid = [(day, slot, hall) for day in days[:2] for slot in slots for hall in halls]
    specials = {
        (days[0], slots[2], "Hall 4"): (
            SessionKind.WORKSHOP,
            "Workshop: central-line care and infection prevention",
            [S.NURSING, S.INFECTION_CONTROL],
        ),
        (days[1], slots[1], "Hall 4"): (
            SessionKind.WORKSHOP,
            "Workshop: flow cytometry and molecular diagnosis of leukaemia",
            [S.CHEMOTHERAPY],
        ),
        (days[0], slots[3], "Hall 1"): (
            SessionKind.ROUND_TABLE,
            "Round table: international cooperation, from evidence to action",
            [],
        ),
        (days[1], slots[2], "Hall 1"): (
            SessionKind.SEMINAR,
            "Seminar: paediatric palliative care at home",
            [S.PALLIATIVE_CARE],
        ),
    }
    rng = random.Random(20240605)
    sections = iter(CONGRESS_SECTIONS)
    for day, (start, end), hall in grid:
        if (day, (start, end), hall) in specials:
            kind, title, disciplines = specials[(day, (start, end), hall)]
            section = None
            talks = [(title.split(": ", 1)[1].capitalize(), [], disciplines)]
        else:
            item = next(sections, None)
            if item is None:
                continue
            title, groups, disciplines = item
            kind = SessionKind.SECTION
            section = actions.add_section(actor=coord, event=event, title=title)
            talks = [
                (f"{title}: results in Uzbekistan", groups, disciplines),
                (f"{title}: international experience", groups, disciplines),
            ]
        session = actions.add_session(
            actor=coord,
            event=event,
            kind=kind,
            title=title,
            section=section,
            room=hall,
            starts_at=_at(day, start, zone),
            ends_at=_at(day, end, zone),
            guest_chairs=[_name(rng, "UZ")],
        )
        for talk, groups, disciplines in talks:
            actions.add_presentation(
                actor=coord,
                session=session,
                title=talk,
                guest_speakers=[_name(rng, rng.choice(["UZ", "RU", "DE", "EG"]))],
                diagnosis_groups=groups,
                disciplines=disciplines,
            )
    for place in (
        "Children's Hematology, Oncology and Clinical Immunology Center",
        "National Children's Medical Center",
        "Taskin Children's Hospice",
    ):
        actions.add_session(
            actor=coord,
            event=event,
            kind=SessionKind.SITE_VISIT,
            title=f"Site visit: {place}",
            room=place,
            starts_at=_at(days[2], "09:00", zone),
            ends_at=_at(days[2], "12:30", zone),
        )
    for country, count in CONGRESS_COUNTRIES:
        for n in range(count):
            names = INSTITUTIONS_BY_COUNTRY.get(country)
            guest = attendance.Guest(
                full_name=_name(rng, country),
                profession=_profession(rng),
                institution_name=rng.choice(names) if names else f"Children's hospital ({country})",
                institution=inst["UZPHO"] if country == "UZ" and n % 5 == 0 else None,
                country=country,
            )
            registration = attendance.register(
                actor=coord, event=event, mode=AttendanceMode.IN_PERSON, guest=guest
            )
            if rng.random() < 0.9:
                attendance.check_in(
                    actor=coord,
                    event=event,
                    registration=registration,
                    at=event.starts_at - datetime.timedelta(minutes=rng.randint(5, 60)),
                )
    for user in (people["admin@consilium.demo"], coord):
        registration = attendance.register(
            actor=coord, event=event, user=user, mode=AttendanceMode.IN_PERSON
        )
        attendance.check_in(actor=coord, event=event, registration=registration)
    for partnership in Partnership.objects.filter(
        signed_place__icontains="Tashkent", title__startswith="UZPHO"
    ):
        actions.link_agreement(actor=coord, event=event, partnership=partnership)


WORKSHOP_DAYS = [
    (
        "Neuroblastoma",
        [
            ("Neuroblastoma: diagnosis and risk stratification", [D.NEUROBLASTOMA], []),
            (
                "High-risk neuroblastoma: induction and surgery",
                [D.NEUROBLASTOMA],
                [S.SURGERY, S.CHEMOTHERAPY],
            ),
            ("MIBG scintigraphy and imaging in neuroblastoma", [D.NEUROBLASTOMA], []),
            (
                "Nursing care during induction chemotherapy",
                [D.NEUROBLASTOMA],
                [S.NURSING, S.CHEMOTHERAPY],
            ),
        ],
    ),
    (
        "Rhabdomyosarcoma and soft-tissue sarcomas",
        [
            ("Rhabdomyosarcoma: the European approach", [D.SOFT_TISSUE], [S.CHEMOTHERAPY]),
            (
                "Local control of rhabdomyosarcoma: surgery or radiotherapy",
                [D.SOFT_TISSUE],
                [S.SURGERY, S.RADIOTHERAPY],
            ),
            ("Non-rhabdomyosarcoma soft-tissue sarcomas", [D.SOFT_TISSUE], []),
            ("Pathology of small round blue cell tumours", [D.SOFT_TISSUE, D.NEUROBLASTOMA], []),
        ],
    ),
    (
        "Low-grade gliomas",
        [
            ("Low-grade gliomas: when to treat", [D.CNS], []),
            ("Chemotherapy for low-grade glioma", [D.CNS], [S.CHEMOTHERAPY]),
            ("Targeted therapy: BRAF and MEK inhibitors", [D.CNS], [S.CHEMOTHERAPY]),
            ("Paediatric neurosurgery in Hanoi", [D.CNS], [S.SURGERY]),
        ],
    ),
    (
        "High-dose chemotherapy and radiotherapy",
        [
            (
                "High-dose chemotherapy with autologous stem-cell rescue",
                [D.NEUROBLASTOMA],
                [S.CHEMOTHERAPY],
            ),
            (
                "Infection prevention after high-dose chemotherapy",
                [],
                [S.INFECTION_CONTROL, S.SUPPORTIVE_CARE],
            ),
            ("Paediatric radiotherapy: principles and late effects", [], [S.RADIOTHERAPY]),
            ("Radiotherapy planning with K Hospital", [], [S.RADIOTHERAPY]),
        ],
    ),
    (
        "Supportive and palliative care",
        [
            (
                "Febrile neutropenia with limited resources",
                [],
                [S.SUPPORTIVE_CARE, S.INFECTION_CONTROL],
            ),
            ("Pain control and oral morphine", [], [S.PALLIATIVE_CARE]),
            ("Palliative care at home: the family's view", [], [S.PALLIATIVE_CARE, S.NURSING]),
            ("Nutrition during cancer treatment", [], [S.SUPPORTIVE_CARE, S.NURSING]),
        ],
    ),
]


def _speakers(people: dict[str, User]) -> Iterator[User]:
    experts = [
        people.get(e)
        for e in (
            "claire.martin@curie.demo",
            "julien.moreau@curie.demo",
            "sophie.bernard@rdebre.demo",
            "lan.nguyen@vnch.demo",
        )
    ]
    while True:
        yield from (e for e in experts if e is not None)


@transaction.atomic
def _workshop(people: dict[str, User], inst: dict[str, Institution]) -> None:
    if Event.objects.filter(title=WORKSHOP).exists():
        return
    coord = people["hoa.pham@vnch.demo"]
    zone = "Asia/Ho_Chi_Minh"
    days = [datetime.date(2024, 12, d) for d in range(2, 7)]
    event = actions.create_event(
        actor=coord,
        kind=EventKind.WORKSHOP,
        title=WORKSHOP,
        description="Five days of talks and live case discussion with experts of Institut "
        "Curie and Hôpital Robert-Debré, in person in Hanoi and online for provincial "
        "hospitals.",
        starts_at=_at(days[0], "08:30", zone),
        ends_at=_at(days[-1], "16:30", zone),
        time_zone=zone,
        host=inst["VNCH"],
        co_organisers=[inst["KHOSP"], inst["CURIE"], inst["RDEBRE"]],
        supporting_organisations=["French Embassy in Vietnam"],
        venue="Vietnam National Children's Hospital, 18/879 La Thành, Hanoi",
        online_link="https://visio.example.org/vnch-workshop-2024",
        mode=EventMode.HYBRID,
        languages=["vi", "en", "fr"],
        visibility=Visibility.PUBLIC,
        capacity=120,
    )
    speakers = _speakers(people)
    for day, (theme, talks) in zip(days, WORKSHOP_DAYS, strict=True):
        section = actions.add_section(actor=coord, event=event, title=theme)
        morning = actions.add_session(
            actor=coord,
            event=event,
            kind=SessionKind.SECTION,
            title=theme,
            section=section,
            room="Main hall",
            starts_at=_at(day, "08:30", zone),
            ends_at=_at(day, "11:45", zone),
            chairs=[people["lan.nguyen@vnch.demo"]],
        )
        for title, groups, disciplines in talks:
            actions.add_presentation(
                actor=coord,
                session=morning,
                title=title,
                speakers=[next(speakers)],
                diagnosis_groups=groups,
                disciplines=disciplines,
            )
        actions.add_session(
            actor=coord,
            event=event,
            kind=SessionKind.BREAK,
            title="Lunch",
            room="Main hall",
            starts_at=_at(day, "11:45", zone),
            ends_at=_at(day, "13:30", zone),
        )
        actions.add_session(
            actor=coord,
            event=event,
            kind=SessionKind.CASE_DISCUSSION,
            title=f"Case discussion: {theme.lower()}",
            section=section,
            room="Main hall",
            starts_at=_at(day, "13:30", zone),
            ends_at=_at(day, "16:30", zone),
            chairs=[people["claire.martin@curie.demo"]],
        )
    rng = random.Random(20241202)
    for n in range(150):
        mode = AttendanceMode.IN_PERSON if n < 90 else AttendanceMode.ONLINE
        hospital = VIET_HOSPITALS[0] if n % 3 == 0 else rng.choice(VIET_HOSPITALS[1:])
        registration = attendance.register(
            actor=coord,
            event=event,
            mode=mode,
            guest=attendance.Guest(
                full_name=_viet_name(rng),
                profession=_profession(rng),
                institution_name=hospital,
                institution=inst["VNCH"] if hospital == VIET_HOSPITALS[0] else None,
                country="VN",
            ),
        )
        if rng.random() < 0.9:
            _attend(coord, event, registration, rng)
    for email, mode in (
        ("lan.nguyen@vnch.demo", AttendanceMode.IN_PERSON),
        ("mai.le@vnch.demo", AttendanceMode.ONLINE),
        ("minh.tran@vnch.demo", AttendanceMode.ONLINE),
    ):
        if email in people:
            registration = attendance.register(
                actor=coord, event=event, user=people[email], mode=mode
            )
            _attend(coord, event, registration, rng)
    for partnership in Partnership.objects.filter(signed_place__icontains="Hanoi"):
        actions.link_agreement(actor=coord, event=event, partnership=partnership)


def _attend(coord: User, event: Event, registration, rng: random.Random) -> None:
    if registration.mode == AttendanceMode.IN_PERSON:
        attendance.check_in(
            actor=coord,
            event=event,
            registration=registration,
            at=event.starts_at - datetime.timedelta(minutes=rng.randint(5, 40)),
        )
    else:
        attendance.record_online_join(
            registration=registration,
            at=event.starts_at + datetime.timedelta(minutes=rng.randint(0, 20)),
        )


@transaction.atomic
def _tumour_board(people: dict[str, User], inst: dict[str, Institution]) -> None:
    coord = people["hoa.pham@vnch.demo"]
    today = timezone.localdate()
    series = Series.objects.filter(title=BOARD).first()
    if series is None:
        series = actions.create_series(
            actor=coord,
            title=BOARD,
            host=inst["VNCH"],
            co_organisers=[inst["CURIE"]],
            weekday=1,
            start_time=datetime.time(14, 0),
            time_zone="Europe/Paris",
            interval_weeks=2,
            duration_minutes=90,
            starts_on=datetime.date(2025, 1, 7),
            until=today + datetime.timedelta(weeks=8),
            online_link="https://visio.example.org/vnch-curie-board",
            visibility=Visibility.PARTNERS,
            languages=["en", "fr", "vi"],
        )
        now = timezone.now()
        past = list(series.events.filter(ends_at__lt=now).order_by("-starts_at")[:3])
        upcoming = list(series.events.filter(starts_at__gt=now).order_by("starts_at")[:2])
        members = [people.get("lan.nguyen@vnch.demo"), people.get("claire.martin@curie.demo")]
        for meeting in past + upcoming:
            for user in filter(None, members):
                registration = attendance.register(
                    actor=coord, event=meeting, user=user, mode=AttendanceMode.ONLINE
                )
                if meeting in past:
                    attendance.record_online_join(
                        registration=registration,
                        at=meeting.starts_at + datetime.timedelta(minutes=2),
                    )
    else:
        actions.extend_series(actor=coord, series=series, until=today + datetime.timedelta(weeks=8))
