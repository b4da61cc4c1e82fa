"""Reading a programme: the hours it teaches and the topics it covers."""

import datetime
from collections import Counter
from decimal import Decimal

from consilium.meetings.choices import DiagnosisGroup, Discipline, SessionKind
from consilium.meetings.models import Event, Presentation


def programme_hours(event: Event, *, days: set[datetime.date] | None = None) -> Decimal:
    """The teaching hours of the programme: sessions other than breaks, with parallel
    sessions counted once (a participant is in one room at a time). An event without a
    programme counts its whole length. `days` (local dates) keeps the sessions that start
    on those days only."""
    spans = sorted(
        event.sessions.exclude(kind=SessionKind.BREAK).values_list("starts_at", "ends_at")
    )
    if days is not None:
        spans = [s for s in spans if s[0].astimezone(event.zone).date() in days]
        if not spans:
            return Decimal("0.00")
    if not spans:
        seconds = (event.ends_at - event.starts_at).total_seconds()
    else:
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
