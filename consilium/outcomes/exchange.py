"""Aggregate tables a site can share, and pooling them at a hub without any patient record.

The export (``consilium outcomes-export``) holds, for every endpoint and grouping, each
group's life table: rows of (time, events, censored). No patient-level field, no date.

Disclosure control, and why it is done this way:

- **Times are coarsened to whole months**, ``ceil(days / 30.4375)`` (365.25 / 12, in integer
  arithmetic), before anything is written. Suppressing individual time rows instead would
  change the curve (a row's subjects would vanish from the risk sets) and give wrong numbers;
  coarsening keeps every subject and every event, moves each by less than a month, and makes
  the pooled curve exactly the curve of the pooled (coarsened) patients.
- **A group with fewer than ``threshold`` patients is not published on its own**: the
  grouping's small groups are combined into one ``_other`` group. If that combination is
  itself under the threshold it could be worked out as (site total - published groups), so
  the next smallest groups are added to it until it reaches the threshold (secondary
  suppression); a site with fewer patients than the threshold publishes nothing in that
  grouping. Every combination is listed under ``suppressed``.
- Patients excluded for bad data (see :mod:`aggregates`) are counted per endpoint.
- The **abandonment rate** (SIOP PODC) travels as counts, children diagnosed and children with a
  recorded abandonment, overall, by five-year period of diagnosis and by social risk band, under
  the same rule: a group of fewer than ``threshold`` children is combined, never published.

The import (``consilium outcomes-pool``) refuses a file of another format or version, rows
that are not whole non-negative numbers, two files from the same site, and files of
different time units, with a message naming the file; then it adds the tables time by time
(:meth:`LifeTable.pooled`), which is exact for Kaplan-Meier and the log-rank test.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from consilium.navigation.measures import Rate, abandonment_cells
from consilium.network.models import Institution
from consilium.outcomes import aggregates, groupings
from consilium.outcomes.aggregates import GroupedTables
from consilium.outcomes.endpoints import Endpoint
from consilium.outcomes.groupings import Grouping
from consilium.outcomes.survival import DAYS_PER_YEAR, LifeTable

FORMAT = "consilium-outcomes"
VERSION = 1
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
DEFAULT_THRESHOLD = 5
OTHER = "_other"
# Groupings every site exports; periods are fixed five-year blocks so sites line up.
EXPORTED_BY = ("all", "iccc", "index", "stage", "period")
ABANDONMENT_BY = ("all", "period", "risk")
PERIOD_YEARS = 5


class ExchangeError(ValueError):
    """An aggregate file that cannot be pooled; the message says which and why."""


def month_of(days: int) -> int:
    """Whole months, rounded up: 0 stays 0, day 1 to 30 is month 1 (1461 days = 48 months)."""
    return -(-days * 48 // 1461)


def coarsen(table: LifeTable) -> LifeTable:
    return LifeTable.from_counts(
        (month_of(int(t)), e, c)
        for t, e, c in zip(table.times, table.events, table.censored, strict=True)
    )


def coarsen_grouped(grouped: GroupedTables) -> GroupedTables:
    return GroupedTables(
        endpoint=grouped.endpoint,
        grouping=grouped.grouping,
        tables={key: coarsen(t) for key, t in grouped.tables.items()},
        excluded=grouped.excluded,
        not_grouped=grouped.not_grouped,
        unit_days=DAYS_PER_MONTH,
    )


@dataclass
class Suppressed:
    groups: dict[str, dict[str, list[int]]]
    combined: list[str]
    withheld: list[str]


def _partition(sizes: dict[str, int], threshold: int) -> tuple[list[str], list[str], bool]:
    """(groups published alone, groups combined, whether the combination is published)."""
    small = sorted((k for k in sizes if sizes[k] < threshold), key=lambda k: (sizes[k], k))
    large = sorted((k for k in sizes if sizes[k] >= threshold), key=lambda k: (sizes[k], k))
    if small:
        while sum(sizes[k] for k in small) < threshold and large:
            small.append(large.pop(0))
    return sorted(large), sorted(small), sum(sizes[k] for k in small) >= threshold


def suppress(tables: dict[str, LifeTable], threshold: int) -> Suppressed:
    """Publish groups of at least ``threshold`` patients; combine the rest (see module doc)."""
    large, small, publish_small = _partition({k: t.subjects for k, t in tables.items()}, threshold)
    published = {key: {"rows": tables[key].to_rows()} for key in large}
    combined: list[str] = []
    withheld: list[str] = []
    if small:
        if publish_small:
            published[OTHER] = {"rows": LifeTable.pooled(tables[k] for k in small).to_rows()}
            combined = small
        else:
            withheld = small
    return Suppressed(groups=published, combined=combined, withheld=withheld)


def suppress_rates(cells: dict[str, Rate], threshold: int) -> dict[str, Any]:
    """The abandonment counts under the same rule as the life tables: a group of fewer than
    ``threshold`` children is combined with others (secondary suppression included), so no
    published count can be narrowed to fewer children than the threshold."""
    large, small, publish_small = _partition(
        {k: rate.denominator for k, rate in cells.items()}, threshold
    )
    groups = {
        key: {"abandoned": cells[key].numerator, "children": cells[key].denominator}
        for key in large
    }
    if small and publish_small:
        groups[OTHER] = {
            "abandoned": sum(cells[k].numerator for k in small),
            "children": sum(cells[k].denominator for k in small),
        }
    return {
        "groups": groups,
        "combined_into_other": small if publish_small else [],
        "withheld": [] if publish_small else small,
    }


def _grouping(by: str, institution: Institution) -> Grouping:
    if by == "period":
        span = aggregates.first_diagnoses([institution.pk]).dates("date", "year")
        years = [d.year for d in span]
        first = (min(years, default=2000) // PERIOD_YEARS) * PERIOD_YEARS
        last = max(years, default=2000)
        return groupings.by_period(groupings.year_periods(first, last, PERIOD_YEARS))
    return {
        "all": groupings.by_all,
        "iccc": groupings.by_iccc,
        "index": groupings.by_index_cancer,
        "stage": groupings.by_stage,
    }[by]()


def export_document(
    institution: Institution,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    if threshold < 1:
        raise ExchangeError("the threshold must be at least 1")
    endpoints: dict[str, Any] = {}
    excluded: dict[str, dict[str, int]] = {}
    for endpoint in Endpoint:
        per_by: dict[str, Any] = {}
        for by in EXPORTED_BY:
            grouped = coarsen_grouped(
                aggregates.life_tables(endpoint, _grouping(by, institution), [institution.pk])
            )
            if by == "all":
                excluded[endpoint.value] = dict(grouped.excluded_total())
            result = suppress({str(k): t for k, t in grouped.tables.items()}, threshold)
            per_by[by] = {
                "groups": result.groups,
                "combined_into_other": result.combined,
                "withheld": result.withheld,
            }
        endpoints[endpoint.value] = per_by
    return {
        "format": FORMAT,
        "version": VERSION,
        "site": institution.code,
        "generated_at": (now or timezone.now()).isoformat(),
        "time_unit": "month",
        "days_per_unit": DAYS_PER_MONTH,
        "threshold": threshold,
        "endpoints": endpoints,
        "excluded": excluded,
        # SIOP PODC abandonment rate: children diagnosed, and those with a recorded abandonment
        # (the abandonment-sensitive survival is the endpoints' as_os and as_efs).
        "abandonment": {
            by: suppress_rates(abandonment_cells([institution.pk], by), threshold)
            for by in ABANDONMENT_BY
        },
    }


@dataclass(frozen=True)
class SiteAggregates:
    site: str
    source: str
    document: dict[str, Any]

    def excluded(self, endpoint: str) -> dict[str, int]:
        counts = self.document.get("excluded", {}).get(endpoint, {})
        return {str(k): v for k, v in counts.items() if _is_count(v)}

    def tables(self, endpoint: str, by: str) -> dict[str, LifeTable]:
        section = self.document["endpoints"].get(endpoint, {}).get(by)
        if section is None:
            raise ExchangeError(
                _("%(file)s: no %(endpoint)s tables by %(by)s")
                % {"file": self.source, "endpoint": endpoint, "by": by}
            )
        return {key: _table(self.source, key, g) for key, g in section["groups"].items()}


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _table(source: str, key: str, group: Any) -> LifeTable:
    rows = group.get("rows") if isinstance(group, dict) else None
    if not isinstance(rows, list):
        raise ExchangeError(
            _("%(file)s: group %(group)r has no rows") % {"file": source, "group": key}
        )
    for i, row in enumerate(rows):
        if not (isinstance(row, list) and len(row) == 3 and all(_is_count(v) for v in row)):
            raise ExchangeError(
                _(
                    "%(file)s: group %(group)r, row %(row)s: expected [time, events, censored]"
                    " as whole numbers of at least 0, got %(value)s"
                )
                % {"file": source, "group": key, "row": i, "value": json.dumps(row)}
            )
    return LifeTable.from_rows(rows)


def _too_few(source: str, where: str, count: int, smallest: int) -> ExchangeError:
    return ExchangeError(
        _(
            "%(file)s: %(where)s publishes %(count)s patients, fewer than %(smallest)s: a cell"
            " this small could identify a child. Ask the site to export again with a threshold"
            " of at least %(smallest)s."
        )
        % {"file": source, "where": where, "count": count, "smallest": smallest}
    )


def read_document(source: str, text: str, *, min_cell: int = 1) -> SiteAggregates:
    """The file, checked; ``min_cell`` is the smallest group the reader accepts (the page
    asks for the default threshold; a hub pooling by hand decides for itself). A group under
    the file's own declared threshold is refused too: the file was edited or is broken."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExchangeError(
            # The parser's own words are English: say where, in the reader's language.
            _("%(file)s: not JSON (broken at line %(line)d, column %(column)d)")
            % {"file": source, "line": exc.lineno, "column": exc.colno}
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ExchangeError(
            _("%(file)s: not a Consilium outcomes file (format %(format)r)")
            % {"file": source, "format": FORMAT}
        )
    version = document.get("version")
    if version != VERSION:
        raise ExchangeError(
            _(
                "%(file)s: this is version %(version)r of the outcomes format; this Consilium"
                " reads version %(ours)s only. Export it again with the same Consilium release."
            )
            % {"file": source, "version": version, "ours": VERSION}
        )
    site = document.get("site")
    if not isinstance(site, str) or not site:
        raise ExchangeError(_("%(file)s: no site code") % {"file": source})
    if document.get("time_unit") != "month" or not isinstance(document.get("endpoints"), dict):
        raise ExchangeError(
            _("%(file)s: expected monthly tables under 'endpoints'") % {"file": source}
        )
    declared = document.get("threshold", 1)
    if not _is_count(declared) or declared < 1:
        raise ExchangeError(
            _("%(file)s: the disclosure threshold must be a whole number of at least 1")
            % {"file": source}
        )
    smallest = max(declared, min_cell)
    aggregates_ = SiteAggregates(site=site, source=source, document=document)
    # Validate every table now, so a bad file is refused before any figure is printed.
    for by, part in _abandonment_section(source, document).items():
        for key, cell in part["groups"].items():
            if cell["children"] < smallest:
                where = _("abandonment by %(by)r, group %(group)r") % {"by": by, "group": key}
                raise _too_few(source, where, cell["children"], smallest)
    for endpoint, per_by in document["endpoints"].items():
        if not isinstance(per_by, dict):
            raise ExchangeError(
                _("%(file)s: endpoint %(endpoint)r is not a table set")
                % {"file": source, "endpoint": endpoint}
            )
        for by in per_by:
            for key, table in aggregates_.tables(endpoint, by).items():
                if table.subjects < smallest:
                    where = _("%(endpoint)s by %(by)s, group %(group)r") % {
                        "endpoint": endpoint,
                        "by": by,
                        "group": key,
                    }
                    raise _too_few(source, where, table.subjects, smallest)
    return aggregates_


