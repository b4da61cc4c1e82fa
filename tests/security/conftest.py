"""The security tests share one small network (tests/security/world.py), built once per test
module inside a transaction that is rolled back when the module ends."""

import pytest
from django.db import transaction
from django.test import Client, override_settings

from consilium.core.demo_data import load_foundation
from tests.security.world import World, build

PERSONAS = ("admin", "coordinator", "clinician", "data_manager", "expert", "outsider", "anonymous")
# Any 32 letters are a valid CSRF secret: the cookie and the form carry the same one, as a
# browser that loaded the form would send them.
CSRF_SECRET = "s" * 32


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        built = build(load_foundation())
        yield built
        transaction.set_rollback(True)


def csrf_client(world: World, persona: str) -> Client:
    """A client that enforces CSRF like a browser, signed in as ``persona``."""
    client = Client(enforce_csrf_checks=True)
    if persona != "anonymous":
        client.force_login(world.personas[persona])
    if persona == "admin":
        sign_in_second_factor(client, world.personas[persona])
    client.cookies["csrftoken"] = CSRF_SECRET
    return client


def sign_in_second_factor(client: Client, user) -> None:
    """The admin opens only to a session that passed TOTP (consilium.accounts.admin_site):
    give the signed-in client what allauth's MFA stage leaves in its session."""
    import time

    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "mfa", "at": time.time(), "type": "totp"}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


@pytest.fixture(autouse=True)
def _quiet_refusals():
    """Thousands of deliberate 403s and 404s; their log lines would bury a real failure."""
    import logging

    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)
