"""What the gateway cannot accept is refused as a whole and explained to its sender, through a
real SMTP conversation; automatic mail is never answered."""

import email
import time

import pytest

from consilium.consultations import actions
from consilium.consultations.models import (
    Assignment,
    AssignmentStatus,
    ConsultationStatus,
    FollowUpAnswer,
    InboundStatus,
    Message,
    Recommendation,
)
from consilium.network.actions import end_partnership
from tests.consultations.dicom_files import phone_photo
from tests.consultations.fixtures import (
    SEND_EMAIL,
    deliver,
    explanation,
    gmail_reply,
    in_language,
    persona_address,
    plain_reply,
    queued_emails,
    queued_notification_ids,
    reply_address,
    run_queued_tasks,
    send_notification,
    tamper,
)

NOT_ACCEPTED = (
    "Consilium could not accept your message, so it has not been added to any consultation."
)


@pytest.fixture
def expert(personas):
    return personas["expert"]


@pytest.fixture
def notification(smtp_inbox, consultation, expert):
    return send_notification(smtp_inbox, consultation, expert)


def bounce_sent(smtp_inbox) -> email.message.EmailMessage:
    """Send what the gateway queued, through the SMTP server; return the one bounce."""
    before = len(smtp_inbox.envelopes)
    run_queued_tasks(SEND_EMAIL, exclude=queued_notification_ids())
    [bounce] = smtp_inbox.messages[before:]
    return bounce


def assert_nothing_stored():
    assert not Message.objects.exists()
    assert not Recommendation.objects.exists()
    assert not FollowUpAnswer.objects.exists()


def test_a_reply_from_another_address_is_bounced_to_that_address(
    smtp_inbox, consultation, notification, expert
):
    raw = gmail_reply(
        notification, sender="Claire Martin <claire.martin.perso@gmail.com>", text="D'accord."
    )

    stored = deliver(raw)

    assert stored.status == InboundStatus.BOUNCED
    assert stored.reason.startswith("wrong sender: ")
    assert stored.consultation == consultation
    assert_nothing_stored()
    bounce = bounce_sent(smtp_inbox)
    assert bounce["To"] == "claire.martin.perso@gmail.com"
    assert bounce["Auto-Submitted"] == "auto-replied"
    assert bounce["X-Consilium-Loop"] == "bounce"
    assert bounce["In-Reply-To"] == f"<{stored.message_id}>"
    body = bounce.get_content()
    assert "sent from an address that is not the one this reply address was made for" in body
    assert "> D'accord." in body  # what they wrote, so they can send it again


def test_an_outsider_cannot_use_a_token_made_for_the_expert(
    smtp_inbox, personas, consultation, notification
):
    outsider = personas["outsider"]
    raw = gmail_reply(notification, sender=persona_address(outsider), text="Let me see it too.")

    stored = deliver(raw)

    assert stored.status == InboundStatus.BOUNCED
    assert stored.reason.startswith("wrong sender")
    assert_nothing_stored()
    assert bounce_sent(smtp_inbox)["To"] == outsider.email


def test_an_expert_whose_partnership_ended_is_told_so(
    smtp_inbox, personas, partnership, consultation, notification, expert
):
    end_partnership(actor=personas["coordinator"], partnership=partnership, reason="MoU ended")

    stored = deliver(gmail_reply(notification, sender=expert.email, text="Toujours là ?"))

    assert stored.status == InboundStatus.BOUNCED
    assert stored.reason.startswith("no access: ")
    assert_nothing_stored()
    assert explanation(stored) in bounce_sent(smtp_inbox).get_content()


@pytest.mark.parametrize("kind", ["unknown", "tampered", "other domain"])
def test_a_reply_to_an_address_that_is_not_a_valid_token_is_bounced(
    smtp_inbox, consultation, notification, expert, kind
):
    address = {
        "unknown": "reply+aebagbaf2mxzeq3ghvlnpkdbsycoyrbnnrya@consilium.localhost",
        "tampered": tamper(str(notification["Reply-To"])),
        "other domain": "claire@curie.demo",
    }[kind]

    stored = deliver(gmail_reply(notification, sender=expert.email, text="Bien reçu", to=address))

    assert stored.status == InboundStatus.BOUNCED
    expected = "no reply address" if kind == "other domain" else "invalid reply address"
    assert stored.reason.startswith(expected), stored.reason
    assert_nothing_stored()
    assert explanation(stored) in bounce_sent(smtp_inbox).get_content()


