"""Plan templates: a protocol version's schedule of visits (cycles with day offsets), as the
library stores it on the version (DocumentVersion.visit_schedule)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from consilium.navigation.models import VisitKind

MAX_VISITS = 400
MAX_DAY = 5 * 366


@dataclass(frozen=True)
class TemplateVisit:
    kind: str
    label: str
    day: int


def parse_schedule(schedule: object) -> list[TemplateVisit]:
    """The schedule as typed rows, or a ValidationError naming the first bad one."""
    if not isinstance(schedule, list) or not schedule:
        raise ValidationError(_("This protocol version has no plan template."))
    if len(schedule) > MAX_VISITS:
        raise ValidationError(_("A plan template has at most %(n)d visits.") % {"n": MAX_VISITS})
    rows = []
    for number, item in enumerate(schedule, start=1):
        kind = item.get("kind") if isinstance(item, dict) else None
        day = item.get("day") if isinstance(item, dict) else None
        label = str(item.get("label", ""))[:80] if isinstance(item, dict) else ""
        if kind not in VisitKind.values or not isinstance(day, int) or not 0 <= day <= MAX_DAY:
            raise ValidationError(
                _("Visit %(n)d of the plan template is not valid.") % {"n": number}
            )
        rows.append(TemplateVisit(kind=kind, label=label, day=day))
    return sorted(rows, key=lambda row: row.day)


def dated(rows: list[TemplateVisit], start: datetime.date) -> list[tuple[str, str, datetime.date]]:
    return [(row.kind, row.label, start + datetime.timedelta(days=row.day)) for row in rows]
