"""The desk's list of registrants is paged, as the consultation archive is: a congress of 900
must not be one page of 900 rows. The pager keeps the desk's day and search; a page that is not
there says so and shows the nearest one. The desk reads countries by name, in its language."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from consilium.meetings import attendance
from consilium.meetings.models import Event
from consilium.meetings.participant_views import PAGE_SIZE
from tests.meetings.conftest import guest


def _register(personas, event, names, country="VN"):
    Event.objects.filter(pk=event.pk).update(capacity=None)
    event.refresh_from_db()
    for name in names:
        attendance.register(
            actor=personas["coordinator"],
            event=event,
            mode="online",
            guest=guest(name, country=country, email=f"{name.replace(' ', '.')}@example.org"),
        )


def _rows(text: str) -> list[str]:
    return re.findall(r"<tr><th scope=\"row\">([^<]+?)(?: <span|</th>)", text)


def _url(event) -> str:
    return reverse("meetings:participants", args=[event.pk])


def _coordinator(client_for, personas, language="en"):
    personas["coordinator"].language = language
    personas["coordinator"].save(update_fields=["language"])
    return client_for("coordinator")


def test_it_pages_the_registrants(client_for, personas, workshop):
    _register(personas, workshop, [f"Participant {n:03d}" for n in range(60)])
    client = _coordinator(client_for, personas)
    first = client.get(_url(workshop)).content.decode()
    assert _rows(first) == [f"Participant {n:03d}" for n in range(PAGE_SIZE)]
    assert "Page 1 of 3" in first and "60 registered" in first
    third = client.get(_url(workshop), {"page": "3"}).content.decode()
    assert _rows(third) == [f"Participant {n:03d}" for n in range(50, 60)]
    assert 'rel="prev"' in third and 'rel="next"' not in third


def test_the_pager_keeps_the_search_and_the_day(client_for, personas, workshop):
    _register(personas, workshop, [f"Karimov Alisher {n:02d}" for n in range(28)])
    _register(personas, workshop, ["Nguyễn Thị Hương"])
    client = _coordinator(client_for, personas)
    text = client.get(_url(workshop), {"q": "karimov", "day": "2024-12-03"}).content.decode()
    assert "28 found for “karimov”" in text
    assert 'href="?day=2024-12-03&amp;q=karimov&amp;page=2" rel="next"' in text
    second = client.get(
        _url(workshop), {"q": "karimov", "day": "2024-12-03", "page": "2"}
    ).content.decode()
    assert _rows(second) == [f"Karimov Alisher {n:02d}" for n in range(25, 28)]
    assert 'value="2024-12-03"' in second  # the desk's day kept on the check-in forms
    assert '<input type="hidden" name="page" value="2">' in second
    # Typing (htmx) starts again at the first page, and the pager comes with the table.
    typed = client.get(
        _url(workshop), {"q": "karimov", "day": "2024-12-03"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Page 1 of 2" in typed and "<html" not in typed


def test_a_check_in_from_a_later_page_comes_back_to_it(client_for, personas, workshop):
    _register(personas, workshop, [f"Participant {n:03d}" for n in range(30)])
    client = _coordinator(client_for, personas)
    registration = workshop.registrations.get(full_name="Participant 027")
    response = client.post(
        reverse("meetings:participants_action", args=[workshop.pk, "check-in"]),
        {"registration": registration.pk, "day": "2024-12-03", "page": "2"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?day=2024-12-03&page=2")


def test_a_page_past_the_end_or_not_a_number_says_so_and_shows_the_nearest(
    client_for, personas, workshop
):
    _register(personas, workshop, [f"Participant {n:03d}" for n in range(30)])
    client = _coordinator(client_for, personas)
    for asked, shown in (
        ("99", 2),
        ("99999999999999999999999", 2),
        ("x", 1),
        ("-1", 1),
        ("0", 1),
        ("2.5", 1),
        ("", None),
    ):
        response = client.get(_url(workshop), {"page": asked})
        assert response.status_code == 200, asked
        text = response.content.decode()
        if shown is None:
            assert "There is no page" not in text
            continue
        assert f"There is no page “{asked[:20]}”; this is page {shown} of 2." in text, asked
        assert f"Page {shown} of 2" in text
    # A NUL is refused before any view reads the query.
    assert client.get(_url(workshop), {"page": "\x00"}).status_code == 400


def test_an_empty_list_has_one_page_and_no_pager(client_for, personas, workshop):
    client = _coordinator(client_for, personas)
    text = client.get(_url(workshop), {"page": "2"}).content.decode()
    assert "There is no page “2”; this is page 1 of 1." in text
    assert "Nobody has registered yet." in text and 'class="pager"' not in text


def test_the_queries_do_not_grow_with_the_registrants(client_for, personas, workshop):
    client = _coordinator(client_for, personas)
    _register(personas, workshop, [f"Participant {n:03d}" for n in range(26)])
    client.get(_url(workshop))  # sessions, caches
    with CaptureQueriesContext(connection) as few:
        client.get(_url(workshop), {"page": "2"})
    _register(personas, workshop, [f"Other {n:03d}" for n in range(60)])
    with CaptureQueriesContext(connection) as many:
        client.get(_url(workshop), {"page": "2"})
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_desk_names_countries_in_the_readers_language(client_for, personas, workshop):
    _register(personas, workshop, ["Alisher Karimov"], country="UZ")
    _register(personas, workshop, ["Nguyễn Thị Hương"], country="VN")
    text = _coordinator(client_for, personas, "uz").get(_url(workshop)).content.decode()
    assert '<span title="UZ">Oʻzbekiston</span>' in text
    assert '<span title="VN">Vyetnam</span>' in text
    assert ">UZ</td>" not in text and ">VN</td>" not in text
    text = _coordinator(client_for, personas, "fr").get(_url(workshop)).content.decode()
    assert '<span title="UZ">Ouzbékistan</span>' in text
    assert '<span title="VN">Viêt Nam</span>' in text


def test_only_the_organisers_see_any_page(client, client_for, personas, workshop):
    _register(personas, workshop, [f"Participant {n:03d}" for n in range(30)])
    for persona in ("clinician", "outsider", "expert"):
        response = client_for(persona).get(_url(workshop), {"page": "2"})
        assert response.status_code == 403, persona
        assert "Participant 02" not in response.content.decode()
    assert client.get(_url(workshop), {"page": "2"}).status_code == 302  # to sign in


def test_the_desk_rows_say_what_each_cell_is_on_a_phone(client_for, personas, workshop):
    """At phone width each row is a card: a cell without its label is a bare number."""
    _register(personas, workshop, ["Alisher Karimov"], country="UZ")
    text = _coordinator(client_for, personas, "vi").get(_url(workshop)).content.decode()
    [row] = re.findall(r"<tr><th scope=\"row\">Alisher Karimov.*?</tr>", text, re.S)
    cells = re.findall(r"<td( data-label=\"[^\"]+\")?>", row)
    assert len(cells) >= 6
    # Every cell but the last (its links name themselves) carries a label, in Vietnamese.
    assert all(cells[:-1]), row
    with translation.override("vi"):
        assert f'data-label="{translation.gettext("Country")}"' in row
