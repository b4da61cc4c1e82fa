"""The consultation clocks, run by the scheduler: reminders before a first reply is due,
escalation after it, the follow-up question weeks after a recommendation, and the reminder
of a second opinion before its own reply is due, then word to whoever asked for it once it is
overdue (they may withdraw it and ask someone else)."""

import datetime
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from consilium.audit.actions import record
from consilium.consultations.mail import notify
from consilium.consultations.models import (
    ACTIVE_ASSIGNMENT,
    OPEN_SECOND_OPINION,
    OPEN_STATUSES,
    Consultation,
    ConsultationStatus,
    SecondOpinion,
)

# Remind the offered experts when this share of the reply window is left.
REMIND_WHEN_LEFT = 0.25


def run(now: datetime.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    counts = {
        "reminded": 0,
        "escalated": 0,
        "follow_ups": 0,
        "second_opinions_reminded": 0,
        "second_opinions_overdue": 0,
    }
    waiting = Consultation.objects.filter(status__in=OPEN_STATUSES, first_reply_at__isnull=True)
    for consultation in waiting.filter(reminded_at__isnull=True, first_reply_due__gt=now):
        window = consultation.first_reply_due - consultation.created_at
        if consultation.first_reply_due - now <= window * REMIND_WHEN_LEFT:
            counts["reminded"] += _once(consultation, "reminded_at", now, _remind)
    for consultation in waiting.filter(escalated_at__isnull=True, first_reply_due__lte=now):
        counts["escalated"] += _once(consultation, "escalated_at", now, _escalate)
    due = Consultation.objects.filter(
        status=ConsultationStatus.RECOMMENDED,
        follow_up_due_on__lte=timezone.localdate(now),
        follow_up_asked_at__isnull=True,
    )
    for consultation in due:
        counts["follow_ups"] += _once(consultation, "follow_up_asked_at", now, _ask_follow_up)
    second = SecondOpinion.objects.filter(
        status__in=OPEN_SECOND_OPINION, reminded_at__isnull=True, reply_due__gt=now
    ).select_related("consultation")
    for opinion in second:
        if opinion.reply_due - now <= (opinion.reply_due - opinion.created_at) * REMIND_WHEN_LEFT:
            counts["second_opinions_reminded"] += _once(
                opinion, "reminded_at", now, _remind_second_opinion
            )
    overdue = SecondOpinion.objects.filter(
        status__in=OPEN_SECOND_OPINION, overdue_told_at__isnull=True, reply_due__lte=now
    ).select_related("consultation", "invited_by", "expert_institution")
    for opinion in overdue:
        counts["second_opinions_overdue"] += _once(
            opinion, "overdue_told_at", now, _second_opinion_overdue
        )
    return counts


def _second_opinion_overdue(opinion: SecondOpinion) -> None:
    """Tell whoever asked, once: unlike the first opinion's, nobody is offered it next, as the
    asker chose this expert or centre and decides whether to wait, withdraw or ask another."""
    _tell(opinion, [opinion.invited_by], "second_opinion_overdue", "second_opinion_overdue")


def _remind_second_opinion(opinion: SecondOpinion) -> None:
    active = opinion.assignments.filter(status__in=ACTIVE_ASSIGNMENT).select_related("expert")
    _tell(opinion, [a.expert for a in active], "second_opinion_reminder", "second_opinion_reminded")


def _tell(opinion: SecondOpinion, people: list, template: str, verb: str) -> None:
    notify.send(opinion.consultation, people, template, context={"second_opinion": opinion})
    record(
        actor=None,
        verb=f"consultations.{verb}",
        obj=opinion.consultation,
        details={"second_opinion": opinion.pk},
    )


def _once(
    obj: Consultation | SecondOpinion, field: str, now: datetime.datetime, step: Callable
) -> int:
    """Claim the step with a conditional UPDATE, so two schedulers never both send it."""
    with transaction.atomic():
        claimed = (
            type(obj).objects.filter(pk=obj.pk, **{f"{field}__isnull": True}).update(**{field: now})
        )
        if not claimed:
            return 0
        step(obj)
    return 1


def _remind(consultation: Consultation) -> None:
    experts = list(
        consultation.assignments.filter(
            status__in=ACTIVE_ASSIGNMENT, second_opinion__isnull=True
        ).select_related("expert")
    )
    notify.send(consultation, [a.expert for a in experts], "reminder")
    record(actor=None, verb="consultations.reminded", obj=consultation)


def _escalate(consultation: Consultation) -> None:
    from consilium.consultations.actions import offer_to_next_expert

    offer_to_next_expert(consultation, assigned_by=None)
    notify.send(consultation, notify.partner_coordinators(consultation), "escalated")
    record(actor=None, verb="consultations.escalated", obj=consultation)


def _ask_follow_up(consultation: Consultation) -> None:
    # Its people, not the whole hospital: the asker and the clinicians who follow it.
    notify.send(consultation, notify.followers(consultation), "follow_up")
    record(actor=None, verb="consultations.follow_up_asked", obj=consultation)
