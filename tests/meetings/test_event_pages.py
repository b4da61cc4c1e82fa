from django.test import Client
from django.urls import reverse

from consilium.meetings import actions
from consilium.meetings.choices import Visibility


def test_anonymous_visitors_see_a_public_programme_only(client_for, personas, workshop, board):
    anonymous = Client()
    url = reverse("meetings:event", args=[workshop.pk])
    assert anonymous.get(url).status_code == 404
    actions.update_event(
        actor=personas["coordinator"], event=workshop, visibility=Visibility.PUBLIC
    )
    response = anonymous.get(url)
    assert response.status_code == 200
    assert "Pediatric Oncology Workshop 2024" in response.content.decode()
    listing = anonymous.get(reverse("meetings:events")).content.decode()
    assert "Pediatric Oncology Workshop 2024" in listing
    assert "VNCH – Curie tumour board" not in listing


def test_a_partners_only_event_is_invisible_to_an_outsider(client_for, board):
    url = reverse("meetings:event", args=[board.pk])
    assert client_for("outsider").get(url).status_code == 404
    assert client_for("expert").get(url).status_code == 200
    assert client_for("clinician").get(url).status_code == 200
    assert (
        "VNCH – Curie tumour board"
        not in client_for("outsider").get(reverse("meetings:events")).content.decode()
    )


def test_any_network_member_sees_a_network_event(client_for, workshop):
    assert (
        client_for("outsider").get(reverse("meetings:event", args=[workshop.pk])).status_code == 200
    )


def test_times_are_shown_in_the_event_zone_and_the_readers(client_for, workshop, morning):
    # Claire reads in Paris: 08:30 in Hanoi is 02:30 in Paris in December.
    body = client_for("expert").get(reverse("meetings:event", args=[workshop.pk])).content
    text = body.decode()
    assert "08:30–11:45" in text
    assert "02:30–05:45" in text
    assert "Europe/Paris" in text


def test_the_list_page_has_a_fixed_query_budget(
    client_for, workshop, board, django_assert_max_num_queries
):
    client = client_for("expert")
    client.get(reverse("meetings:events"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("meetings:events")).status_code == 200
