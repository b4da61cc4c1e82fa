import pytest
from django.core.exceptions import ImproperlyConfigured

from consilium.lib.database_url import parse_database_url


def test_it_reads_a_postgres_url():
    db = parse_database_url("postgres://me:s%40cret@db.example:5433/consilium?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "me",
        "s@cret",
        "db.example",
        "5433",
        "consilium",
    )
    assert db["OPTIONS"] == {
        "sslmode": "require",
        "connect_timeout": "5",
        "options": "-c jit=off",
    }
    # Recovers from a database restart without restarting the app (tests/deploy).
    assert (db["CONN_MAX_AGE"], db["CONN_HEALTH_CHECKS"]) == (60, True)


def test_it_keeps_a_connect_timeout_given_in_the_url():
    db = parse_database_url("postgres://me@db.example/consilium?connect_timeout=20")
    assert db["OPTIONS"]["connect_timeout"] == "20"


def test_server_options_in_the_url_replace_the_default():
    db = parse_database_url("postgres://me@db.example/consilium?options=-c%20work_mem%3D64MB")
    assert db["OPTIONS"]["options"] == "-c work_mem=64MB"


@pytest.mark.django_db
def test_the_connection_compiles_no_query_on_postgresql():
    """PostgreSQL's JIT took half of an archive query's time (docs/benchmarks.md)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no JIT")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_it_reads_a_sqlite_url():
    db = parse_database_url("sqlite:////var/lib/consilium/db.sqlite3")
    assert db["NAME"] == "/var/lib/consilium/db.sqlite3"
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://x@y/z", "must start with postgres://"),
        ("postgres://x@y", "must name one database"),
        ("postgres://x@y:notaport/z", "malformed"),
        ("nonsense", "must start with postgres://"),
        ("sqlite://", "needs a path"),
    ],
)
def test_it_refuses_a_malformed_url_with_a_clear_message(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        parse_database_url(url)


def test_a_sqlite_connection_gets_its_pragmas(tmp_path):
    """Opened as Django opens it: WAL, foreign keys, and helper threads for large sorts (the
    outcomes' GROUP BY over a million patients; bench/bench_outcomes.py)."""
    import sqlite3

    from consilium.lib.database_url import sqlite_database

    options = sqlite_database(tmp_path / "db.sqlite3")["OPTIONS"]
    connection = sqlite3.connect(tmp_path / "db.sqlite3")
    connection.executescript(options["init_command"])
    pragmas = {
        name: connection.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "foreign_keys", "threads")
    }
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "threads": 2}
