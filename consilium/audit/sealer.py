"""The sealer: links committed, unsealed audit entries into the hash chain.

Requests insert entries without any lock (consilium.audit.actions.record). One sealer at a
time, the holder of the `audit-sealer` lease (consilium.core.leases.hold), gives them their
place: it takes the entries it can see committed, in id order, and appends them after the
last sealed entry. An id taken by a transaction that commits later than a higher one is simply
sealed in a later round, after it; an id whose transaction rolled back never appears. So the
chain's order is the order of sealing (`seq`), stable once written, and it has no gaps: a
missing position is a deleted entry.

Every `consilium worker` runs a sealer thread (only the lease holder seals), the scheduler
seals on each round, and `consilium audit-seal` seals once or in a loop."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from consilium.audit.actions import chain_end
from consilium.audit.chain import entry_hash
from consilium.audit.models import AuditEntry
from consilium.core import leases

logger = logging.getLogger(__name__)

LEASE = "audit-sealer"
# Any constant works; it names the PostgreSQL advisory lock that only sealers take, so two
# sealers that somehow both think they hold the lease still append one after the other.
_SEALER_LOCK = 0x0C0_51_1A
BATCH = 2000

_UPDATE = (
    "UPDATE audit_auditentry SET seq = %s, prev_hash = %s, hash = %s, sealed_at = %s "
    "WHERE id = %s AND seq IS NULL"
)
# On PostgreSQL the whole batch is one statement: a round trip per entry kept the sealer at
# about 4,500 entries/s, behind writers appending 10,000/s.
_UPDATE_MANY = (
    "UPDATE audit_auditentry AS entry SET seq = batch.seq, prev_hash = batch.prev_hash, "
    "hash = batch.hash, sealed_at = %s "
    "FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[], %s::bigint[]) "
    "AS batch(seq, prev_hash, hash, id) "
    "WHERE entry.id = batch.id AND entry.seq IS NULL"
)


def _seal_batch(limit: int) -> int:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEALER_LOCK])
        position, prev_hash = chain_end()
        pending = list(
            AuditEntry.objects.filter(seq__isnull=True)
            .order_by("id")
            .values_list(
                "id",
                "at",
                "actor_id",
                "actor_label",
                "verb",
                "object_type",
                "object_id",
                "institution_id",
                "details",
            )[:limit]
        )
        if not pending:
            return 0
        now = timezone.now()
        updates = []
        for entry_id, at, actor_id, label, verb, otype, oid, inst, details in pending:
            position += 1
            hashed = entry_hash(
                prev_hash=prev_hash,
                position=position,
                at=at,
                actor_id=actor_id,
                actor_label=label,
                verb=verb,
                object_type=otype,
                object_id=oid,
                institution_id=inst,
                details=details,
            )
            updates.append((position, prev_hash, hashed, entry_id))
            prev_hash = hashed
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(_UPDATE_MANY, [now, *map(list, zip(*updates, strict=True))])
            else:
                cursor.executemany(_UPDATE, [(*row[:3], now, row[3]) for row in updates])
        return len(updates)


def seal(*, batch: int = BATCH) -> int:
    """Seal every entry committed and not sealed yet; return how many were sealed. Safe to
    call from several processes at once (they take turns), but the lease keeps it to one."""
    total = 0
    while True:
        sealed = _seal_batch(batch)
        total += sealed
        if sealed < batch:
            return total


def lease_duration() -> dt.timedelta:
    return dt.timedelta(seconds=max(5 * settings.CONSILIUM_AUDIT_SEAL_SECONDS, 10))


def seal_if_holder(holder: str) -> int | None:
    """Seal if `holder` holds (or now takes) the sealer's lease; None when another does."""
    if not leases.hold(name=LEASE, holder=holder, duration=lease_duration()):
        return None
    return seal()


def seal_periodically() -> int | str:
    """The scheduler's round: a catch-up for when no worker runs a sealer."""
    sealed = seal_if_holder(f"scheduler-{leases.new_worker_id()}")
    return "another sealer holds the lease" if sealed is None else sealed


class Sealer(threading.Thread):
    """Seals every CONSILIUM_AUDIT_SEAL_SECONDS on its own connection while its process
    holds the lease; a database outage only pauses it."""

    def __init__(self, *, holder: str) -> None:
        super().__init__(name="consilium-audit-sealer", daemon=True)
        self.holder = holder
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                seal_if_holder(self.holder)
            except DatabaseError as exc:
                logger.warning("audit sealer failed (%s); trying again", exc)
                connections.close_all()  # this thread's connections only
            self.stopping.wait(settings.CONSILIUM_AUDIT_SEAL_SECONDS)
        with contextlib.suppress(DatabaseError):  # else it expires on its own
            leases.release(name=LEASE, holder=self.holder)
        connections.close_all()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)
