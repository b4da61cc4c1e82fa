"""Turnaround and adherence figures: medians and 90th percentiles, with counts behind them."""

import math
from collections import Counter, defaultdict
from collections.abc import Iterable

from consilium.consultations.models import (
    Adherence,
    AssignmentStatus,
    Consultation,
    NonAdherenceReason,
)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile, the definition telemedicine programmes publish."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def _hours(delta) -> float:
    return delta.total_seconds() / 3600


def _row(label: str, consultations: list[Consultation]) -> dict:
    first = [_hours(c.first_reply_at - c.created_at) for c in consultations if c.first_reply_at]
    final = [_hours(c.recommended_at - c.created_at) for c in consultations if c.recommended_at]
    return {
        "label": label,
        "count": len(consultations),
        "replied": len(first),
        "first_median": percentile(first, 0.5),
        "first_p90": percentile(first, 0.9),
        "recommended": len(final),
        "final_median": percentile(final, 0.5),
        "final_p90": percentile(final, 0.9),
    }


def turnaround_tables(consultations: Iterable[Consultation]) -> dict:
    items = list(consultations)
    by_partnership: dict[str, list[Consultation]] = defaultdict(list)
    by_expert: dict[str, list[Consultation]] = defaultdict(list)
    for c in items:
        by_partnership[c.partnership.title].append(c)
        accepted = [
            a
            for a in c.assignments.all()
            if a.status == AssignmentStatus.ACCEPTED and a.second_opinion_id is None
        ]
        # The first expert who took it carries its clock; a second opinion has its own.
        for a in accepted[:1]:
            by_expert[a.expert.full_name].append(c)
    answers = [c.follow_up for c in items if hasattr(c, "follow_up")]
    adherence = Counter(a.adherence for a in answers)
    reasons = Counter(r for a in answers for r in a.reasons)
    return {
        "overall": _row("", items),
        "by_partnership": [_row(k, v) for k, v in sorted(by_partnership.items())],
        "by_expert": [_row(k, v) for k, v in sorted(by_expert.items())],
        "answers": len(answers),
        "adherence": [(choice.label, adherence.get(choice.value, 0)) for choice in Adherence],
        "followed_share": (adherence.get(Adherence.FULLY, 0) / len(answers)) if answers else None,
        "reasons": [(choice.label, reasons.get(choice.value, 0)) for choice in NonAdherenceReason],
    }
