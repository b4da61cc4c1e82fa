"""The agenda page: the case in words, who may add cases, who may conclude."""

from django.test import Client
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.meetings import agenda, attendance
from consilium.meetings.models import AgendaItem
from tests.meetings.conftest import on_agenda, start_now


def _url(event):
    return reverse("meetings:agenda", args=[event.pk])


def test_it_shows_the_case_in_words_to_the_coordinator_and_audits_it(
    client_for, personas, next_board, cases
):
    on_agenda(personas, next_board, cases[0])
    text = client_for("coordinator").get(_url(next_board)).content.decode()
    pseudonym = cases[0].patient.pseudonym
    assert pseudonym in text
    assert "Is tandem HDCT feasible?" in text
    assert "Neuroblastoma" in text  # 9500/3 in words, not the code
    assert "stage M" in text
    assert "years" in text
    assert "consultation #" not in text
    assert "Nguyễn Văn An" not in text and "BN-2024-77123" not in text
    entry = AuditEntry.objects.filter(verb="meetings.agenda_viewed").latest("id")
    assert entry.details["consultations"] == [cases[0].pk]
    assert entry.details["pseudonyms"] == [pseudonym]


def test_an_outsider_sees_no_case(client_for, personas, next_board, cases):
    on_agenda(personas, next_board, cases[0])
    assert client_for("outsider").get(_url(next_board)).status_code == 404
    assert Client().get(_url(next_board)).status_code == 302


def test_it_tells_the_coordinator_who_adds_cases_and_lists_proposals(
    client_for, personas, next_board, cases
):
    agenda.propose_case(actor=personas["clinician"], event=next_board, consultation=cases[0])
    text = client_for("coordinator").get(_url(next_board)).content.decode()
    assert "Who adds cases: clinicians of" in text
    assert "Proposed cases" in text and "Accept" in text
    item = AgendaItem.objects.get()
    client_for("coordinator").post(
        reverse("meetings:agenda_action", args=[next_board.pk, "accept"]), {"item": item.pk}
    )
    item.refresh_from_db()
    assert item.status == "accepted"


