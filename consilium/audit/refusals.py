"""Refused attempts on patient objects leave a trace, without letting a scanner fill the log.

Each person (or address, for callers without one) gets ``FULL_PER_WINDOW`` entries per
window; past that, one summary entry per ``SUMMARY_EVERY`` refusals says how many there were.
The counter lives in the shared database cache, so it holds across app servers.
"""

from __future__ import annotations

import time

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpRequest

from consilium.accounts.models import User
from consilium.audit.actions import record

REFUSED = "access.refused"
FLOOD = "access.refusals_summarised"
WINDOW_SECONDS = 600
FULL_PER_WINDOW = 20
SUMMARY_EVERY = 100


def record_refusal(
    *,
    actor: User | AnonymousUser | None,
    object_type: str,
    object_id: object,
    request: HttpRequest | None = None,
) -> None:
    """Called where an access helper refuses (404 or 403) an object holding patient data."""
    who = (
        f"user:{actor.pk}"
        if isinstance(actor, User)
        else f"ip:{request.META.get('REMOTE_ADDR', '') if request else ''}"
    )
    window = int(time.time()) // WINDOW_SECONDS
    key = f"audit-refusals:{who}:{window}"
    cache.add(key, 0, WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS * 2)
        count = 1
    target = {"object_type": object_type, "object_id": str(object_id)[:64]}
    if count <= FULL_PER_WINDOW:
        record(actor=actor, verb=REFUSED, details=target, request=request)
    elif count % SUMMARY_EVERY == 0:
        record(
            actor=actor,
            verb=FLOOD,
            details={**target, "refusals_in_window": count, "window_seconds": WINDOW_SECONDS},
            request=request,
        )
