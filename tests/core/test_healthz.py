from unittest import mock

from django.db import OperationalError


def test_it_reports_a_working_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_it_reports_an_unreachable_database_as_503(client, db):
    # The failure is injected at the cursor, the one thing a dead server changes.
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
