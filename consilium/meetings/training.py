"""Training records: what a person attended, and what a partnership's events taught."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from consilium.accounts.models import Profession, User
from consilium.meetings.choices import RegistrationStatus
from consilium.meetings.models import Event, Registration
from consilium.meetings.programme import event_topics
from consilium.network.models import Partnership

ATTENDED = Q(checked_in_at__isnull=False) | Q(first_joined_at__isnull=False)


@dataclass(frozen=True)
class TrainingLine:
    registration: Registration
    event: Event
    hours: Decimal | None  # None: the event states no hours; its days count instead
    days: int
    topics: list[str]


def person_record(user: User) -> tuple[list[TrainingLine], Decimal, int]:
    """What a person's certificates say, one line each: the hours, or the days where the
    event states no hours. Returns the lines, the hours in total, and the days attended at
    events without hours (not turned into hours nobody taught)."""
    from consilium.meetings.certificates import issuable

    regs = (
        Registration.objects.filter(user=user, status=RegistrationStatus.REGISTERED)
        .filter(ATTENDED)
        .filter(Q(hours_attended__isnull=True) | Q(hours_attended__gt=0))
        .filter(certificate_revoked_at__isnull=True)
        .annotate(day_count=Count("days", distinct=True))
        .filter(day_count__gt=0)
        .select_related("event__host")
        .order_by("-event__starts_at")
    )
    lines = [
        TrainingLine(r, r.event, r.hours_attended, r.day_count, event_topics(r.event))
        for r in regs
        if issuable(r.event)
    ]
    hours = sum((line.hours for line in lines if line.hours is not None), Decimal(0))
    days = sum(line.days for line in lines if line.hours is None)
    return lines, hours, days


def partnership_events(partnership: Partnership) -> QuerySet[Event]:
    """Events organised (hosted or co-organised) by a party while the partnership held."""
    parties = list(partnership.parties.values_list("institution_id", flat=True))
    start = datetime.datetime.combine(partnership.valid_from, datetime.time.min, datetime.UTC)
    events = Event.objects.filter(Q(host_id__in=parties) | Q(co_organisers__in=parties)).filter(
        ends_at__gte=start
    )
    if partnership.valid_until:
        end = datetime.datetime.combine(partnership.valid_until, datetime.time.max, datetime.UTC)
        events = events.filter(starts_at__lte=end)
    return Event.objects.filter(pk__in=events.values("pk")).select_related("host")


def partnership_summary(partnership: Partnership) -> tuple[list[Event], list[dict]]:
    """The events with their attendance, and hours attended by profession."""
    events = list(
        partnership_events(partnership)
        .annotate(
            people=Count(
                "registrations",
                filter=Q(registrations__status=RegistrationStatus.REGISTERED)
                & (
                    Q(registrations__checked_in_at__isnull=False)
                    | Q(registrations__first_joined_at__isnull=False)
                ),
            ),
            hours=Sum(
                "registrations__hours_attended",
                filter=Q(registrations__status=RegistrationStatus.REGISTERED),
            ),
        )
        .order_by("-starts_at")
    )
    labels = dict(Profession.choices)
    rows = (
        Registration.objects.filter(
            event__in=[e.pk for e in events], status=RegistrationStatus.REGISTERED
        )
        .filter(ATTENDED)
        .values("profession")
        .annotate(people=Count("pk"), hours=Sum("hours_attended"))
        .order_by("-hours")
    )
    by_profession = [{**r, "label": labels.get(r["profession"], r["profession"])} for r in rows]
    return events, by_profession
