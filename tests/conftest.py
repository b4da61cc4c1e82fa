"""Shared fixtures: the personas of the brief, the same people the demo signs in as."""

import pytest
from django.db import connection
from django.test import Client

from consilium.accounts.models import User
from consilium.core.demo_data import DEMO_PASSWORD, load_foundation


def pytest_collection_modifyitems(config, items):
    """`make test` runs the suite on SQLite, then again on PostgreSQL. A test marked
    `same_on_every_database` cannot come out differently on the second (it checks pages'
    layout or language, or runs the demo on its own SQLite database): the PostgreSQL run
    leaves it to the SQLite run, which keeps CI within its time."""
    if connection.vendor != "postgresql":
        return
    same = [item for item in items if item.get_closest_marker("same_on_every_database")]
    if same:
        config.hook.pytest_deselected(items=same)
        items[:] = [item for item in items if item not in same]


@pytest.fixture(scope="session", autouse=True)
def _collected_static(django_db_blocker):
    # Pages link to hashed static names from the manifest, as in production. Collecting
    # (and compressing) costs about 40 s of CPU; `make mutate MUTATE_DJANGO=1` collects once
    # into its data folder and says so, rather than once for each of its hundreds of runs.
    import os

    from django.core.management import call_command

    if os.environ.get("CONSILIUM_TESTS_STATIC_COLLECTED") == "1":
        return
    with django_db_blocker.unblock():
        call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def _english_and_utc():
    """Each request activates its reader's language and zone in the thread, as a server
    does; between tests that must not leak into code that runs outside a request."""
    from django.utils import timezone, translation

    translation.activate("en")
    yield
    translation.deactivate()
    timezone.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hasher costs ~0.3 s a user; the hashing itself is Django's, not ours to test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def personas(db) -> dict[str, User]:
    """clinician, data_manager, coordinator (VNCH, Hanoi), expert (Institut Curie, partner),
    outsider (Princess Máxima Center, no partnership with VNCH), admin."""
    return load_foundation()


@pytest.fixture
def password() -> str:
    return DEMO_PASSWORD


@pytest.fixture
def client_for(personas):
    def make(key: str) -> Client:
        client = Client()
        client.force_login(personas[key])
        return client

    return make


@pytest.fixture
def audit_triggers_off_after_test(transactional_db):
    """Transactional tests end with a flush, which the append-only triggers refuse: drop them
    for that flush and put them back for the next test."""
    from importlib import import_module

    migration = import_module("consilium.audit.migrations.0003_sealed_chain")
    _apply(migration.SQLITE_REVERSE, migration.POSTGRES_REVERSE)
    _apply(migration.SQLITE, migration.POSTGRES)
    yield
    _apply(migration.SQLITE_REVERSE, migration.POSTGRES_REVERSE)


@pytest.fixture
def audit_triggers_on(db):
    """The append-only triggers, for a test that checks them. A transactional test elsewhere in
    the same process may have left them dropped (see above); they are made inside this test's
    transaction, so the rollback at its end leaves the database as it found it."""
    from importlib import import_module

    migration = import_module("consilium.audit.migrations.0003_sealed_chain")
    _apply(migration.SQLITE_REVERSE, migration.POSTGRES_REVERSE)
    _apply(migration.SQLITE, migration.POSTGRES)


def _apply(sqlite: list[str], postgres: list[str]) -> None:
    statements = {"sqlite": sqlite, "postgresql": postgres}[connection.vendor]
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Inbox:
    """What a real SMTP server received: envelopes and the parsed messages."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    @property
    def messages(self) -> list:
        import email
        from email import policy

        return [
            email.message_from_bytes(e.original_content, policy=policy.default)
            for e in self.envelopes
        ]


@pytest.fixture
def smtp_inbox(settings):
    """Outgoing mail goes through a real SMTP conversation with a local aiosmtpd server."""
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    yield inbox
    controller.stop()
