"""The one way to write to the audit log; every app's actions call `record`.

An entry is inserted unsealed and takes no lock, so a request never waits for another
request's audit entry nor holds a lock that orders it against other rows; the sealer
(consilium.audit.sealer) links entries into the hash chain shortly after they commit. On
SQLite, where every write transaction is IMMEDIATE and writers are serialised anyway, the
entry is sealed as it is inserted: nothing waits that was not already waiting."""

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from consilium.accounts.models import User
from consilium.audit.chain import GENESIS, entry_hash
from consilium.audit.models import AuditEntry


def _client_details(request: HttpRequest | None) -> dict[str, str]:
    if request is None:
        return {}
    return {
        "ip": request.META.get("REMOTE_ADDR", ""),
        "user_agent": request.headers.get("User-Agent", "")[:200],
    }


def seals_inline() -> bool:
    """Whether `record` seals its entry itself: SQLite's default (see the module docstring)."""
    setting = getattr(settings, "CONSILIUM_AUDIT_SEAL_INLINE", None)
    return connection.vendor == "sqlite" if setting is None else bool(setting)


def chain_end() -> tuple[int, str]:
    """The position and hash of the last sealed entry. Only for those who hold the chain:
    the sealer, or an inline seal inside SQLite's serialised write transaction."""
    last = (
        AuditEntry.objects.filter(seq__isnull=False)
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    return last if last else (0, GENESIS)


def _seal_in_place(entries: Sequence[AuditEntry]) -> None:
    """Give unsaved entries their place at the end of the chain (inline sealing)."""
    position, prev_hash = chain_end()
    now = timezone.now()
    for entry in entries:
        position += 1
        entry.seq = position
        entry.prev_hash = prev_hash
        entry.sealed_at = now
        entry.hash = entry_hash(
            position=position,
            prev_hash=prev_hash,
            at=entry.at,
            actor_id=entry.actor_id,
            actor_label=entry.actor_label,
            verb=entry.verb,
            object_type=entry.object_type,
            object_id=entry.object_id,
            institution_id=entry.institution_id,
            details=entry.details,
        )
        prev_hash = entry.hash


def _entry(
    *,
    at: dt.datetime,
    person: User | None,
    actor_label: str,
    verb: str,
    obj: models.Model | None,
    institution_id: int | None,
    details: dict[str, Any],
) -> AuditEntry:
    return AuditEntry(
        at=at,
        actor=person,
        actor_label=actor_label or (person.email if person else ""),
        verb=verb,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        institution_id=institution_id,
        details=details,
    )


def _as_stored(details: dict[str, Any]) -> dict[str, Any]:
    # Round-trip through JSON now so the hashed content is exactly what the database keeps.
    return json.loads(json.dumps(details, default=str))


def record(
    *,
    actor: User | AnonymousUser | None,
    verb: str,
    obj: models.Model | None = None,
    institution_id: int | None = None,
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    actor_label: str = "",
) -> AuditEntry:
    """Append an entry to the audit log, inside the caller's transaction if there is one."""
    person = actor if isinstance(actor, User) else None
    entry = _entry(
        at=timezone.now().astimezone(dt.UTC),
        person=person,
        actor_label=actor_label,
        verb=verb,
        obj=obj,
        institution_id=institution_id,
        details=_as_stored({**_client_details(request), **(details or {})}),
    )
    if seals_inline():
        with transaction.atomic():
            _seal_in_place([entry])
            entry.save(force_insert=True)
    else:
        _insert_unsealed(entry)
    return entry


_INSERT_UNSEALED = (
    "INSERT INTO audit_auditentry (at, actor_id, actor_label, verb, object_type, object_id,"
    " institution_id, details, prev_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, '')"
    " RETURNING id"
)
# The same, committed without waiting for the write-ahead log's flush to disk (PostgreSQL's
# synchronous_commit off, for this one statement's transaction only: set_config's `true`).
# One statement, so it costs no round trip more than the plain insert.
_INSERT_UNSEALED_NO_WAIT = (
    f"WITH entry AS ({_INSERT_UNSEALED})"  # noqa: S608 (constants only, no input)
    " SELECT entry.id FROM entry, set_config('synchronous_commit', 'off', true)"
)

# Entries of reads: a page, list, search or file shown. They are most of the log (every
# audited page view) and stand alone, in autocommit, with no change to go with them, so on
# PostgreSQL they commit without waiting for the disk flush, which was most of their cost
# (a lone writer waited ~6 ms a flush for 0.3 ms of work; docs/benchmarks.md, issue 22).
# What a crash of the database server itself (not of the
# application) can lose is the last fraction of a second of these entries (at most three
# times wal_writer_delay, 0.6 s by default); a change's entry, which commits with the change,
# and every seal always wait for the disk, and a seal's flush carries every entry before it.
# CONSILIUM_AUDIT_READS_WAIT_FOR_DISK makes reads wait too (docs/deploy.md).
READS = frozenset(
    {
        "consultations.viewed",
        "consultations.list_viewed",
        "consultations.news_viewed",
        "consultations.file_downloaded",
        "consultations.patient_chooser_searched",
        "registry.patient_viewed",
        "registry.patient_list_viewed",
        "registry.quality_viewed",
        "navigation.patient_viewed",
        "search.performed",
        "search.similar_shown",
        "library.sendouts_listed",
        "library.sendout_viewed",
        "library.file_downloaded",
        "meetings.minutes_read",
    }
)


def _waits_for_disk(verb: str) -> bool:
    if verb not in READS or connection.in_atomic_block or connection.vendor != "postgresql":
        return True
    return settings.CONSILIUM_AUDIT_READS_WAIT_FOR_DISK


def _insert_unsealed(entry: AuditEntry) -> None:
    # Every audited page view comes here. One statement, which is atomic by itself and joins
    # the caller's transaction when there is one: the ORM's save inside atomic() cost three
    # round trips and about 1 ms of CPU, a third of it in Django (bench_audit_throughput).
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_UNSEALED if _waits_for_disk(entry.verb) else _INSERT_UNSEALED_NO_WAIT,
            [
                entry.at,
                entry.actor_id,
                entry.actor_label,
                entry.verb,
                entry.object_type,
                entry.object_id,
                entry.institution_id,
                json.dumps(entry.details),
            ],
        )
        entry.pk = cursor.fetchone()[0]
    entry._state.adding = False
    entry._state.db = connection.alias


