import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from consilium.consultations.actions import request_consultation
from consilium.meetings import actions, agenda, attendance
from consilium.meetings.models import Event
from tests.consultations.conftest import make_patient


@pytest.fixture
def next_board(personas, institutions, partnership):
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=7)
    return actions.create_event(
        actor=personas["coordinator"],
        kind="tumour_board",
        title="VNCH – Curie tumour board",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=90),
        time_zone="Europe/Paris",
        host=institutions["VNCH"],
        co_organisers=[institutions["CURIE"]],
        online_link="https://visio.example.org/board",
        mode="online",
        visibility="partners",
    )


@pytest.fixture
def cases(personas, institutions, partnership):
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


def _start_now(event: Event) -> None:
    now = timezone.now()
    Event.objects.filter(pk=event.pk).update(
        starts_at=now - datetime.timedelta(minutes=5), ends_at=now + datetime.timedelta(hours=1)
    )
    event.refresh_from_db()


def test_two_cases_go_from_consultation_to_board_and_back(client_for, personas, next_board, cases):
    clinician = client_for("clinician")
    url = reverse("meetings:agenda_action", args=[next_board.pk, "propose"])
    for case in cases:
        assert clinician.post(url, {"consultation": case.pk}).status_code == 302
    first, second = next_board.agenda.order_by("order")
    client_for("coordinator").post(
        reverse("meetings:agenda_action", args=[next_board.pk, "schedule"]),
        {
            f"order-{first.pk}": "2",
            f"order-{second.pk}": "1",
            f"minutes-{first.pk}": "30",
            f"minutes-{second.pk}": "20",
        },
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.order, second.slot_starts_at) == (1, next_board.starts_at)
    assert first.slot_starts_at == next_board.starts_at + datetime.timedelta(minutes=20)

    attendance.register(
        actor=personas["clinician"], event=next_board, user=personas["clinician"], mode="online"
    )
    _start_now(next_board)
    for item, treatment in ((second, "Surgery after 4 cycles."), (first, "Single HDCT.")):
        response = clinician.post(
            reverse("meetings:agenda_action", args=[next_board.pk, "conclude"]),
            {"item": item.pk, "recommended_treatment": treatment},
        )
        assert response.status_code == 302
    for case, treatment in ((cases[0], "Single HDCT."), (cases[1], "Surgery after 4 cycles.")):
        case.refresh_from_db()
        assert case.status == "recommended"
        [recommendation] = case.recommendations.all()
        assert (recommendation.status, recommendation.source) == ("final", "board")
        assert recommendation.recommended_treatment == treatment
    thread = clinician.get(reverse("consultations:detail", args=[cases[0].pk]))
    assert "Single HDCT." in thread.content.decode()


def test_the_agenda_shows_case_details_only_to_those_who_may_read_them(
    client_for, personas, next_board, cases
):
    agenda.propose_case(actor=personas["clinician"], event=next_board, consultation=cases[0])
    url = reverse("meetings:agenda", args=[next_board.pk])
    assert "Is tandem HDCT feasible?" in client_for("clinician").get(url).content.decode()
    # Coordinators order the agenda but hold no clinical role.
    text = client_for("coordinator").get(url).content.decode()
    assert "Is tandem HDCT feasible?" not in text
    assert f"consultation #{cases[0].pk}" in text
    assert client_for("outsider").get(url).status_code == 404


def test_only_the_treating_team_proposes_and_only_once(personas, next_board, cases):
    with pytest.raises(PermissionDenied):
        agenda.propose_case(actor=personas["coordinator"], event=next_board, consultation=cases[0])
    agenda.propose_case(actor=personas["clinician"], event=next_board, consultation=cases[0])
    with pytest.raises(ValidationError, match="already on the agenda"):
        agenda.propose_case(actor=personas["clinician"], event=next_board, consultation=cases[0])


def test_the_cases_must_fit_in_the_meeting(personas, next_board, cases):
    items = [
        agenda.propose_case(actor=personas["clinician"], event=next_board, consultation=c)
        for c in cases
    ]
    with pytest.raises(ValidationError, match="longer than the meeting"):
        agenda.schedule_agenda(
            actor=personas["coordinator"],
            event=next_board,
            order=[i.pk for i in items],
            minutes={items[0].pk: 60, items[1].pk: 60},
        )
    with pytest.raises(PermissionDenied):
        agenda.schedule_agenda(
            actor=personas["clinician"],
            event=next_board,
            order=[i.pk for i in items],
            minutes={items[0].pk: 20, items[1].pk: 20},
        )


def test_a_conclusion_is_not_recorded_before_the_meeting_nor_twice(personas, next_board, cases):
    item = agenda.propose_case(actor=personas["clinician"], event=next_board, consultation=cases[0])
    with pytest.raises(PermissionDenied):  # the coordinator may not write clinical advice
        agenda.record_conclusion(
            actor=personas["coordinator"], item=item, fields={"recommended_treatment": "x"}
        )
    attendance.register(
        actor=personas["coordinator"], event=next_board, user=personas["clinician"], mode="online"
    )
    with pytest.raises(ValidationError, match="not before it"):
        agenda.record_conclusion(
            actor=personas["clinician"], item=item, fields={"recommended_treatment": "x"}
        )
    _start_now(next_board)
    agenda.record_conclusion(
        actor=personas["clinician"], item=item, fields={"recommended_treatment": "Single HDCT."}
    )
    item.refresh_from_db()
    with pytest.raises(ValidationError, match="already been recorded"):
        agenda.record_conclusion(
            actor=personas["clinician"], item=item, fields={"recommended_treatment": "y"}
        )
