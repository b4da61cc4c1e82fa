"""What a survival table shows for each group: numbers, median, estimates at 1, 2, 3 and 5
years with their 95% interval (Kaplan-Meier, Greenwood variance, log(-log) transform: see
:func:`consilium.outcomes.survival.kaplan_meier`), numbers at risk at yearly ticks, and the
log-rank test between the groups. Pure: works on life tables from the database or from
imported aggregate files alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from consilium.outcomes.aggregates import EXCLUSION_REASONS, GroupedTables
from consilium.outcomes.survival import (
    DAYS_PER_YEAR,
    AtRiskRow,
    KaplanMeier,
    LogRank,
    SurvivalPoint,
    kaplan_meier,
    logrank,
)

YEARS = (1, 2, 3, 5)
ALPHA = 0.05


@dataclass(frozen=True)
class Estimate:
    years: int
    point: SurvivalPoint | None  # None: nobody followed that long

    def as_dict(self) -> dict[str, Any]:
        if self.point is None:
            return {"years": self.years, "survival": None, "lower": None, "upper": None}
        return {
            "years": self.years,
            "survival": self.point.survival,
            "lower": self.point.lower,
            "upper": self.point.upper,
        }


@dataclass(frozen=True)
class GroupSummary:
    key: Any
    label: str
    patients: int
    events: int
    censored: int
    km: KaplanMeier | None  # None for a group whose every patient was excluded
    median_years: float | None
    estimates: list[Estimate]
    at_risk: list[AtRiskRow]
    excluded: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "patients": self.patients,
            "events": self.events,
            "censored": self.censored,
            "median_years": self.median_years,
            "estimates": [e.as_dict() for e in self.estimates],
            "at_risk": [
                {"years": i, "at_risk": r.at_risk, "events": r.events, "censored": r.censored}
                for i, r in enumerate(self.at_risk)
            ],
            "excluded": self.excluded,
        }


@dataclass(frozen=True)
class SurvivalReport:
    grouped: GroupedTables
    groups: list[GroupSummary]
    test: LogRank | None  # None with fewer than two groups that have patients
    tick_years: list[int]

    @property
    def excluded_total(self) -> dict[str, int]:
        return dict(self.grouped.excluded_total())

    def excluded_lines(self) -> list[tuple[int, str]]:
        return [
            (count, str(EXCLUSION_REASONS.get(reason, reason)))
            for reason, count in sorted(self.excluded_total.items())
        ]

    def as_dict(self) -> dict[str, Any]:
        test = None
        if self.test is not None:
            test = {
                "statistic": self.test.statistic,
                "df": self.test.df,
                "p_value": self.test.p_value if self.test.estimable else None,
                "estimable": self.test.estimable,
            }
        return {
            "endpoint": self.grouped.endpoint.value,
            "by": self.grouped.grouping.name,
            "time_unit_days": self.grouped.unit_days,
            "groups": [g.as_dict() for g in self.groups],
            "logrank": test,
            "excluded": self.excluded_total,
            "not_grouped": self.grouped.not_grouped,
        }


def summarise(grouped: GroupedTables) -> SurvivalReport:
    unit = grouped.unit_days
    longest = max((t.times[-1] for t in grouped.tables.values() if t.times), default=0)
    tick_years = list(range(int(longest * unit / DAYS_PER_YEAR) + 1))
    groups = []
    for key in grouped.keys:
        table = grouped.tables.get(key)
        excluded = dict(grouped.excluded.get(key, {}))
        if table is None or not table.times:
            groups.append(
                GroupSummary(key, grouped.label(key), 0, 0, 0, None, None, [], [], excluded)
            )
            continue
        km = kaplan_meier(table, ALPHA)
        median = km.median
        groups.append(
            GroupSummary(
                key=key,
                label=grouped.label(key),
                patients=table.subjects,
                events=table.total_events,
                censored=sum(table.censored),
                km=km,
                median_years=None if median is None else median * unit / DAYS_PER_YEAR,
                estimates=[Estimate(y, km.at(y * DAYS_PER_YEAR / unit)) for y in YEARS],
                at_risk=km.at_risk_table(y * DAYS_PER_YEAR / unit for y in tick_years),
                excluded=excluded,
            )
        )
    with_patients = [g.km.table for g in groups if g.km is not None]
    test = logrank(with_patients) if len(with_patients) >= 2 else None
    return SurvivalReport(grouped=grouped, groups=groups, test=test, tick_years=tick_years)
