"""ICCC-3 recode of an ICD-O-3 diagnosis (site, histology, behaviour).

The IARC 2017 table shipped in ``reference/iccc/`` (BSD licence, from imsweb/algorithms) is the
only source of truth: no rule is written here by hand. As its README says, rules are tried in file
order, the first whose site, histology and behaviour all match wins, ranges are inclusive, and no
match (or malformed input) gives ``999``.

One rule is added to the table, from the ICCC-3 definition (Steliarova-Foucher et al., Cancer
2005;103:1457-67): tumours of benign or uncertain behaviour (0, 1) are classified only when they are
intracranial or intraspinal (C70.0-C72.9, C75.1-C75.3). The table lists ``0-1,3`` on group III
rows whose sites are ``C000-C809`` because SEER only collects non-malignant tumours at those sites;
a registry that records anything else must not turn, say, a pilocytic astrocytoma of soft tissue
(C49.9, 9421/1) into a CNS tumour.

A bulk import classifies every row, so the table is parsed once into a per-histology index (only
the handful of rules naming that histology are tried) and results are memoised on the raw input.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from consilium.registry.codes import normalise_behaviour, normalise_histology, normalise_site

__all__ = ["TABLE_PATH", "UNCLASSIFIED", "IcccResult", "classify"]

TABLE_PATH = (
    Path(__file__).resolve().parent / "reference" / "iccc" / "iccc-data-third-edition-iarc-2017.csv"
)
UNCLASSIFIED = "999"

# Where behaviour 0 or 1 may be classified at all (see the module docstring).
_INTRACRANIAL_INTRASPINAL: tuple[tuple[int, int], ...] = ((700, 729), (751, 753))

_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")

_Ranges = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class IcccResult:
    recode: str
    """Three-digit recode: main group and subgroup, e.g. ``011`` (Ia), ``050`` (V); ``999``."""
    extended: str
    """Three-digit extended code (``001``–``114``), one per division; ``999``."""
    main_group: str | None
    """Roman numeral ``I``–``XII``; None when unclassifiable."""
    main_group_name: str
    subgroup_name: str
    extended_name: str
    """The finest heading the table gives, e.g. ``Medulloblastomas`` inside group IIIc."""
    classified: bool


@dataclass(frozen=True, slots=True)
class _Rule:
    sites_in: _Ranges
    sites_out: _Ranges
    behaviours: frozenset[int]
    result: IcccResult


@dataclass(frozen=True, slots=True)
class _Table:
    rules_by_histology: dict[int, tuple[_Rule, ...]]
    unclassified: IcccResult


def classify(site: str, histology: str, behaviour: str) -> IcccResult:
    """The ICCC-3 group of a diagnosis; ``recode == "999"`` when the table has no rule for it.

    ``site`` is ``C421`` or ``C42.1``; ``histology`` is four digits only (``9836``, never
    ``9836/3``); ``behaviour`` is one digit. Anything else is unclassifiable, never an exception.
    """
    if not (isinstance(site, str) and isinstance(histology, str) and isinstance(behaviour, str)):
        return _table().unclassified
    return _classify_cached(site, histology, behaviour)


@functools.lru_cache(maxsize=65536)
def _classify_cached(site: str, histology: str, behaviour: str) -> IcccResult:
    table = _table()
    site_code = normalise_site(site)
    histology_code = normalise_histology(histology)
    behaviour_code = normalise_behaviour(behaviour)
    if site_code is None or histology_code is None or behaviour_code is None:
        return table.unclassified
    site_number = int(site_code[1:])
    behaviour_number = int(behaviour_code)
    if behaviour_number in (0, 1) and not _contains(_INTRACRANIAL_INTRASPINAL, site_number):
        return table.unclassified
    for rule in table.rules_by_histology.get(int(histology_code), ()):
        if (
            behaviour_number in rule.behaviours
            and _contains(rule.sites_in, site_number)
            and not _contains(rule.sites_out, site_number)
        ):
            return rule.result
    return table.unclassified


def _contains(ranges: _Ranges, value: int) -> bool:
    return any(low <= value <= high for low, high in ranges)


@functools.cache
def _table() -> _Table:
    with TABLE_PATH.open(newline="", encoding="utf-8") as handle:
        return _parse(csv.DictReader(handle))


def _parse(rows: Iterator[dict[str, str]]) -> _Table:
    # Headings give the names of the groups the rules below them belong to, by indentation.
    headings = ["", "", ""]
    rules_by_histology: dict[int, list[_Rule]] = {}
    unclassified: IcccResult | None = None
    for row in rows:
        name = row["Group Name"].strip()
        depth = int(row["Indentation"])
        headings[depth] = name
        for deeper in range(depth + 1, len(headings)):
            headings[deeper] = name
        recode = row["Group code"].strip()
        if not recode:
            continue
        extended = row["Group code extended"].strip()
        if recode == UNCLASSIFIED:
            unclassified = IcccResult(
                recode=UNCLASSIFIED,
                extended=extended or UNCLASSIFIED,
                main_group=None,
                main_group_name=name,
                subgroup_name=name,
                extended_name=name,
                classified=False,
            )
            continue
        result = IcccResult(
            recode=recode,
            extended=extended,
            main_group=_ROMAN[int(recode[:2]) - 1],
            main_group_name=headings[0],
            subgroup_name=headings[1],
            extended_name=name,
            classified=True,
        )
        rule = _Rule(
            sites_in=_ranges(row["Sites IN"], site=True),
            sites_out=_ranges(row["Sites OUT"], site=True),
            behaviours=frozenset(
                number
                for low, high in _ranges(row["Behavior IN"], site=False)
                for number in range(low, high + 1)
            ),
            result=result,
        )
        excluded = _ranges(row["Hist OUT"], site=False)
        for low, high in _ranges(row["Hist IN"], site=False):
            for histology in range(low, high + 1):
                if not _contains(excluded, histology):
                    rules_by_histology.setdefault(histology, []).append(rule)
    if unclassified is None:
        raise ValueError(f"{TABLE_PATH.name} has no {UNCLASSIFIED} row")
    return _Table(
        rules_by_histology={key: tuple(value) for key, value in rules_by_histology.items()},
        unclassified=unclassified,
    )


def _ranges(cell: str, *, site: bool) -> _Ranges:
    """``"C000-C419,C422"`` or ``"9811-9819,9837"`` as inclusive integer ranges.

    Empty items are skipped because the table has one trailing comma (``"9210,9220,9240,"``);
    anything else unexpected raises, so a damaged table fails at first use, not silently.
    """
    ranges = []
    for item in cell.split(","):
        item = item.strip()
        if not item:
            continue
        low, _, high = item.partition("-")
        ranges.append((_number(low, site=site), _number(high or low, site=site)))
    return tuple(ranges)


def _number(code: str, *, site: bool) -> int:
    code = code.strip()
    if site:
        if not code.startswith("C"):
            raise ValueError(f"not a topography code in the ICCC table: {code!r}")
        code = code[1:]
    if not (code.isascii() and code.isdigit()):
        raise ValueError(f"not a number in the ICCC table: {code!r}")
    return int(code)
