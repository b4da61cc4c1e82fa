"""Geometry of a Kaplan-Meier chart drawn as server-rendered SVG: step functions, optional
confidence bands, yearly ticks and the numbers at risk under the plot. Colours and dashes are
SVG presentation attributes (the CSP forbids style attributes, and a downloaded SVG or the PDF
has no stylesheet); dashes keep the groups apart in black-and-white print."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from consilium.outcomes.report import SurvivalReport
from consilium.outcomes.survival import DAYS_PER_YEAR

WIDTH = 780
# The left margin holds the group names of the at-risk rows.
LEFT, RIGHT, TOP = 170, 24, 16
PLOT_HEIGHT = 260
AXIS_SPACE = 44  # tick labels and the axis title under the plot
ROW_HEIGHT = 18
# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "7 4", "2 3", "10 3 2 3")


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    dash: str
    path: str
    band: str  # polygon points of the confidence band, "" when not drawn
    at_risk: list[tuple[float, int]]  # (x, number at risk)
    row_y: int


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    series: list[Series]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    title: str
    description: str
    x_label_x: float
    x_label_y: float
    at_risk_title_y: float


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def kaplan_meier_chart(report: SurvivalReport, *, title: str, bands: bool = True) -> Chart | None:
    groups = [g for g in report.groups if g.km is not None]
    if not groups:
        return None
    unit = report.grouped.unit_days
    years = max(report.tick_years[-1] if report.tick_years else 1, 1)
    # Extend the axis to the end of the year of the longest follow-up.
    longest = max(g.km.times[-1] for g in groups) * unit / DAYS_PER_YEAR
    span_years = max(years, int(longest) + (0 if longest == int(longest) else 1), 1)
    inner_w = WIDTH - LEFT - RIGHT
    bottom = TOP + PLOT_HEIGHT

    def x(time: float) -> float:
        return LEFT + inner_w * min(time * unit / DAYS_PER_YEAR / span_years, 1.0)

    def y(survival: float) -> float:
        return TOP + PLOT_HEIGHT * (1 - survival)

    rows_top = int(bottom + AXIS_SPACE + 22)
    series = []
    for n, group in enumerate(groups):
        km = group.km
        assert km is not None
        path = [f"M{_fmt(x(0))} {_fmt(y(1))}"]
        upper = [(x(0), y(1))]
        lower = [(x(0), y(1))]
        previous = (1.0, 1.0, 1.0)
        for time, s, lo, hi in zip(km.times, km.survival, km.lower, km.upper, strict=True):
            if s != previous[0]:
                path.append(f"H{_fmt(x(time))} V{_fmt(y(s))}")
            upper += [(x(time), y(previous[2])), (x(time), y(hi))]
            lower += [(x(time), y(previous[1])), (x(time), y(lo))]
            previous = (s, lo, hi)
        end = x(km.times[-1])
        path.append(f"H{_fmt(end)}")
        band = ""
        if bands:
            upper.append((end, y(previous[2])))
            lower.append((end, y(previous[1])))
            band = " ".join(f"{_fmt(px)},{_fmt(py)}" for px, py in upper + lower[::-1])
        series.append(
            Series(
                label=group.label,
                colour=COLOURS[n % len(COLOURS)],
                dash=DASHES[(n // len(COLOURS) + n) % len(DASHES)],
                path=" ".join(path),
                band=band,
                at_risk=[
                    (x(year * DAYS_PER_YEAR / unit), row.at_risk)
                    for year, row in zip(report.tick_years, group.at_risk, strict=False)
                    if year <= span_years
                ],
                row_y=int(rows_top + ROW_HEIGHT * (n + 1)),
            )
        )
    height = int(rows_top + ROW_HEIGHT * (len(series) + 1))
    summary = "; ".join(
        _("%(group)s: %(patients)s patients, %(events)s events")
        % {"group": g.label, "patients": g.patients, "events": g.events}
        + "".join(
            _(", %(years)s-year %(percent)s%%")
            % {"years": e.years, "percent": f"{100 * e.point.survival:.0f}"}
            for e in g.estimates
            if e.point is not None and e.years in (1, 3, 5)
        )
        for g in groups
    )
    return Chart(
        width=WIDTH,
        height=height,
        left=LEFT,
        right=WIDTH - RIGHT,
        top=TOP,
        bottom=bottom,
        series=series,
        x_ticks=[Tick(x(year * DAYS_PER_YEAR / unit), str(year)) for year in range(span_years + 1)],
        y_ticks=[Tick(y(v / 100), f"{v}%") for v in (0, 25, 50, 75, 100)],
        title=title,
        description=_("Kaplan-Meier curves. %(summary)s.") % {"summary": summary},
        x_label_x=(LEFT + WIDTH - RIGHT) / 2,
        x_label_y=bottom + 36,
        at_risk_title_y=rows_top,
    )
