"""`consilium ingest-mail FILE|-`: one message, an mbox, or a pipe from a mail server, with the
exit codes mail servers act on."""

import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError
from django_tasks_db.models import DBTaskResult

from consilium.consultations.mail import inbound
from consilium.consultations.management.commands.ingest_mail import split_mbox
from consilium.consultations.models import InboundEmail, InboundStatus, Message
from consilium.core.demo_data import load_foundation
from tests.consultations.fixtures import (
    PROCESS_INBOUND,
    create_consultation,
    gmail_reply,
    persona_address,
    plain_reply,
    reply_address,
    run_queued_tasks,
    sample,
    send_notification,
    subprocess_env,
)


@pytest.fixture
def expert(personas):
    return personas["expert"]


@pytest.fixture
def reply(smtp_inbox, consultation, expert):
    notification = send_notification(smtp_inbox, consultation, expert)
    return gmail_reply(
        notification, sender=persona_address(expert), text="Reçu, je regarde ce soir."
    )


def test_it_ingests_a_message_from_a_file(tmp_path, reply, expert):
    path = tmp_path / "reply.eml"
    path.write_bytes(reply)

    call_command("ingest_mail", str(path), verbosity=0)

    assert InboundEmail.objects.get().status == InboundStatus.ACCEPTED
    assert Message.objects.get().author == expert


def test_it_ingests_an_mbox_and_stores_a_repeated_message_once(
    tmp_path, capsys, consultation, expert
):
    to = reply_address(consultation, expert)
    first = plain_reply(sender=expert.email, to=to, text="First\nFrom here on, MIBG.")
    second = plain_reply(sender=expert.email, to=to, text="Second")
    escaped = first.replace(b"\nFrom here", b"\n>From here")
    mbox = (
        b"From claire.martin@curie.demo Mon Jun  3 10:00:00 2024\n" + escaped + b"\n"
        b"From claire.martin@curie.demo Mon Jun  3 10:05:00 2024\n" + second + b"\n"
        b"From claire.martin@curie.demo Mon Jun  3 10:00:00 2024\n" + escaped + b"\n"
    )
    path = tmp_path / "inbox.mbox"
    path.write_bytes(mbox)

    call_command("ingest_mail", str(path))

    assert sorted(Message.objects.values_list("body", flat=True)) == [
        "First\nFrom here on, MIBG.",
        "Second",
    ]
    assert InboundEmail.objects.count() == 2
    assert "2 accepted, 1 already stored" in capsys.readouterr().out


def test_split_mbox_takes_the_envelope_sender_and_leaves_a_single_message_alone():
    single = b"Subject: x\n\nFrom the start\n"
    assert split_mbox(single) == [(None, single)]
    pairs = split_mbox(b"From MAILER-DAEMON Mon Jun  3 10:00:00 2024\nSubject: b\n\nbody\n")
    assert pairs == [("MAILER-DAEMON", b"Subject: b\n\nbody\n")]
    assert inbound.null_sender(pairs[0][0]) == "<>"


def test_a_postfix_pipe_with_a_null_sender_is_ignored(tmp_path, consultation, expert):
    path = tmp_path / "m.eml"
    path.write_bytes(
        plain_reply(sender=expert.email, to=reply_address(consultation, expert), text="x")
    )

    call_command("ingest_mail", str(path), sender="MAILER-DAEMON", verbosity=0)

    stored = InboundEmail.objects.get()
    assert stored.envelope_from == "<>"
    assert stored.status == InboundStatus.IGNORED


def test_envelope_recipients_from_the_mail_server_find_the_thread(tmp_path, consultation, expert):
    path = tmp_path / "m.eml"
    path.write_bytes(plain_reply(sender=expert.email, to="Consilium <x@y.org>", text="Vu"))

    call_command(
        "ingest_mail",
        str(path),
        sender=expert.email,
        recipient=[reply_address(consultation, expert)],
        verbosity=0,
    )

    assert InboundEmail.objects.get().status == InboundStatus.ACCEPTED


def test_with_queue_it_only_stores_and_the_worker_processes(tmp_path, reply):
    path = tmp_path / "m.eml"
    path.write_bytes(reply)

    call_command("ingest_mail", str(path), queue=True, verbosity=0)

    assert InboundEmail.objects.get().status == InboundStatus.RECEIVED
    assert DBTaskResult.objects.filter(task_path=PROCESS_INBOUND).count() == 1
    run_queued_tasks(PROCESS_INBOUND)
    assert InboundEmail.objects.get().status == InboundStatus.ACCEPTED


def test_a_processing_failure_keeps_the_message_and_queues_it(tmp_path, monkeypatch, reply):
    path = tmp_path / "m.eml"
    path.write_bytes(reply)

    def broken(email):
        raise RuntimeError("a bug")

    monkeypatch.setattr(inbound, "process", broken)
    call_command("ingest_mail", str(path), verbosity=0)

    assert InboundEmail.objects.get().status == InboundStatus.RECEIVED
    monkeypatch.undo()
    run_queued_tasks(PROCESS_INBOUND)
    assert InboundEmail.objects.get().status == InboundStatus.ACCEPTED


def test_a_database_error_while_storing_exits_75_so_the_server_retries(
    tmp_path, monkeypatch, reply
):
    path = tmp_path / "m.eml"
    path.write_bytes(reply)

    def unavailable(*args, **kwargs):
        raise DatabaseError("could not connect to server")

    monkeypatch.setattr(inbound, "store", unavailable)
    with pytest.raises(CommandError) as error:
        call_command("ingest_mail", str(path), verbosity=0)

    assert error.value.returncode == 75


def test_a_missing_file_exits_66(db):
    with pytest.raises(CommandError) as error:
        call_command("ingest_mail", "/nonexistent/reply.eml", verbosity=0)
    assert error.value.returncode == 66


def run_ingest(stdin: bytes, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "consilium", "ingest-mail", *args, "-"],
        input=stdin,
        env=subprocess_env(**env),
        capture_output=True,
        timeout=120,
    )


def test_a_mail_server_pipe_on_stdin_is_stored_and_processed(audit_triggers_off_after_test):
    personas = load_foundation()
    consultation = create_consultation(personas)
    expert = personas["expert"]
    raw = sample(
        "thunderbird_reply_flowed.eml",
        sender=expert.email,
        to=reply_address(consultation, expert),
    )

    run = run_ingest(raw, "--sender", expert.email)

    assert run.returncode == 0, run.stderr.decode()
    stored = InboundEmail.objects.get()
    assert stored.status == InboundStatus.ACCEPTED, (stored.reason, run.stderr.decode()[-3000:])
    assert stored.envelope_from == expert.email
    assert Message.objects.get().body.startswith("Thank you for the clear summary.")
    # Delivered again by a mail server that lost our exit status: stored once.
    assert run_ingest(raw).returncode == 0
    assert InboundEmail.objects.count() == 1
    assert Message.objects.count() == 1


def test_an_unreachable_database_exits_75(tmp_path):
    raw = plain_reply(sender="a@b.org", to="reply+x@consilium.localhost", text="x")

    run = run_ingest(raw, DATABASE_URL=f"sqlite:///{tmp_path}/missing/dir/db.sqlite3")

    assert run.returncode == 75, run.stderr.decode()
    assert b"message not stored" in run.stderr
