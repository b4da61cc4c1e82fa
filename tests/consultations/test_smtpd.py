"""The SMTP receiver, through real SMTP conversations with smtplib: unknown recipients are
refused at RCPT, a message is stored before 250, a database error is a 451 to retry."""

import asyncio
import smtplib
import threading
import time

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django_tasks_db.models import DBTaskResult

from consilium.consultations.mail import inbound
from consilium.consultations.mail.smtp_server import serve
from consilium.consultations.models import InboundEmail, InboundStatus, Message
from consilium.core.demo_data import load_foundation
from tests.consultations.fixtures import (
    PROCESS_INBOUND,
    SEND_EMAIL,
    create_consultation,
    gmail_reply,
    persona_address,
    plain_reply,
    reply_address,
    run_queued_tasks,
    tamper,
)


class Receiver:
    """`consilium smtpd`'s server, run in a thread of the test process."""

    def __init__(self) -> None:
        self.port = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.stop_event = asyncio.Event()
        await serve(host="127.0.0.1", port=0, workers=2, stop=self.stop_event, ready=self._on_ready)

    def _on_ready(self, address) -> None:
        self.port = address[1]
        self._ready.set()

    def start(self) -> "Receiver":
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self._thread.join(15)
        assert not self._thread.is_alive()

    def client(self) -> smtplib.SMTP:
        return smtplib.SMTP("127.0.0.1", self.port, timeout=30)


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def world(audit_triggers_off_after_test, smtp_inbox):
    """Committed data (the receiver's threads have their own connections), and the offer
    the request sent to the expert, delivered through the SMTP inbox."""
    personas = load_foundation()
    consultation = create_consultation(personas)
    run_queued_tasks(SEND_EMAIL)
    # The partnership's consent mail went out too; the offer is the expert's one mail.
    [offer] = [m for m in smtp_inbox.messages if m["To"] == personas["expert"].email]
    return personas, consultation, offer


def test_it_refuses_recipients_that_are_not_valid_reply_addresses_at_rcpt(settings, receiver):
    # No database needed: the check is the token's signature.
    good = "reply+aeaqcaqbaeaqcaqbaeaqcaqbaeaqcaq@x"  # not signed with our secret
    with receiver.client() as smtp:
        smtp.ehlo("mx.curie.fr")
        smtp.mail("claire.martin@curie.demo")
        for address in (
            f"postmaster@{settings.CONSILIUM_REPLY_DOMAIN}",
            f"reply+aebagbaf2mxzeq3ghvlnpkdbsycoyrbnnrya@{settings.CONSILIUM_REPLY_DOMAIN}",
            good,
        ):
            code, message = smtp.rcpt(address)
            assert code == 550, (address, message)
            assert message.startswith(b"5.1.1 <")
        code, message = smtp.rcpt("someone@curie.demo")
        assert code == 550
        assert b"only receives replies to Consilium notifications" in message


def test_a_refused_recipient_means_nothing_is_sent(db, receiver):
    with receiver.client() as smtp, pytest.raises(smtplib.SMTPRecipientsRefused):
        smtp.sendmail("a@b.org", ["reply+nothing@consilium.localhost"], b"Subject: x\r\n\r\nx")
    assert not InboundEmail.objects.exists()


def test_a_signed_address_is_accepted_and_an_expired_one_too(db, personas, receiver):
    class Thread:
        pk = 41

    fresh = reply_address(Thread, personas["expert"])
    expired = reply_address(Thread, personas["expert"], issued_at=int(time.time()) - 400 * 86400)
    with receiver.client() as smtp:
        smtp.ehlo()
        smtp.mail("claire.martin@curie.demo")
        assert smtp.rcpt(fresh)[0] == 250
        # Accepted, so that processing can bounce with an explanation rather than a bare 550.
        assert smtp.rcpt(expired)[0] == 250
        assert smtp.rcpt(tamper(fresh))[0] == 550


def test_a_reply_is_stored_before_250_and_the_worker_adds_it_to_the_thread(
    world, smtp_inbox, receiver
):
    personas, _consultation, notification = world
    expert = personas["expert"]
    raw = gmail_reply(
        notification, sender=persona_address(expert), text="Bien reçu, je regarde.", language="fr"
    )

    with receiver.client() as smtp:
        smtp.ehlo("mail-sor-f41.google.com")
        smtp.mail(expert.email)
        smtp.rcpt(str(notification["Reply-To"]))
        code, message = smtp.data(raw)

    assert code == 250
    stored = InboundEmail.objects.get()
    assert message == f"2.0.0 Stored as {stored.pk}".encode()
    # Stored with its processing task, in the same commit.
    assert stored.status == InboundStatus.RECEIVED
    assert bytes(stored.raw).endswith(raw)
    assert bytes(stored.raw).startswith(b"Received: from mail-sor-f41.google.com ([127.0.0.1])")
    assert stored.envelope_from == expert.email
    assert stored.envelope_to == [str(notification["Reply-To"])]
    assert DBTaskResult.objects.filter(task_path=PROCESS_INBOUND, status="READY").count() == 1

    call_command("worker", batch=True, verbosity=0)

    stored.refresh_from_db()
    assert stored.status == InboundStatus.ACCEPTED, stored.reason
    message = Message.objects.get()
    assert (message.author, message.body) == (expert, "Bien reçu, je regarde.")


