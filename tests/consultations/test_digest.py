"""Consultation mail as each person chose it on their profile: at once, or one daily digest at
07:00 in their zone and language; only to the people of the consultation, only while they can
still see it, and the discussion never to a data manager."""

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from consilium.accounts.models import ConsultationMail, Membership
from consilium.audit.models import AuditEntry
from consilium.consultations import actions, clock, digest
from consilium.consultations.models import ReadMark

from .fixtures import SEND_EMAIL, all_queued_emails, run_queued_tasks


def _choose_digest(person, *, since: datetime.datetime) -> None:
    person.consultation_mail = ConsultationMail.DIGEST
    person.digest_sent_at = since
    person.save(update_fields=["consultation_mail", "digest_sent_at"])


def _next_morning(person) -> datetime.datetime:
    """Five past the digest hour, the next morning in the person's zone."""
    return digest.last_due(person, timezone.now() + datetime.timedelta(days=1)) + (
        datetime.timedelta(minutes=5)
    )


def _mailed(before: int) -> set[str]:
    return {address for mail in all_queued_emails()[before:] for address in mail["to"]}


def test_a_digest_person_gets_no_mail_per_message_and_an_immediate_one_does(consultation, personas):
    expert = personas["expert"]
    _choose_digest(expert, since=timezone.now())
    actions.accept(actor=expert, consultation=consultation)
    before = len(all_queued_emails())
    actions.post_message(
        actor=personas["clinician"], consultation=consultation, body="Bone marrow is clear."
    )
    assert expert.email not in _mailed(before)
    before = len(all_queued_emails())
    actions.post_message(actor=expert, consultation=consultation, body="Thank you.")
    assert _mailed(before) == {personas["clinician"].email}


def test_the_digest_comes_once_a_morning_in_the_readers_language_and_zone(
    consultation, personas, smtp_inbox
):
    expert = personas["expert"]  # reads French, lives in Paris
    # Her last digest was this morning's: "an hour ago" failed in the hour after her digest
    # time, when this morning's was still due and the first run below sent it.
    _choose_digest(expert, since=digest.last_due(expert, timezone.now()))
    actions.accept(actor=expert, consultation=consultation)
    message = actions.post_message(
        actor=personas["clinician"],
        consultation=consultation,
        body="MIBG after cycle 4: residual uptake in the left femur.\nShould we add MIBG therapy?",
    )
    already = set(DBTaskResult.objects.ready().values_list("id", flat=True))
    morning = _next_morning(expert)

    assert digest.run(morning - datetime.timedelta(minutes=10)) == {"sent": 0, "empty": 0}
    assert digest.run(morning) == {"sent": 1, "empty": 0}
    assert digest.run(morning + datetime.timedelta(minutes=5)) == {"sent": 0, "empty": 0}
    run_queued_tasks(SEND_EMAIL, exclude=already)

    [mail] = [m for m in smtp_inbox.messages if m["To"] == expert.email]
    assert "Nouveautés dans 1 consultation" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert "MIBG after cycle 4: residual uptake in the left femur." in body
    assert consultation.patient.pseudonym in body
    paris = message.created_at.astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M")
    assert paris in body  # the message's time in her zone, not in Hanoi's
    assert "Répondre par courriel" in body and "reply+" in body
    assert "Nguyễn Văn An" not in body and "BN-2024-77123" not in body
    entry = AuditEntry.objects.filter(verb="consultations.digest_sent").latest("id")
    assert entry.details["pseudonyms"] == [consultation.patient.pseudonym]

    # The next morning, nothing new: no mail.
    tomorrow = morning + datetime.timedelta(days=1)
    assert digest.run(tomorrow) == {"sent": 0, "empty": 1}


def test_nothing_already_read_is_in_the_digest(consultation, personas):
    expert = personas["expert"]
    _choose_digest(expert, since=timezone.now() - datetime.timedelta(hours=1))
    actions.accept(actor=expert, consultation=consultation)
    actions.post_message(actor=personas["clinician"], consultation=consultation, body="CT done.")
    ReadMark.objects.filter(user=expert, consultation=consultation).update(
        read_at=timezone.now() + datetime.timedelta(seconds=1)
    )
    assert digest.run(_next_morning(expert)) == {"sent": 0, "empty": 1}


def test_a_person_whose_access_ended_gets_nothing_about_it(consultation, personas):
    expert = personas["expert"]
    _choose_digest(expert, since=timezone.now() - datetime.timedelta(hours=1))
    actions.accept(actor=expert, consultation=consultation)
    Membership.objects.filter(user=expert).update(ended_at=timezone.now())
    before = len(all_queued_emails())
    actions.post_message(
        actor=personas["clinician"], consultation=consultation, body="Any news on the slides?"
    )
    assert digest.run(_next_morning(expert)) == {"sent": 0, "empty": 1}
    assert expert.email not in _mailed(before)
    assert not AuditEntry.objects.filter(verb="consultations.digest_sent").exists()