def test_the_coordinator_sets_order_minutes_and_presenter(client_for, personas, next_board, cases):
    first, second = (on_agenda(personas, next_board, c) for c in cases)
    response = client_for("coordinator").post(
        reverse("meetings:agenda_action", args=[next_board.pk, "schedule"]),
        {
            f"order-{first.pk}": "2",
            f"order-{second.pk}": "1",
            f"minutes-{first.pk}": "30",
            f"minutes-{second.pk}": "20",
            f"presenter-{first.pk}": str(personas["expert"].pk),
            f"presenter-{second.pk}": str(personas["clinician"].pk),
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.order, first.presenter) == (2, personas["expert"])


def test_a_bad_presenter_or_huge_number_changes_nothing(client_for, personas, next_board, cases):
    item = on_agenda(personas, next_board, cases[0])
    client = client_for("coordinator")
    url = reverse("meetings:agenda_action", args=[next_board.pk, "schedule"])
    for value in (str(personas["outsider"].pk), "99999999999999999999", "x"):
        response = client.post(
            url,
            {f"order-{item.pk}": "1", f"minutes-{item.pk}": "20", f"presenter-{item.pk}": value},
        )
        assert response.status_code == 302
        item.refresh_from_db()
        assert item.slot_starts_at is None
    response = client.post(
        reverse("meetings:agenda_action", args=[next_board.pk, "accept"]),
        {"item": "99999999999999999999"},
    )
    assert response.status_code == 404


def test_an_unregistered_expert_is_not_shown_the_conclusion_form(
    client_for, personas, next_board, cases
):
    on_agenda(personas, next_board, cases[0])
    start_now(next_board)
    expert = client_for("expert")
    assert 'name="next_step"' not in expert.get(_url(next_board)).content.decode()
    attendance.register(
        actor=personas["coordinator"], event=next_board, user=personas["expert"], mode="online"
    )
    assert 'name="next_step"' in expert.get(_url(next_board)).content.decode()


def test_a_submission_from_a_non_participant_says_why_and_keeps_her_text(
    client_for, personas, next_board, cases
):
    item = on_agenda(personas, next_board, cases[0])
    start_now(next_board)
    response = client_for("expert").post(
        reverse("meetings:agenda_action", args=[next_board.pk, "conclude"]),
        {"item": item.pk, "plan": "Tandem HDCT after COJEC.", "next_step": "Dr Lan"},
    )
    assert response.status_code == 403
    text = response.content.decode()
    assert 'role="alert"' in text
    assert "Tandem HDCT after COJEC." in text
    assert not cases[0].messages.exists()


def test_a_conclusion_for_a_case_gone_keeps_the_text(client_for, personas, next_board, cases):
    start_now(next_board)
    response = client_for("expert").post(
        reverse("meetings:agenda_action", args=[next_board.pk, "conclude"]),
        {"item": "12345", "plan": "Tandem HDCT after COJEC.", "next_step": "Dr Lan"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert 'role="alert"' in text and "Tandem HDCT after COJEC." in text


def test_a_participant_records_the_conclusion_into_the_thread(
    client_for, personas, next_board, cases
):
    item = on_agenda(personas, next_board, cases[0])
    attendance.register(
        actor=personas["coordinator"], event=next_board, user=personas["expert"], mode="online"
    )
    start_now(next_board)
    expert = client_for("expert")
    url = reverse("meetings:agenda_action", args=[next_board.pk, "conclude"])
    response = expert.post(url, {"item": item.pk, "plan": "Single HDCT."})
    assert response.status_code == 400  # who acts next is missing; the text stays
    assert "Single HDCT." in response.content.decode()
    response = expert.post(url, {"item": item.pk, "plan": "Single HDCT.", "next_step": "VNCH"})
    assert response.status_code == 302
    thread = client_for("clinician").get(reverse("consultations:detail", args=[cases[0].pk]))
    assert "Single HDCT." in thread.content.decode()


def test_a_reader_in_paris_sees_a_hanoi_board_in_paris_time(
    client_for, personas, next_board, cases
):
    import zoneinfo

    from consilium.meetings.models import Event

    item = on_agenda(personas, next_board, cases[0])
    Event.objects.filter(pk=next_board.pk).update(time_zone="Asia/Ho_Chi_Minh")
    next_board.refresh_from_db()
    agenda.schedule_agenda(
        actor=personas["coordinator"], event=next_board, order=[item.pk], minutes={item.pk: 20}
    )
    item.refresh_from_db()
    paris = item.slot_starts_at.astimezone(zoneinfo.ZoneInfo("Europe/Paris")).strftime("%H:%M")
    hanoi = item.slot_starts_at.astimezone(zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"))
    attendance.register(
        actor=personas["coordinator"], event=next_board, user=personas["expert"], mode="online"
    )
    text = client_for("expert").get(_url(next_board)).content.decode()
    slot = text.split(f'id="case-{item.pk}"', 1)[1].split("</strong>", 1)[0]
    assert paris in slot and hanoi.strftime("%H:%M") not in slot
    # The board's own zone is still said, beside the reader's.
    assert "Europe/Paris" in text and "Asia/Ho_Chi_Minh" in text


def test_the_coordinator_sees_how_many_the_agenda_reached(client_for, personas, next_board, cases):
    from tests.consultations.fixtures import run_queued_tasks
    from tests.meetings.test_agenda_mail import SEND_AGENDA, _due

    on_agenda(personas, next_board, cases[0])
    text = client_for("coordinator").get(_url(next_board)).content.decode()
    assert "Not mailed yet, and nobody has registered" in text
    for key in ("clinician", "expert"):
        attendance.register(
            actor=personas["coordinator"], event=next_board, user=personas[key], mode="online"
        )
    text = client_for("coordinator").get(_url(next_board)).content.decode()
    assert "Not mailed yet: it goes to the 2 registered participants 24 hours before" in text
    _due(next_board)
    from consilium.meetings import agenda_mail

    agenda_mail.send_due_agendas()
    run_queued_tasks(SEND_AGENDA)
    text = client_for("coordinator").get(_url(next_board)).content.decode()
    assert "The current agenda has reached 2 of 2 registered participants by mail." in text


def _take_off(client, event, item):
    return client.post(
        reverse("meetings:agenda_action", args=[event.pk, "withdraw"]), {"item": item.pk}
    )


def test_the_coordinator_takes_an_accepted_case_off_the_agenda(
    client_for, personas, next_board, cases
):
    item = on_agenda(personas, next_board, cases[0])
    coordinator = client_for("coordinator")
    text = coordinator.get(_url(next_board)).content.decode()
    assert "Take off the agenda" in text
    sequence = next_board.sequence
    assert _take_off(coordinator, next_board, item).status_code == 302
    assert not AgendaItem.objects.filter(pk=item.pk).exists()
    next_board.refresh_from_db()
    assert next_board.sequence == sequence + 1  # mailed again as a change


def test_the_proposer_takes_her_case_off_before_the_session_only(
    client_for, personas, next_board, cases
):
    first, second = (on_agenda(personas, next_board, c) for c in cases)
    personas["clinician"].language = "en"
    personas["clinician"].save(update_fields=["language"])
    clinician = client_for("clinician")
    assert "Take off the agenda" in clinician.get(_url(next_board)).content.decode()
    assert _take_off(clinician, next_board, first).status_code == 302
    assert not AgendaItem.objects.filter(pk=first.pk).exists()
    start_now(next_board)
    assert "Take off the agenda" not in clinician.get(_url(next_board)).content.decode()
    response = _take_off(clinician, next_board, second)
    assert AgendaItem.objects.filter(pk=second.pk).exists()
    page = clinician.get(response["Location"]).content.decode()
    assert "The session has started: ask the coordinator to take the case off." in page


def test_an_outsider_cannot_take_a_case_off(client_for, personas, next_board, cases):
    item = on_agenda(personas, next_board, cases[0])
    assert _take_off(client_for("outsider"), next_board, item).status_code == 404
    assert _take_off(client_for("expert"), next_board, item).status_code == 404
    assert AgendaItem.objects.filter(pk=item.pk).exists()
