"""Kill -9 `consilium smtpd` in the middle of a stream of messages: every message acknowledged
with 250 is already stored; after a restart the sender resends what was not acknowledged (and,
like real mail servers after a lost reply, some that were): N sent, N stored, none twice."""

import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time

from django_tasks_db.models import DBTaskResult

from consilium.consultations.models import InboundEmail, InboundStatus
from tests.conftest import free_port
from tests.consultations.fixtures import PROCESS_INBOUND, plain_reply, subprocess_env

N = 150
SENDER = "claire.martin@curie.demo"


def start_receiver(port: int, log) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "consilium", "smtpd", "--host", "127.0.0.1", "--port", str(port)],
        env=subprocess_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the receiver exited while starting"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError("the receiver did not start")


def send(port: int, messages: dict[int, tuple[str, bytes]], indices, acked: set[int]) -> None:
    """Send each message in its own transaction on one session; 250 means acknowledged."""
    smtp = None
    for i in indices:
        address, raw = messages[i]
        try:
            if smtp is None:
                smtp = smtplib.SMTP("127.0.0.1", port, timeout=10)
            smtp.sendmail(SENDER, [address], raw)
            acked.add(i)
        except (smtplib.SMTPException, OSError):
            smtp = None  # not acknowledged: resent after the restart
    if smtp is not None:
        smtp.quit()


def test_no_message_is_lost_or_doubled_when_the_receiver_is_killed(
    audit_triggers_off_after_test, tmp_path
):
    from django.conf import settings

    from consilium.consultations.mail import notify
    from consilium.consultations.mail.reply_tokens import make_reply_address

    # The receiver checks signatures only; which thread they name is the worker's business.
    messages = {}
    for i in range(N):
        address = make_reply_address(
            secret=notify.reply_secret(),
            thread_id=1000 + i,
            person_id=1,
            domain=settings.CONSILIUM_REPLY_DOMAIN,
            issued_at=int(time.time()),
        )
        raw = plain_reply(
            sender=SENDER, to=address, text=f"Message {i}", message_id=f"<crash-{i}@curie.demo>"
        )
        messages[i] = (address, raw)
    port = free_port()
    log = (tmp_path / "smtpd.log").open("wb")

    first = start_receiver(port, log)
    acked: set[int] = set()

    def kill_part_way() -> None:
        while len(acked) < N // 3 and first.poll() is None:
            time.sleep(0.001)
        os.kill(first.pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_part_way)
    killer.start()
    send(port, messages, range(N), acked)
    killer.join()
    assert first.wait(10) == -signal.SIGKILL

    not_acked = sorted(set(range(N)) - acked)
    assert acked and not_acked, "the kill should land in the middle of the stream"
    # Every 250 was a promise: those messages are in the database already.
    stored_ids = set(InboundEmail.objects.values_list("message_id", flat=True))
    assert {f"crash-{i}@curie.demo" for i in acked} <= stored_ids

    second = start_receiver(port, log)
    try:
        resend = not_acked + sorted(acked)[:5]
        again: set[int] = set()
        send(port, messages, resend, again)
        assert again == set(resend)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0  # a graceful stop
        log.close()

    stored = list(InboundEmail.objects.values_list("message_id", flat=True))
    assert len(stored) == N
    assert set(stored) == {f"crash-{i}@curie.demo" for i in range(N)}
    assert InboundEmail.objects.exclude(status=InboundStatus.RECEIVED).count() == 0
    # Each stored message has exactly one processing task, committed with it.
    tasks = DBTaskResult.objects.filter(task_path=PROCESS_INBOUND)
    assert tasks.count() == N
    ids = sorted(t.args_kwargs["kwargs"]["inbound_id"] for t in tasks)
    assert ids == sorted(InboundEmail.objects.values_list("pk", flat=True))
