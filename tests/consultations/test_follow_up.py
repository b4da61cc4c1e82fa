import datetime

from django.urls import reverse

from consilium.consultations import actions, clock
from consilium.consultations.models import ConsultationStatus, FollowUpAnswer
from tests.consultations.test_recommendation import FIELDS


def _recommend(personas, consultation):
    actions.save_recommendation(
        actor=personas["expert"], consultation=consultation, fields=FIELDS, finalise=True
    )


def test_the_requester_closes_the_loop_with_reasons(client_for, personas, consultation):
    _recommend(personas, consultation)
    response = client_for("clinician").post(
        reverse("consultations:act", args=[consultation.pk, "follow-up"]),
        {"adherence": "partly", "reasons": ["drug_unavailable", "cost"], "note": "No busulfan"},
    )
    assert response.status_code == 302
    answer = FollowUpAnswer.objects.get()
    assert answer.reasons == ["drug_unavailable", "cost"]
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.CLOSED


def test_not_followed_needs_a_reason(client_for, personas, consultation):
    _recommend(personas, consultation)
    response = client_for("clinician").post(
        reverse("consultations:act", args=[consultation.pk, "follow-up"]), {"adherence": "not"}
    )
    assert response.status_code == 400
    assert not FollowUpAnswer.objects.exists()


def test_only_the_requesting_team_answers(client_for, personas, consultation):
    _recommend(personas, consultation)
    client_for("expert").post(
        reverse("consultations:act", args=[consultation.pk, "follow-up"]), {"adherence": "fully"}
    )
    assert not FollowUpAnswer.objects.exists()


def test_the_clock_asks_the_question_when_it_is_due_once(personas, consultation):
    _recommend(personas, consultation)
    consultation.refresh_from_db()
    later = consultation.recommended_at + datetime.timedelta(weeks=9)
    type(consultation).objects.filter(pk=consultation.pk).update(
        follow_up_due_on=later.date() - datetime.timedelta(days=1)
    )
    assert clock.run(later)["follow_ups"] == 1
    assert clock.run(later)["follow_ups"] == 0


def test_the_clock_reminds_then_escalates_an_unanswered_request(personas, consultation):
    start = consultation.created_at
    assert clock.run(start + datetime.timedelta(hours=10)) == {
        "reminded": 0,
        "escalated": 0,
        "follow_ups": 0,
        "second_opinions_reminded": 0,
        "second_opinions_overdue": 0,
    }
    assert clock.run(start + datetime.timedelta(hours=60))["reminded"] == 1
    assert clock.run(start + datetime.timedelta(hours=61))["reminded"] == 0
    assert clock.run(start + datetime.timedelta(hours=73))["escalated"] == 1
    assert clock.run(start + datetime.timedelta(hours=80))["escalated"] == 0
