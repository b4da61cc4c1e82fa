"""A reply address that leaks must not let a stranger act as its owner: what changes the
consultation waits for the owner unless the mail is authenticated (trusted
Authentication-Results or a DKIM signature verified here), and plain messages show that
their sender was not verified."""

import base64
import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse

from consilium.consultations.models import Assignment, AssignmentStatus, InboundStatus, Message
from tests.consultations.fixtures import (
    deliver,
    in_language,
    plain_reply,
    queued_emails,
    reply_address,
)


@pytest.fixture(autouse=True)
def _hold(settings):
    settings.CONSILIUM_MAIL_UNVERIFIED_ACTIONS = "hold"
    settings.CONSILIUM_MAIL_TRUSTED_AUTHSERV_IDS = ["mx.consilium.test"]
    settings.CONSILIUM_MAIL_VERIFY_DKIM = False


@pytest.fixture
def expert(personas):
    return personas["expert"]


def _accept(consultation, expert, **headers):
    return plain_reply(
        sender=expert.email, to=reply_address(consultation, expert), text="#accept", **headers
    )


def _assignment(consultation, expert):
    return Assignment.objects.get(consultation=consultation, expert=expert).status


def test_an_unauthenticated_accept_is_held_and_confirmed_once_by_the_owners_link(
    client, client_for, consultation, expert
):
    stored = deliver(_accept(consultation, expert), envelope_from="stranger@evil.test")

    assert stored.status == InboundStatus.HELD
    assert _assignment(consultation, expert) == AssignmentStatus.OFFERED
    [notice] = queued_emails()
    assert notice["to"] == [expert.email]  # the registered address, not the sender's
    path = re.search(r"https?://[^/\s]+(/\S+)", notice["body"]).group(1)

    assert client_for("outsider").get(path).status_code == 404
    assert client_for("clinician").post(path).status_code == 404
    owner = client_for("expert")
    page = owner.get(path)
    assert page.status_code == 200
    assert _assignment(consultation, expert) == AssignmentStatus.OFFERED  # GET changes nothing
    assert owner.post(path).status_code == 302
    assert _assignment(consultation, expert) == AssignmentStatus.ACCEPTED
    stored.refresh_from_db()
    assert stored.status == InboundStatus.ACCEPTED
    assert owner.post(path).status_code == 404  # one time only
    assert client.get(path).status_code == 302  # anonymous: sign in first


def test_a_forged_link_is_refused(client_for, consultation, expert):
    url = reverse("consultations:confirm_held", args=["e30:forged:signature"])
    assert client_for("expert").get(url).status_code == 404


def test_the_owner_confirms_by_a_second_reply_keeping_the_subject(consultation, expert):
    deliver(_accept(consultation, expert), envelope_from=expert.email)
    [notice] = queued_emails()
    second = plain_reply(
        sender=expert.email,
        to=reply_address(consultation, expert),
        text="Yes, that was me.",
        subject=f"Re: {notice['subject']}",
        message_id="<second@curie.demo>",
    )
    stored = deliver(second)
    assert stored.status == InboundStatus.ACCEPTED, stored.reason
    assert _assignment(consultation, expert) == AssignmentStatus.ACCEPTED


def test_a_wrong_confirmation_code_is_refused(consultation, expert):
    held = deliver(_accept(consultation, expert))
    second = plain_reply(
        sender=expert.email,
        to=reply_address(consultation, expert),
        text="ok",
        subject=f"Re: confirm [confirm {held.pk}-000000000000]",
        message_id="<guess@evil.test>",
    )
    assert deliver(second).status == InboundStatus.BOUNCED
    assert _assignment(consultation, expert) == AssignmentStatus.OFFERED


@pytest.mark.parametrize(
    ("results", "outcome"),
    [
        ("mx.consilium.test; dkim=pass header.d=curie.demo", InboundStatus.ACCEPTED),
        (
            "mx.consilium.test; spf=pass smtp.mailfrom=claire@mail.curie.demo",
            InboundStatus.ACCEPTED,
        ),
        ("mx.consilium.test; dkim=fail header.d=curie.demo", InboundStatus.HELD),
        ("mx.consilium.test; dkim=pass header.d=evil.test", InboundStatus.HELD),
        ("evil.test; dkim=pass header.d=curie.demo", InboundStatus.HELD),  # not trusted
    ],
)
def test_trusted_authentication_results_vouch_for_an_aligned_domain(
    consultation, expert, results, outcome
):
    stored = deliver(_accept(consultation, expert, authentication_results=results))
    assert stored.status == outcome, stored.reason


def _dkim_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    return private, record


def test_a_real_dkim_signature_is_verified_here(settings, consultation, expert):
    import dkim

    private, record = _dkim_key()
    looked_up = []

    def dns(name, timeout=5):
        looked_up.append(name)
        return record if name == b"sel1._domainkey.curie.demo." else None

    settings.CONSILIUM_MAIL_VERIFY_DKIM = True
    settings.CONSILIUM_MAIL_DKIM_DNS = dns
    raw = _accept(consultation, expert)
    signed = dkim.sign(raw, b"sel1", b"curie.demo", private) + raw

    stored = deliver(signed)

    assert stored.status == InboundStatus.ACCEPTED, stored.reason
    assert looked_up == [b"sel1._domainkey.curie.demo."]
    assert _assignment(consultation, expert) == AssignmentStatus.ACCEPTED


def test_a_dkim_signature_broken_in_transit_is_not_trusted(settings, consultation, expert):
    import dkim

    private, record = _dkim_key()
    settings.CONSILIUM_MAIL_VERIFY_DKIM = True
    settings.CONSILIUM_MAIL_DKIM_DNS = lambda name, timeout=5: record
    raw = _accept(consultation, expert)
    signed = dkim.sign(raw, b"sel1", b"curie.demo", private) + raw.replace(
        b"#accept", b"#accept now"
    )

    assert deliver(signed).status == InboundStatus.HELD


def test_a_plain_message_from_an_unverified_sender_is_posted_marked(
    client_for, personas, consultation, expert
):
    raw = plain_reply(
        sender=expert.email, to=reply_address(consultation, expert), text="Could you send the MIBG?"
    )
    stored = deliver(raw)
    assert stored.status == InboundStatus.ACCEPTED
    message = Message.objects.get()
    assert message.sender_verified is False
    page = client_for("clinician").get(reverse("consultations:detail", args=[consultation.pk]))
    assert in_language(personas["clinician"], "sender not verified") in page.content.decode()
