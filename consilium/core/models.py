from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    """One running `consilium worker` and the task it is running, renewed every few seconds.
    django-tasks-db marks a task RUNNING when a worker claims it and nothing ever looks at it
    again, so a task whose worker died would stay RUNNING for ever: this row is the lease
    that tells a task being worked on from one that was lost (see consilium.core.leases)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(db_index=True)
    task_id = models.UUIDField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class Lease(models.Model):
    """A named job that one process at a time may run (the audit sealer): whoever holds an
    unexpired lease runs it and renews it; when its holder dies, the lease expires and another
    process takes it over (see consilium.core.leases.hold)."""

    name = models.CharField(max_length=64, primary_key=True)
    holder = models.CharField(max_length=64)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name}: {self.holder} until {self.expires_at:%Y-%m-%d %H:%M:%S}"
