import re
import time

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from playwright.sync_api import expect

from consilium.audit.models import AuditEntry

pytestmark = pytest.mark.browser


def test_it_signs_in_with_totp_and_switches_language(page, personas, password):
    expert = personas["expert"]
    secret = generate_totp_secret()
    TOTP.activate(expert, secret)

    page.goto("/")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Email").fill(expert.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".errorlist, ul.errorlist, .msg.error").first).to_be_visible()

    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    # A code is valid for its 30-second window only: don't type one as the window closes.
    if time.time() % 30 > 22:
        time.sleep(30 - time.time() % 30 + 0.5)
    counter = next(iter(yield_hotp_counters_from_time()))
    page.locator("input[name=code]").fill(format_hotp_value(hotp_value(secret, counter)))
    page.get_by_role("button", name="Sign In").click()

    # Claire reads the interface in French and works in Paris time.
    expect(page.get_by_role("heading", level=1)).to_have_text("Bienvenue, Dr Claire Martin")
    expect(page.locator("footer")).to_contain_text("Europe/Paris")

    page.get_by_label("Langue").select_option("ru")
    page.get_by_role("button", name="Changer").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", name="Ваши учреждения")).to_be_visible()
    expect(page.get_by_role("button", name="Выйти")).to_be_visible()

    verbs = list(AuditEntry.objects.filter(actor=expert).values_list("verb", flat=True))
    assert "auth.sign_in" in verbs
    assert "account.language_changed" in verbs


def test_it_works_without_javascript(
    browser, live_server, personas, password, settings, audit_triggers_off_after_test
):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(personas["clinician"].email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")
    context.close()
