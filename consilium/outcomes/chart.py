"""Geometry of a Kaplan-Meier chart drawn as server-rendered SVG: step functions, optional
confidence bands, yearly ticks, each curve's name at its end and, on the wide layout, the
numbers at risk under the plot. Colours and dashes are SVG presentation attributes (the CSP
forbids style attributes, and a downloaded SVG or the PDF has no stylesheet); dashes keep the
groups apart in black-and-white print.

A chart with a dozen curves and their bands cannot be read, on a desktop or a phone: by default
it draws the :data:`DEFAULT_CURVES` groups with most patients (:func:`choose_curves`; the page
has a chooser for the others), and bands only when there are at most :data:`BANDS_UP_TO`
curves. Names sit at the end of their curve, in the right margin at the curve's last height,
nudged apart so that two curves ending close together keep readable names. The phone layout
is a narrow viewBox with larger text and no at-risk rows (the table beside the chart gives
them); the page shows one layout or the other by CSS, with no script.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from consilium.outcomes.report import GroupSummary, SurvivalReport
from consilium.outcomes.survival import DAYS_PER_YEAR

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "7 4", "2 3", "10 3 2 3")
DEFAULT_CURVES = 5
MAX_CURVES = len(COLOURS)  # beyond it colours repeat and the chart stops reading
BANDS_UP_TO = 2
TABLE_YEARS = (1, 3, 5)


@dataclass(frozen=True)
class Layout:
    name: str
    width: int
    left: int  # y tick labels (and, when wide, the at-risk rows' names)
    right: int  # the curves' names
    top: int
    plot_height: int
    font_size: int
    label_chars: int  # a curve's name is cut to this many characters
    at_risk_rows: bool


WIDE = Layout("wide", 780, 120, 170, 16, 260, 12, 22, True)
# Drawn at 360 px wide or less, so its 14-unit text reads at about 14 px on a phone.
PHONE = Layout("phone", 360, 48, 100, 14, 220, 14, 11, False)

AXIS_SPACE = 44  # tick labels and the axis title under the plot
ROW_HEIGHT = 18


@dataclass(frozen=True)
class Series:
    label: str
    end_label: str  # the name at the curve's end, cut to the layout's width
    row_label: str  # the name of its at-risk row, in the narrow left margin
    colour: str
    dash: str
    path: str
    band: str  # polygon points of the confidence band, "" when not drawn
    end_x: float
    end_y: float  # the curve's last height
    label_y: float  # the baseline of its name, nudged away from its neighbours'
    label_dot: float  # the middle of its name's height, where the connector ends
    at_risk: list[tuple[float, int]]  # (x, number at risk)
    row_y: int


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    layout: str
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    font_size: int
    series: list[Series]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    title: str
    description: str
    x_label_x: float
    x_label_y: float
    y_label_x: float
    y_label_y: float
    at_risk_title_y: float
    label_x: float
    bands: bool


@dataclass(frozen=True)
class TableRow:
    """A line of the text table beside the chart: a shown curve's figures at 1, 3, 5 years."""

    key: str
    label: str
    colour: str
    dash: str
    patients: int
    events: int
    # (years, estimate or None when nobody was followed that long, number at risk or None)
    years: list[tuple[int, object, int | None]]


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def choose_curves(
    report: SurvivalReport, keys: Sequence[str] = ()
) -> tuple[list[GroupSummary], list[GroupSummary]]:
    """The groups drawn and those left out. ``keys`` (the chooser's ``curve`` values, a group's
    key as text) picks them; without it, the :data:`DEFAULT_CURVES` groups with most patients.
    Groups keep the report's order either way, so a group keeps its place in the list."""
    drawable = [g for g in report.groups if g.km is not None]
    if keys:
        wanted = set(keys)
        shown = [g for g in drawable if str(g.key) in wanted]
    else:
        largest = sorted(drawable, key=lambda g: -g.patients)[:DEFAULT_CURVES]
        shown = [g for g in drawable if g in largest]
    return shown, [g for g in drawable if g not in shown]


def bands_shown(setting: str, curves: int) -> bool:
    """``on`` / ``off`` as chosen; ``auto`` draws bands for up to :data:`BANDS_UP_TO` curves."""
    if setting in ("on", "off"):
        return setting == "on"
    return curves <= BANDS_UP_TO


def nudge(positions: Sequence[float], gap: float, low: float, high: float) -> list[float]:
    """Label heights at least ``gap`` apart, each as near its wish as can be, within
    ``[low, high]``; the result is in the order given. Wishes are pushed down in order from the
    top, then, if the last one overflowed, back up from the bottom."""
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    placed = [min(max(positions[i], low), high) for i in order]
    for n in range(1, len(placed)):
        placed[n] = max(placed[n], placed[n - 1] + gap)
    if placed and placed[-1] > high:
        placed[-1] = high
        for n in range(len(placed) - 2, -1, -1):
            placed[n] = min(placed[n], placed[n + 1] - gap)
    result = [0.0] * len(positions)
    for n, i in enumerate(order):
        result[i] = placed[n]
    return result


def _short(label: str, chars: int) -> str:
    """A name cut to ``chars``; an ICCC group ("IV · Neuroblastoma and…") that does not fit a
    phone's few characters keeps its numeral, which the table beside the chart spells out."""
    if len(label) <= chars:
        return label
    if chars < 16 and " · " in label:
        return label.split(" · ", 1)[0]
    return label[: chars - 1].rstrip() + "…"


