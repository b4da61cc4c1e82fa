"""Shared fixtures: the personas of the brief, the same people the demo signs in as."""

import pytest
from django.db import connection
from django.test import Client

from consilium.accounts.models import User
from consilium.core.demo_data import DEMO_PASSWORD, load_foundation


@pytest.fixture(scope="session", autouse=True)
def _collected_static(django_db_blocker):
    # Pages link to hashed static names from the manifest, as in production.
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("collectstatic", interactive=False, verbosity=0)


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

    migration = import_module("consilium.audit.migrations.0002_append_only")
    _apply(migration.SQLITE_REVERSE, migration.POSTGRES_REVERSE)
    _apply(migration.SQLITE, migration.POSTGRES)
    yield
    _apply(migration.SQLITE_REVERSE, migration.POSTGRES_REVERSE)


def _apply(sqlite: list[str], postgres: list[str]) -> None:
    statements = {"sqlite": sqlite, "postgresql": postgres}[connection.vendor]
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
