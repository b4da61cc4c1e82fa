"""Plain-text rendering of a survival report and of percentages, for the CLI."""

from __future__ import annotations

from consilium.outcomes.report import YEARS, SurvivalReport


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def survival_text(report: SurvivalReport) -> str:
    lines = []
    header = f"{'group':<40} {'n':>6} {'events':>6} {'median':>8}"
    for y in YEARS:
        header += f" {f'{y}-year % (95% CI)':>22}"
    lines.append(header)
    for group in report.groups:
        median = "-" if group.median_years is None else f"{group.median_years:.2f}y"
        line = f"{group.label[:40]:<40} {group.patients:>6} {group.events:>6} {median:>8}"
        for estimate in group.estimates or [None] * len(YEARS):
            if estimate is None or estimate.point is None:
                cell = "not reached" if estimate is not None else "-"
            else:
                p = estimate.point
                cell = f"{percent(p.survival)} ({percent(p.lower)}–{percent(p.upper)})"
            line += f" {cell:>22}"
        lines.append(line)
    test = report.test
    if test is None:
        lines.append("log-rank: fewer than two groups with patients, nothing to compare")
    elif not test.estimable:
        lines.append("log-rank: not estimable (no events where groups overlap)")
    else:
        lines.append(
            f"log-rank: chi-square {test.statistic:.3f}, df {test.df}, p = {test.p_value:.4g}"
        )
    excluded = report.excluded_lines()
    if excluded:
        total = sum(count for count, _reason in excluded)
        detail = "; ".join(f"{count}: {reason}" for count, reason in excluded)
        lines.append(f"{total} patients excluded ({detail})")
    if report.grouped.not_grouped:
        lines.append(f"{report.grouped.not_grouped} patients outside these groups")
    return "\n".join(lines)
