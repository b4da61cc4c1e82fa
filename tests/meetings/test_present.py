"""The presentation view: one case per screen, links to move, no case for outsiders."""

import re

from django.urls import reverse

from consilium.audit.models import AuditEntry
from tests.meetings.conftest import on_agenda


def _url(event, n):
    return reverse("meetings:present", args=[event.pk, n])


def test_it_shows_one_case_per_screen_with_links_to_move(client_for, personas, next_board, cases):
    for case in cases:
        on_agenda(personas, next_board, case)
    client = client_for("clinician")
    first = client.get(_url(next_board, 1)).content.decode()
    assert "Is tandem HDCT feasible?" in first
    assert "Surgery before or after induction?" not in first
    assert re.search(rf'href="{_url(next_board, 2)}" rel="next" accesskey="n"', first)
    assert 'rel="prev"' not in first
    second = client.get(_url(next_board, 2)).content.decode()
    assert "Surgery before or after induction?" in second
    assert f'href="{_url(next_board, 1)}" rel="prev"' in second
    assert AuditEntry.objects.filter(verb="meetings.case_presented").count() == 2


def test_the_coordinator_and_a_partner_expert_see_the_case(client_for, personas, next_board, cases):
    on_agenda(personas, next_board, cases[0])
    for persona in ("coordinator", "expert"):
        text = client_for(persona).get(_url(next_board, 1)).content.decode()
        assert cases[0].patient.pseudonym in text
        assert "Nguyễn Văn An" not in text and "BN-2024-77123" not in text


def test_outsiders_and_bad_numbers_get_404(client_for, personas, next_board, cases):
    on_agenda(personas, next_board, cases[0])
    assert client_for("outsider").get(_url(next_board, 1)).status_code == 404
    for n in (0, 2, 99999999999):
        assert client_for("clinician").get(_url(next_board, n)).status_code == 404


def _conclude(client, event, item, n, **fields):
    return client.post(
        reverse("meetings:agenda_action", args=[event.pk, "conclude"]),
        {"item": item.pk, "present": n, **fields},
    )


def test_a_participant_records_the_conclusion_from_the_presentation_view(
    client_for, personas, next_board, cases
):
    from consilium.meetings import attendance
    from tests.meetings.conftest import start_now

    on_agenda(personas, next_board, cases[0])
    second = on_agenda(personas, next_board, cases[1])
    attendance.register(
        actor=personas["coordinator"], event=next_board, user=personas["expert"], mode="online"
    )
    start_now(next_board)
    expert = client_for("expert")
    text = expert.get(_url(next_board, 2)).content.decode()
    assert 'name="next_step"' in text and 'name="present" value="2"' in text
    response = _conclude(expert, next_board, second, 2, plan="Surgery after induction.")
    assert response.status_code == 400  # who acts next is missing: the same case, text kept
    text = response.content.decode()
    assert "Surgery before or after induction?" in text and "Surgery after induction." in text
    response = _conclude(
        expert, next_board, second, 2, plan="Surgery after induction.", next_step="Dr Lan"
    )
    assert response.status_code == 302 and response["Location"] == _url(next_board, 2)
    assert "Surgery after induction." in cases[1].messages.get(source="board").body
    text = expert.get(_url(next_board, 2)).content.decode()
    assert 'name="next_step"' not in text and "Surgery after induction." in text


def test_a_non_participant_sees_no_form_and_her_post_is_refused_with_her_text(
    client_for, personas, next_board, cases
):
    from tests.meetings.conftest import start_now

    item = on_agenda(personas, next_board, cases[0])
    start_now(next_board)
    expert = client_for("expert")  # a partner's expert, not registered
    assert 'name="next_step"' not in expert.get(_url(next_board, 1)).content.decode()
    response = _conclude(expert, next_board, item, 1, plan="Tandem HDCT.", next_step="Dr Lan")
    assert response.status_code == 403
    text = response.content.decode()
    assert 'role="alert"' in text  # the reason, in her language
    assert "Tandem HDCT." in text and "Is tandem HDCT feasible?" in text
    assert not cases[0].messages.exists()
    assert _conclude(client_for("outsider"), next_board, item, 1, plan="x").status_code == 404
