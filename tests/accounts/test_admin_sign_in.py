"""The Django admin is reached only through allauth's sign-in, with its second factor and its
rate limits; the admin's own login form never takes a password."""

import time

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse

from consilium.audit.models import AuditEntry

ADMIN = "admin@consilium.demo"


def _current_code(secret: str) -> str:
    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.5)
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


@pytest.fixture
def admin_secret(personas) -> str:
    secret = generate_totp_secret()
    TOTP.activate(personas["admin"], secret)
    return secret


def _admin_email(personas) -> str:
    return personas["admin"].email


def test_it_never_signs_in_by_the_admin_login_form(client, personas, password, admin_secret):
    response = client.post(
        reverse("admin:login"),
        {"username": _admin_email(personas), "password": password, "next": "/admin/"},
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302
    assert not AuditEntry.objects.filter(verb="auth.sign_in").exists()


def test_it_throttles_wrong_passwords_on_the_way_to_the_admin(client, personas, password):
    for _ in range(15):
        client.post(reverse("admin:login"), {"username": _admin_email(personas), "password": "x"})
    # The admin's form checked none of them, so it has nothing to let through either.
    client.post(reverse("admin:login"), {"username": _admin_email(personas), "password": password})
    assert "_auth_user_id" not in client.session
    # The sign-in it sends people to counts failures and stops them.
    for _ in range(15):
        client.post(reverse("account_login"), {"login": _admin_email(personas), "password": "x"})
    response = client.post(
        reverse("account_login"), {"login": _admin_email(personas), "password": password}
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_opens_the_admin_after_password_and_code_and_audits_both(
    client, personas, password, admin_secret
):
    start = client.get(reverse("admin:index"))
    assert start.status_code == 302
    to_sign_in = client.get(start.url)
    assert to_sign_in.url.startswith(reverse("account_login"))
    client.post(
        to_sign_in.url, {"login": _admin_email(personas), "password": password, "next": "/admin/"}
    )
    assert "_auth_user_id" not in client.session  # the second factor is still owed
    done = client.post(reverse("mfa_authenticate"), {"code": _current_code(admin_secret)})
    assert done.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    entry = AuditEntry.objects.get(verb="auth.sign_in", actor=personas["admin"])
    assert entry.details["methods"] == ["password", "mfa"]


def test_it_sends_staff_without_a_second_factor_to_set_one_up(client, personas, password):
    client.post(reverse("account_login"), {"login": _admin_email(personas), "password": password})
    assert client.session["_auth_user_id"] == str(personas["admin"].pk)
    index = client.get(reverse("admin:index"))
    assert index.url.startswith(reverse("admin:login"))
    assert client.get(index.url).url == reverse("mfa_index")
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 302
    entry = AuditEntry.objects.get(verb="auth.sign_in", actor=personas["admin"])
    assert entry.details["methods"] == ["password"]


def test_it_asks_a_session_that_skipped_the_second_factor_to_prove_it(
    client, personas, admin_secret
):
    client.force_login(personas["admin"])
    login = client.get(reverse("admin:login"))
    assert login.url.startswith(reverse("mfa_reauthenticate"))
    assert client.get(reverse("admin:index")).status_code == 302
    client.post(login.url, {"code": _current_code(admin_secret)})
    assert client.get(reverse("admin:index")).status_code == 200
    records = client.session[AUTHENTICATION_METHODS_SESSION_KEY]
    assert [r["method"] for r in records] == ["mfa"]


def test_it_refuses_the_admin_to_signed_in_people_who_are_not_staff(client_for):
    client = client_for("clinician")
    assert client.get(reverse("admin:login")).status_code == 403
    refused = client.post(reverse("admin:login"), {"username": "x", "password": "y"})
    assert refused.status_code == 403
