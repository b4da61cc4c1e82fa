"""Compliance figures: per audit round, the share of applicable observations that were
compliant. Not-applicable observations are left out of the denominator; the counts are
always given beside the percentage."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count

from consilium.library.models import Checklist, Observation, ObservationResult
from consilium.network.models import Institution


@dataclass(frozen=True)
class Point:
    round_id: int
    unit: str
    audited_on: datetime.date
    compliant: int
    non_compliant: int
    not_applicable: int

    @property
    def applicable(self) -> int:
        return self.compliant + self.non_compliant

    @property
    def percent(self) -> float | None:
        """None when nothing applicable was observed: 0 % would be a false alarm."""
        if not self.applicable:
            return None
        return round(100 * self.compliant / self.applicable, 1)


def rounds(checklist: Checklist, institution: Institution) -> list[Point]:
    """Every round of the checklist at the institution, oldest first, in one query."""
    rows = (
        Observation.objects.filter(round__checklist=checklist, round__institution=institution)
        .values("round_id", "round__unit", "round__audited_on", "result")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[tuple[int, str, datetime.date], dict[str, int]] = defaultdict(dict)
    for row in rows:
        key = (row["round_id"], row["round__unit"], row["round__audited_on"])
        counts[key][row["result"]] = row["n"]
    points = [
        Point(
            round_id=round_id,
            unit=unit,
            audited_on=audited_on,
            compliant=by_result.get(ObservationResult.COMPLIANT, 0),
            non_compliant=by_result.get(ObservationResult.NON_COMPLIANT, 0),
            not_applicable=by_result.get(ObservationResult.NOT_APPLICABLE, 0),
        )
        for (round_id, unit, audited_on), by_result in counts.items()
    ]
    return sorted(points, key=lambda p: (p.audited_on, p.round_id))


def by_unit(points: list[Point]) -> dict[str, list[Point]]:
    units: dict[str, list[Point]] = {}
    for point in points:
        units.setdefault(point.unit, []).append(point)
    return dict(sorted(units.items()))
