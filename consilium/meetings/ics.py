"""Calendar files (RFC 5545) built with the icalendar library. Times carry the event's own
TZID with its VTIMEZONE, so a calendar program shows them right in any zone, across DST."""

import datetime
from collections.abc import Iterable
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from consilium.meetings.choices import EventKind
from consilium.meetings.models import Event

PRODID = "-//Consilium//Meetings//EN"


def _domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "consilium.invalid"


def event_uid(event: Event) -> str:
    """Stable for the life of the event, so a re-import updates rather than duplicates."""
    return f"event-{event.pk}@{_domain()}"


def _vevent(event: Event, stamp: datetime.datetime) -> icalendar.Event:
    zone = event.zone
    vevent = icalendar.Event()
    vevent.add("uid", event_uid(event))
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", event.starts_at.astimezone(zone))
    vevent.add("dtend", event.ends_at.astimezone(zone))
    vevent.add("summary", event.title)
    vevent.add("sequence", event.sequence)
    vevent.add("url", settings.SITE_URL + reverse("meetings:event", args=[event.pk]))
    location = ", ".join(x for x in (event.venue, event.online_link) if x)
    if location:
        vevent.add("location", location)
    # In the active language (a mailed agenda's reader's): kind and labels translated.
    lines = [f"{event.get_kind_display()} · {event.host.name}"]
    if event.description:
        lines.append(event.description)
    if event.kind == EventKind.TUMOUR_BOARD:
        agenda_url = settings.SITE_URL + reverse("meetings:agenda", args=[event.pk])
        lines.append(f"{_('Case-discussion agenda')}: {agenda_url}")
    vevent.add("description", "\n".join(str(x) for x in lines))
    return vevent


def calendar(events: Iterable[Event], *, name: str) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    stamp = timezone.now().astimezone(datetime.UTC).replace(microsecond=0)
    events = list(events)
    for event in events:
        cal.add_component(_vevent(event, stamp))
    if events:
        # One VTIMEZONE per TZID used, from the server's IANA database, covering only the
        # years of these events: the whole history since 1970 would triple a 2G download.
        first = min(e.starts_at for e in events).date() - datetime.timedelta(days=366)
        last = max(e.ends_at for e in events).date() + datetime.timedelta(days=366)
        cal.add_missing_timezones(first_date=first, last_date=last)
    return cal.to_ical()