def read_files(paths: Sequence[Path]) -> list[SiteAggregates]:
    sites: dict[str, str] = {}
    result = []
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ExchangeError(f"{path}: cannot be read ({exc.strerror})") from None
        site = read_document(str(path), text)
        if site.site in sites:
            raise ExchangeError(
                f"{path}: site {site.site} is already in {sites[site.site]}; pool each site once"
            )
        sites[site.site] = str(path)
        result.append(site)
    if not result:
        raise ExchangeError("give at least one aggregate file")
    return result


def _abandonment_section(source: str, document: dict[str, Any]) -> dict[str, Any]:
    """The file's abandonment counts, checked; files exported before they were added have none."""
    section = document.get("abandonment", {})
    if not isinstance(section, dict):
        raise ExchangeError(_("%(file)s: 'abandonment' is not a table set") % {"file": source})
    for by, part in section.items():
        groups = part.get("groups") if isinstance(part, dict) else None
        if not isinstance(groups, dict):
            raise ExchangeError(
                _("%(file)s: abandonment by %(by)r has no groups") % {"file": source, "by": by}
            )
        for key, cell in groups.items():
            if not (
                isinstance(cell, dict)
                and _is_count(cell.get("abandoned"))
                and _is_count(cell.get("children"))
                and cell["abandoned"] <= cell["children"]
            ):
                raise ExchangeError(
                    _(
                        "%(file)s: abandonment by %(by)r, group %(group)r: expected whole"
                        " numbers 'abandoned' <= 'children', got %(value)s"
                    )
                    % {"file": source, "by": by, "group": key, "value": json.dumps(cell)}
                )
    return section


