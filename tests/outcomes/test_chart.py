"""The survival chart: few curves by default, names at their ends, bands when they can be read,
a phone layout, a text table beside it, every text in the reader's language."""

import itertools
import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from consilium.outcomes import chart, groupings
from consilium.outcomes.aggregates import GroupedTables
from consilium.outcomes.endpoints import Endpoint
from consilium.outcomes.report import summarise
from consilium.outcomes.survival import LifeTable

# Eight ICCC groups of 2 to 9 children; group XII is the largest, I the smallest.
SIZES = dict(zip(["I", "II", "III", "IV", "V", "VI", "VII", "XII"], range(2, 10), strict=True))


def _report(sizes=SIZES, days=(200, 400, 800, 1500, 2000)):
    tables = {}
    for key, size in sizes.items():
        durations = [days[n % len(days)] + n for n in range(size)]
        tables[key] = LifeTable.from_subjects(durations, [n % 2 for n in range(size)])
    return summarise(GroupedTables(Endpoint.OS, groupings.by_iccc(), tables))


def test_it_draws_the_five_largest_groups_by_default_in_the_reports_order():
    shown, left = chart.choose_curves(_report())

    assert [g.key for g in shown] == ["IV", "V", "VI", "VII", "XII"]
    assert [g.key for g in left] == ["I", "II", "III"]


def test_the_chooser_picks_other_groups_and_ignores_keys_it_does_not_know():
    shown, left = chart.choose_curves(_report(), ["I", "XII", "nope"])

    assert [g.key for g in shown] == ["I", "XII"]
    assert len(left) == 6


@pytest.mark.parametrize(
    ("setting", "curves", "drawn"),
    [("auto", 1, True), ("auto", 2, True), ("auto", 3, False), ("on", 5, True), ("off", 1, False)],
)
def test_bands_are_drawn_for_two_curves_or_when_asked(setting, curves, drawn):
    assert chart.bands_shown(setting, curves) is drawn


def test_the_default_chart_of_many_curves_has_no_band_and_one_of_two_has():
    report = _report()
    many = chart.kaplan_meier_chart(report, title="t")
    two = chart.kaplan_meier_chart(report, title="t", groups=report.groups[:2])

    assert len(many.series) == 5 and not any(s.band for s in many.series)
    assert all(s.band for s in two.series)


def _points(band: str) -> list[tuple[float, float]]:
    return [tuple(map(float, p.split(","))) for p in band.split()]


def test_a_band_has_corners_only_where_a_limit_moves_not_at_every_censored_child():
    # 600 children, 3 deaths, the rest censored on 597 different days: the band of a real
    # hospital, which drew a corner per censoring (110 kB of points on the outcomes page).
    durations = [30 + n for n in range(600)]
    events = [1 if n in (100, 300, 500) else 0 for n in range(600)]
    table = LifeTable.from_subjects(durations, events)
    report = summarise(GroupedTables(Endpoint.OS, groupings.by_iccc(), {"IV": table}))
    drawn = chart.kaplan_meier_chart(report, title="t", bands=True)
    points = _points(drawn.series[0].band)
    km = report.groups[0].km

    assert len(points) < 30
    # Still the band: a closed outline of horizontal and vertical sides whose heights are
    # exactly 100% and each limit the estimate takes.
    assert all(a[0] == b[0] or a[1] == b[1] for a, b in itertools.pairwise(points))
    assert points[0] == points[-1]
    at = {tick.label: tick.position for tick in drawn.y_ticks}

    def height(value: float) -> float:
        return round(at["100%"] + (at["0%"] - at["100%"]) * (1 - value), 1)

    assert {py for _px, py in points} == {height(v) for v in (1.0, *km.lower, *km.upper)}


def test_labels_that_wish_for_the_same_height_are_nudged_apart_within_the_plot():
    placed = chart.nudge([100, 100, 101, 300, 10], gap=16, low=16, high=276)

    ordered = sorted(placed)
    assert all(b - a >= 16 for a, b in itertools.pairwise(ordered))
    assert min(placed) >= 16 and max(placed) <= 276
    assert placed[0] < placed[1] < placed[2]  # equal wishes keep their given order
    assert placed[3] == 276  # the one below the plot is brought back into it
    assert placed[4] == 16


