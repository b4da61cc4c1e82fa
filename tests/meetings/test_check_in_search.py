"""The check-in desk's search: by name, institution or email, without JavaScript."""

from django.urls import reverse

from consilium.meetings import attendance
from tests.meetings.conftest import guest


def _url(event, q):
    return reverse("meetings:participants", args=[event.pk]) + "?" + f"q={q}"


def test_it_finds_by_name_institution_or_email(client_for, personas, workshop):
    for name, institution, mail in (
        ("Nguyễn Thị Hương", "Bệnh viện Nhi Thanh Hóa", "huong@example.org"),
        ("Alisher Karimov", "Tashkent Children's Center", "alisher@example.uz"),
    ):
        attendance.register(
            actor=personas["coordinator"],
            event=workshop,
            mode="online",
            guest=guest(name, institution_name=institution, email=mail),
        )
    client = client_for("coordinator")
    for q in ("Hương", "thanh hóa", "HUONG@example"):
        text = client.get(_url(workshop, q)).content.decode()
        assert "Nguyễn Thị Hương" in text and "Alisher Karimov" not in text, q
    text = client.get(_url(workshop, "nobody-like-this")).content.decode()
    assert "Nguyễn Thị Hương" not in text and "Alisher Karimov" not in text
    # A long query is trimmed, never an error; a NUL is refused before any view (400).
    assert client.get(_url(workshop, "x" * 5000)).status_code == 200
    assert client.get(_url(workshop, "%00x")).status_code == 400


def test_only_the_organisers_search(client_for, workshop):
    assert client_for("clinician").get(_url(workshop, "a")).status_code == 403
    assert client_for("outsider").get(_url(workshop, "a")).status_code == 403


def test_it_shows_the_first_matches_and_says_how_many_more(client_for, personas, workshop):
    from consilium.meetings.models import Event

    Event.objects.filter(pk=workshop.pk).update(capacity=None)
    workshop.refresh_from_db()
    for n in range(28):
        attendance.register(
            actor=personas["coordinator"],
            event=workshop,
            mode="online",
            guest=guest(f"Karimov Alisher {n:02d}"),
        )
    personas["coordinator"].language = "en"
    personas["coordinator"].save()
    text = client_for("coordinator").get(_url(workshop, "Karimov")).content.decode()
    assert text.count('<tr><th scope="row">Karimov Alisher') == 25
    assert "3 more: type more of the name" in text


def test_typing_in_the_search_box_returns_the_table_only(client_for, personas, workshop):
    attendance.register(actor=personas["coordinator"], event=workshop, mode="online", guest=guest())
    client = client_for("coordinator")
    typed = client.get(_url(workshop, "huong"), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="participants-table"' in typed and "Nguyễn Thị Hương" in typed
    assert "Register a guest" not in typed and "<html" not in typed
    plain = client.get(_url(workshop, "huong")).content.decode()
    assert "Register a guest" in plain and "Nguyễn Thị Hương" in plain


def test_the_head_of_the_desk_counts_everyone_whatever_the_search_finds(
    client_for, personas, workshop
):
    personas["coordinator"].language = "en"
    personas["coordinator"].save()
    for name in ("Hương Nguyễn", "Anna Ivanova"):
        attendance.register(
            actor=personas["coordinator"],
            event=workshop,
            mode="online",
            guest=guest(name, email=f"{name.split()[0].lower()}@example.org"),
        )
    url = reverse("meetings:participants", args=[workshop.pk])
    page = client_for("coordinator").get(url, {"q": "anna"}).content.decode()
    assert "2 registered" in page
    assert "1 found for “anna”" in page