def test_an_expired_reply_address_is_explained(smtp_inbox, consultation, notification, expert):
    old = reply_address(consultation, expert, issued_at=int(time.time()) - 91 * 86400)

    stored = deliver(gmail_reply(notification, sender=expert.email, text="Pardon", to=old))

    assert stored.status == InboundStatus.BOUNCED
    assert stored.reason.startswith("expired reply address")
    body = bounce_sent(smtp_inbox).get_content()
    assert explanation(stored) in body
    # In the language of the person it goes to.
    assert in_language(expert, NOT_ACCEPTED) in body


def test_a_valid_token_among_recipients_wins_over_an_expired_one(consultation, expert):
    old = reply_address(consultation, expert, issued_at=int(time.time()) - 91 * 86400)
    fresh = reply_address(consultation, expert)
    raw = plain_reply(sender=expert.email, to=old, text="Ça marche.", cc=fresh)

    assert deliver(raw).status == InboundStatus.ACCEPTED


def test_the_envelope_recipient_is_used_when_the_headers_do_not_say(consultation, expert):
    raw = plain_reply(sender=expert.email, to="undisclosed-recipients:;", text="Vu.")

    stored = deliver(raw, envelope_to=[reply_address(consultation, expert)])

    assert stored.status == InboundStatus.ACCEPTED
    assert Message.objects.get().body == "Vu."


def test_an_empty_reply_is_bounced(smtp_inbox, notification, expert):
    stored = deliver(gmail_reply(notification, sender=expert.email, text=""))

    assert stored.status == InboundStatus.BOUNCED
    assert stored.reason.startswith("empty: ")
    assert explanation(stored) in bounce_sent(smtp_inbox).get_content()


def test_a_failing_command_leaves_nothing_half_stored(smtp_inbox, consultation, notification):
    # The preamble would be posted as a message, but the recommendation has neither a
    # diagnosis nor a treatment: the action refuses, and the message goes with it.
    text = "#recommend\nVoici mon avis.\nStade : L2"

    stored = deliver(gmail_reply(notification, sender="claire.martin@curie.demo", text=text))

    assert stored.status == InboundStatus.BOUNCED
    assert stored.reason.startswith("recommend refused: ")
    assert_nothing_stored()
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.SUBMITTED
    assert Assignment.objects.get().status == AssignmentStatus.OFFERED
    assert explanation(stored) in bounce_sent(smtp_inbox).get_content()


def test_a_command_that_is_not_understood_is_explained(smtp_inbox, notification, expert):
    stored = deliver(gmail_reply(notification, sender=expert.email, text="#acept"))

    assert stored.status == InboundStatus.BOUNCED
    body = bounce_sent(smtp_inbox).get_content()
    assert explanation(stored) in body
    assert "#accept" in body


def test_an_expert_cannot_answer_the_follow_up(smtp_inbox, consultation, notification, expert):
    actions.save_recommendation(
        actor=expert,
        consultation=consultation,
        fields={"diagnostic_opinion": "Neuroblastoma"},
        finalise=True,
    )

    stored = deliver(gmail_reply(notification, sender=expert.email, text="#followed fully"))

    assert stored.status == InboundStatus.BOUNCED
    assert stored.reason.startswith("followed not allowed")
    assert not FollowUpAnswer.objects.exists()


def test_a_reply_to_a_withdrawn_consultation_is_bounced(
    smtp_inbox, personas, consultation, notification, expert
):
    actions.withdraw(actor=personas["clinician"], consultation=consultation, reason="Transferred")

    stored = deliver(gmail_reply(notification, sender=expert.email, text="Bien noté"))

    assert stored.status == InboundStatus.BOUNCED
    assert_nothing_stored()
    bounce_sent(smtp_inbox)


def test_our_own_bounce_coming_back_is_ignored(smtp_inbox, notification, expert):
    deliver(gmail_reply(notification, sender="someone@else.org", text="Hi"))
    bounce = bounce_sent(smtp_inbox)
    # A misconfigured forwarder sends it back to the reply address: no second bounce.
    bounce.replace_header("To", str(notification["Reply-To"]))

    stored = deliver(bounce.as_bytes())

    assert stored.status == InboundStatus.IGNORED
    assert "X-Consilium-Loop" in stored.reason
    assert queued_emails() == []


def test_a_refused_command_leaves_no_attachment_file_behind(
    settings, tmp_path, smtp_inbox, consultation, notification, expert
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    raw = gmail_reply(
        notification,
        sender=expert.email,
        text="#recommend\nLa photo ci-jointe.\nStade : L2",
        attachments=[("lesion.jpg", "image/jpeg", phone_photo())],
    )

    stored = deliver(raw)

    assert stored.status == InboundStatus.BOUNCED
    assert_nothing_stored()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
