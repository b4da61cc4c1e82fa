"""A synthetic national network, for benchmarks (`--scale national`) and tests (`--scale small`).

Real twinning institutions and invented ones, invented people and children. Everything goes
through the application's own paths: institutions and personas as the demo makes them,
partnerships and events through their actions, children through the registry's CSV import,
and consultations with their whole discussions through the bulk history action, which applies
the single actions' rules and writes their rows and audit entries in batches.

The seed runs once per database: a second run is refused (see `refuse_if_seeded`).
"""

from __future__ import annotations

import datetime
import random
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone

from consilium.accounts.models import Membership, Profession, Role, User
from consilium.audit.actions import record
from consilium.audit.models import AuditEntry
from consilium.consultations.history import PastConsultation, PastMessage, record_past_consultations
from consilium.core.demo_data import DEMO_PASSWORD, load_foundation
from consilium.meetings.choices import EventKind, EventMode, Visibility
from consilium.network.actions import confirm_partnership, create_partnership
from consilium.network.models import AreaKind, Institution, InstitutionKind, PartnershipStatus
from consilium.registry.importer import import_csv
from consilium.registry.models import ConsentStatus, Patient

STARTED = "core.seed_started"
FINISHED = "core.seeded"


@dataclass(frozen=True)
class Scale:
    treating: int  # synthetic treating hospitals beyond the demo's four
    centres: int  # synthetic expert centres beyond the demo's four
    clinicians: int  # per treating hospital
    experts: int  # per expert centre
    patients: int
    consultations: int
    messages: int
    events: int


SCALES = {
    "small": Scale(2, 1, 2, 3, 240, 40, 300, 6),
    # 60 hospitals: the demo's 8 and 52 more.
    "national": Scale(44, 8, 5, 14, 200_000, 50_000, 500_000, 300),
}

