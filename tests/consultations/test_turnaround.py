import datetime

from django.urls import reverse

from consilium.consultations import actions
from consilium.consultations.models import Consultation
from consilium.consultations.turnaround import percentile
from tests.consultations.test_recommendation import FIELDS


def test_percentile_is_nearest_rank():
    assert percentile([], 0.5) is None
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5) == 5
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9


def test_the_dashboard_shows_reply_times_and_adherence(client_for, personas, consultation):
    actions.post_message(actor=personas["expert"], consultation=consultation, body="Looking at it")
    Consultation.objects.filter(pk=consultation.pk).update(
        first_reply_at=consultation.created_at + datetime.timedelta(hours=5)
    )
    consultation.refresh_from_db()
    actions.save_recommendation(
        actor=personas["expert"], consultation=consultation, fields=FIELDS, finalise=True
    )
    actions.answer_follow_up(
        actor=personas["clinician"],
        consultation=consultation,
        adherence="not",
        reasons=["equipment"],
    )
    response = client_for("coordinator").get(reverse("consultations:turnaround"))
    assert response.context["overall"]["first_median"] == 5.0
    assert dict(response.context["adherence"])["Not followed"] == 1
    assert dict(response.context["reasons"])["Equipment or service not available"] == 1
    assert consultation.patient.pseudonym not in response.content.decode()


def test_people_with_no_institution_are_refused(client, db):
    from consilium.accounts.models import User

    lonely = User.objects.create_user("lonely@example.org", "x", full_name="Lonely")
    client.force_login(lonely)
    assert client.get(reverse("consultations:turnaround")).status_code == 403
