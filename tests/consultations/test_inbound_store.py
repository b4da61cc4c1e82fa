"""Storing comes first and is keyed by Message-ID: the same message is stored once however it
arrives, alone or in a batch (the SMTP receiver's group commit)."""

import pytest
from django_tasks_db.models import DBTaskResult

from consilium.consultations.mail import inbound
from consilium.consultations.mail.parse import parse_inbound
from consilium.consultations.models import InboundEmail, InboundStatus
from tests.consultations.fixtures import PROCESS_INBOUND, SAMPLES, plain_reply


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.eml")), ids=lambda p: p.name)
def test_the_key_read_from_the_headers_alone_is_the_one_the_full_parser_reads(path):
    raw = path.read_bytes()
    assert inbound.message_id_of(raw) == parse_inbound(raw).message_id


@pytest.mark.parametrize(
    "header",
    [
        b"Message-ID:\r\n <folded-1@example.org>\r\n",
        b"Message-Id: <  spaced@example.org >\r\n",
        b"Message-ID: bare-id@example.org\r\n",
        b"Message-ID: <a@example.org> <b@example.org>\r\n",
        b"Message-ID: \r\n",
        b"",
    ],
)
def test_odd_message_id_headers_get_the_same_key_both_ways(header):
    raw = header + b"From: a@example.org\r\nSubject: x\r\n\r\nbody\r\n"
    assert inbound.message_id_of(raw) == parse_inbound(raw).message_id


def test_a_message_id_longer_than_the_column_is_stored_under_its_digest(db):
    raw = plain_reply(sender="a@b.org", to="c@d.org", text="x", message_id=f"<{'x' * 300}@b.org>")

    stored, created = inbound.store(raw)

    assert created
    assert stored.message_id.endswith("@long-id.consilium.invalid")
    assert inbound.store(raw)[1] is False


def test_a_batch_stores_each_message_once_and_queues_each_once(db):
    first = plain_reply(sender="a@b.org", to="c@d.org", text="1", message_id="<one@b.org>")
    second = plain_reply(sender="a@b.org", to="c@d.org", text="2", message_id="<two@b.org>")
    already, _created = inbound.store(first)

    results = inbound.store_many(
        [
            inbound.Incoming(first, "a@b.org", ("c@d.org",)),
            inbound.Incoming(second, "a@b.org", ("c@d.org",)),
            inbound.Incoming(b"Received: from mx2\r\n" + second, "a@b.org", ("c@d.org",)),
        ],
        queue=True,
    )

    assert [created for _email, created in results] == [False, True, False]
    assert results[0][0].pk == already.pk
    assert results[1][0].pk == results[2][0].pk
    assert InboundEmail.objects.count() == 2
    stored = InboundEmail.objects.get(message_id="two@b.org")
    assert (stored.envelope_from, stored.envelope_to) == ("a@b.org", ["c@d.org"])
    assert stored.status == InboundStatus.RECEIVED
    tasks = DBTaskResult.objects.filter(task_path=PROCESS_INBOUND)
    assert [t.args_kwargs["kwargs"] for t in tasks] == [{"inbound_id": stored.pk}]


@pytest.mark.parametrize(
    ("given", "stored"),
    [("", "<>"), ("<>", "<>"), ("MAILER-DAEMON", "<>"), ("<a@b.org>", "a@b.org"), (None, "<>")],
)
def test_the_null_sender_has_one_spelling(given, stored):
    assert inbound.null_sender(given) == stored
