"""Video links of meetings: https only, on a host the deployer allows, and the window in
which the Join button shows."""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from consilium.meetings.models import Event


def host_allowed(host: str, allowed: list[str]) -> bool:
    host = host.lower().rstrip(".")
    for pattern in (p.strip().lower() for p in allowed if p.strip()):
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
        if host == pattern:
            return True
    return False


def link_refusal(link: str) -> str | None:
    try:
        parts = urlsplit(link.strip())
        host = parts.hostname or ""
    except ValueError:
        return _("This is not a web address.")
    if parts.scheme != "https" or not host:
        return _("A video link starts with https:// (a secure connection).")
    if parts.username or parts.password:
        return _("A video link carries no user name or password; use the room's own link.")
    allowed = settings.CONSILIUM_VIDEO_HOSTS
    if allowed and not host_allowed(host, allowed):
        return _("Video links to %(host)s are not allowed here. Allowed: %(allowed)s.") % {
            "host": host,
            "allowed": ", ".join(allowed),
        }
    return None


def join_open(event: Event, now: datetime.datetime | None = None) -> bool:
    """Whether the Join button shows: from shortly before the start to the end."""
    now = now or timezone.now()
    opens = event.starts_at - datetime.timedelta(minutes=settings.CONSILIUM_JOIN_OPENS_MINUTES)
    return bool(event.online_link) and opens <= now < event.ends_at
