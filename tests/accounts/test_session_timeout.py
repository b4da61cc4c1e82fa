import time

import pytest
from django.urls import reverse


@pytest.fixture
def signed_in(client_for):
    client = client_for("clinician")
    assert client.get(reverse("home")).status_code == 200
    return client


def _age_session(client, **changes):
    session = client.session
    for key, seconds in changes.items():
        session[key] = int(time.time()) - seconds
    session.save()


def test_it_keeps_an_active_session(signed_in):
    _age_session(signed_in, consilium_seen=600)
    assert signed_in.get(reverse("home")).status_code == 200


def test_it_ends_an_idle_session_and_says_so(signed_in, settings):
    _age_session(signed_in, consilium_seen=settings.SESSION_IDLE_TIMEOUT + 5)
    response = signed_in.get(reverse("profile"), follow=True)
    assert (
        response.redirect_chain[0][0] == reverse("account_login") + "?next=%2Faccounts%2Fprofile%2F"
    )
    assert "Your session has expired" in response.content.decode()
    assert "_auth_user_id" not in signed_in.session


def test_it_ends_a_session_past_its_absolute_limit_even_if_active(signed_in, settings):
    _age_session(signed_in, consilium_started=settings.SESSION_ABSOLUTE_TIMEOUT + 5)
    response = signed_in.get(reverse("home"))
    assert response.status_code == 302
    assert "_auth_user_id" not in signed_in.session


def test_it_refuses_a_post_from_an_expired_session_without_changing_anything(signed_in, settings):
    _age_session(signed_in, consilium_seen=settings.SESSION_IDLE_TIMEOUT + 5)
    response = signed_in.post(
        reverse("profile"),
        {"full_name": "Changed", "profession": "doctor", "time_zone": "UTC"},
    )
    assert response.status_code == 302
    from consilium.accounts.models import User

    assert User.objects.get(email="lan.nguyen@vnch.demo").full_name == "Dr Nguyễn Thị Lan"
