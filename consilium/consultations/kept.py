"""Typed work that outlives its session. A message, a recommendation or a request posted after
the session expired is kept against a one-time key before the session ends; signed in again,
the person is brought back to the form with the text in it and asked to send it (it is never
sent for them). A draft autosave that arrives late is kept as the draft it is.

SessionTimeoutMiddleware calls `keeper` (registered in apps.py) with the expiring session's
person, after checking the post's CSRF token: only that person's own browser can have posted
it. The key's hash is stored, never the key; only its owner can redeem it, once."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.http import HttpRequest
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from consilium.accounts.models import User
from consilium.consultations import drafts
from consilium.consultations.access import (
    Side,
    consultations_for_user,
    requester_institution_ids,
    side_of,
)
from consilium.consultations.models import Consultation, DraftKind, KeptPost

# Long enough for a night shift to end and the person to sign in again the next day.
LIFETIME = timedelta(days=7)
# The actions of the consultation page whose typed text is worth keeping.
ACTION_KINDS = {
    "message": DraftKind.MESSAGE,
    "draft": DraftKind.RECOMMENDATION,
    "finalise": DraftKind.RECOMMENDATION,
}


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class _Post:
    kind: str
    consultation: Consultation | None
    autosave: bool = False


def _what(request: HttpRequest, user: User) -> _Post | None:
    """Which form this post came from, if it is one we keep and the person may still use."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.namespace != "consultations":
        return None
    name, kwargs = match.url_name, match.kwargs
    if name == "new":
        kind, pk, autosave = DraftKind.REQUEST, None, False
    elif name == "act" and kwargs.get("action") in ACTION_KINDS:
        kind, pk, autosave = ACTION_KINDS[kwargs["action"]], kwargs["pk"], False
    elif name == "draft" and request.POST.get("kind") in drafts.FIELDS:
        kind, autosave = request.POST["kind"], True
        raw = request.POST.get("consultation", "")
        pk = int(raw) if raw.isdigit() and len(raw) <= 12 else None
        if (kind in drafts.IN_CONSULTATION) != (pk is not None):
            return None
    else:
        return None
    if pk is None:
        return _Post(kind, None, autosave) if requester_institution_ids(user) else None
    consultation = consultations_for_user(user).filter(pk=pk).first()
    if consultation is None:
        return None
    if kind == DraftKind.RECOMMENDATION and side_of(user, consultation) != Side.EXPERT:
        return None
    return _Post(kind, consultation, autosave)


def form_path(kind: str, consultation_id: int | None) -> str:
    if consultation_id is None:
        return reverse("consultations:new")
    anchor = "#recommendation" if kind == DraftKind.RECOMMENDATION else "#message-form"
    return reverse("consultations:detail", args=[consultation_id]) + anchor


def keeper(request: HttpRequest, user: User) -> str | None:
    post = _what(request, user)
    if post is None:
        return None
    data = {k: v for k in drafts.FIELDS[post.kind] if (v := request.POST.get(k, ""))}
    if not any(data.get(k) for k in drafts.TYPED) or sum(map(len, data.values())) > (
        drafts.MAX_CHARS
    ):
        return None
    consultation_id = post.consultation.pk if post.consultation else None
    if post.autosave:
        drafts.save_draft(actor=user, kind=post.kind, consultation=post.consultation, data=data)
        return form_path(post.kind, consultation_id)
    key = secrets.token_urlsafe(24)
    KeptPost.objects.create(
        user=user,
        key_hash=_hash(key),
        kind=post.kind,
        consultation=post.consultation,
        data=data,
        had_files=bool(request.FILES),
    )
    return reverse("consultations:kept", args=[key])


def redeem(user: User, key: str) -> KeptPost | None:
    """The person's kept post, once: a replayed key, someone else's key, an old one or one
    for a consultation the person can no longer see is None and changes nothing."""
    if not key or len(key) > 64:
        return None
    with transaction.atomic():
        kept = (
            KeptPost.objects.select_for_update()
            .filter(
                key_hash=_hash(key),
                user=user,
                used_at__isnull=True,
                created_at__gte=timezone.now() - LIFETIME,
            )
            .first()
        )
        if kept is None:
            return None
        if kept.consultation_id is not None and not (
            consultations_for_user(user).filter(pk=kept.consultation_id).exists()
        ):
            return None  # no longer theirs to see: kept as it was, shown to nobody
        data = kept.data
        # The text moves into the draft store; the kept copy keeps no text once used.
        KeptPost.objects.filter(pk=kept.pk).update(used_at=timezone.now(), data={})
    kept.data = data
    return kept
