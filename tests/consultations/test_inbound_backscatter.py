"""Bounces go to the envelope sender only: a forged From: must not make Consilium mail a
stranger (backscatter), and a bounce quotes too little to relay anyone's text."""

import pytest

from consilium.consultations.models import InboundStatus
from tests.consultations.fixtures import deliver, plain_reply, queued_emails, reply_address

SPAM = "\n".join(f"Buy cheap watches, line {i}: https://spam.example/{i}" for i in range(40))


@pytest.fixture
def token(consultation, personas):
    return reply_address(consultation, personas["expert"])


def test_it_bounces_to_the_envelope_sender_not_to_the_forged_from(token):
    raw = plain_reply(sender="victim@example.org", to=token, text=SPAM)

    stored = deliver(raw, envelope_from="attacker@evil.test")

    assert stored.status == InboundStatus.BOUNCED
    [bounce] = queued_emails()
    assert bounce["to"] == ["attacker@evil.test"]


def test_it_quotes_only_a_few_lines(token):
    deliver(plain_reply(sender="x@evil.test", to=token, text=SPAM), envelope_from="x@evil.test")
    [bounce] = queued_emails()
    assert "line 0:" in bounce["body"]
    assert "line 5:" not in bounce["body"]
    assert bounce["body"].count("https://spam.example/") <= 5


def test_it_never_answers_a_null_sender(token):
    stored = deliver(
        plain_reply(sender="victim@example.org", to=token, text="x"), envelope_from="<>"
    )
    assert stored.status == InboundStatus.IGNORED  # a bounce or an auto-reply: never answered
    assert queued_emails() == []


def test_without_an_envelope_it_answers_the_return_path_or_nobody(token):
    with_path = plain_reply(
        sender="victim@example.org",
        to=token,
        text="x",
        return_path="<bounces@lists.example.net>",
        message_id="<one@example.net>",
    )
    deliver(with_path, envelope_from="")
    assert [m["to"] for m in queued_emails()] == [["bounces@lists.example.net"]]

    without = plain_reply(
        sender="victim@example.org", to=token, text="x", message_id="<two@example.net>"
    )
    stored = deliver(without, envelope_from="")
    assert "no bounce sent" in stored.reason
    assert len(queued_emails()) == 1