# Treating hospitals of the synthetic network: city, country, zone, languages, local name.
CITIES = [
    ("Hai Phong", "VN", "Asia/Ho_Chi_Minh", ["vi", "en"]),
    ("Da Nang", "VN", "Asia/Ho_Chi_Minh", ["vi", "en"]),
    ("Hue", "VN", "Asia/Ho_Chi_Minh", ["vi", "en"]),
    ("Can Tho", "VN", "Asia/Ho_Chi_Minh", ["vi", "en"]),
    ("Vinh", "VN", "Asia/Ho_Chi_Minh", ["vi", "en"]),
    ("Thai Nguyen", "VN", "Asia/Ho_Chi_Minh", ["vi", "en"]),
    ("Ha Long", "VN", "Asia/Ho_Chi_Minh", ["vi", "en"]),
    ("Nha Trang", "VN", "Asia/Ho_Chi_Minh", ["vi", "en"]),
    ("Buon Ma Thuot", "VN", "Asia/Ho_Chi_Minh", ["vi", "en"]),
    ("Ho Chi Minh City", "VN", "Asia/Ho_Chi_Minh", ["vi", "en"]),
    ("Samarkand", "UZ", "Asia/Samarkand", ["uz", "ru", "en"]),
    ("Bukhara", "UZ", "Asia/Samarkand", ["uz", "ru", "en"]),
    ("Namangan", "UZ", "Asia/Tashkent", ["uz", "ru", "en"]),
    ("Andijan", "UZ", "Asia/Tashkent", ["uz", "ru", "en"]),
    ("Fergana", "UZ", "Asia/Tashkent", ["uz", "ru", "en"]),
    ("Nukus", "UZ", "Asia/Samarkand", ["uz", "ru", "en"]),
    ("Karshi", "UZ", "Asia/Samarkand", ["uz", "ru", "en"]),
    ("Termez", "UZ", "Asia/Samarkand", ["uz", "ru", "en"]),
    ("Alexandria", "EG", "Africa/Cairo", ["ar", "en"]),
    ("Assiut", "EG", "Africa/Cairo", ["ar", "en"]),
    ("Tanta", "EG", "Africa/Cairo", ["ar", "en"]),
    ("Mansoura", "EG", "Africa/Cairo", ["ar", "en"]),
    ("Phnom Penh", "KH", "Asia/Phnom_Penh", ["km", "en", "fr"]),
    ("Vientiane", "LA", "Asia/Vientiane", ["lo", "en", "fr"]),
    ("Bishkek", "KG", "Asia/Bishkek", ["ky", "ru", "en"]),
    ("Dushanbe", "TJ", "Asia/Dushanbe", ["tg", "ru", "en"]),
    ("Almaty", "KZ", "Asia/Almaty", ["kk", "ru", "en"]),
    ("Yangon", "MM", "Asia/Yangon", ["my", "en"]),
    ("Rabat", "MA", "Africa/Casablanca", ["ar", "fr"]),
    ("Casablanca", "MA", "Africa/Casablanca", ["ar", "fr"]),
    ("Tunis", "TN", "Africa/Tunis", ["ar", "fr"]),
    ("Algiers", "DZ", "Africa/Algiers", ["ar", "fr"]),
    ("Dakar", "SN", "Africa/Dakar", ["fr", "en"]),
    ("Abidjan", "CI", "Africa/Abidjan", ["fr", "en"]),
    ("Yaoundé", "CM", "Africa/Douala", ["fr", "en"]),
    ("Antananarivo", "MG", "Indian/Antananarivo", ["fr", "mg"]),
    ("Bamako", "ML", "Africa/Bamako", ["fr"]),
    ("Ouagadougou", "BF", "Africa/Ouagadougou", ["fr"]),
    ("Lomé", "TG", "Africa/Lome", ["fr"]),
    ("Cotonou", "BJ", "Africa/Porto-Novo", ["fr"]),
    ("Conakry", "GN", "Africa/Conakry", ["fr"]),
    ("Niamey", "NE", "Africa/Niamey", ["fr"]),
    ("Kinshasa", "CD", "Africa/Kinshasa", ["fr"]),
    ("Brazzaville", "CG", "Africa/Brazzaville", ["fr"]),
]
# Expert centres: real partners of twinning programmes (the people are invented).
CENTRES = [
    ("GR", "Gustave Roussy", "Villejuif", "FR", "Europe/Paris", ["fr", "en"]),
    (
        "IHOPE",
        "Institut d'Hématologie et d'Oncologie Pédiatrique",
        "Lyon",
        "FR",
        "Europe/Paris",
        ["fr", "en"],
    ),
    ("STANNA", "St. Anna Kinderspital", "Vienna", "AT", "Europe/Vienna", ["de", "en"]),
    ("SJD", "Hospital Sant Joan de Déu", "Barcelona", "ES", "Europe/Madrid", ["es", "en", "fr"]),
    (
        "CHARITE",
        "Charité – Universitätsmedizin Berlin",
        "Berlin",
        "DE",
        "Europe/Berlin",
        ["de", "en"],
    ),
    ("GOSH", "Great Ormond Street Hospital", "London", "GB", "Europe/London", ["en"]),
    (
        "IUOI",
        "Istanbul University Oncology Institute",
        "Istanbul",
        "TR",
        "Europe/Istanbul",
        ["tr", "en"],
    ),
    ("NECKER", "Hôpital Necker-Enfants malades", "Paris", "FR", "Europe/Paris", ["fr", "en"]),
]
TREATING_DEMO = ("VNCH", "KHOSP", "UZPHO", "CCHE")
# PMC stays without partnerships: its expert is the outsider of every access test.
CENTRES_DEMO = ("CURIE", "RDEBRE", "MUW")

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương")
MIDDLE = ("Văn", "Thị", "Minh", "Gia", "Thu", "Bảo", "Đức", "Ngọc", "Quang", "Hữu", "Thanh")
GIVEN = ("An", "Mai", "Dũng", "Huy", "Hà", "Ngân", "Thịnh", "Linh", "Khoa", "Lan", "Phúc", "Vy")
STAFF_FIRST = ("Anh", "Aziz", "Camille", "Dilnoza", "Fatima", "Hugo", "Ines", "Jonas", "Karim")
STAFF_FIRST += ("Léa", "Malika", "Nadia", "Omar", "Paul", "Rustam", "Sofia", "Thanh", "Yasmin")
STAFF_LAST = ("Alimov", "Benali", "Dubois", "Fischer", "García", "Haddad", "Karimova", "Lefèvre")
STAFF_LAST += ("Moreau", "Nazarov", "Petit", "Rahimov", "Schmidt", "Tran", "Usmonova", "Weber")
SPECIALTIES = (
    "Paediatric oncology (neuroblastoma)",
    "Neuro-oncology and radiotherapy",
    "Paediatric surgery",
    "Leukaemia and lymphoma",
    "Retinoblastoma",
    "Bone and soft-tissue sarcoma",
    "Renal tumours",
    "Pathology",
    "Radiology",
    "Supportive care and infection control",
)
# topography, morphology, basis, Toronto tumour, tier, stages, ages, template, specialty
TUMOURS = [
    ("C42.1", "9836", "5", "all", 2, ("CNS1", "CNS2", "CNS3"), (1, 14), "leukaemia", "leukaemia"),
    (
        "C74.9",
        "9500",
        "7",
        "neuroblastoma",
        2,
        ("L1", "L2", "M", "MS"),
        (0, 5),
        "neuroblastoma",
        "neuroblastoma",
    ),
    ("C64.9", "8960", "7", "wilms", 2, ("I", "II", "III", "IV"), (1, 6), "renal", "surgery"),
    (
        "C69.2",
        "9510",
        "1",
        "retinoblastoma",
        2,
        ("0", "I", "II"),
        (0, 3),
        "retinoblastoma",
        "retinoblastoma",
    ),
    (
        "C71.6",
        "9470",
        "7",
        "medulloblastoma",
        2,
        ("M0", "M1"),
        (3, 12),
        "cns",
        "neuro-oncology radiotherapy",
    ),
    ("C77.1", "9663", "7", "hodgkin", 2, ("IIA", "IIIB"), (8, 14), "lymphoma", "lymphoma"),
    (
        "C40.2",
        "9180",
        "7",
        "osteosarcoma",
        1,
        ("Localised", "Metastatic"),
        (9, 14),
        "sarcoma",
        "sarcoma",
    ),
    ("C22.0", "8970", "7", "hepatoblastoma", 2, ("I", "II", "III"), (0, 3), "general", "surgery"),
]
QUESTIONS = (
    "High-risk disease with a slow early response: should we intensify, and with what we have?",
    "Is surgery first reasonable here, or neoadjuvant chemotherapy given our theatre waiting list?",
    "Radiotherapy is available only with a six-week wait: what should we give meanwhile?",
    "Relapse eight months after the end of treatment: is a curative second line realistic here?",
    "Pathology is uncertain locally; could you review the report and say what to send out?",
    "The family asks about palliative care only: how do we plan symptom control at home?",
)
EXPERT_LINES = (
    "Thank you, I have read the summary. Could you send the latest imaging report?",
    "I would complete induction first and reassess with imaging before surgery.",
    "With the radiotherapy wait, two more courses of chemotherapy are reasonable.",
    "Please check the full blood count and renal function before the next course.",
    "I agree with the local plan; dose the carboplatin by weight under 10 kg.",
    "Can the pathologist send two unstained slides for central review?",
)
REQUESTER_LINES = (
    "Imaging report added to the summary; the mass is smaller by a third.",
    "Platelets 85 G/L, neutrophils 0.9 G/L this morning.",
    "The family agrees to the plan; we start on Monday.",
    "Slides will go out with the next courier to Paris.",
    "Fever on day 10, blood culture negative, now afebrile on antibiotics.",
    "Surgery is booked for the 14th; the anaesthetist has seen the child.",
)
RECOMMENDATION = {
    "diagnostic_opinion": "Agree with the diagnosis and the risk group.",
    "recommended_treatment": "Complete induction, then local control; response assessment "
    "after course four.",
    "further_investigations": "Imaging and bone marrow before local control.",
    "local_feasibility": "Feasible with the local resources; no drug needs importing.",
}
BATCH = 1000


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def refuse_if_seeded() -> str | None:
    """Why this database cannot be seeded again, or None."""
    entry = AuditEntry.objects.filter(verb__in=[STARTED, FINISHED]).order_by("id").first()
    if entry is None:
        return None
    return f"{entry.details.get('scale', '?')} seed started at {entry.at:%Y-%m-%d %H:%M} UTC"


