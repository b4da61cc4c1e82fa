"""From request or command-line parameters to a grouping over a set of institutions: the one
place the page, the API and the CLI agree on what ``by=period`` or ``by=partnership`` mean."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Max, Min

from consilium.network.models import Institution, Partnership
from consilium.outcomes import aggregates, groupings
from consilium.outcomes.endpoints import Endpoint
from consilium.outcomes.groupings import Grouping, GroupingError
from consilium.outcomes.report import SurvivalReport, summarise
from consilium.registry.models import Patient

DEFAULT_PERIOD_YEARS = 3


@dataclass(frozen=True)
class Selection:
    endpoint: Endpoint
    by: str
    institutions: Sequence[Institution]
    periods: str = ""
    period_years: int = DEFAULT_PERIOD_YEARS
    partnership: Partnership | None = None


def diagnosis_years(institution_ids: Sequence[int]) -> tuple[int, int] | None:
    # origin_date is the first diagnosis' date: two index lookups, not a pass over diagnoses.
    span = Patient.objects.filter(
        institution_id__in=list(institution_ids), origin_date__isnull=False
    ).aggregate(first=Min("origin_date"), last=Max("origin_date"))
    if span["first"] is None:
        return None
    return span["first"].year, span["last"].year


def grouping_for(selection: Selection) -> Grouping:
    by = selection.by
    ids = [i.pk for i in selection.institutions]
    if by == "all":
        return groupings.by_all()
    if by == "institution":
        return groupings.by_institution(selection.institutions)
    if by == "iccc":
        return groupings.by_iccc()
    if by == "index":
        return groupings.by_index_cancer()
    if by == "stage":
        return groupings.by_stage()
    if by == "period":
        if selection.periods:
            return groupings.by_period(groupings.parse_periods(selection.periods))
        span = diagnosis_years(ids) or (2000, 2000)
        return groupings.by_period(groupings.year_periods(*span, selection.period_years))
    if by == "partnership":
        partnership = selection.partnership
        if partnership is None:
            raise GroupingError("choose a partnership to compare before and after its start")
        parties = [
            i
            for i in selection.institutions
            if partnership.parties.filter(institution_id=i.pk).exists()
        ]
        if len(parties) != 1:
            raise GroupingError(
                "choose the one party institution whose patients are compared before and"
                " after the partnership's start"
            )
        return groupings.by_partnership(partnership, parties[0])
    raise GroupingError(f"unknown grouping {by!r}; choose one of {', '.join(groupings.BY_CHOICES)}")


def survival_report(selection: Selection) -> SurvivalReport:
    grouping = grouping_for(selection)
    ids = [i.pk for i in selection.institutions]
    return summarise(aggregates.life_tables(selection.endpoint, grouping, ids))