def test_the_same_message_sent_twice_is_stored_once(world, receiver):
    personas, consultation, _offer = world
    expert = personas["expert"]
    address = reply_address(consultation, expert)
    raw = plain_reply(sender=expert.email, to=address, text="Une fois.")

    with receiver.client() as smtp:
        assert smtp.sendmail(expert.email, [address], raw) == {}
        smtp.mail(expert.email)
        smtp.rcpt(address)
        code, message = smtp.data(raw)

    assert code == 250
    assert message.endswith(b", already received")
    assert InboundEmail.objects.count() == 1
    assert DBTaskResult.objects.filter(task_path=PROCESS_INBOUND).count() == 1


def test_an_expired_reply_address_is_bounced_with_an_explanation(world, smtp_inbox, receiver):
    personas, consultation, _offer = world
    expert = personas["expert"]
    old = reply_address(consultation, expert, issued_at=int(time.time()) - 91 * 86400)
    raw = plain_reply(sender=expert.email, to=old, text="Toujours d'actualité ?")

    with receiver.client() as smtp:
        smtp.sendmail(expert.email, [old], raw)
    before = len(smtp_inbox.envelopes)
    call_command("worker", batch=True, verbosity=0)

    assert InboundEmail.objects.get().status == InboundStatus.BOUNCED
    [bounce] = smtp_inbox.messages[before:]
    assert bounce["To"] == expert.email
    assert InboundEmail.objects.get().reason.split(": ", 1)[1] in bounce.get_content()


def test_a_bounce_from_a_null_sender_is_stored_and_never_answered(world, smtp_inbox, receiver):
    personas, consultation, _offer = world
    expert = personas["expert"]
    address = reply_address(consultation, expert)
    raw = plain_reply(sender="MAILER-DAEMON@mx.curie.fr", to=address, text="Undeliverable")

    with receiver.client() as smtp:
        smtp.sendmail("", [address], raw)
    before = len(smtp_inbox.envelopes)
    call_command("worker", batch=True, verbosity=0)

    stored = InboundEmail.objects.get()
    assert stored.envelope_from == "<>"
    assert stored.status == InboundStatus.IGNORED
    assert len(smtp_inbox.envelopes) == before


def test_a_database_error_answers_451_so_the_sender_retries(monkeypatch, personas, receiver):
    def unavailable(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(inbound, "store_many", unavailable)
    address = reply_address(type("Thread", (), {"pk": 7}), personas["expert"])
    with receiver.client() as smtp:
        smtp.ehlo()
        smtp.mail("claire.martin@curie.demo")
        smtp.rcpt(address)
        code, message = smtp.data(b"Subject: x\r\n\r\nx\r\n")
    assert code == 451
    assert message.startswith(b"4.3.0 ")


def test_a_message_over_the_size_limit_is_refused(settings, personas, receiver):
    settings.CONSILIUM_MAX_ATTACHMENT_MB = 1
    address = reply_address(type("Thread", (), {"pk": 7}), personas["expert"])
    big = b"Subject: scans\r\n\r\n" + (b"x" * 998 + b"\r\n") * 4000
    with receiver.client() as smtp, pytest.raises(smtplib.SMTPSenderRefused) as refused:
        smtp.sendmail("claire.martin@curie.demo", [address], big)
    assert refused.value.smtp_code == 552


def test_stopping_tells_open_sessions_to_come_back(personas):
    server = Receiver().start()
    smtp = server.client()
    smtp.ehlo()
    server.stop()
    with pytest.raises(smtplib.SMTPServerDisconnected):
        smtp.mail("a@b.org")
        smtp.mail("a@b.org")


def test_parallel_sessions_share_commits_and_every_message_is_stored_once(
    transactional_db, receiver
):
    from django.conf import settings

    from consilium.consultations.mail import notify
    from consilium.consultations.mail.reply_tokens import make_reply_address

    address = make_reply_address(
        secret=notify.reply_secret(),
        thread_id=9,
        person_id=9,
        domain=settings.CONSILIUM_REPLY_DOMAIN,
        issued_at=int(time.time()),
    )
    codes: list[int] = []

    def session(n: int) -> None:
        with receiver.client() as smtp:
            smtp.ehlo()
            for i in range(10):
                raw = plain_reply(
                    sender="a@curie.demo", to=address, text="x", message_id=f"<p{n}-{i}@curie.demo>"
                )
                smtp.mail("a@curie.demo")
                smtp.rcpt(address)
                codes.append(smtp.data(raw)[0])

    threads = [threading.Thread(target=session, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert codes == [250] * 40
    assert InboundEmail.objects.count() == 40
    assert DBTaskResult.objects.filter(task_path=PROCESS_INBOUND).count() == 40
