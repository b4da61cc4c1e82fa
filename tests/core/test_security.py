from django.test import Client
from django.urls import reverse


def test_it_sends_a_strict_csp_and_frame_protection(client, db):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_it_keeps_signed_in_pages_out_of_caches(client_for):
    response = client_for("clinician").get("/")
    assert response["Cache-Control"] == "no-store, private"


def test_it_has_no_inline_script_on_the_base_page(client_for):
    page = client_for("clinician").get("/").content.decode()
    assert "<script>" not in page
    assert "onclick" not in page


def test_it_refuses_a_forged_csrf_token_with_a_clear_page(personas):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("account_login"))
    response = client.post(
        reverse("account_login"),
        {
            "login": "lan.nguyen@vnch.demo",
            "password": "consilium-demo",
            "csrfmiddlewaretoken": "forged" * 8,
        },
    )
    assert response.status_code == 403
    assert "The form has expired" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_shows_a_plain_404_without_a_traceback(client, db, settings):
    assert settings.DEBUG is False
    response = client.get("/no/such/page")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Not found" in body
    assert "Traceback" not in body


def test_it_uses_secure_cookies_by_default(settings):
    assert settings.SESSION_COOKIE_SECURE
    assert settings.CSRF_COOKIE_SECURE
    assert settings.SECURE_HSTS_SECONDS >= 31_536_000