def test_each_curve_is_named_at_its_end_without_overlapping_another_name():
    # Five groups with the same follow-up end at the same height.
    report = _report({k: 4 for k in ["I", "II", "III", "IV", "V"]})
    drawn = chart.kaplan_meier_chart(report, title="t")

    ends = {round(s.end_y, 1) for s in drawn.series}
    assert len(ends) == 1
    ys = sorted(s.label_y for s in drawn.series)
    assert all(b - a >= drawn.font_size for a, b in itertools.pairwise(ys))
    assert all(s.end_label for s in drawn.series)


def test_the_phone_layout_is_narrow_with_larger_text_and_short_names():
    report = _report()
    wide = chart.kaplan_meier_chart(report, title="t")
    phone = chart.kaplan_meier_chart(report, title="t", layout=chart.PHONE)

    assert phone.width < 400 < wide.width
    assert phone.font_size > wide.font_size
    assert not any(s.at_risk for s in phone.series) and all(s.at_risk for s in wide.series)
    # An ICCC group is named by its numeral where its whole name does not fit.
    assert [s.end_label for s in phone.series][-1] == "XII"
    assert all(len(s.end_label) <= chart.PHONE.label_chars for s in phone.series)


def test_the_text_table_gives_1_3_and_5_years_with_intervals_and_numbers_at_risk():
    report = _report({"IV": 6})
    (row,) = chart.table_rows(report, report.groups)

    assert [years for years, _p, _n in row.years] == [1, 3, 5]
    one_year, _three_years, five_years = row.years
    assert one_year[1].lower <= one_year[1].survival <= one_year[1].upper
    assert one_year[2] == 4  # 2 of 6 had left before a year (200 and 201 days)
    assert five_years[2] == 1  # followed past 5 years: 2004 days


@pytest.mark.parametrize("language", ["fr", "ru", "vi", "uz"])
def test_every_text_of_the_svg_is_in_the_readers_language(language):
    with translation.override(language):
        report = _report()  # group names are taken in the language of the request
        for layout in (chart.WIDE, chart.PHONE):
            drawn = chart.kaplan_meier_chart(report, title="t", layout=layout)
            svg = render_to_string("outcomes/chart.svg", {"chart": drawn, "chart_id": "x"})
            assert translation.gettext("Years since diagnosis") in svg
            for english in ("Years since diagnosis", "Probability (%)", "Number at risk"):
                assert english not in svg
            # The description (the SVG's <desc>) too, group names included.
            assert " events" not in drawn.description
            assert translation.gettext("XII · Other and unspecified malignant neoplasms") in svg


def _iccc_page(client, query=""):
    return client.get(f"/outcomes/?by=iccc&endpoint=os{query}").content.decode()


def test_the_page_draws_the_chosen_curves_and_offers_the_others(client_for, patients, sites):
    client = client_for("data_manager")
    default = _iccc_page(client)
    offered = re.findall(r'name="curve" value="([^"]+)"( checked)?', default)
    assert len(offered) > 1
    first = offered[0][0]

    chosen = _iccc_page(client, f"&curve={first}&bands=on")

    assert re.findall(r'name="curve" value="([^"]+)" checked', chosen) == [first]
    assert "<polygon" in chosen  # bands asked for
    # Both layouts are on the page, one shown by CSS; the chooser keeps the page's choices.
    assert 'class="km-chart km-wide"' in chosen and 'class="km-chart km-phone"' in chosen
    assert '<input type="hidden" name="by" value="iccc">' in chosen
    assert "survival % (95% CI) and number at risk" in chosen


def test_the_page_refuses_too_many_curves_and_says_which_it_left_out(client_for, patients, sites):
    client = client_for("data_manager")
    too_many = _iccc_page(client, "".join(f"&curve=k{n}" for n in range(chart.MAX_CURVES + 1)))
    assert "Choose at most 7 curves" in too_many
    assert "Survival estimates" not in too_many  # nothing drawn from a refused choice

    unknown = _iccc_page(client, "&curve=nope")
    assert "A chosen curve is not one of these groups" in unknown
    assert 'class="km-chart km-wide"' in unknown  # the largest groups instead
