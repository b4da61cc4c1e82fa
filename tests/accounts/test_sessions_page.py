from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse


def _sign_in(password: str) -> Client:
    client = Client()
    client.post(reverse("account_login"), {"login": "lan.nguyen@vnch.demo", "password": password})
    client.get(reverse("home"))
    return client


def test_it_lists_ones_own_sessions_and_ends_the_others(personas, password):
    laptop = _sign_in(password)
    ward_pc = _sign_in(password)
    assert UserSession.objects.filter(user=personas["clinician"]).count() == 2

    page = laptop.get(reverse("usersessions_list"))
    assert page.status_code == 200
    assert page.content.decode().count("127.0.0.1") >= 2

    laptop.post(reverse("usersessions_list"), {"action": "sign_out_others"})
    assert UserSession.objects.filter(user=personas["clinician"]).count() == 1
    assert ward_pc.get(reverse("profile")).status_code == 302
    assert laptop.get(reverse("profile")).status_code == 200


def test_it_does_not_show_other_peoples_sessions(personas, password, client_for):
    _sign_in(password)
    page = client_for("outsider").get(reverse("usersessions_list")).content.decode()
    assert "lan.nguyen" not in page


def test_it_keeps_the_last_seen_time_to_the_minute_without_a_write_per_page(personas, password):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _sign_in(password)
    session = UserSession.objects.get(user=personas["clinician"])
    first_seen = session.last_seen_at

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("profile")).status_code == 200
    assert not [q for q in queries if "usersessions_usersession" in q["sql"]]
    session.refresh_from_db()
    assert session.last_seen_at == first_seen

    # A minute later the idle stamp is refreshed, and the session's last-seen time with it.
    stored = client.session
    stored["consilium_seen"] -= 61
    stored.save()
    client.get(reverse("profile"))
    session.refresh_from_db()
    assert session.last_seen_at > first_seen
