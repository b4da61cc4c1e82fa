"""Consultation state changes made at the same moment: each sees the state as it is when it
writes, so one wins and the other gets a clear answer (issue 22)."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from consilium.consultations import actions
from consilium.consultations.models import (
    Assignment,
    AssignmentStatus,
    Consultation,
    ConsultationStatus,
    InboundStatus,
    Recommendation,
    RecommendationStatus,
)
from tests.consultations.fixtures import (
    deliver,
    gmail_reply,
    in_language,
    queued_emails,
    send_notification,
)

FINAL = {"diagnostic_opinion": "Neuroblastoma, MYCN amplified", "recommended_treatment": "COJEC"}


def _together(*targets) -> list:
    """Run the targets in threads released at once; what each returned or raised."""
    start = threading.Barrier(len(targets))
    outcomes: list = [None] * len(targets)

    def run(i: int) -> None:
        try:
            start.wait(10)
            outcomes[i] = targets[i]()
        except Exception as exc:  # the outcome under test, whatever it is
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(targets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def _fresh(consultation) -> Consultation:
    """What another request loads: its own copy of the row."""
    return Consultation.objects.get(pk=consultation.pk)


def test_it_refuses_to_finalise_what_another_request_has_withdrawn(personas, consultation):
    seen_by_expert = _fresh(consultation)
    actions.withdraw(actor=personas["clinician"], consultation=_fresh(consultation), reason="x")
    # Refused either way: the expert's assignment ended with the withdrawal.
    with pytest.raises((ValidationError, PermissionDenied)):
        actions.save_recommendation(
            actor=personas["expert"], consultation=seen_by_expert, fields=FINAL, finalise=True
        )
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.WITHDRAWN
    assert not Recommendation.objects.exists()


def test_it_refuses_to_withdraw_what_another_request_has_finalised(personas, consultation):
    seen_by_clinician = _fresh(consultation)
    actions.save_recommendation(
        actor=personas["expert"], consultation=_fresh(consultation), fields=FINAL, finalise=True
    )
    with pytest.raises(ValidationError, match="Only an open consultation"):
        actions.withdraw(actor=personas["clinician"], consultation=seen_by_clinician, reason="x")
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.RECOMMENDED


def test_it_refuses_a_second_final_recommendation_from_a_stale_page(personas, consultation):
    stale = _fresh(consultation)
    actions.save_recommendation(
        actor=personas["expert"], consultation=_fresh(consultation), fields=FINAL, finalise=True
    )
    with pytest.raises(ValidationError, match="already been given"):
        actions.save_recommendation(
            actor=personas["expert"], consultation=stale, fields=FINAL, finalise=True
        )
    assert Recommendation.objects.filter(status=RecommendationStatus.FINAL).count() == 1


def test_a_double_clicked_decline_is_applied_once(personas, consultation, client_for):
    expert = personas["expert"]
    offered = Assignment.objects.filter(consultation=consultation).count()
    client = client_for("expert")
    url = reverse("consultations:act", args=[consultation.pk, "decline"])
    first = client.post(url, {"reason": "On leave this month."})
    second = client.post(url, {"reason": "On leave this month."}, follow=True)
    assert first.status_code == 302
    # Having declined, the expert no longer sees the consultation: the second click finds
    # nothing to act on (the threaded test below races two clicks past that check).
    assert second.status_code == 404
    declined = Assignment.objects.filter(
        consultation=consultation, expert=expert, status=AssignmentStatus.DECLINED
    )
    assert declined.count() == 1
    # One decline offers the consultation to one more expert (or to triage), not two.
    assert Assignment.objects.filter(consultation=consultation).count() <= offered + 1


@pytest.mark.parametrize("round_", range(3))
def test_finalise_and_withdraw_at_once_leave_one_consistent_state(
    audit_triggers_off_after_test, personas, consultation, round_
):
    outcomes = _together(
        lambda: actions.save_recommendation(
            actor=personas["expert"], consultation=_fresh(consultation), fields=FINAL, finalise=True
        ),
        lambda: actions.withdraw(
            actor=personas["clinician"], consultation=_fresh(consultation), reason="moved"
        ),
    )
    refused = [o for o in outcomes if isinstance(o, ValidationError | PermissionDenied)]
    assert len(refused) == 1, outcomes
    consultation.refresh_from_db()
    finals = Recommendation.objects.filter(status=RecommendationStatus.FINAL).count()
    if isinstance(outcomes[0], Recommendation):
        assert (consultation.status, finals) == (ConsultationStatus.RECOMMENDED, 1)
    else:
        assert (consultation.status, finals) == (ConsultationStatus.WITHDRAWN, 0)


def test_a_decline_sent_twice_at_once_is_applied_once(
    audit_triggers_off_after_test, personas, consultation
):
    expert = personas["expert"]
    offered = Assignment.objects.filter(consultation=consultation).count()

    def decline():
        return actions.decline(
            actor=expert, consultation=_fresh(consultation), reason="On leave this month."
        )

    outcomes = _together(decline, decline)
    assert sum(isinstance(o, Assignment) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, ValidationError | PermissionDenied) for o in outcomes) == 1
    assert (
        Assignment.objects.filter(
            consultation=consultation, expert=expert, status=AssignmentStatus.DECLINED
        ).count()
        == 1
    )
    assert Assignment.objects.filter(consultation=consultation).count() <= offered + 1


def test_a_recommend_reply_racing_a_web_finalisation_is_bounced_not_left_received(
    audit_triggers_off_after_test, smtp_inbox, personas, consultation
):
    expert = personas["expert"]
    notification = send_notification(smtp_inbox, consultation, expert)
    raw = gmail_reply(
        notification,
        sender=expert.email,
        text="#recommend\nDiagnosis: neuroblastoma.\nTreatment: COJEC induction.",
    )
    outcomes = _together(
        lambda: actions.save_recommendation(
            actor=expert, consultation=_fresh(consultation), fields=FINAL, finalise=True
        ),
        lambda: deliver(raw),
    )
    web, mail = outcomes
    assert not isinstance(mail, Exception), mail
    assert Recommendation.objects.filter(status=RecommendationStatus.FINAL).count() == 1
    if isinstance(web, Recommendation):
        # The mail lost: it is bounced with the reason, never left "received".
        assert mail.status == InboundStatus.BOUNCED, mail.reason
        said = in_language(expert, "A final recommendation has already been given.")
        bounces = [m for m in queued_emails() if said in m["body"]]
        assert bounces, [m["subject"] for m in queued_emails()]
    else:
        assert isinstance(web, ValidationError), web
        assert "already been given" in " ".join(web.messages)
        assert mail.status == InboundStatus.ACCEPTED, mail.reason
