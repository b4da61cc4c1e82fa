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
