from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(value: float | None, digits: int = 1) -> str:
    """0.8333 -> "83.3" in the reader's number format; "—" for no value."""
    if value is None:
        return "—"
    # Round first: number_format truncates the digits of a float.
    return number_format(round(100 * value, int(digits)), decimal_pos=int(digits))
