"""Badges with a QR code that checks their holder in. The code carries a signed check-in
address for one registration of one event: anyone may read it, nobody can make one, and
only the event's organisers, signed in, check someone in by opening it."""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

from consilium.meetings.models import Event, Registration
from consilium.meetings.pdf import render_pdf

SALT = "consilium.meetings.badge"


def badge_token(registration: Registration) -> str:
    return signing.dumps([registration.event_id, registration.pk], salt=SALT, compress=True)


def read_badge_token(token: str) -> tuple[int, int] | None:
    """(event id, registration id) of a genuine badge; None for anything else."""
    try:
        value = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return None
    return value[0], value[1]


def scan_url(registration: Registration) -> str:
    return settings.SITE_URL + reverse(
        "meetings:scan", args=[registration.event_id, badge_token(registration)]
    )


def qr_data_uri(url: str) -> str:
    """An SVG QR code as a data: address, which WeasyPrint reads without fetching anything."""
    import segno

    return segno.make(url, error="m").svg_data_uri(border=2)


def badges_pdf(event: Event, registrations: list[Registration], *, language: str) -> bytes:
    """An A4 sheet of eight badges (105 × 74 mm) per page, to cut and slip into holders."""
    badges = [
        {"registration": r, "qr": qr_data_uri(scan_url(r)), "number": f"{r.pk:05d}"}
        for r in registrations
    ]
    with translation.override(language):
        return render_pdf("meetings/pdf/badges.html", {"event": event, "badges": badges})
