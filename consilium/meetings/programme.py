"""Reading a programme: the hours it teaches and the topics it covers."""

import datetime
from collections import Counter
from decimal import Decimal

from consilium.meetings.choices import DiagnosisGroup, Discipline, EventKind, SessionKind
from consilium.meetings.models import Event, Presentation


def programme_hours(event: Event, *, days: set[datetime.date] | None = None) -> Decimal:
    """The teaching hours of the programme: sessions other than breaks, with parallel
    sessions counted once (a participant is in one room at a time). `days` (local dates)
    keeps the sessions that start on those days only. Zero without a programme."""
    spans = sorted(
        event.sessions.exclude(kind=SessionKind.BREAK).values_list("starts_at", "ends_at")
    )
    if days is not None:
        spans = [s for s in spans if s[0].astimezone(event.zone).date() in days]
    if not spans:
        return Decimal("0.00")
    seconds = 0.0
    current_start, current_end = spans[0]
    for start, end in spans[1:]:
        if start <= current_end:
            current_end = max(current_end, end)
        else:
            seconds += (current_end - current_start).total_seconds()
            current_start, current_end = start, end
    seconds += (current_end - current_start).total_seconds()
    return Decimal(seconds / 3600).quantize(Decimal("0.01"))


# A meeting of these kinds shorter than a day is one sitting without breaks: its length is
# what it teaches. A workshop's day from 08:30 to 17:00 is not (lunch, coffee).
ONE_SITTING = {EventKind.TUMOUR_BOARD, EventKind.WEBINAR}


def teaching_hours(event: Event, *, days: set[datetime.date] | None = None) -> Decimal | None:
    """The hours an event teaches (on `days`, local dates, when given), and only hours
    someone can vouch for: the programme's sessions where there is a programme; else the
    hours the organisers stated, shared equally between the days; else a board's or
    webinar's length. None otherwise: nobody knows, and certificates name the days
    attended instead of inventing hours from the wall clock."""
    if event.sessions.exclude(kind=SessionKind.BREAK).exists():
        return programme_hours(event, days=days)
    all_days = event.days()
    counted = len(all_days) if days is None else len(set(all_days) & set(days))
    if event.teaching_hours is not None:
        share = Decimal(counted) / Decimal(len(all_days))
        return (event.teaching_hours * share).quantize(Decimal("0.01"))
    if event.kind in ONE_SITTING and len(all_days) == 1:
        seconds = (event.ends_at - event.starts_at).total_seconds() if counted else 0
        return Decimal(seconds / 3600).quantize(Decimal("0.01"))
    return None


def topic_counts(presentations: list[Presentation]) -> list[tuple[str, int]]:
    """Presentations by diagnosis group and by discipline, labelled, most frequent first."""
    labels = {**dict(DiagnosisGroup.choices), **dict(Discipline.choices)}
    counts: Counter[str] = Counter()
    for p in presentations:
        counts.update(p.diagnosis_groups)
        counts.update(p.disciplines)
    return [(str(labels.get(key, key)), n) for key, n in counts.most_common()]


def event_topics(event: Event) -> list[str]:
    """The topics of an event, for certificates and training records."""
    presentations = list(Presentation.objects.filter(session__event=event))
    return [label for label, _ in topic_counts(presentations)]
