"""Leases on running tasks, so a task whose worker died runs again instead of staying RUNNING
for ever (django-tasks-db 0.13 never looks at a claimed task again: its issue #5).

Each `consilium worker` renews a heartbeat row naming the task it runs (see
`consilium.core.models.WorkerHeartbeat`) every quarter of the lease, from a thread of its
own, so a long task keeps its lease. Every worker also looks for lost tasks on each beat: a
task RUNNING for longer than the lease that no fresh heartbeat names has lost its worker (killed,
out of memory, machine gone, or its database connection cut while it was recording the
result). It goes back to READY, with a conditional UPDATE, so of several workers that notice
only one puts it back, and the queue's SKIP LOCKED claim hands it to exactly one worker.
A task that has lost its worker `MAX_RUNS` times is marked FAILED rather than tried for ever:
it is likely what kills its workers.

Tasks therefore run at least once: one killed after its effect but before its result was
written runs again. Every task in Consilium is written to be safe to run twice."""

import datetime
import logging
import os
import socket
import threading
import uuid

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.models import DBTaskResult

from consilium.core.models import Lease, WorkerHeartbeat

logger = logging.getLogger(__name__)

MAX_RUNS = 3
# Heartbeats of workers gone this long are only history: delete them.
FORGET_AFTER = datetime.timedelta(days=1)


class WorkerLost(Exception):
    """The exception recorded on a task whose workers kept dying while running it."""


def lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.CONSILIUM_WORKER_LEASE_SECONDS)


def new_worker_id() -> str:
    # Readable in the task list and unique across machines (db_worker requires < 64 chars).
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"


def beat(*, worker_id: str, task_id: uuid.UUID | None) -> None:
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(pk=worker_id).update(seen_at=now, task_id=task_id)
    if not updated:
        WorkerHeartbeat.objects.create(
            worker_id=worker_id,
            hostname=socket.gethostname()[:255],
            pid=os.getpid(),
            started_at=now,
            seen_at=now,
            task_id=task_id,
        )


def forget(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(pk=worker_id).delete()


def reclaim_lost_tasks() -> int:
    """Put back the tasks whose worker is gone; return how many were put back or given up."""
    now = timezone.now()
    cutoff = now - lease()
    held = set(
        WorkerHeartbeat.objects.filter(seen_at__gt=cutoff, task_id__isnull=False).values_list(
            "task_id", flat=True
        )
    )
    # Claimed more than a lease ago: a live worker has named its task in a heartbeat by then.
    suspects = DBTaskResult.objects.running().filter(started_at__lt=cutoff)
    reclaimed = 0
    for task in suspects.only("id", "started_at", "worker_ids", "task_path"):
        if task.id not in held:
            reclaimed += put_back(task, now=now)
    WorkerHeartbeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()
    return reclaimed


def put_back(task: DBTaskResult, *, now: datetime.datetime) -> int:
    """Queue a lost task again, or fail it if it has lost MAX_RUNS workers; 0 when someone
    else got there first."""
    # The same started_at: nobody has put it back and claimed it again since we read it.
    same_claim = DBTaskResult.objects.filter(
        pk=task.pk, status="RUNNING", started_at=task.started_at
    )
    runs = len(task.worker_ids)
    if runs >= MAX_RUNS:
        changed = same_claim.update(
            status="FAILED",
            finished_at=now,
            exception_class_path=f"{__name__}.WorkerLost",
            traceback=(
                f"The worker running this task stopped {runs} times before it finished; "
                "it is not tried again."
            ),
        )
        if changed:
            logger.error(
                "task %s (%s) lost its worker %d times: failed", task.pk, task.task_path, runs
            )
        return changed
    changed = same_claim.update(status="READY", started_at=None)
    if changed:
        logger.warning(
            "task %s (%s) lost its worker %s: queued again",
            task.pk,
            task.task_path,
            task.worker_ids[-1:],
        )
    return changed


class Heartbeat(threading.Thread):
    """Renews the worker's lease and reclaims lost tasks, on its own database connection, so a
    long task does not stop it and a database outage only pauses it."""

    def __init__(self, *, worker_id: str, current_task) -> None:
        super().__init__(name="consilium-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.current_task = current_task  # returns the id of the task running now, or None
        self.stopping = threading.Event()
        self.every = max(0.2, settings.CONSILIUM_WORKER_LEASE_SECONDS / 4)

    def run(self) -> None:
        while True:
            try:
                beat(worker_id=self.worker_id, task_id=self.current_task())
                reclaim_lost_tasks()
            except DatabaseError as exc:
                logger.warning("worker heartbeat failed (%s); trying again", exc)
            finally:
                connections.close_all()  # this thread's connections only
            if self.stopping.wait(self.every):
                return

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)


def hold(*, name: str, holder: str, duration: datetime.timedelta) -> bool:
    """Take or renew the named lease for `duration`; False while someone else holds it.
    A conditional UPDATE, so of two processes that find the lease expired only one gets it."""
    now = timezone.now()
    until = now + duration
    mine_or_free = Q(holder=holder) | Q(expires_at__lt=now)
    if Lease.objects.filter(mine_or_free, name=name).update(holder=holder, expires_at=until):
        return True
    try:
        with transaction.atomic():
            Lease.objects.create(name=name, holder=holder, expires_at=until)
    except IntegrityError:
        return False  # someone holds it, or took it between our two statements
    return True


def release(*, name: str, holder: str) -> None:
    Lease.objects.filter(name=name, holder=holder).delete()
