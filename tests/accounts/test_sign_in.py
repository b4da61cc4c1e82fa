from django.urls import reverse

from consilium.audit.models import AuditEntry


def test_it_signs_in_by_email_and_audits_it(client, personas, password):
    response = client.post(
        reverse("account_login"), {"login": "lan.nguyen@vnch.demo", "password": password}
    )
    assert response.status_code == 302
    assert response.url == reverse("home")
    entry = AuditEntry.objects.get(verb="auth.sign_in")
    assert entry.actor == personas["clinician"]
    assert entry.details["ip"] == "127.0.0.1"


def test_it_refuses_a_wrong_password_clearly_and_audits_the_failure(client, personas):
    response = client.post(
        reverse("account_login"), {"login": "lan.nguyen@vnch.demo", "password": "not-it"}
    )
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert "_auth_user_id" not in client.session
    failure = AuditEntry.objects.get(verb="auth.sign_in_failed")
    assert failure.actor is None
    assert failure.details["attempted"] == "lan.nguyen@vnch.demo"
    assert "not-it" not in str(failure.details)


def test_it_rate_limits_repeated_failures(client, personas, password):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "lan.nguyen@vnch.demo", "password": "x"})
    response = client.post(
        reverse("account_login"), {"login": "lan.nguyen@vnch.demo", "password": password}
    )
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_it_has_no_self_sign_up(client, db):
    response = client.get(reverse("account_signup"))
    assert "Sign Up Closed" in response.content.decode()


def test_it_signs_out_by_post_only_and_audits_it(client_for):
    client = client_for("expert")
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(verb="auth.sign_out").count() == 1


def test_it_tells_an_unknown_address_that_accounts_are_by_invitation(client, db, settings):
    from django.core import mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CONSILIUM_CONTACT_EMAIL = "network-office@vnch.demo"
    response = client.post(reverse("account_reset_password"), {"email": "nobody@nowhere.demo"})
    assert response.status_code == 302
    (sent,) = mail.outbox
    assert sent.to == ["nobody@nowhere.demo"]
    assert "invitation" in sent.body
    assert "network-office@vnch.demo" in sent.body
    assert "/accounts/signup/" not in sent.body
    assert "sign up" not in sent.body.lower().replace("no sign-up page", "")
