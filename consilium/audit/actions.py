"""The one way to write to the audit log; every app's actions call `record`."""

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from consilium.accounts.models import User
from consilium.audit.chain import GENESIS, entry_hash
from consilium.audit.models import AuditEntry

# Any constant works; it names the PostgreSQL advisory lock that serialises the chain.
_CHAIN_LOCK = 0x0C0_51_1A


def _client_details(request: HttpRequest | None) -> dict[str, str]:
    if request is None:
        return {}
    return {
        "ip": request.META.get("REMOTE_ADDR", ""),
        "user_agent": request.headers.get("User-Agent", "")[:200],
    }


def _chain_end() -> tuple[int, str]:
    """Take the chain's lock for this transaction and return its last id and hash."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
    # On SQLite every transaction is IMMEDIATE (see settings), so writers are already
    # serialised and two entries cannot claim the same predecessor.
    last = AuditEntry.objects.order_by("-id").values_list("id", "hash").first()
    return last if last else (0, GENESIS)


def _chained(
    *,
    prev_id: int,
    prev_hash: str,
    at: dt.datetime,
    person: User | None,
    actor_label: str,
    verb: str,
    obj: models.Model | None,
    institution_id: int | None,
    details: dict[str, Any],
) -> AuditEntry:
    """The entry that follows (prev_id, prev_hash), its hash computed, not yet saved."""
    entry = AuditEntry(
        id=prev_id + 1,
        at=at,
        actor=person,
        actor_label=actor_label or (person.email if person else ""),
        verb=verb,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        institution_id=institution_id,
        details=details,
        prev_hash=prev_hash,
    )
    entry.hash = entry_hash(
        prev_hash=prev_hash,
        entry_id=entry.id,
        at=at,
        actor_id=person.pk if person else None,
        actor_label=entry.actor_label,
        verb=verb,
        object_type=entry.object_type,
        object_id=entry.object_id,
        institution_id=institution_id,
        details=details,
    )
    return entry


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
    merged = _as_stored({**_client_details(request), **(details or {})})
    at = timezone.now().astimezone(dt.UTC)
    with transaction.atomic():
        prev_id, prev_hash = _chain_end()
        entry = _chained(
            prev_id=prev_id,
            prev_hash=prev_hash,
            at=at,
            person=person,
            actor_label=actor_label,
            verb=verb,
            obj=obj,
            institution_id=institution_id,
            details=merged,
        )
        entry.save(force_insert=True)
    return entry


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
    """Append many entries at once, in order, chained exactly as `record` chains them: for
    bulk actions, where one lock and one INSERT per batch replace a round trip per entry."""
    from consilium.registry.bulk import insert

    if not entries:
        return 0
    at = timezone.now().astimezone(dt.UTC)
    with transaction.atomic():
        prev_id, prev_hash = _chain_end()
        rows = []
        for pending in entries:
            entry = _chained(
                prev_id=prev_id,
                prev_hash=prev_hash,
                at=at,
                person=pending.actor,
                actor_label=pending.actor_label,
                verb=pending.verb,
                obj=pending.obj,
                institution_id=pending.institution_id,
                details=_as_stored(pending.details or {}),
            )
            rows.append(entry)
            prev_id, prev_hash = entry.id, entry.hash
        insert(rows, keep_pk=True)
    return len(rows)


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify_chain(batch_size: int = 5000) -> VerifyResult:
    """Recompute every hash in order; return the first entry that does not fit."""
    prev_hash = GENESIS
    prev_id = 0
    checked = 0
    rows = AuditEntry.objects.order_by("id").values_list(
        "id",
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
    for row in rows.iterator(chunk_size=batch_size):
        (entry_id, at, actor_id, label, verb, otype, oid, inst, details, stored_prev, stored) = row
        if entry_id != prev_id + 1:
            return VerifyResult(checked, entry_id, f"entry #{prev_id + 1} is missing")
        if stored_prev != prev_hash:
            return VerifyResult(checked, entry_id, "it does not link to the entry before it")
        computed = entry_hash(
            prev_hash=prev_hash,
            entry_id=entry_id,
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
            return VerifyResult(checked, entry_id, "its content does not match its hash")
        prev_hash, prev_id = stored, entry_id
        checked += 1
    return VerifyResult(checked)
