"""What is new to whom in a consultation.

Each action that changes a consultation calls `touch` inside its transaction: the
consultation remembers when, by whom and what last happened, and the author has read
everything up to that moment. A person's `ReadMark` says up to when they have read it; a
consultation is new to them when someone else did something after that."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from consilium.accounts.models import User
from consilium.consultations.models import Consultation, ReadMark


def touch(
    consultation: Consultation,
    *,
    actor: User | None,
    kind: str,
    at: datetime.datetime | None = None,
) -> None:
    at = at or timezone.now()
    consultation.last_activity_at = at
    consultation.last_activity_by = actor
    consultation.last_activity_kind = kind
    consultation.save(update_fields=["last_activity_at", "last_activity_by", "last_activity_kind"])
    if actor is not None:
        mark_read(user=actor, consultation=consultation, at=at)


def mark_read(
    *, user: User, consultation: Consultation, at: datetime.datetime | None = None
) -> None:
    """Bookkeeping, not a change of the record: no audit entry of its own (the read that
    causes it is audited where it happens)."""
    at = at or timezone.now()
    updated = ReadMark.objects.filter(user=user, consultation=consultation, read_at__lt=at).update(
        read_at=at
    )
    if not updated:
        ReadMark.objects.get_or_create(
            user=user, consultation=consultation, defaults={"read_at": at}
        )


def unread_rule(user: User) -> Q:
    """Consultations where someone else acted after the user last read them."""
    read_since = ReadMark.objects.filter(
        user=user,
        consultation=OuterRef("pk"),
        read_at__gte=OuterRef("last_activity_at"),
    )
    return ~Q(last_activity_by=user) & ~Q(last_activity_by__isnull=True) & ~Exists(read_since)


def with_unread(queryset: QuerySet[Consultation], user: User) -> QuerySet[Consultation]:
    read_since = ReadMark.objects.filter(
        user=user,
        consultation=OuterRef("pk"),
        read_at__gte=OuterRef("last_activity_at"),
    )
    return queryset.annotate(_read=Exists(read_since))


def is_unread(consultation: Consultation, user: User) -> bool:
    """For rows annotated by `with_unread`."""
    if consultation.last_activity_by_id in (None, user.pk):
        return False
    return not getattr(consultation, "_read", True)
