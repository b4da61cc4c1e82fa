import contextlib
import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from consilium.audit.actions import seals_inline
from consilium.audit.sealer import Sealer
from consilium.core import leases

logger = logging.getLogger("consilium.worker")


class LeasedWorker(Worker):
    """django-tasks-db's worker, with a lease on the task it runs (consilium.core.leases)
    and a loop that outlives a database restart instead of exiting with it."""

    current_task_id = None

    def run_task(self, db_task_result) -> None:
        self.current_task_id = db_task_result.id
        try:
            super().run_task(db_task_result)
        finally:
            self.current_task_id = None

    def run(self) -> None:
        delay = 0.5
        while True:
            started = time.monotonic()
            try:
                return super().run()
            except (OperationalError, InterfaceError) as exc:
                if not self.running:
                    raise
                if time.monotonic() - started > 60:
                    delay = 0.5  # a new outage, not the same one going on
                # A task interrupted here stays RUNNING without a lease: it is reclaimed.
                logger.warning("database unavailable (%s); trying again in %.1f s", exc, delay)
                for connection in connections.all(initialized_only=True):
                    with contextlib.suppress(Exception):  # a dead connection may not close
                        connection.close()
                time.sleep(delay)
                delay = min(delay * 2, 10)


class Command(BaseCommand):
    help = "Run a background task worker (all queues)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args: Any, **options: Any) -> None:
        DBWorkerCommand(stdout=self.stdout, stderr=self.stderr).configure_logging(
            options["verbosity"]
        )
        worker = LeasedWorker(
            queue_names=["*"],
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=False,
            max_tasks=options["max_tasks"],
            worker_id=leases.new_worker_id(),
            excluded_queue_names=[],
        )
        heartbeat = leases.Heartbeat(
            worker_id=worker.worker_id, current_task=lambda: worker.current_task_id
        )
        # Every worker offers to seal the audit log; the lease lets one of them at a time.
        sealer = Sealer(holder=worker.worker_id) if not seals_inline() else None
        if not options["batch"]:
            heartbeat.start()
            if sealer is not None:
                sealer.start()
        worker.configure_signals()
        try:
            worker.run()
        finally:
            if sealer is not None and sealer.is_alive():
                sealer.stop()
            if heartbeat.is_alive():
                heartbeat.stop()
                with contextlib.suppress(OperationalError):  # else it expires with its lease
                    leases.forget(worker.worker_id)
