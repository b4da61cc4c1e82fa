"""What waits for the signed-in person, gathered from every module for the home page.

Mostly counts and links to the pages that list the items: the home page is the first thing a
clinician on a 2G link loads. The one exception, what is new in the person's consultations
("Claire answered VNCH-2025-0007"), names pseudonyms, so showing it is audited. Each
count goes through the module's own access helper, so it never counts what the person may
not open."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from consilium.accounts.access import institution_ids_with_role, roles_by_institution
from consilium.accounts.models import Role, User
from consilium.audit.actions import record
from consilium.consultations import activity
from consilium.consultations.access import consultations_for_user, requester_institution_ids
from consilium.consultations.models import (
    ACTIVE_ASSIGNMENT,
    OPEN_STATUSES,
    Assignment,
    ConsultationStatus,
)
from consilium.library.access import pending_for
from consilium.meetings.access import visible_events
from consilium.meetings.choices import RegistrationStatus
from consilium.network.access import managed_institution_ids
from consilium.network.models import OPEN_MILESTONE_STATUSES, Milestone
from consilium.registry.access import clinical_institutions
from consilium.registry.models import QualityIssue

UPCOMING_DAYS = 14


@dataclass(frozen=True, slots=True)
class Item:
    text: str
    url: str
    urgent: bool = False
    new: bool = False


def waiting_items(user: User) -> list[Item]:
    news = activity.news_for(user)
    if news:
        # Pseudonyms are patient data: the home page's read of them is audited.
        record(
            actor=user,
            verb="consultations.news_viewed",
            details={"shown": sorted({n.pseudonym for n in news})},
        )
    items: list[Item] = [Item(n.text, n.url, new=True) for n in news]
    visible = consultations_for_user(user)
    queue = reverse("consultations:queue")
    mine = Assignment.objects.filter(expert=user, status__in=ACTIVE_ASSIGNMENT).values(
        "consultation_id"
    )
    to_answer = visible.filter(pk__in=mine, status__in=OPEN_STATUSES)
    if count := to_answer.count():
        overdue = to_answer.filter(first_reply_due__lt=timezone.now()).exists()
        items.append(
            Item(
                ngettext(
                    "%(count)d consultation waits for your answer",
                    "%(count)d consultations wait for your answer",
                    count,
                )
                % {"count": count},
                queue,
                urgent=overdue,
            )
        )
    ours = visible.filter(requesting_institution_id__in=requester_institution_ids(user))
    follow_up = ours.filter(
        status=ConsultationStatus.RECOMMENDED, follow_up_asked_at__isnull=False
    ).count()
    if follow_up:
        items.append(
            Item(
                ngettext(
                    "%(count)d recommendation asks whether it was followed",
                    "%(count)d recommendations ask whether they were followed",
                    follow_up,
                )
                % {"count": follow_up},
                queue,
            )
        )
    triage_ids = institution_ids_with_role(user, {Role.COORDINATOR, Role.ADMIN})
    if triage_ids:
        triage = (
            visible.filter(
                expert_institution_id__in=triage_ids, status=ConsultationStatus.SUBMITTED
            )
            .exclude(assignments__status__in=ACTIVE_ASSIGNMENT)
            .distinct()
            .count()
        )
        if triage:
            items.append(
                Item(
                    ngettext(
                        "%(count)d consultation needs an expert assigned",
                        "%(count)d consultations need an expert assigned",
                        triage,
                    )
                    % {"count": triage},
                    queue,
                    urgent=True,
                )
            )
    items += _network_items(user)
    items += _library_items(user)
    items += _registry_items(user)
    return items


def _network_items(user: User) -> list[Item]:
    managed = managed_institution_ids(user)
    if not managed:
        return []
    overdue = (
        Milestone.objects.filter(
            area__partnership__parties__institution_id__in=managed,
            status__in=OPEN_MILESTONE_STATUSES,
            due_on__lt=timezone.localdate(),
        )
        .distinct()
        .count()
    )
    if not overdue:
        return []
    text = ngettext(
        "%(count)d partnership milestone is overdue",
        "%(count)d partnership milestones are overdue",
        overdue,
    ) % {"count": overdue}
    return [Item(text, reverse("network:dashboard"), urgent=True)]


def _library_items(user: User) -> list[Item]:
    pending = len(pending_for(user))
    if not pending:
        return []
    text = ngettext(
        "%(count)d procedure in force asks you to acknowledge it",
        "%(count)d procedures in force ask you to acknowledge them",
        pending,
    ) % {"count": pending}
    return [Item(text, reverse("library:home"))]


def _registry_items(user: User) -> list[Item]:
    items = []
    for institution in clinical_institutions(user):
        warnings = QualityIssue.objects.filter(
            patient__institution=institution, confirmed_at__isnull=True
        ).count()
        if warnings:
            text = ngettext(
                "%(count)d open data-quality finding at %(institution)s",
                "%(count)d open data-quality findings at %(institution)s",
                warnings,
            ) % {"count": warnings, "institution": institution.code}
            items.append(Item(text, reverse("registry:quality", args=[institution.code])))
    return items


@dataclass(frozen=True, slots=True)
class Upcoming:
    title: str
    starts_at: datetime.datetime
    url: str
    registered: bool


def upcoming_events(user: User, *, limit: int = 5) -> list[Upcoming]:
    """The next events the person may see that they registered for or that their
    institutions run, soonest first."""
    now = timezone.now()
    own = set(roles_by_institution(user))
    events = (
        visible_events(user)
        .filter(ends_at__gte=now, starts_at__lte=now + datetime.timedelta(days=UPCOMING_DAYS))
        .order_by("starts_at")
    )
    registered = set(
        user.registrations.filter(
            event__in=events, status=RegistrationStatus.REGISTERED
        ).values_list("event_id", flat=True)
    )
    chosen = [
        e
        for e in events.only("pk", "title", "starts_at", "host_id")[:50]
        if e.pk in registered or e.host_id in own
    ]
    return [
        Upcoming(e.title, e.starts_at, reverse("meetings:event", args=[e.pk]), e.pk in registered)
        for e in chosen[:limit]
    ]
