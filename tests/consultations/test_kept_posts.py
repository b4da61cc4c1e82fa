"""A post that arrives after the session expired is kept, not lost: the person signs in
again and finds the text back in its form, ready to send, never sent for them. The key
that brings it back works once and only for its owner."""

import html
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from consilium.consultations.models import Draft, DraftKind, KeptPost, Message, Recommendation

MESSAGE = "Bone marrow after cycle 2 is clear; shall we go on with COJEC?"


def _expire(client: Client, settings) -> None:
    session = client.session
    session["consilium_started"] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session["consilium_seen"] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()


def _signed_in(persona, password, **kwargs) -> Client:
    client = Client(**kwargs)
    response = client.post(reverse("account_login"), {"login": persona.email, "password": password})
    assert response.status_code == 302, response.content[:300]
    return client


def _next_of(response) -> str:
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert url.path == reverse("account_login")
    return parse_qs(url.query)["next"][0]


def _page(response) -> str:
    return html.unescape(response.content.decode())


def test_a_message_posted_after_expiry_comes_back_after_sign_in(
    consultation, personas, password, settings
):
    clinician = personas["clinician"]
    clinician.language = "en"  # she reads Vietnamese; the words checked below are English
    clinician.save()
    client = _signed_in(clinician, password)
    url = reverse("consultations:act", args=[consultation.pk, "message"])
    _expire(client, settings)
    response = client.post(url, {"body": MESSAGE})
    after = _next_of(response)
    assert after.startswith("/consultations/kept/")
    assert "_auth_user_id" not in client.session
    assert not Message.objects.filter(body=MESSAGE).exists()  # nothing sent for her

    again = client.post(
        reverse("account_login") + "?next=" + after,
        {"login": clinician.email, "password": password},
    )
    assert again["Location"] == after
    page = client.get(after, follow=True)
    assert page.redirect_chain[-1][0] == reverse("consultations:detail", args=[consultation.pk]) + (
        "#message-form"
    )
    text = _page(page)
    assert f"{MESSAGE}</textarea>" in text
    assert "this was not sent" in text
    assert not Message.objects.filter(body=MESSAGE).exists()
    # The key worked once: a second visit changes nothing and says so.
    replay = client.get(after)
    assert replay.status_code == 404
    assert "Nothing kept under this link" in _page(replay)
    assert Draft.objects.get(user=clinician, kind=DraftKind.MESSAGE).data == {"body": MESSAGE}
    assert KeptPost.objects.get().data == {}


def test_someone_else_cannot_use_the_key(consultation, personas, password, settings, client_for):
    client = _signed_in(personas["clinician"], password)
    _expire(client, settings)
    after = _next_of(
        client.post(
            reverse("consultations:act", args=[consultation.pk, "message"]), {"body": MESSAGE}
        )
    )
    for other in ("data_manager", "expert", "outsider"):
        response = client_for(other).get(after)
        assert response.status_code == 404
        assert MESSAGE not in _page(response)
    assert not Draft.objects.exists()
    assert KeptPost.objects.get().used_at is None
    # Still there for its owner.
    owner = _signed_in(personas["clinician"], password)
    assert MESSAGE in _page(owner.get(after, follow=True))


def test_a_recommendation_and_a_request_come_back(
    consultation, personas, password, settings, patient
):
    fields = {
        "diagnostic_opinion": "High-risk neuroblastoma.",
        "recommended_treatment": "Rapid COJEC induction.",
    }
    personas["expert"].language = "en"  # she reads French; the words checked are English
    personas["expert"].save()
    expert = _signed_in(personas["expert"], password)
    _expire(expert, settings)
    after = _next_of(
        expert.post(reverse("consultations:act", args=[consultation.pk, "finalise"]), fields)
    )
    expert = _signed_in(personas["expert"], password)
    text = _page(expert.get(after, follow=True))
    assert "Rapid COJEC induction.</textarea>" in text
    assert "is back below" in text
    assert not Recommendation.objects.exists()

    clinician = _signed_in(personas["clinician"], password)
    _expire(clinician, settings)
    after = _next_of(
        clinician.post(
            reverse("consultations:new"),
            {"patient": patient.pk, "question": "Is surgery first safe?", "history": "A mass."},
        )
    )
    clinician = _signed_in(personas["clinician"], password)
    text = _page(clinician.get(after, follow=True))
    assert "Is surgery first safe?</textarea>" in text
    assert "A mass.</textarea>" in text


def test_a_late_autosave_is_kept_as_its_draft_and_the_page_is_left_alone(
    consultation, personas, password, settings
):
    client = _signed_in(personas["clinician"], password)
    _expire(client, settings)
    response = client.post(
        reverse("consultations:draft"),
        {"kind": "message", "consultation": consultation.pk, "body": MESSAGE},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Sign in again" in response.content.decode()
    assert Draft.objects.get().data == {"body": MESSAGE}


@pytest.mark.parametrize("token", [None, "s" * 32])
def test_a_forged_post_keeps_nothing(consultation, personas, password, settings, token):
    # The session cookie alone is not enough: the post must carry the page's CSRF token.
    client = _signed_in(personas["clinician"], password)
    client.handler.enforce_csrf_checks = True
    client.cookies["csrftoken"] = "s" * 32
    _expire(client, settings)
    data = {"body": MESSAGE} | ({"csrfmiddlewaretoken": token} if token else {})
    response = client.post(reverse("consultations:act", args=[consultation.pk, "message"]), data)
    assert response.status_code == 302
    assert ("kept" in response["Location"]) == bool(token)
    assert KeptPost.objects.exists() == bool(token)
    assert not Draft.objects.exists()


def test_nothing_is_kept_for_a_consultation_the_person_cannot_see(
    consultation, personas, password, settings
):
    client = _signed_in(personas["outsider"], password)
    _expire(client, settings)
    response = client.post(
        reverse("consultations:act", args=[consultation.pk, "message"]), {"body": MESSAGE}
    )
    assert "kept" not in response["Location"]
    assert not KeptPost.objects.exists()


def test_a_kept_post_for_a_consultation_no_longer_visible_is_refused(
    consultation, personas, password, settings
):
    client = _signed_in(personas["expert"], password)
    _expire(client, settings)
    after = _next_of(
        client.post(
            reverse("consultations:act", args=[consultation.pk, "message"]), {"body": MESSAGE}
        )
    )
    consultation.assignments.update(status="withdrawn")
    client = _signed_in(personas["expert"], password)
    assert client.get(after).status_code == 404
    assert not Draft.objects.exists()
    assert KeptPost.objects.get().used_at is None


@pytest.mark.parametrize("key", ["x", "a" * 65, "%00", "nonsense-key"])
def test_bad_keys_are_a_clear_404(client_for, key, consultation):
    response = client_for("clinician").get(f"/consultations/kept/{key}/")
    assert response.status_code == 404


def test_a_post_from_a_session_that_is_gone_returns_to_the_form_after_sign_in(consultation):
    response = Client().post(
        reverse("consultations:act", args=[consultation.pk, "message"]), {"body": MESSAGE}
    )
    assert _next_of(response) == reverse("consultations:detail", args=[consultation.pk])
