"""Geometry of a server-rendered SVG line chart of compliance % over time, one line per unit.
The template draws it; colours come from CSS classes (the CSP forbids style attributes)."""

import datetime
from dataclasses import dataclass, field

from consilium.library.compliance import Point

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 12, 40
SERIES_CLASSES = 6


@dataclass
class Dot:
    x: float
    y: float
    label: str


@dataclass
class Line:
    unit: str
    css: str
    points: str
    dots: list[Dot] = field(default_factory=list)


@dataclass
class Tick:
    position: float
    label: str


@dataclass
class LineChart:
    width: int
    height: int
    left: int
    right: float
    top: int
    bottom: float
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]


def _month_starts(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months = []
    day = first.replace(day=1)
    while day <= last:
        if day >= first:
            months.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return months


def line_chart(series: dict[str, list[Point]]) -> LineChart | None:
    """None when there is nothing to draw (no round with an applicable observation)."""
    plotted = {
        unit: [p for p in points if p.percent is not None] for unit, points in series.items()
    }
    plotted = {unit: points for unit, points in plotted.items() if points}
    if not plotted:
        return None
    dates = [p.audited_on for points in plotted.values() for p in points]
    first, last = min(dates), max(dates)
    span = max((last - first).days, 1)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: datetime.date) -> float:
        if first == last:
            return LEFT + inner_w / 2
        return round(LEFT + inner_w * (day - first).days / span, 1)

    def y(percent: float) -> float:
        return round(TOP + inner_h * (1 - percent / 100), 1)

    lines = []
    for n, (unit, points) in enumerate(plotted.items()):
        dots = [
            Dot(
                x(p.audited_on),
                y(p.percent or 0),
                f"{unit}, {p.audited_on.isoformat()}: {p.percent} % ({p.compliant}/{p.applicable})",
            )
            for p in points
        ]
        lines.append(
            Line(
                unit=unit,
                css=f"series-{n % SERIES_CLASSES}",
                points=" ".join(f"{d.x},{d.y}" for d in dots),
                dots=dots,
            )
        )
    months = _month_starts(first, last)
    step = max(1, len(months) // 8)
    x_ticks = [Tick(x(m), m.strftime("%Y-%m")) for m in months[::step]]
    if not x_ticks:
        x_ticks = [Tick(x(first), first.isoformat())]
    y_ticks = [Tick(y(v), f"{v} %") for v in (0, 25, 50, 75, 100)]
    return LineChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        top=TOP,
        bottom=HEIGHT - BOTTOM,
        lines=lines,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
    )
