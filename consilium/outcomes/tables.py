"""The page's tables as plain rows, for the CSV downloads (and the same numbers as shown)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from consilium.outcomes.aggregates import EXCLUSION_REASONS
from consilium.outcomes.indicators import IndicatorRow
from consilium.outcomes.report import YEARS, SurvivalReport

TABLES = ("estimates", "at_risk", "life_table", "logrank", "excluded", "indicators")
# What each download is called on the page, in the reader's language.
TABLE_NAMES = {
    "estimates": _("Survival estimates"),
    "at_risk": _("Numbers at risk"),
    "life_table": _("Life table"),
    "logrank": _("Log-rank test"),
    "excluded": _("Patients not on the curves"),
    "indicators": _("Quality indicators"),
}


def _num(value: float | None, digits: int = 6) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def estimates(report: SurvivalReport) -> Iterable[list[object]]:
    header: list[object] = ["group", "patients", "events", "censored", "median_years"]
    for y in YEARS:
        header += [f"survival_{y}y", f"lower_{y}y", f"upper_{y}y"]
    yield header
    for g in report.groups:
        row: list[object] = [g.label, g.patients, g.events, g.censored, _num(g.median_years, 3)]
        for e in g.estimates or []:
            p = e.point
            row += [_num(p.survival), _num(p.lower), _num(p.upper)] if p else ["", "", ""]
        yield row


def at_risk(report: SurvivalReport) -> Iterable[list[object]]:
    yield ["group", "years", "at_risk", "events_so_far", "censored_so_far"]
    for g in report.groups:
        for year, row in zip(report.tick_years, g.at_risk, strict=False):
            yield [g.label, year, row.at_risk, row.events, row.censored]


def life_table(report: SurvivalReport) -> Iterable[list[object]]:
    unit = "days" if report.grouped.unit_days == 1 else "months"
    yield ["group", unit, "at_risk", "events", "censored", "survival", "lower", "upper"]
    for g in report.groups:
        if g.km is None:
            continue
        t = g.km.table
        for i, time in enumerate(t.times):
            yield [
                g.label,
                time,
                t.at_risk[i],
                t.events[i],
                t.censored[i],
                _num(g.km.survival[i]),
                _num(g.km.lower[i]),
                _num(g.km.upper[i]),
            ]


def logrank(report: SurvivalReport) -> Iterable[list[object]]:
    yield ["groups", "chi_square", "df", "p_value", "estimable"]
    test = report.test
    groups = len([g for g in report.groups if g.km is not None])
    if test is None:
        yield [groups, "", "", "", "no"]
    else:
        p_value = _num(test.p_value, 8) if test.estimable else ""
        yield [groups, _num(test.statistic), test.df, p_value, "yes" if test.estimable else "no"]


def excluded(report: SurvivalReport) -> Iterable[list[object]]:
    yield ["group", "reason", "patients"]
    for g in report.groups:
        for reason, count in sorted(g.excluded.items()):
            yield [g.label, str(EXCLUSION_REASONS.get(reason, reason)), count]
    if report.grouped.not_grouped:
        yield ["", "outside these groups", report.grouped.not_grouped]


def indicators(rows: list[IndicatorRow]) -> Iterable[list[object]]:
    yield ["institution", "indicator", "numerator", "denominator", "percent", "lower", "upper"]
    for row in rows:
        for i in row.indicators:
            interval = i.interval
            yield [
                row.institution,
                i.label,
                i.numerator,
                i.denominator,
                _num(None if i.proportion is None else 100 * i.proportion, 2),
                _num(interval and 100 * interval[0], 2),
                _num(interval and 100 * interval[1], 2),
            ]
