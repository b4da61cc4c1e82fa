"""One's own site beside another site's shared aggregate file (``consilium outcomes-export``),
on the outcomes page: the two curves compared (with the log-rank test) and pooled.

Nothing of the file is stored: it is read, checked as ``outcomes-pool`` checks it
(:func:`consilium.outcomes.exchange.read_document`), used for one page and dropped. Its
tables are in whole months, so the own site's table is coarsened the same way
(:func:`exchange.coarsen`) before the two are set side by side or added up: the pooled
curve is then exactly the one ``outcomes-pool`` gives for the two sites' exports.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Value
from django.utils.translation import gettext as _

from consilium.navigation.measures import Rate, abandonment_cells
from consilium.network.models import Institution
from consilium.outcomes import aggregates, exchange, groupings
from consilium.outcomes.aggregates import GroupedTables
from consilium.outcomes.endpoints import Endpoint
from consilium.outcomes.exchange import DAYS_PER_MONTH, ExchangeError, SiteAggregates
from consilium.outcomes.groupings import Grouping
from consilium.outcomes.indicators import wilson
from consilium.outcomes.report import SurvivalReport, summarise
from consilium.outcomes.survival import LifeTable

POOLED = "pooled"


@dataclass(frozen=True)
class AbandonmentRow:
    """One line of the SIOP PODC abandonment rate beside the curves; rate None where the
    file has no whole-site count (exported before the counts were added, or withheld under
    its disclosure threshold)."""

    label: str
    rate: Rate | None

    @property
    def interval(self) -> tuple[float, float] | None:
        """The Wilson 95% interval, as the outcomes page gives its indicators'."""
        return wilson(self.rate.numerator, self.rate.denominator) if self.rate else None


@dataclass(frozen=True)
class Comparison:
    compared: SurvivalReport
    pooled: SurvivalReport
    abandonment: list[AbandonmentRow]


def _abandonment(institution: Institution, site: SiteAggregates) -> list[AbandonmentRow]:
    own = abandonment_cells([institution.pk], "all")["all"]
    theirs = exchange.pool_abandonment([site], by="institution").get(site.site)
    pooled = (
        Rate(own.numerator + theirs.numerator, own.denominator + theirs.denominator)
        if theirs is not None
        else None
    )
    label = _("%(own)s and %(other)s pooled") % {"own": institution.code, "other": site.site}
    return [
        AbandonmentRow(institution.code, own),
        AbandonmentRow(site.site, theirs),
        AbandonmentRow(label, pooled),
    ]


def compare_with_file(
    *, institution: Institution, site: SiteAggregates, endpoint: Endpoint
) -> Comparison:
    """Raises ExchangeError (with a translated message) when the two cannot be compared."""
    if site.site == institution.code:
        raise ExchangeError(
            _("This file is %(code)s's own export: compare it with another site's file.")
            % {"code": institution.code}
        )
    theirs = site.tables(endpoint.value, "all").get("all")
    if theirs is None or not theirs.times:
        raise ExchangeError(
            _(
                "%(code)s's file withholds its whole-site table for this endpoint (fewer"
                " patients than its disclosure threshold): there is no curve to compare."
            )
            % {"code": site.site}
        )
    own_grouped = aggregates.life_tables(endpoint, groupings.by_all(), [institution.pk])
    own = exchange.coarsen(own_grouped.tables.get("all", LifeTable.from_counts([])))
    order = [institution.code, site.site]
    tables = {institution.code: own, site.site: theirs} if own.times else {site.site: theirs}
    excluded = {
        institution.code: own_grouped.excluded_total(),
        site.site: Counter(site.excluded(endpoint.value)),
    }
    compared = GroupedTables(
        endpoint=endpoint,
        grouping=Grouping(name="institution", key=Value(None), order=order),
        tables=tables,
        excluded={k: v for k, v in excluded.items() if v},
        unit_days=DAYS_PER_MONTH,
    )
    label = _("%(own)s and %(other)s pooled") % {"own": institution.code, "other": site.site}
    pooled = GroupedTables(
        endpoint=endpoint,
        grouping=Grouping(name="all", key=Value(POOLED), labels=lambda _key: label),
        tables={POOLED: LifeTable.pooled(tables.values())},
        unit_days=DAYS_PER_MONTH,
    )
    return Comparison(
        compared=summarise(compared),
        pooled=summarise(pooled),
        abandonment=_abandonment(institution, site),
    )
