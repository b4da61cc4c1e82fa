"""Turn `DATABASE_URL` into a Django DATABASES entry, refusing anything ambiguous."""

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}


def sqlite_database(path: Path) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            # IMMEDIATE makes every transaction take the write lock at its start, so two
            # writers queue on the busy timeout instead of failing half-way (and the audit
            # chain cannot fork).
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=20000;"
                # Let SQLite's sorter use helper threads: a GROUP BY over a million patients
                # (the outcomes' life tables) sorts them, and on two cores that is about a
                # quarter faster (bench/bench_outcomes.py). Small sorts never start one.
                "PRAGMA threads=2;"
            ),
        },
        "TEST": {"NAME": str(path.with_name("test_" + path.name))},
    }


def parse_database_url(url: str) -> dict[str, Any]:
    """Return a DATABASES entry for a postgres:// or sqlite:/// URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}.") from None
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///relative.db and sqlite:////absolute/path.db, as elsewhere in Python.
        path = unquote(parts.path[1:])
        if not path:
            raise ImproperlyConfigured("DATABASE_URL for SQLite needs a path: sqlite:///path/db.")
        return sqlite_database(Path(path))
    if scheme not in _POSTGRES_SCHEMES:
        raise ImproperlyConfigured(
            f"DATABASE_URL must start with postgres:// or sqlite:///, not {scheme or 'nothing'!r}."
        )
    name = unquote(parts.path.lstrip("/"))
    if not name or "/" in name:
        raise ImproperlyConfigured(
            "DATABASE_URL must name one database, e.g. postgres://user@host:5432/consilium."
        )
    options = dict(parse_qsl(parts.query, keep_blank_values=False, strict_parsing=False))
    # A database host that vanished must cost a page a few seconds, not the system's TCP
    # timeout of minutes that would hold every app server worker.
    options.setdefault("connect_timeout", "5")
    # No JIT compilation: it pays off for long analytic queries, and PostgreSQL's cost
    # estimate starts it for the archive's filtered lists, where compiling took 25-54 ms of a
    # 80-115 ms query (docs/benchmarks.md). An `options` in the URL replaces this one.
    options.setdefault("options", "-c jit=off")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": options,
    }
