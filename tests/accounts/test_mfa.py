import time

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse


def _current_code(secret: str) -> str:
    # A code is valid for its 30-second window only: don't use one as the window closes.
    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.5)
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def test_it_asks_for_a_totp_code_after_the_password(client, personas, password):
    secret = generate_totp_secret()
    TOTP.activate(personas["clinician"], secret)
    response = client.post(
        reverse("account_login"), {"login": "lan.nguyen@vnch.demo", "password": password}
    )
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "Incorrect code" in wrong.content.decode()
    assert "_auth_user_id" not in client.session

    ok = client.post(reverse("mfa_authenticate"), {"code": _current_code(secret)})
    assert ok.status_code == 302
    assert client.session["_auth_user_id"] == str(personas["clinician"].pk)


def test_it_offers_totp_and_recovery_codes(client_for):
    page = client_for("clinician").get(reverse("mfa_index")).content.decode()
    assert "Authenticator App" in page
    assert "Recovery Codes" in page
    assert Authenticator.objects.count() == 0
