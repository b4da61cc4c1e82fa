"""Text the database could not store, sent to the consultation API: refused with a JSON 400,
nothing stored, the same on SQLite and PostgreSQL."""

import pytest
from django.urls import reverse

from consilium.consultations.models import Message


@pytest.mark.parametrize("body", ['{"body": "\\ud800"}', '{"body": "a\\u0000b"}'])
def test_it_refuses_a_message_the_database_could_not_store(client_for, consultation, body):
    before = Message.objects.count()
    response = client_for("clinician").post(
        f"/api/v1/consultations/{consultation.pk}/messages", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert Message.objects.count() == before


def test_it_refuses_nul_in_a_message_typed_on_the_page(client_for, consultation):
    before = Message.objects.count()
    response = client_for("clinician").post(
        reverse("consultations:act", args=[consultation.pk, "message"]),
        {"body": "MIBG\x00 first"},
    )
    assert response.status_code < 500
    assert Message.objects.count() == before


def test_it_refuses_nul_in_an_edited_message(client_for, consultation):
    from consilium.consultations import actions

    message = actions.post_message(
        actor=consultation.requested_by, consultation=consultation, body="First draft"
    )
    client_for("clinician").post(
        reverse("consultations:edit_message", args=[consultation.pk, message.pk]),
        {"body": "Second\x00 draft"},
    )
    message.refresh_from_db()
    assert message.body == "First draft"
