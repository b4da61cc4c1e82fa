"""Wall-clock times in a named zone, turned into aware datetimes without surprises at DST."""

import datetime
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def aware(naive: datetime.datetime, time_zone: str) -> datetime.datetime:
    """The instant a wall clock in `time_zone` shows `naive`. A time that does not exist
    (the hour skipped in spring) or exists twice (the hour repeated in autumn) is refused:
    guessing would put a meeting an hour off for half its participants."""
    zone = zoneinfo.ZoneInfo(time_zone)
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        raise ValidationError(
            _("%(time)s does not exist or happens twice in %(zone)s (a clock change).")
            % {"time": naive.strftime("%Y-%m-%d %H:%M"), "zone": time_zone}
        )
    roundtrip = first.astimezone(datetime.UTC).astimezone(zone)
    if roundtrip.replace(tzinfo=None) != naive:
        raise ValidationError(
            _("%(time)s does not exist in %(zone)s (a clock change).")
            % {"time": naive.strftime("%Y-%m-%d %H:%M"), "zone": time_zone}
        )
    return first.astimezone(datetime.UTC)


def wall_clock(value: datetime.datetime, time_zone: str) -> datetime.datetime:
    """What a clock in `time_zone` shows at `value`, without tzinfo (for form inputs)."""
    return value.astimezone(zoneinfo.ZoneInfo(time_zone)).replace(tzinfo=None)
