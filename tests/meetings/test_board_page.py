"""A tumour board's page: its session, the Join button, the cases and the series' next
sessions, not a congress's programme and registration."""

import datetime

from django.urls import reverse
from django.utils import timezone

from consilium.meetings import actions, attendance
from consilium.meetings.choices import Visibility
from consilium.meetings.models import Event
from tests.meetings.conftest import on_agenda, start_now


def _url(event):
    return reverse("meetings:event", args=[event.pk])


def _english(personas, *keys):
    for key in keys:
        personas[key].language = "en"
        personas[key].save(update_fields=["language"])


def test_it_leads_with_the_session_and_its_cases_not_a_programme(
    client_for, personas, next_board, cases
):
    _english(personas, "clinician", "coordinator")
    on_agenda(personas, next_board, cases[0])
    text = client_for("clinician").get(_url(next_board)).content.decode()
    assert "Next session" in text
    assert cases[0].patient.pseudonym in text and "Is tandem HDCT feasible?" in text
    assert "Take part in this session" in text
    for congress in ("Programme", "Teaching hours", "Build the programme", "Places"):
        assert congress not in text
    head = text.split("Case agenda", 1)[0]
    assert "Next session" in head  # the session comes first
    assert "Case agenda: propose a case" in text
    _english(personas, "expert")
    expert = client_for("expert").get(_url(next_board)).content.decode()
    assert "Case agenda: propose a case" not in expert  # an expert proposes no case
    coordinator = client_for("coordinator").get(_url(next_board)).content.decode()
    assert "Manage the case agenda" in coordinator and "Build the programme" not in coordinator


def test_a_participant_gets_the_join_button_at_the_start(client_for, personas, next_board):
    _english(personas, "clinician")
    attendance.register(
        actor=personas["coordinator"], event=next_board, user=personas["clinician"], mode="online"
    )
    clinician = client_for("clinician")
    assert "The Join button appears here" in clinician.get(_url(next_board)).content.decode()
    start_now(next_board)
    text = clinician.get(_url(next_board)).content.decode()
    assert reverse("meetings:join", args=[next_board.registrations.get().join_token]) in text


def test_it_lists_the_series_upcoming_sessions_and_points_on_from_a_past_one(
    client_for, personas, institutions
):
    _english(personas, "clinician")
    series = actions.create_series(
        actor=personas["coordinator"],
        title="VNCH – Curie weekly board",
        host=institutions["VNCH"],
        co_organisers=[institutions["CURIE"]],
        weekday=timezone.localdate().weekday(),
        start_time=datetime.time(20, 0),
        time_zone="Asia/Ho_Chi_Minh",
        interval_weeks=1,
        duration_minutes=60,
        starts_on=timezone.localdate() - datetime.timedelta(days=14),
        until=timezone.localdate() + datetime.timedelta(weeks=4),
        online_link="https://visio.example.org/weekly",
        visibility=Visibility.PARTNERS,
        languages=["vi", "fr"],
    )
    now = timezone.now()
    past = series.events.filter(ends_at__lt=now).order_by("-starts_at").first()
    later = list(series.events.filter(ends_at__gte=now).order_by("starts_at"))
    text = client_for("clinician").get(_url(past)).content.decode()
    assert "This session is over." in text
    assert f'href="{_url(later[0])}"' in text.split("Case agenda", 1)[0]
    assert "Upcoming sessions of this board" in text
    assert all(f'href="{_url(e)}"' in text for e in later[:3])


def test_an_outsider_sees_no_board_page(client_for, personas, next_board, cases):
    on_agenda(personas, next_board, cases[0])
    assert client_for("outsider").get(_url(next_board)).status_code == 404
    assert Event.objects.filter(pk=next_board.pk).exists()