@dataclass(frozen=True)
class Pending:
    """One entry for `record_many`: the arguments `record` takes."""

    actor: User | None
    verb: str
    obj: models.Model | None = None
    institution_id: int | None = None
    details: dict[str, Any] | None = None
    actor_label: str = ""


def record_many(entries: Sequence[Pending]) -> int:
    """Append many entries at once, in order: for bulk actions, where one INSERT per batch
    replaces a round trip per entry."""
    from consilium.registry.bulk import insert

    if not entries:
        return 0
    at = timezone.now().astimezone(dt.UTC)
    rows = [
        _entry(
            at=at,
            person=pending.actor,
            actor_label=pending.actor_label,
            verb=pending.verb,
            obj=pending.obj,
            institution_id=pending.institution_id,
            details=_as_stored(pending.details or {}),
        )
        for pending in entries
    ]
    with transaction.atomic():
        if seals_inline():
            _seal_in_place(rows)
        insert(rows)
    return len(rows)


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    broken_id: int | None = None
    reason: str = ""
    unsealed: int = 0
    # Unsealed entries older than the bound given to verify_chain: the sealer is not running.
    overdue: int = 0
    oldest_unsealed_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify_chain(
    batch_size: int = 5000, *, unsealed_bound: dt.timedelta = dt.timedelta(minutes=1)
) -> VerifyResult:
    """Recompute every sealed entry's hash in chain order; return the first entry that does
    not fit, and count the entries not sealed yet (and those unsealed for too long)."""
    prev_hash = GENESIS
    position = 0
    checked = 0
    rows = (
        AuditEntry.objects.filter(seq__isnull=False)
        .order_by("seq")
        .values_list(
            "id",
            "seq",
            "at",
            "actor_id",
            "actor_label",
            "verb",
            "object_type",
            "object_id",
            "institution_id",
            "details",
            "prev_hash",
            "hash",
        )
    )
    unsealed = AuditEntry.objects.filter(seq__isnull=True)
    overdue = unsealed.filter(at__lt=timezone.now() - unsealed_bound)
    counts = {
        "unsealed": unsealed.count(),
        "overdue": overdue.count(),
        "oldest_unsealed_id": overdue.order_by("id").values_list("id", flat=True).first(),
    }
    for row in rows.iterator(chunk_size=batch_size):
        (
            entry_id,
            seq,
            at,
            actor_id,
            label,
            verb,
            otype,
            oid,
            inst,
            details,
            stored_prev,
            stored,
        ) = row
        if seq != position + 1:
            reason = f"the entry sealed at position {position + 1} is missing"
            return VerifyResult(checked, entry_id, reason, **counts)
        if stored_prev != prev_hash:
            reason = "it does not link to the entry before it"
            return VerifyResult(checked, entry_id, reason, **counts)
        computed = entry_hash(
            position=seq,
            prev_hash=prev_hash,
            at=at,
            actor_id=actor_id,
            actor_label=label,
            verb=verb,
            object_type=otype,
            object_id=oid,
            institution_id=inst,
            details=details,
        )
        if computed != stored:
            return VerifyResult(checked, entry_id, "its content does not match its hash", **counts)
        prev_hash, position = stored, seq
        checked += 1
    return VerifyResult(checked, **counts)
