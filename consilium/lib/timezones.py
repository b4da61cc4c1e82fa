"""Time-zone names, validated against the IANA database the system ships."""

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(
            _("“%(value)s” is not a known time zone (e.g. Asia/Ho_Chi_Minh, Europe/Paris)."),
            code="unknown_time_zone",
            params={"value": value},
        )


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(time_zone_names())]