def test_an_expert_who_left_is_not_mailed_at_once_either(consultation, personas):
    expert = personas["expert"]
    actions.accept(actor=expert, consultation=consultation)
    Membership.objects.filter(user=expert).update(ended_at=timezone.now())
    before = len(all_queued_emails())
    actions.post_message(actor=personas["clinician"], consultation=consultation, body="Hello?")
    assert expert.email not in _mailed(before)


def test_an_asker_who_left_the_hospital_is_not_mailed(consultation, personas):
    clinician = personas["clinician"]
    actions.accept(actor=personas["expert"], consultation=consultation)
    Membership.objects.filter(user=clinician).update(ended_at=timezone.now())
    before = len(all_queued_emails())
    actions.post_message(actor=personas["expert"], consultation=consultation, body="Answer.")
    assert clinician.email not in _mailed(before)


def test_an_outsider_who_chose_the_digest_gets_nothing(consultation, personas):
    outsider = personas["outsider"]
    _choose_digest(outsider, since=timezone.now() - datetime.timedelta(hours=1))
    actions.post_message(actor=personas["clinician"], consultation=consultation, body="Hello.")
    assert digest.run(_next_morning(outsider)) == {"sent": 0, "empty": 1}
    assert not AuditEntry.objects.filter(verb="consultations.digest_sent").exists()


def test_a_data_manager_who_opened_it_hears_nothing_of_the_discussion(
    consultation, personas, client_for
):
    data_manager = personas["data_manager"]
    _choose_digest(data_manager, since=timezone.now() - datetime.timedelta(hours=1))
    assert client_for("data_manager").get(f"/consultations/{consultation.pk}/").status_code == 200
    actions.post_message(actor=personas["expert"], consultation=consultation, body="Send the MRI.")
    assert digest.run(_next_morning(data_manager)) == {"sent": 0, "empty": 1}


def test_a_data_manager_who_asked_is_told_of_the_answer_but_not_of_messages(
    personas, partnership, patient, institutions
):
    data_manager = personas["data_manager"]
    consultation = actions.request_consultation(
        actor=data_manager,
        patient=patient,
        expert_institution=institutions["CURIE"],
        question="Is the staging complete?",
        urgency="routine",
    )
    actions.accept(actor=personas["expert"], consultation=consultation)
    before = len(all_queued_emails())
    actions.post_message(actor=personas["expert"], consultation=consultation, body="Bone scan?")
    assert data_manager.email not in _mailed(before)


def test_the_follow_up_question_goes_to_the_people_of_the_consultation_only(consultation, personas):
    actions.accept(actor=personas["expert"], consultation=consultation)
    actions.save_recommendation(
        actor=personas["expert"],
        consultation=consultation,
        fields={"recommended_treatment": "Rapid COJEC induction."},
        finalise=True,
    )
    consultation.refresh_from_db()
    before = len(all_queued_emails())
    later = timezone.now() + datetime.timedelta(weeks=20)
    assert clock.run(later)["follow_ups"] == 1
    assert _mailed(before) == {personas["clinician"].email}


def test_the_scheduler_runs_the_digest():
    from consilium.core.periodic import JOBS

    assert "consilium.consultations.digest.run" in JOBS


def test_the_digest_hour_is_the_readers_morning_across_a_clock_change():
    from types import SimpleNamespace

    paris = SimpleNamespace(time_zone="Europe/Paris")
    # 29 March 2026: clocks go forward in Paris at 02:00.
    after = datetime.datetime(2026, 3, 29, 6, 30, tzinfo=datetime.UTC)  # 08:30 in Paris
    assert digest.last_due(paris, after) == datetime.datetime(
        2026, 3, 29, 7, tzinfo=ZoneInfo("Europe/Paris")
    )
    before = datetime.datetime(2026, 3, 29, 4, 30, tzinfo=datetime.UTC)  # 06:30 in Paris
    assert digest.last_due(paris, before).utcoffset() == datetime.timedelta(hours=1)
    assert digest.last_due(paris, before).hour == 7


def test_the_digest_escapes_typed_text_in_its_html_part(consultation, personas):
    expert = personas["expert"]
    _choose_digest(expert, since=timezone.now() - datetime.timedelta(hours=1))
    actions.accept(actor=expert, consultation=consultation)
    actions.post_message(
        actor=personas["clinician"],
        consultation=consultation,
        body='<script>alert(1)</script> <img src=x onerror="alert(2)">',
    )
    before = len(all_queued_emails())
    assert digest.run(_next_morning(expert)) == {"sent": 1, "empty": 0}

    [mail] = [m for m in all_queued_emails()[before:] if expert.email in m["to"]]
    assert "<script>alert(1)</script>" in mail["body"]  # the text part as typed
    assert "<script" not in mail["html"] and 'onerror="alert' not in mail["html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mail["html"]
