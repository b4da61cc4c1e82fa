"""A reply whose text holds NUL characters is processed like any other, on SQLite and on
PostgreSQL alike (PostgreSQL cannot store a NUL in text: the mail used to be retried for ever,
`ingest-mail` exiting 75 each time)."""

from django.core.management import call_command

from consilium.consultations.models import InboundEmail, InboundStatus, Message
from tests.consultations.fixtures import deliver, plain_reply, reply_address


def _nul_reply(consultation, expert) -> bytes:
    return plain_reply(
        sender=expert.email,
        to=reply_address(consultation, expert),
        text="MIBG\x00 first,\x00 then surgery.",
        subject="Re: case\x00 review",
    )


def test_it_processes_a_reply_with_nul_characters_by_ingest_mail(tmp_path, consultation, personas):
    path = tmp_path / "nul.eml"
    path.write_bytes(_nul_reply(consultation, personas["expert"]))

    call_command("ingest_mail", str(path), verbosity=0)  # raises SystemExit(75) on failure

    assert InboundEmail.objects.get().status == InboundStatus.ACCEPTED
    assert Message.objects.get().body == "MIBG first, then surgery."


def test_it_processes_a_reply_with_nul_characters_as_the_smtp_server_does(consultation, personas):
    stored = deliver(_nul_reply(consultation, personas["expert"]))

    assert stored.status == InboundStatus.ACCEPTED
    assert "\x00" not in Message.objects.get().body
