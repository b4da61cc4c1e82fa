"""The outside probe of issue 15, kept: as each persona, every route of the authorization matrix
receives hostile values (script payloads carrying NUL characters, lone surrogates, numbers past
64 bits, wrong JSON types, unknown ids, a Host that is not allowed). No answer may be a server
error, and nothing may be stored: each request's text is unstorable, so a route that accepts
one has failed to check its input at the boundary."""

from __future__ import annotations

import copy
import json

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.urls import reverse

from tests.security.conftest import CSRF_SECRET, PERSONAS, csrf_client
from tests.security.test_authorization_matrix import EVERY_ROW, Row
from tests.security.world import World

pytestmark = pytest.mark.django_db

HUGE = 99999999999999999999999999
SCRIPT = '<script>alert(1)</script><img src=x onerror=alert(1)>"\x00'
SURROGATE = "\ud800"
UNKNOWN_ID = 2**31 - 7
# Tables that change with any request, whatever its input: sessions, the cache that holds
# rate limits, the sessions list, and the audit log (refused attempts and failed sign-ins are
# recorded by design).
VOLATILE = {"django_session", "consilium_cache", "usersessions_usersession", "audit_auditentry"}
HOSTILE_QUERY = {
    "patient": "abc\x00",
    "q": SCRIPT,
    "offset": str(HUGE),
    "limit": str(HUGE),
    "page": str(HUGE),
    "year": str(HUGE),
    "institution": "\x00",
    "next": "javascript:alert(1)",
}


def _hostile(value: object) -> object:
    """A value of the same kind as a valid one, that no boundary may let through."""
    if isinstance(value, bool):
        return SCRIPT
    if isinstance(value, int):
        return HUGE
    if isinstance(value, float):
        return "NaN\x00"
    if isinstance(value, list):
        return [_hostile(v) for v in value] or [SCRIPT]
    if isinstance(value, dict):
        return {k: _hostile(v) for k, v in value.items()}
    return SCRIPT


def _wrong_types(value: object) -> object:
    if isinstance(value, dict):
        return {k: ([v] if not isinstance(v, list) else {"x": v}) for k, v in value.items()}
    return [value]


def _counts_sql() -> str:
    tables = sorted(
        m._meta.db_table
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and m._meta.db_table not in VOLATILE
    )
    return "SELECT " + ", ".join(f'(SELECT COUNT(*) FROM "{t}")' for t in tables)


def _counts(sql: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def _send(client, method: str, url: str, body: object, *, as_json: bool, **extra):
    if method == "get":
        return client.get(url, HOSTILE_QUERY, **extra)
    if as_json or method == "put":
        send = client.put if method == "put" else client.post
        return send(
            url,
            json.dumps(body),
            content_type="application/json",
            headers={"X-CSRFToken": CSRF_SECRET},
            **extra,
        )
    form = {k: (json.dumps(v) if isinstance(v, dict | list) else v) for k, v in body.items()}
    return client.post(url, {"csrfmiddlewaretoken": CSRF_SECRET, **form}, **extra)


def _probe(client, method: str, url: str, body: object, sql: str, *, as_json: bool, **extra):
    """One hostile request in a savepoint rolled back afterwards; what went wrong, or None."""
    cookies = copy.deepcopy(client.cookies)
    problem = None
    # Only a request that carries input must leave the database as it was: some pages
    # change it on a plain visit by design (a calendar feed's token made on first view).
    check = method != "get" and bool(body)
    with transaction.atomic():
        before = _counts(sql) if check else None
        try:
            response = _send(client, method, url, body, as_json=as_json, **extra)
        except Exception as exc:  # a server error, raised by the test client
            problem = f"500 {type(exc).__name__}: {exc}"[:200]
        else:
            if response.status_code >= 500:
                problem = str(response.status_code)
            elif check and _counts(sql) != before:
                problem = f"{response.status_code} and the database changed"
        transaction.set_rollback(True)
    client.cookies = cookies
    return problem and f"{method.upper()} {url}: {problem}"


def _with_unknown_ids(row: Row, world: World) -> str | None:
    kwargs = row.kwargs(world)
    if not any(isinstance(v, int) for v in kwargs.values()):
        return None
    unknown = {k: (UNKNOWN_ID if isinstance(v, int) else v) for k, v in kwargs.items()}
    return reverse(row.name, kwargs=unknown)


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_hostile_value_makes_a_server_error_or_a_change(world, persona):
    client = csrf_client(world, persona)
    sql = _counts_sql()
    wrong: list[str] = []
    for row in EVERY_ROW:
        url = reverse(row.name, kwargs=row.kwargs(world))
        valid = row.data(world)
        if row.get is not None:
            wrong.append(_probe(client, "get", url, None, sql, as_json=False))
        for method in ("post", "put"):
            if getattr(row, method) is None:
                continue
            as_json = row.json or method == "put"
            wrong.append(_probe(client, method, url, _hostile(valid), sql, as_json=as_json))
            if as_json:
                wrong.append(_probe(client, method, url, _wrong_types(valid), sql, as_json=True))
        if persona in ("clinician", "expert") and (unknown := _with_unknown_ids(row, world)):
            method = "get" if row.get is not None else "post"
            wrong.append(_probe(client, method, unknown, _hostile(valid), sql, as_json=row.json))
    for method, url in (("get", "/"), ("get", "/api/v1/registry/patients"), ("post", "/")):
        wrong.append(
            _probe(
                client, method, url, {"x": SCRIPT}, sql, as_json=False, HTTP_HOST="scanner.example"
            )
        )
    wrong = [w for w in wrong if w]
    assert not wrong, f"{persona}:\n" + "\n".join(wrong)