def pool_abandonment(sites: Sequence[SiteAggregates], *, by: str) -> dict[str, Rate]:
    """The sites' abandonment counts added up: per site (``by="institution"``) or per group."""
    if by != "institution" and by not in ABANDONMENT_BY:
        raise ExchangeError(f"abandonment counts are held by {', '.join(ABANDONMENT_BY)} only")
    pooled: dict[str, Rate] = {}
    for site in sites:
        section = _abandonment_section(site.source, site.document)
        part = section.get("all" if by == "institution" else by, {"groups": {}})
        for key, cell in part["groups"].items():
            rate = pooled.setdefault(site.site if by == "institution" else key, Rate(0, 0))
            rate.numerator += cell["abandoned"]
            rate.denominator += cell["children"]
    return pooled


class _Labels:
    """Labels of pooled groups: the grouping's own, or the site code for by=institution."""

    def __init__(self, grouping: Grouping | None) -> None:
        self.grouping = grouping

    def __call__(self, key: Any) -> str:
        if key == OTHER:
            return "Other (small groups combined)"
        return str(self.grouping.labels(key)) if self.grouping else str(key)


def pool(sites: Sequence[SiteAggregates], *, endpoint: Endpoint, by: str) -> GroupedTables:
    """The sites' tables added up: per site (``by="institution"``) or per group."""
    if by == "institution":
        tables = {}
        for site in sites:
            table = site.tables(endpoint.value, "all").get("all")
            if table is not None:
                tables[site.site] = table
        grouping = Grouping(name="institution", key=None, order=sorted(tables))  # type: ignore[arg-type]
    else:
        if by not in EXPORTED_BY:
            raise ExchangeError(f"aggregate files hold groupings {', '.join(EXPORTED_BY)} only")
        keys: dict[str, list[LifeTable]] = {}
        for site in sites:
            for key, table in site.tables(endpoint.value, by).items():
                keys.setdefault(key, []).append(table)
        tables = {key: LifeTable.pooled(parts) for key, parts in keys.items()}
        base = {
            "all": groupings.by_all,
            "iccc": groupings.by_iccc,
            "index": groupings.by_index_cancer,
            "stage": groupings.by_stage,
        }.get(by)
        labelled = base() if base else None
        grouping = Grouping(
            name=by,
            key=None,  # type: ignore[arg-type]
            labels=_Labels(labelled),
            order=[*(labelled.order if labelled else ()), OTHER],
        )
    # Exclusions are per site; they can be attached to groups only when the groups are sites.
    excluded: dict[Any, Counter[str]] = {}
    if by == "institution":
        for site in sites:
            if counts := site.excluded(endpoint.value):
                excluded[site.site] = Counter(counts)
    return GroupedTables(
        endpoint=endpoint,
        grouping=grouping,
        tables=tables,
        excluded=excluded,
        unit_days=DAYS_PER_MONTH,
    )
