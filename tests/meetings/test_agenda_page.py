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
