import datetime
import zoneinfo

import pytest
from django.utils import timezone

from consilium.meetings import actions, attendance
from consilium.meetings.choices import EventKind, EventMode, SessionKind, Visibility
from consilium.network.models import AreaKind, Institution, PartnershipStatus
from tests.network.helpers import confirmed_partnership

HANOI = "Asia/Ho_Chi_Minh"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, zone: str = HANOI):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=zoneinfo.ZoneInfo(zone))


@pytest.fixture
def institutions(personas):
    return {i.code: i for i in Institution.objects.all()}


@pytest.fixture
def partnership(personas, institutions):
    """VNCH and Institut Curie, active, with training and telemedicine areas."""
    return confirmed_partnership(
        actor=personas["coordinator"],
        title="VNCH – Institut Curie",
        institutions=[institutions["VNCH"], institutions["CURIE"]],
        valid_from=datetime.date(2024, 1, 1),
        # Relative to today: a fixed end date would expire the fixture one day.
        valid_until=timezone.localdate() + datetime.timedelta(days=5 * 365),
        signed_on=datetime.date(2024, 12, 2),
        signed_place="Pediatric Oncology Workshop 2024, Hanoi",
        status=PartnershipStatus.ACTIVE,
        areas={AreaKind.TELEMEDICINE: "", AreaKind.TRAINING: "Fellowships"},
    )


@pytest.fixture
def workshop(personas, institutions):
    """A hybrid workshop in Hanoi, 2–6 December 2024, visible to the network, 2 places."""
    return actions.create_event(
        actor=personas["coordinator"],
        kind=EventKind.WORKSHOP,
        title="Pediatric Oncology Workshop 2024",
        starts_at=at(2024, 12, 2, 8, 30),
        ends_at=at(2024, 12, 6, 16, 30),
        time_zone=HANOI,
        host=institutions["VNCH"],
        co_organisers=[institutions["CURIE"]],
        supporting_organisations=["French Embassy"],
        venue="VNCH, Hanoi",
        online_link="https://visio.example.org/workshop",
        mode=EventMode.HYBRID,
        visibility=Visibility.NETWORK,
        capacity=2,
    )


@pytest.fixture
def future_workshop(personas, institutions):
    """The same kind of workshop, next year, so members may still register themselves."""
    starts = datetime.datetime.now(datetime.UTC).replace(microsecond=0) + datetime.timedelta(
        days=30
    )
    return actions.create_event(
        actor=personas["coordinator"],
        kind=EventKind.WORKSHOP,
        title="Workshop on low-grade gliomas",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=8),
        time_zone=HANOI,
        host=institutions["VNCH"],
        online_link="https://visio.example.org/lgg",
        mode=EventMode.HYBRID,
        visibility=Visibility.NETWORK,
        capacity=1,
    )


@pytest.fixture
def board(personas, institutions, partnership):
    """A tumour board for VNCH and its partner Curie only."""
    return actions.create_event(
        actor=personas["coordinator"],
        kind=EventKind.TUMOUR_BOARD,
        title="VNCH – Curie tumour board",
        starts_at=at(2025, 3, 25, 14, zone="Europe/Paris"),
        ends_at=at(2025, 3, 25, 15, 30, zone="Europe/Paris"),
        time_zone="Europe/Paris",
        host=institutions["VNCH"],
        co_organisers=[institutions["CURIE"]],
        online_link="https://visio.example.org/board",
        mode=EventMode.ONLINE,
        visibility=Visibility.PARTNERS,
    )


@pytest.fixture
def morning(personas, workshop):
    return actions.add_session(
        actor=personas["coordinator"],
        event=workshop,
        kind=SessionKind.SECTION,
        title="Neuroblastoma",
        room="Main hall",
        starts_at=at(2024, 12, 2, 8, 30),
        ends_at=at(2024, 12, 2, 11, 45),
    )


def guest(name: str = "Nguyễn Thị Hương", country: str = "VN", **kw) -> attendance.Guest:
    return attendance.Guest(
        full_name=name,
        profession=kw.pop("profession", "nurse"),
        institution_name=kw.pop("institution_name", "Bệnh viện Nhi Thanh Hóa"),
        country=country,
        **kw,
    )


@pytest.fixture
def next_board(personas, institutions, partnership):
    """A VNCH – Curie board a week from now, partners only."""
    from django.utils import timezone

    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=7)
    return actions.create_event(
        actor=personas["coordinator"],
        kind=EventKind.TUMOUR_BOARD,
        title="VNCH – Curie tumour board",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=90),
        time_zone="Europe/Paris",
        host=institutions["VNCH"],
        co_organisers=[institutions["CURIE"]],
        online_link="https://visio.example.org/board",
        mode=EventMode.ONLINE,
        visibility=Visibility.PARTNERS,
    )


@pytest.fixture
def cases(personas, institutions, partnership):
    """Two open consultations of VNCH's clinician to Curie, offered to Claire (expert)."""
    from consilium.consultations.actions import request_consultation
    from tests.consultations.conftest import make_patient

    patient = make_patient(personas)
    return [
        request_consultation(
            actor=personas["clinician"],
            patient=patient,
            expert_institution=institutions["CURIE"],
            question=question,
            urgency="routine",
            specialty="neuroblastoma",
        )
        for question in ("Is tandem HDCT feasible?", "Surgery before or after induction?")
    ]


def start_now(event) -> None:
    """Move a meeting so that it started five minutes ago."""
    from django.utils import timezone

    from consilium.meetings.models import Event

    now = timezone.now()
    Event.objects.filter(pk=event.pk).update(
        starts_at=now - datetime.timedelta(minutes=5), ends_at=now + datetime.timedelta(hours=1)
    )
    event.refresh_from_db()


def on_agenda(personas, event, consultation):
    """Proposed by the clinician, accepted by the coordinator."""
    from consilium.meetings import agenda

    item = agenda.propose_case(actor=personas["clinician"], event=event, consultation=consultation)
    return agenda.accept_case(actor=personas["coordinator"], item=item)


@pytest.fixture
def two_days(personas, institutions):
    """A two-day hybrid workshop in Hanoi, today and tomorrow (local dates), with a 3-hour
    session on the first day and a 2-hour one on the second."""
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(HANOI)).date()
    tomorrow = today + datetime.timedelta(days=1)

    def local(day, hour):
        return at(day.year, day.month, day.day, hour)

    event = actions.create_event(
        actor=personas["coordinator"],
        kind=EventKind.WORKSHOP,
        title="Two-day workshop on retinoblastoma",
        starts_at=local(today, 8),
        ends_at=local(tomorrow, 17),
        time_zone=HANOI,
        host=institutions["VNCH"],
        venue="VNCH, Hanoi",
        online_link="https://visio.example.org/rb",
        mode=EventMode.HYBRID,
        visibility=Visibility.NETWORK,
    )
    for day, hours, title in ((today, 3, "Diagnosis"), (tomorrow, 2, "Treatment")):
        actions.add_session(
            actor=personas["coordinator"],
            event=event,
            kind=SessionKind.SECTION,
            title=title,
            starts_at=local(day, 9),
            ends_at=local(day, 9 + hours),
        )
    return event


def on_day(event, day):
    """Noon of `day` in the event's zone: the clock of a check-in made that day (a day not
    yet come cannot be checked in)."""
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=event.zone)
