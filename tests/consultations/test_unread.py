"""What is new to whom: marks in the home page, the queue and the archive, cleared by reading
the page or by answering (a mail reply posts through the same action)."""

from consilium.audit.models import AuditEntry
from consilium.consultations import actions
from consilium.consultations.models import MessageSource, ReadMark


def _home(client) -> str:
    return client.get("/").content.decode()


def _news_link(consultation) -> str:
    return f'href="/consultations/{consultation.pk}/"'


def test_it_tells_the_expert_what_she_was_asked_until_she_reads_it(
    consultation, client_for, personas
):
    expert = client_for("expert")
    home = _home(expert)
    assert _news_link(consultation) in home
    assert "Dr Nguyễn Thị Lan" in home and consultation.patient.pseudonym in home
    entry = AuditEntry.objects.filter(verb="consultations.news_viewed").latest("id")
    assert entry.details["shown"] == [consultation.patient.pseudonym]
    assert expert.get(f"/consultations/{consultation.pk}/").status_code == 200
    assert _news_link(consultation) not in _home(expert)
    # The one who asked has nothing new: she wrote it.
    assert _news_link(consultation) not in _home(client_for("clinician"))


def test_it_marks_the_recommendation_new_for_the_requester_and_his_answer_for_the_expert(
    consultation, client_for, personas
):
    actions.accept(actor=personas["expert"], consultation=consultation)
    actions.save_recommendation(
        actor=personas["expert"],
        consultation=consultation,
        fields={"recommended_treatment": "Rapid COJEC induction."},
        finalise=True,
    )
    clinician = client_for("clinician")
    home = _home(clinician)
    assert _news_link(consultation) in home and "Dr Claire Martin" in home
    archive = clinician.get("/consultations/", {"sort": "activity"}).content.decode()
    assert 'class="unread"' in archive
    clinician.get(f"/consultations/{consultation.pk}/")
    assert _news_link(consultation) not in _home(clinician)
    assert 'class="unread"' not in clinician.get("/consultations/").content.decode()

    actions.post_message(
        actor=personas["clinician"], consultation=consultation, body="Thank you; one question."
    )
    expert = client_for("expert")
    assert _news_link(consultation) in _home(expert)
    queue = expert.get("/consultations/").content.decode()
    assert 'class="unread"' in queue
    # Answering by mail clears it, as reading the page does.
    actions.post_message(
        actor=personas["expert"],
        consultation=consultation,
        body="Yes, G-CSF after each cycle.",
        source=MessageSource.EMAIL,
    )
    assert _news_link(consultation) not in _home(expert)
    assert ReadMark.objects.filter(user=personas["expert"], consultation=consultation).exists()


def test_it_shows_an_outsider_no_news_and_no_marks(consultation, client_for):
    outsider = client_for("outsider")
    assert _news_link(consultation) not in _home(outsider)
    assert outsider.get(f"/consultations/{consultation.pk}/").status_code == 404
    assert (
        not ReadMark.objects.filter(consultation=consultation)
        .exclude(user=consultation.requested_by)
        .exists()
    )


def test_it_mails_a_message_to_the_people_of_the_consultation_only(
    consultation, personas, django_capture_on_commit_callbacks
):
    """The asker and the assigned expert; not the data manager nor the coordinator."""
    from .fixtures import all_queued_emails

    before = len(all_queued_emails())
    with django_capture_on_commit_callbacks(execute=True):
        actions.post_message(
            actor=personas["expert"], consultation=consultation, body="Please send the MRI."
        )
    to = {address for mail in all_queued_emails()[before:] for address in mail["to"]}
    assert to == {personas["clinician"].email}
    assert personas["data_manager"].email not in to
