"""A task worker killed with SIGKILL in the middle of a task: the task runs again, on another
worker, exactly once to completion (consilium.core.leases). The task is the real one that
sends mail, the mail server a real SMTP server that holds the first attempt's DATA until
the worker that sent it is dead."""

import asyncio
import os
import signal
import threading

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django_tasks_db.models import DBTaskResult

from consilium.core.models import WorkerHeartbeat
from consilium.core.tasks import send_email
from tests.conftest import free_port
from tests.consultations.fixtures import subprocess_env
from tests.deploy.processes import wait_until

LEASE_SECONDS = 2


class HoldFirstDelivery:
    """Holds the first message at the end of DATA, before any reply, until released; then
    refuses it (its sender is dead by then anyway). Accepts every later one."""

    def __init__(self) -> None:
        self.holding = threading.Event()
        self.release = threading.Event()
        self.accepted: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        if not self.holding.is_set():
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)
            return "451 4.3.0 Try again later"
        self.accepted.append(envelope)
        return "250 OK"


@pytest.fixture
def mail_server():
    handler = HoldFirstDelivery()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    handler.release.set()
    controller.stop()


def test_it_runs_a_task_again_exactly_once_after_its_worker_is_killed(
    audit_triggers_off_after_test, processes, mail_server
):
    handler, port = mail_server
    env = subprocess_env(
        CONSILIUM_EMAIL_HOST="127.0.0.1",
        CONSILIUM_EMAIL_PORT=str(port),
        CONSILIUM_WORKER_LEASE_SECONDS=str(LEASE_SECONDS),
    )
    worker = ["worker", "-v", "1", "--interval", "0.1"]
    result = send_email.enqueue(subject="Tumour board tomorrow", body="x", to=["a@example.org"])

    first = processes.consilium("worker-1", *worker, env=env)
    assert handler.holding.wait(90), processes.output("worker-1")
    task = DBTaskResult.objects.get(pk=result.id)
    assert task.status == "RUNNING"
    [killed_id] = task.worker_ids
    # Its lease names the task while it runs.
    wait_until(
        lambda: WorkerHeartbeat.objects.filter(worker_id=killed_id, task_id=task.pk).exists(),
        timeout=30,
        what="the worker's heartbeat to name its task",
    )

    os.kill(first.pid, signal.SIGKILL)
    assert first.wait(10) == -signal.SIGKILL
    handler.release.set()  # the first attempt ends without a 250, as for a real crash
    assert DBTaskResult.objects.get(pk=result.id).status == "RUNNING"  # nobody else knows yet

    # Two workers: the lost task must come back once, not once per worker that notices it.
    others = [processes.consilium(f"worker-{n}", *worker, env=env) for n in (2, 3)]
    wait_until(
        lambda: WorkerHeartbeat.objects.filter(pid__in=[p.pid for p in others]).count() == 2,
        timeout=90,
        what="both new workers to start",
    )

    def finished():
        task = DBTaskResult.objects.get(pk=result.id)
        return task if task.status not in ("READY", "RUNNING") else None

    task = wait_until(finished, timeout=90, what="the task to run again", every=0.1)
    assert task.status == "SUCCESSFUL", task.traceback
    assert len(task.worker_ids) == 2
    assert task.worker_ids[0] == killed_id and task.worker_ids[1] != killed_id
    assert task.return_value == 1
    assert [e.rcpt_tos for e in handler.accepted] == [["a@example.org"]]
    accepted = handler.accepted[0].original_content.decode()
    assert "Subject: Tumour board tomorrow" in accepted
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">")
    assert f"Message-ID: <{result.id}@{domain}>" in accepted
    assert DBTaskResult.objects.count() == 1  # no retry was queued: nothing failed to send

    for process in others:
        assert processes.stop(process) == 0
    # A worker that stops cleanly gives its lease up; the killed one's expires.
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) in (
        [killed_id],
        [],
    )
