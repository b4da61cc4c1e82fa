"""The hash chain of the audit log: how an entry's hash is computed from its content and
its position in the chain (its `seq`; entries sealed before the sealer existed have seq = id)."""

import hashlib
import json
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


def entry_hash(
    *,
    prev_hash: str,
    position: int,
    at: datetime,
    actor_id: int | None,
    actor_label: str,
    verb: str,
    object_type: str,
    object_id: str,
    institution_id: int | None,
    details: dict[str, Any],
) -> str:
    # Canonical JSON (sorted keys, no spaces) so the hash does not depend on how a database
    # happens to return a JSON column.
    payload = json.dumps(
        [
            prev_hash,
            position,
            at.isoformat(timespec="microseconds"),
            actor_id,
            actor_label,
            verb,
            object_type,
            object_id,
            institution_id,
            details,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()
