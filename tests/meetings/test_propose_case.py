"""“Present at the next tumour board”, from the consultation."""

from django.urls import reverse

from consilium.meetings.models import AgendaItem
from consilium.network.models import Partnership, PartnershipStatus


def _url(case):
    return reverse("meetings:propose_case", args=[case.pk])


def test_it_proposes_the_case_for_the_next_board(client_for, next_board, cases):
    clinician = client_for("clinician")
    detail = clinician.get(reverse("consultations:detail", args=[cases[0].pk])).content.decode()
    assert _url(cases[0]) in detail
    page = clinician.get(_url(cases[0]))
    assert next_board.title in page.content.decode()
    response = clinician.post(_url(cases[0]), {"event": next_board.pk})
    assert response.url == reverse("meetings:agenda", args=[next_board.pk])
    item = AgendaItem.objects.get()
    assert (item.status, item.consultation) == ("proposed", cases[0])


def test_an_ended_partnership_says_so_and_changes_nothing(client_for, personas, next_board, cases):
    personas["clinician"].language = "en"
    personas["clinician"].save()
    Partnership.objects.update(status=PartnershipStatus.ENDED)
    response = client_for("clinician").post(_url(cases[0]), {"event": next_board.pk})
    assert response.status_code == 400
    assert "partnership that carried this consultation has ended" in response.content.decode()
    assert not AgendaItem.objects.exists()


def test_bad_choices_change_nothing(client_for, next_board, cases):
    clinician = client_for("clinician")
    for value in ("", "x", "99999999999999999999", "-1"):
        assert clinician.post(_url(cases[0]), {"event": value}).status_code == 400
    assert not AgendaItem.objects.exists()


def test_only_the_treating_team_may_propose(client_for, next_board, cases):
    for persona in ("expert", "coordinator", "outsider"):
        assert client_for(persona).get(_url(cases[0])).status_code == 404
    assert client_for("expert").post(_url(cases[0]), {"event": next_board.pk}).status_code == 404
    assert not AgendaItem.objects.exists()