class Seeder:
    def __init__(self, scale: Scale, *, name: str, seed: int, log: Callable[[str], None]) -> None:
        self.scale = scale
        self.name = name
        self.rng = random.Random(seed)
        self.log = log
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.password = make_password(DEMO_PASSWORD)  # hashed once: hashing costs ~0.3 s

    def run(self) -> dict[str, int]:
        started = time.perf_counter()
        record(actor=None, actor_label="consilium seed", verb=STARTED, details={"scale": self.name})
        steps = (
            ("institutions and people", self.people),
            ("partnerships", self.partnerships),
            ("patients", self.patients),
            ("consultations", self.consultations),
            ("events", self.events),
            ("search index", self.search_index),
        )
        for label, step in steps:
            began = time.perf_counter()
            step()
            self.log(f"  {label}: {time.perf_counter() - began:.1f} s")
        self._analyse()
        counts = self.counts()
        record(
            actor=None,
            actor_label="consilium seed",
            verb=FINISHED,
            details={"scale": self.name, **counts, "seconds": round(time.perf_counter() - started)},
        )
        return counts

    def search_index(self) -> None:
        from consilium.search.index import rebuild

        rebuild()

    # People ---------------------------------------------------------------------------------

    def people(self) -> None:
        self.personas = load_foundation()
        treating = [Institution.objects.get(code=code) for code in TREATING_DEMO]
        centres = [Institution.objects.get(code=code) for code in CENTRES_DEMO]
        for n, (city, country, zone, langs) in enumerate(CITIES[: self.scale.treating], 1):
            treating.append(
                Institution.objects.create(
                    code=f"H{n:02d}",
                    name=f"Children's Hospital of {city}",
                    country=country,
                    city=city,
                    time_zone=zone,
                    kind=InstitutionKind.CHILDRENS_HOSPITAL,
                    languages=langs,
                )
            )
        for code, title, city, country, zone, langs in CENTRES[: self.scale.centres]:
            centres.append(
                Institution.objects.create(
                    code=code,
                    name=title,
                    country=country,
                    city=city,
                    time_zone=zone,
                    kind=InstitutionKind.CANCER_CENTRE,
                    languages=langs,
                )
            )
        self.treating, self.centres = treating, centres
        self.staff: dict[tuple[int, str], list[User]] = {}
        for institution in treating:
            self._staff(institution, Role.CLINICIAN, self.scale.clinicians, Profession.DOCTOR)
            self._staff(institution, Role.DATA_MANAGER, 1, Profession.DATA_MANAGER)
            self._staff(institution, Role.COORDINATOR, 1, Profession.COORDINATOR)
        for institution in centres:
            self._staff(institution, Role.EXPERT, self.scale.experts, Profession.DOCTOR)
            self._staff(institution, Role.COORDINATOR, 1, Profession.COORDINATOR)
        # The demo's personas are the busiest of their teams, so their pages are the heaviest.
        for key in ("clinician", "data_manager", "coordinator", "expert"):
            persona = self.personas[key]
            membership = persona.memberships.get(ended_at=None)
            self.staff.setdefault((membership.institution_id, membership.role), []).insert(
                0, persona
            )

    def _staff(self, institution: Institution, role: str, count: int, profession: str) -> None:
        users = []
        for n in range(count):
            first, last = self.rng.choice(STAFF_FIRST), self.rng.choice(STAFF_LAST)
            email = f"{_ascii(first)}.{_ascii(last)}.{role[:4]}{n}@{institution.code.lower()}.seed"
            users.append(
                User(
                    email=email,
                    password=self.password,
                    full_name=f"{'Dr ' if profession == Profession.DOCTOR else ''}{first} {last}",
                    profession=profession,
                    specialty=self.rng.choice(SPECIALTIES) if role == Role.EXPERT else "",
                    time_zone=institution.time_zone,
                    language=institution.languages[0] if institution.languages else "en",
                    languages=list(institution.languages),
                )
            )
        users = User.objects.bulk_create(users)
        Membership.objects.bulk_create(
            Membership(user=user, institution=institution, role=role) for user in users
        )
        self.staff[(institution.pk, role)] = users

    def _one(self, institution: Institution, role: str) -> User:
        return self.staff[(institution.pk, role)][0]

    # Partnerships ---------------------------------------------------------------------------

    def partnerships(self) -> None:
        by_code = {i.code: i for i in self.centres}
        pairs = {"VNCH": ["CURIE", "RDEBRE"], "KHOSP": ["CURIE"], "UZPHO": ["MUW"], "CCHE": ["MUW"]}
        self.partners: dict[int, list[Institution]] = {}
        for institution in self.treating:
            chosen = [by_code[c] for c in pairs.get(institution.code, [])]
            if not chosen:
                chosen = self.rng.sample(
                    self.centres, k=min(len(self.centres), 1 + (self.rng.random() < 0.4))
                )
            self.partners[institution.pk] = chosen
            for centre in chosen:
                partnership = create_partnership(
                    actor=self._one(institution, Role.COORDINATOR),
                    title=f"{institution.code}–{centre.code} twinning",
                    institutions=[institution, centre],
                    valid_from=datetime.date(2022, 1, 1),
                    valid_until=None,
                    signed_on=datetime.date(2021, 12, 1),
                    signed_place=institution.city,
                    status=PartnershipStatus.ACTIVE,
                    areas={
                        AreaKind.TELEMEDICINE: "Remote case discussion within a week.",
                        AreaKind.TRAINING: "Two fellows a year; nurses' workshop.",
                    },
                )
                confirm_partnership(
                    actor=self._one(centre, Role.COORDINATOR), partnership=partnership
                )

    # Patients -------------------------------------------------------------------------------

    def _shares(self, total: int) -> dict[int, int]:
        """How many of `total` each treating hospital gets: the demo's Hanoi hospital an eighth
        (the heaviest pages are its personas'), the others by random weight."""
        first, rest = self.treating[0], self.treating[1:]
        shares = {first.pk: total // 8}
        weights = [self.rng.uniform(0.5, 1.5) for _ in rest]
        left = total - shares[first.pk]
        for institution, weight in zip(rest, weights, strict=True):
            shares[institution.pk] = int(left * weight / sum(weights))
        shares[first.pk] += total - sum(shares.values())
        return shares

    def patients(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            for institution in self.treating:
                count = self.shares_patients[institution.pk]
                path = Path(folder) / f"{institution.code}.csv"
                path.write_text("".join(self._csv(institution, count)), encoding="utf-8")
                outcome = import_csv(
                    path, institution, actor=self._one(institution, Role.DATA_MANAGER)
                )
                if not outcome.ok:
                    raise RuntimeError(f"{institution.code}: {outcome.errors[:3]}")

    @property
    def shares_patients(self) -> dict[int, int]:
        if not hasattr(self, "_patient_shares"):
            self._patient_shares = self._shares(self.scale.patients)
        return self._patient_shares

    def _csv(self, institution: Institution, count: int) -> Iterator[str]:
        yield (
            "hospital_number,name,birth_date,sex,region,consent_status,diagnosis_date,"
            "topography,morphology,behaviour,basis_of_diagnosis,stage_tumour,stage_tier,"
            "stage_value,vital_status,last_contact\n"
        )
        rng = self.rng
        seen = set()
        for n in range(count):
            site, morph, basis, tumour, tier, stages, (low, high), *_ = rng.choice(TUMOURS)
            diagnosed = datetime.date(2016, 1, 1) + datetime.timedelta(days=rng.randint(0, 3500))
            diagnosed = min(diagnosed, self.today - datetime.timedelta(days=30))
            while True:
                born = diagnosed - datetime.timedelta(
                    days=rng.randint(low * 365 + 30, high * 365 + 200)
                )
                name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
                if (name, born) not in seen:
                    seen.add((name, born))
                    break
            followed = diagnosed + datetime.timedelta(days=rng.randint(20, 2500))
            contact = min(self.today, followed)
            vital = "dead" if rng.random() < 0.3 and contact < self.today else "alive"
            consent = "given" if rng.random() < 0.9 else "unknown"
            yield (
                f"{institution.code}-{n:07d},{name},{born},{rng.choice(('male', 'female'))},"
                f"{institution.city},{consent},{diagnosed},{site},{morph},3,{basis},{tumour},"
                f"{tier},{rng.choice(stages)},{vital},{contact}\n"
            )

    # Consultations --------------------------------------------------------------------------

    def consultations(self) -> None:
        shares = self._shares(self.scale.consultations)
        plans = []
        for institution in self.treating:
            patients = list(
                Patient.objects.filter(
                    institution=institution, consent_status=ConsentStatus.GIVEN
                ).only("pk", "pseudonym", "institution_id", "consent_status")
            )
            for patient in patients:
                patient.institution = institution
            for _ in range(shares[institution.pk]):
                plans.append((institution, self.rng.choice(patients)))
        self.rng.shuffle(plans)
        # Messages only where an expert has taken the case; spread to hit the total exactly.
        cases = [self._case(institution, patient) for institution, patient in plans]
        talking = [n for n, case in enumerate(cases) if case["accepted_at"] is not None]
        counts = dict.fromkeys(talking, 0)
        for _ in range(self.scale.messages):
            counts[self.rng.choice(talking)] += 1
        batch: list[PastConsultation] = []
        for n, case in enumerate(cases):
            batch.append(self._past(case, counts.get(n, 0)))
            if len(batch) >= BATCH:
                record_past_consultations(cases=batch)
                batch = []
        record_past_consultations(cases=batch)

    def _case(self, institution: Institution, patient: Patient) -> dict:
        rng = self.rng
        centre = rng.choice(self.partners[institution.pk])
        experts = self.staff[(centre.pk, Role.EXPERT)]
        # The first expert of a team (the demo's Claire Martin at Curie) takes a third.
        expert = experts[0] if rng.random() < 0.33 else rng.choice(experts)
        clinicians = self.staff[(institution.pk, Role.CLINICIAN)]
        requester = clinicians[0] if rng.random() < 0.4 else rng.choice(clinicians)
        age = rng.expovariate(1 / 300) if rng.random() < 0.9 else rng.uniform(0, 14)
        created = self.now - datetime.timedelta(days=min(age, 1400) + 1, hours=rng.uniform(0, 24))
        days = (self.now - created).days
        accepted = created + datetime.timedelta(hours=rng.uniform(2, 60))
        stage = rng.random()
        case = {
            "institution": institution,
            "patient": patient,
            "centre": centre,
            "expert": expert,
            "requester": requester,
            "created": created,
            "accepted_at": accepted if accepted < self.now else None,
            "recommended": days > 14 and stage < 0.8,
            "closed": days > 90 and stage < 0.68,
            "withdrawn": stage > 0.97,
        }
        if days < 14 and stage < 0.4:
            case["accepted_at"] = None
        return case

    def _past(self, case: dict, messages: int) -> PastConsultation:
        rng = self.rng
        tumour = rng.choice(TUMOURS)
        accepted = case["accepted_at"]
        end = min(self.now, case["created"] + datetime.timedelta(days=12))
        if accepted is None:
            end = case["created"]
        moments = (
            sorted(accepted + (end - accepted) * rng.random() for _ in range(messages))
            if accepted
            else []
        )
        lines = []
        for n, at in enumerate(moments):
            by_expert = n % 2 == 0
            author = case["expert"] if by_expert else case["requester"]
            body = rng.choice(EXPERT_LINES if by_expert else REQUESTER_LINES)
            source = "email" if by_expert and rng.random() < 0.4 else "web"
            lines.append(PastMessage(author=author, body=body, at=at, source=source))
        last = moments[-1] if moments else accepted or case["created"]
        recommended_at = None
        if case["recommended"] and accepted is not None and not case["withdrawn"]:
            recommended_at = min(self.now, last + datetime.timedelta(hours=rng.uniform(1, 48)))
        answered_at = None
        adherence, reasons = "", []
        if case["closed"] and recommended_at is not None:
            answered_at = min(
                self.now, recommended_at + datetime.timedelta(days=rng.uniform(20, 70))
            )
            adherence = rng.choice(("fully", "fully", "fully", "partly", "not"))
            reasons = [] if adherence == "fully" else [rng.choice(("drug_unavailable", "cost"))]
        withdrawn_at = None
        if case["withdrawn"] and recommended_at is None:
            withdrawn_at = min(self.now, last + datetime.timedelta(hours=1))
        return PastConsultation(
            requested_by=case["requester"],
            patient=case["patient"],
            expert_institution=case["centre"],
            expert=case["expert"],
            question=rng.choice(QUESTIONS),
            urgency="urgent" if rng.random() < 0.2 else "routine",
            created_at=case["created"],
            specialty=tumour[8],
            language=rng.choice(("en", "en", "fr")),
            template=tumour[7],
            summary={"history": "Referred after two weeks of symptoms.", "imaging": "See report."},
            accepted_at=accepted,
            messages=lines,
            recommendation=RECOMMENDATION if recommended_at else None,
            recommended_at=recommended_at,
            adherence=adherence,
            reasons=reasons,
            answered_at=answered_at,
            withdrawn_at=withdrawn_at,
        )

    # Events ---------------------------------------------------------------------------------

    def events(self) -> None:
        from consilium.meetings.actions import create_event

        hosts = self.treating + self.centres
        kinds = [EventKind.TUMOUR_BOARD] * 6 + [EventKind.WORKSHOP, EventKind.WEBINAR]
        kinds += [EventKind.SEMINAR, EventKind.CONGRESS]
        for n in range(self.scale.events):
            host = hosts[n % len(hosts)]
            kind = self.rng.choice(kinds)
            starts = self.now + datetime.timedelta(days=self.rng.randint(-700, 180), hours=n % 7)
            length = datetime.timedelta(hours=1 if kind == EventKind.TUMOUR_BOARD else 7)
            partners = self.partners.get(host.pk, [])
            create_event(
                actor=self._one(host, Role.COORDINATOR),
                kind=kind,
                title=f"{kind.label} – {host.city} {starts:%B %Y}",
                starts_at=starts,
                ends_at=starts + length,
                time_zone=host.time_zone,
                host=host,
                mode=EventMode.ONLINE if kind == EventKind.TUMOUR_BOARD else EventMode.HYBRID,
                visibility=Visibility.PARTNERS if partners else Visibility.NETWORK,
                co_organisers=partners,
                languages=host.languages[:2],
            )

    # Afterwards -----------------------------------------------------------------------------

    def _analyse(self) -> None:
        # Fresh planner statistics at once, rather than when autovacuum gets there.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    @staticmethod
    def counts() -> dict[str, int]:
        from consilium.consultations.models import Consultation, Message
        from consilium.meetings.models import Event
        from consilium.network.models import Partnership

        return {
            "institutions": Institution.objects.count(),
            "people": User.objects.count(),
            "partnerships": Partnership.objects.count(),
            "patients": Patient.objects.count(),
            "consultations": Consultation.objects.count(),
            "messages": Message.objects.count(),
            "events": Event.objects.count(),
            "audit_entries": AuditEntry.objects.count(),
        }


def seed(scale: str, *, seed: int = 2026, log: Callable[[str], None] = print) -> dict[str, int]:
    return Seeder(SCALES[scale], name=scale, seed=seed, log=log).run()
