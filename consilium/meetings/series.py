"""The dates of a recurring meeting: every N weeks on a weekday, at a wall-clock time in
the series' own zone, so 14:00 in Paris stays 14:00 in Paris across daylight saving."""

import datetime
from collections.abc import Iterator

from consilium.meetings.times import aware


def occurrence_dates(
    *,
    starts_on: datetime.date,
    weekday: int,
    interval_weeks: int,
    until: datetime.date,
) -> Iterator[datetime.date]:
    day = starts_on + datetime.timedelta(days=(weekday - starts_on.weekday()) % 7)
    step = datetime.timedelta(weeks=interval_weeks)
    while day <= until:
        yield day
        day += step


def occurrence_span(
    day: datetime.date, start: datetime.time, minutes: int, time_zone: str
) -> tuple[datetime.datetime, datetime.datetime]:
    starts_at = aware(datetime.datetime.combine(day, start), time_zone)
    return starts_at, starts_at + datetime.timedelta(minutes=minutes)
