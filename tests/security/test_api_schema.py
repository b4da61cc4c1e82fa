"""schemathesis against /api/v1/openapi.json, in this process through the WSGI application, so
the generated requests meet the same test data as the rest of the module: every operation,
signed in as the treating clinician and as the outsider, with a CSRF-valid session.
No answer may be a server error, and every answer the schema describes must match it.

Bounded and deterministic (derandomized, a few examples per operation) so it fits in CI; raise
CONSILIUM_API_EXAMPLES for a longer session."""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from consilium.audit.actions import verify_chain
from tests.security.conftest import CSRF_SECRET, csrf_client

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("CONSILIUM_API_EXAMPLES", "6"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
STATUSES: Counter[int] = Counter()


@pytest.fixture(scope="module")
def api_schema(world, django_db_blocker):
    # A real server closes its connection after each request; here that would end the test's
    # transaction, so the handler is run the way Django's own test client runs it.
    # The schema is for people signed in, like the docs (issue 15): read it as one, before
    # the signals are disconnected (Django's test client connects them again after a request).
    with django_db_blocker.unblock():
        raw = csrf_client(world, "clinician").get("/api/v1/openapi.json").json()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with django_db_blocker.unblock():
            schema = schemathesis.openapi.from_dict(raw)
            schema.app = WSGIHandler()
            schema.location = "/api/v1/openapi.json"
            yield schema
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _session(world, persona: str) -> dict:
    """What a browser signed in as ``persona`` sends: its cookies, the CSRF header, and the
    client address a WSGI server always provides (allauth's session list needs it)."""
    client = csrf_client(world, persona)
    return {
        "cookies": {name: morsel.value for name, morsel in client.cookies.items()},
        "headers": {"X-CSRFToken": CSRF_SECRET},
        "environ_base": {"REMOTE_ADDR": "127.0.0.1"},
    }


@pytest.mark.parametrize("persona", ["clinician", "outsider"])
def test_no_api_operation_fails_or_breaks_its_schema(world, api_schema, persona, settings):
    # The WSGI client speaks plain HTTP to "localhost".
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    session = _session(world, persona)
    STATUSES.clear()
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 50  # the whole API, not a part of it

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings_for_api
        def run(case) -> None:
            response = case.call_and_validate(checks=CHECKS, **session)
            STATUSES[response.status_code // 100] += 1

        try:
            run()
        except Exception as exc:  # collected, so that one run names every failure
            failures.append(f"{operation.label}: {exc}"[:2000])
    assert not failures, "\n\n".join(failures)
    # The requests were really made and really judged: some were answered, some refused.
    assert STATUSES[2] and STATUSES[4], STATUSES
    assert verify_chain().ok


settings_for_api = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def test_every_api_schema_has_its_own_name_in_the_openapi_document():
    """django-ninja files response schemas under their class names: two apps each with an
    "EventOut" left the meetings events documented as send-out history entries."""
    from ninja import Schema

    from consilium import api  # mounts every app's router

    shapes: dict[str, list[dict]] = {}
    pending = list(Schema.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("consilium."):
            shapes.setdefault(cls.__name__, []).append(cls.model_json_schema())
    # A name may be shared only by schemas of the same shape (each app's small Error).
    assert not [name for name, found in shapes.items() if any(s != found[0] for s in found)]
    document = api.api.get_openapi_schema()
    assert "title" in document["components"]["schemas"]["EventOut"]["properties"]


def test_it_refuses_a_nul_character_in_a_json_body(client_for, personas):
    """schemathesis found it on PostgreSQL: text fields cannot hold NUL, and the consultation
    request ended in a server error."""
    from consilium.consultations.models import Consultation

    before = Consultation.objects.count()
    response = client_for("clinician").post(
        "/api/v1/consultations/",
        {"patient": 1, "expert_institution": "CURIE", "question": "Is\x00it feasible?"},
        content_type="application/json",
    )
    # django-ninja answers a body its parser refuses with 400 and a short reason.
    assert response.status_code == 400
    assert response.json()["detail"]
    # The module's shared world may hold consultations already: nothing was added to them.
    assert Consultation.objects.count() == before


def test_it_shows_the_api_docs_to_signed_in_people_only_and_from_this_site(client, client_for):
    assert client.get("/api/v1/docs").status_code == 302
    page = client_for("expert").get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn" not in html.lower()
    assert "/static/ninja/swagger-ui-bundle" in html
