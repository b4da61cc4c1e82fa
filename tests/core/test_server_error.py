from unittest import mock

from django.db import OperationalError
from django.test import Client


def test_it_answers_503_with_a_page_when_the_database_is_unreachable(db, personas):
    client = Client(raise_request_exception=False)
    client.force_login(personas["coordinator"])
    # As in test_healthz: the failure is injected at the cursor, the one thing a dead server
    # changes; tests/deploy/test_postgres_restart.py stops a real server.
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError):
        response = client.get("/network/institutions/VNCH/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "cannot reach its database" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_it_answers_500_for_any_other_error(db, personas):
    client = Client(raise_request_exception=False)
    client.force_login(personas["coordinator"])
    with mock.patch("consilium.core.views.roles_by_institution", side_effect=ValueError):
        response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
