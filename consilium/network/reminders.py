"""Milestone reminder mail: which milestones need one today, and the message itself."""

import datetime
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from consilium.core.tasks import send_email
from consilium.lib.enqueue import enqueue_in_transaction
from consilium.network.models import OPEN_MILESTONE_STATUSES, Milestone

SOON = "soon"
OVERDUE = "overdue"
DAYS_BEFORE = 7


def due_reminders(today: datetime.date) -> Iterator[tuple[Milestone, str]]:
    open_with_owner = Milestone.objects.filter(
        status__in=OPEN_MILESTONE_STATUSES, owner__isnull=False, owner__is_active=True
    ).select_related("owner", "area__partnership")
    soon = open_with_owner.filter(
        Q(due_on__gte=today) & Q(due_on__lte=today + datetime.timedelta(days=DAYS_BEFORE)),
        reminded_before_on__isnull=True,
    )
    overdue = open_with_owner.filter(due_on__lt=today, reminded_overdue_on__isnull=True)
    for milestone in soon:
        yield milestone, SOON
    for milestone in overdue:
        yield milestone, OVERDUE


def enqueue_reminder(milestone: Milestone, kind: str, today: datetime.date) -> None:
    owner = milestone.owner
    partnership = milestone.area.partnership
    context = {
        "owner": owner,
        "milestone": milestone,
        "area": milestone.area,
        "partnership": partnership,
        "kind": kind,
        "days_left": (milestone.due_on - today).days,
        "days_late": (today - milestone.due_on).days,
        "url": settings.SITE_URL + reverse("network:partnership", args=[partnership.pk]),
    }
    # In the owner's language, whatever language the worker happens to run in.
    with translation.override(owner.language or settings.LANGUAGE_CODE):
        subject = render_to_string("network/email/milestone_reminder_subject.txt", context)
        body = render_to_string("network/email/milestone_reminder.txt", context)
        html = render_to_string("network/email/milestone_reminder.html", context)
    enqueue_in_transaction(
        send_email, subject=" ".join(subject.split()), body=body, html=html, to=[owner.email]
    )
