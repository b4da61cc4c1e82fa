"""What is new to whom in a consultation.

Each action that changes a consultation calls `touch` inside its transaction: the
consultation remembers when, by whom and what last happened, and the author has read
everything up to that moment. A person's `ReadMark` says up to when they have read it; a
consultation is new to them when someone else did something after that."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consilium.accounts.models import User
from consilium.consultations.models import (
    ACTIVE_ASSIGNMENT,
    ActivityKind,
    Assignment,
    Consultation,
    ReadMark,
)


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
    """Each row gains `is_new`: someone else acted after the user last read it."""
    return queryset.annotate(
        is_new=Case(
            When(unread_rule(user), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def is_unread(consultation: Consultation, user: User) -> bool:
    """For rows annotated by `with_unread`."""
    return bool(getattr(consultation, "is_new", False))


def following_rule(user: User) -> Q:
    """The consultations a person is part of: asked by them, assigned to them, or read or
    written by them (a requesting-team member who opened a case follows it)."""
    assigned = Assignment.objects.filter(
        consultation=OuterRef("pk"), expert=user, status__in=ACTIVE_ASSIGNMENT
    )
    marked = ReadMark.objects.filter(consultation=OuterRef("pk"), user=user)
    return Q(requested_by=user) | Exists(assigned) | Exists(marked)


_NEWS = {
    ActivityKind.REQUEST: _("%(name)s asked you something: %(pseudonym)s"),
    ActivityKind.ACCEPTED: _("%(name)s accepted %(pseudonym)s"),
    ActivityKind.MESSAGE: _("%(name)s wrote in %(pseudonym)s"),
    ActivityKind.RECOMMENDATION: _("%(name)s answered %(pseudonym)s"),
    ActivityKind.FOLLOW_UP: _("%(name)s said whether the advice on %(pseudonym)s was followed"),
    ActivityKind.WITHDRAWN: _("%(name)s withdrew %(pseudonym)s"),
    ActivityKind.SECOND_OPINION: _("%(name)s asked for a second opinion on %(pseudonym)s"),
    ActivityKind.SECOND_OPINION_WITHDRAWN: _(
        "%(name)s withdrew the second opinion request on %(pseudonym)s"
    ),
}


def news_line(consultation: Consultation) -> str:
    """'Claire answered VNCH-2025-0007', in the active language; the consultation comes with
    its patient and last_activity_by."""
    who = consultation.last_activity_by
    return str(_NEWS.get(consultation.last_activity_kind, _NEWS[ActivityKind.MESSAGE])) % {
        "name": who.full_name if who else "",
        "pseudonym": consultation.patient.pseudonym,
    }


@dataclass(frozen=True)
class News:
    text: str
    url: str
    pseudonym: str


def news_for(user: User, limit: int = 8) -> list[News]:
    """What is new to the person in the consultations they are part of, newest first."""
    from consilium.consultations.access import consultations_for_user

    rows = (
        consultations_for_user(user)
        .filter(following_rule(user))
        .filter(unread_rule(user))
        .select_related("patient", "last_activity_by")
        .order_by("-last_activity_at")[:limit]
    )
    return [
        News(
            text=news_line(c),
            url=reverse("consultations:detail", args=[c.pk]),
            pseudonym=c.patient.pseudonym,
        )
        for c in rows
    ]
