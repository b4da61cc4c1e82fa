"""The daily digest, for people who chose it on their profile: one mail a morning, in their
language and time zone, with what is new to them in the consultations they are part of,
instead of a mail for each message (consultations/mail/notify.py leaves those out for them).

The scheduler runs `run` every few minutes. A person's digest is due at DIGEST_HOUR in their
own zone; it is claimed with a conditional UPDATE of `digest_sent_at`, so two schedulers never
send it twice, and the next digest covers what came after the claim. Nothing new: no mail."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from consilium.accounts.access import roles_by_institution
from consilium.accounts.models import ConsultationMail, Role, User
from consilium.audit.actions import record
from consilium.consultations import activity
from consilium.consultations.access import consultations_for_user
from consilium.consultations.mail import notify
from consilium.consultations.models import (
    Consultation,
    Message,
    ReadMark,
    Recommendation,
    RecommendationStatus,
)
from consilium.core.tasks import send_email
from consilium.lib.enqueue import enqueue_in_transaction

DIGEST_HOUR = 7
# A digest stays a mail one reads on a phone: the rest is one link away.
MAX_CONSULTATIONS = 20
MAX_MESSAGES = 3
EXCERPT_CHARS = 600
FIRST_DIGEST_WINDOW = datetime.timedelta(days=1)


@dataclass
class Item:
    consultation: Consultation
    news: str
    url: str
    reply_to: str
    messages: list[Message] = field(default_factory=list)
    more_messages: int = 0
    # The first opinion and, where one was asked, the second: each in its own lines.
    recommendations: list[Recommendation] = field(default_factory=list)


def last_due(person: User, now: datetime.datetime) -> datetime.datetime:
    """The latest DIGEST_HOUR in the person's zone at or before `now`."""
    local = now.astimezone(ZoneInfo(person.time_zone or "UTC"))
    due = local.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if due > local:
        # Wall-clock arithmetic: 07:00 yesterday, whatever the clocks did overnight.
        due -= datetime.timedelta(days=1)
    return due


def run(now: datetime.datetime | None = None) -> dict[str, int]:
    """Periodic job: each digest person whose morning has come gets what is new."""
    now = now or timezone.now()
    counts = {"sent": 0, "empty": 0}
    people = User.objects.filter(is_active=True, consultation_mail=ConsultationMail.DIGEST)
    for person in people.order_by("pk"):
        previous = person.digest_sent_at
        if previous is not None and previous >= last_due(person, now):
            continue
        with transaction.atomic():
            claimed = User.objects.filter(pk=person.pk, digest_sent_at=previous).update(
                digest_sent_at=now
            )
            if not claimed:
                continue  # another scheduler took it
            sent = send_digest(person, since=previous or now - FIRST_DIGEST_WINDOW)
        counts["sent" if sent else "empty"] += 1
    return counts


def gather(person: User, *, since: datetime.datetime) -> tuple[list[Item], int]:
    """What is new to the person since `since`, in the consultations they may still see and
    are part of; and how many such consultations there are in all."""
    rows = (
        consultations_for_user(person)
        .filter(notify.participant_rule(person))
        .filter(activity.unread_rule(person))
        .filter(last_activity_at__gt=since)
        .select_related("patient", "last_activity_by")
        .order_by("-last_activity_at")
    )
    total = rows.count()
    consultations = list(rows[:MAX_CONSULTATIONS])
    if not consultations:
        return [], 0
    ids = [c.pk for c in consultations]
    read_at = dict(
        ReadMark.objects.filter(user=person, consultation_id__in=ids).values_list(
            "consultation_id", "read_at"
        )
    )
    messages: dict[int, list[Message]] = {}
    for message in (
        Message.objects.filter(consultation_id__in=ids, created_at__gt=since)
        .exclude(author=person)
        .select_related("author")
        .order_by("created_at")
    ):
        seen = read_at.get(message.consultation_id)
        if seen is None or message.created_at > seen:
            messages.setdefault(message.consultation_id, []).append(message)
    recommendations: dict[int, list[Recommendation]] = {}
    for recommendation in (
        Recommendation.objects.filter(
            consultation_id__in=ids, status=RecommendationStatus.FINAL, finalised_at__gt=since
        )
        .exclude(author=person)
        .select_related("author")
        .order_by("finalised_at")
    ):
        recommendations.setdefault(recommendation.consultation_id, []).append(recommendation)
    items = []
    for consultation in consultations:
        # The discussion goes to clinicians and experts only (as in notify.reaches).
        roles = roles_by_institution(person).get(consultation.requesting_institution_id)
        discussion = (
            messages.get(consultation.pk, []) if not roles or Role.CLINICIAN in roles else []
        )
        items.append(
            Item(
                consultation=consultation,
                news=activity.news_line(consultation),
                url=settings.SITE_URL + reverse("consultations:detail", args=[consultation.pk]),
                reply_to=notify.reply_address(consultation, person),
                messages=discussion[-MAX_MESSAGES:],
                more_messages=max(0, len(discussion) - MAX_MESSAGES),
                recommendations=recommendations.get(consultation.pk, []),
            )
        )
    return items, total


def send_digest(person: User, *, since: datetime.datetime) -> bool:
    """Queue the person's digest in the current transaction; False when nothing is new."""
    language = person.language or settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(ZoneInfo(person.time_zone or "UTC")):
        items, total = gather(person, since=since)
        if not items:
            return False
        url = settings.SITE_URL + reverse("consultations:queue")
        values = {
            "person": person,
            "items": items,
            "total": total,
            "more": total - len(items),
            "since": since,
            "url": url,
            "excerpt_chars": EXCERPT_CHARS,
        }
        subject = render_to_string("consultations/email/digest_subject.txt", values)
        body = render_to_string("consultations/email/digest.txt", values)
        html = render_to_string(
            "consultations/email/base.html", {**values, "body": body, "button": "archive"}
        )
    enqueue_in_transaction(
        send_email,
        subject=" ".join(subject.split()),
        body=body,
        html=html,
        to=[person.email],
        headers={"Auto-Submitted": "auto-generated", "X-Consilium-Digest": "daily"},
    )
    record(
        actor=None,
        verb="consultations.digest_sent",
        obj=person,
        details={
            "to": person.email,
            "pseudonyms": [item.consultation.patient.pseudonym for item in items],
        },
    )
    return True