def kaplan_meier_chart(
    report: SurvivalReport,
    *,
    title: str,
    groups: Sequence[GroupSummary] | None = None,
    bands: bool | None = None,
    layout: Layout = WIDE,
) -> Chart | None:
    """The chart of ``groups`` (default: :func:`choose_curves`); ``bands`` None: automatic."""
    if groups is None:
        groups = choose_curves(report)[0]
    groups = [g for g in groups if g.km is not None][:MAX_CURVES]
    if not groups:
        return None
    if bands is None:
        bands = bands_shown("auto", len(groups))
    unit = report.grouped.unit_days
    years = max(report.tick_years[-1] if report.tick_years else 1, 1)
    # Extend the axis to the end of the year of the longest follow-up.
    longest = max(g.km.times[-1] for g in groups) * unit / DAYS_PER_YEAR
    span_years = max(years, int(longest) + (0 if longest == int(longest) else 1), 1)
    left, top = layout.left, layout.top
    right = layout.width - layout.right
    inner_w = right - left
    bottom = top + layout.plot_height

    def x(time: float) -> float:
        return left + inner_w * min(time * unit / DAYS_PER_YEAR / span_years, 1.0)

    def y(survival: float) -> float:
        return top + layout.plot_height * (1 - survival)

    rows_top = int(bottom + AXIS_SPACE + 22)
    drawn = []
    for group in groups:
        km = group.km
        assert km is not None
        path = [f"M{_fmt(x(0))} {_fmt(y(1))}"]
        upper = [(x(0), y(1))]
        lower = [(x(0), y(1))]
        previous = (1.0, 1.0, 1.0)
        for time, s, lo, hi in zip(km.times, km.survival, km.lower, km.upper, strict=True):
            if s != previous[0]:
                path.append(f"H{_fmt(x(time))} V{_fmt(y(s))}")
            # A step only where the limit moves: a censored child leaves it flat, and a
            # corner at every censoring made the band of one hospital 110 kB of points.
            if hi != previous[2]:
                upper += [(x(time), y(previous[2])), (x(time), y(hi))]
            if lo != previous[1]:
                lower += [(x(time), y(previous[1])), (x(time), y(lo))]
            previous = (s, lo, hi)
        end = x(km.times[-1])
        path.append(f"H{_fmt(end)}")
        band = ""
        if bands:
            upper.append((end, y(previous[2])))
            lower.append((end, y(previous[1])))
            band = " ".join(f"{_fmt(px)},{_fmt(py)}" for px, py in upper + lower[::-1])
        drawn.append((group, " ".join(path), band, end, y(previous[0])))

    # The text's baseline sits a third of the font below the curve's height it names.
    label_ys = nudge(
        [end_y for *_rest, end_y in drawn], layout.font_size + 2, top, bottom + layout.font_size
    )
    series = []
    for n, ((group, path, band, end, end_y), label_y) in enumerate(
        zip(drawn, label_ys, strict=True)
    ):
        series.append(
            Series(
                label=group.label,
                end_label=_short(group.label, layout.label_chars),
                row_label=_short(group.label, 14),
                colour=COLOURS[n % len(COLOURS)],
                dash=DASHES[n % len(DASHES)],
                path=path,
                band=band,
                end_x=end,
                end_y=end_y,
                label_y=label_y + layout.font_size / 3,
                label_dot=label_y,
                at_risk=[
                    (x(year * DAYS_PER_YEAR / unit), row.at_risk)
                    for year, row in zip(report.tick_years, group.at_risk, strict=False)
                    if year <= span_years
                ]
                if layout.at_risk_rows
                else [],
                row_y=int(rows_top + ROW_HEIGHT * (n + 1)),
            )
        )
    if layout.at_risk_rows:
        height = int(rows_top + ROW_HEIGHT * (len(series) + 1))
    else:
        height = int(bottom + AXIS_SPACE + 4)
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
        layout=layout.name,
        width=layout.width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        font_size=layout.font_size,
        series=series,
        x_ticks=[Tick(x(year * DAYS_PER_YEAR / unit), str(year)) for year in range(span_years + 1)],
        y_ticks=[Tick(y(v / 100), f"{v}%") for v in (0, 25, 50, 75, 100)],
        title=title,
        description=_("Kaplan-Meier curves. %(summary)s.") % {"summary": summary},
        x_label_x=(left + right) / 2,
        x_label_y=bottom + 36,
        y_label_x=max(left - 44, layout.font_size),
        y_label_y=top + layout.plot_height / 2,
        at_risk_title_y=rows_top,
        label_x=right + 14,
        bands=bands,
    )


def table_rows(report: SurvivalReport, groups: Sequence[GroupSummary]) -> list[TableRow]:
    """The text table beside the chart, in the chart's colours and order."""
    rows = []
    for n, group in enumerate(groups[:MAX_CURVES]):
        estimates = {e.years: e.point for e in group.estimates}
        at_risk = {
            year: row.at_risk for year, row in zip(report.tick_years, group.at_risk, strict=False)
        }
        rows.append(
            TableRow(
                key=str(group.key),
                label=group.label,
                colour=COLOURS[n % len(COLOURS)],
                dash=DASHES[n % len(DASHES)],
                patients=group.patients,
                events=group.events,
                years=[(y, estimates.get(y), at_risk.get(y)) for y in TABLE_YEARS],
            )
        )
    return rows
