"""The whole gateway (store, then process) on damaged real replies and on arbitrary bytes:
nothing raises, and every stored message ends accepted into the thread, bounced with a reason,
or ignored as an automatic reply; never left half-done. test_mail_parse.py fuzzes the parser
alone; this goes through the database, the reply token and the thread.

Each example runs in a savepoint rolled back afterwards."""

import os

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consilium.audit.actions import verify_chain
from consilium.consultations.mail import inbound
from consilium.consultations.models import InboundStatus, Message
from tests.consultations.fixtures import SAMPLES, reply_address, sample

EXAMPLES = int(os.environ.get("CONSILIUM_FUZZ_EXAMPLES", "60"))
NAMES = sorted(p.name for p in SAMPLES.glob("*.eml"))
FINAL = {InboundStatus.ACCEPTED, InboundStatus.BOUNCED, InboundStatus.IGNORED}


def _mutate(data: bytes, cut: int, edits: list[tuple[int, bytes]]) -> bytes:
    buffer = bytearray(data[: max(cut, 1)] if cut % 3 == 0 else data)
    for position, insert in edits:
        position %= max(len(buffer), 1)
        buffer[position : position + len(insert)] = insert
    return bytes(buffer)


_edits = st.lists(
    st.tuples(st.integers(min_value=0), st.binary(min_size=1, max_size=6)), max_size=6
)


@pytest.mark.filterwarnings("ignore")
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(NAMES),
    cut=st.integers(min_value=0, max_value=30000),
    edits=_edits,
    arbitrary=st.one_of(st.none(), st.binary(max_size=800)),
)
def test_every_message_is_stored_and_ends_accepted_bounced_or_ignored(
    consultation, personas, name, cut, edits, arbitrary
):
    expert = personas["expert"]
    if arbitrary is None:
        real = sample(name, sender=expert.email, to=reply_address(consultation, expert))
        raw = _mutate(real, cut, edits)
    else:
        raw = arbitrary
    messages_before = Message.objects.filter(consultation=consultation).count()
    with transaction.atomic():
        stored, _created = inbound.store(
            raw, envelope_from=expert.email, envelope_to=[reply_address(consultation, expert)]
        )
        done = inbound.process(stored)
        assert done.status in FINAL, (done.status, done.reason)
        added = Message.objects.filter(consultation=consultation).count() - messages_before
        if done.status == InboundStatus.ACCEPTED:
            assert added == 1
        else:
            assert added == 0
        if done.status == InboundStatus.BOUNCED:
            assert done.reason, "a bounce says why"
        assert verify_chain().ok
        transaction.set_rollback(True)


def test_an_undamaged_sample_reply_is_accepted(consultation, personas):
    """The mutations start from replies the gateway takes: the property is not vacuous."""
    expert = personas["expert"]
    raw = sample("gmail_reply_fr.eml", sender=expert.email, to=reply_address(consultation, expert))
    stored, _ = inbound.store(raw, envelope_from=expert.email)
    assert inbound.process(stored).status == InboundStatus.ACCEPTED
