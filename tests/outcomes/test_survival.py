"""The survival core against lifelines (a test-only dependency) on random cohorts."""

import decimal
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test, multivariate_logrank_test
from scipy import stats

from consilium.outcomes.survival import (
    DAYS_PER_YEAR,
    AggregateError,
    AtRiskRow,
    LifeTable,
    LogRank,
    SurvivalPoint,
    chi2_sf,
    kaplan_meier,
    logrank,
)

TOLERANCE = 1e-9

hypothesis_settings = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

integer_days = st.integers(min_value=0, max_value=3000)
# Few distinct values make ties (several events and censorings at one time) common.
tied_days = st.sampled_from([0, 1, 2, 3, 7, 30, 365, 366, 1000])
# Microsecond-of-a-day precision: times one rounding step apart (3000.0 and
# 2999.9999999999995) are not follow-up data, and lifelines' pandas internals and plain
# float comparison disagree on whether they are one time or two.
float_days = st.floats(min_value=0, max_value=3000, allow_nan=False, allow_infinity=False).map(
    lambda x: round(x, 6)
)
rounded_float_days = st.integers(min_value=0, max_value=300).map(lambda x: x / 4)


def cohorts(days=integer_days, max_size=300):
    return st.lists(st.tuples(days, st.booleans()), min_size=1, max_size=max_size)


any_days = st.one_of(integer_days, tied_days)
any_float_days = st.one_of(float_days, rounded_float_days)


def split(cohort):
    durations = [duration for duration, _ in cohort]
    observed = [event for _, event in cohort]
    return durations, observed


def fit_lifelines(cohort, alpha=0.05):
    durations, observed = split(cohort)
    return KaplanMeierFitter(alpha=alpha).fit(np.array(durations, dtype=float), observed)


def close(ours, theirs, tolerance=TOLERANCE):
    return math.isclose(ours, theirs, rel_tol=tolerance, abs_tol=tolerance)


def assert_matches_lifelines(cohort, alpha=0.05):
    table = LifeTable.from_subjects(*split(cohort))
    ours = kaplan_meier(table, alpha=alpha)
    theirs = fit_lifelines(cohort, alpha=alpha)
    survival = theirs.survival_function_.iloc[:, 0]
    lower = theirs.confidence_interval_.iloc[:, 0]
    upper = theirs.confidence_interval_.iloc[:, 1]
    # lifelines' timeline is every distinct time plus 0; check every one of them.
    for t in survival.index:
        point = ours.at(t)
        assert point is not None
        assert abs(point.survival - survival[t]) <= TOLERANCE, t
        assert abs(point.lower - lower[t]) <= TOLERANCE, t
        assert abs(point.upper - upper[t]) <= TOLERANCE, t
    # The stored per-time values too, and between times the step function holds its value.
    for i, t in enumerate(ours.times):
        assert abs(ours.survival[i] - survival[t]) <= TOLERANCE
        assert abs(ours.lower[i] - lower[t]) <= TOLERANCE
        assert abs(ours.upper[i] - upper[t]) <= TOLERANCE
        if i + 1 < len(ours.times):
            midway = (t + ours.times[i + 1]) / 2
            assert ours.at(midway).survival == ours.survival[i]
    # lifelines' median is the first time S <= 0.5; ours counts S within 1e-12 of 0.5 as
    # reaching it, so compare only when no value sits on that edge.
    if not any(abs(s - 0.5) < 1e-9 for s in ours.survival):
        expected = theirs.median_survival_time_
        assert ours.median == (None if math.isinf(expected) else expected)
    return ours, theirs


@hypothesis_settings
@given(cohorts(any_days))
def test_it_matches_lifelines_kaplan_meier_on_integer_days(cohort):
    assert_matches_lifelines(cohort)


@hypothesis_settings
@given(cohorts(any_float_days))
def test_it_matches_lifelines_kaplan_meier_on_float_days(cohort):
    assert_matches_lifelines(cohort)


@settings(max_examples=30, deadline=None)
@given(cohorts(any_days, max_size=100), st.sampled_from([0.01, 0.1, 0.2]))
def test_it_matches_lifelines_kaplan_meier_at_other_alphas(cohort, alpha):
    assert_matches_lifelines(cohort, alpha=alpha)


def test_it_matches_lifelines_at_risk_counts():
    cohort = [(0, True), (3, False), (3, True), (5, True), (10, False), (12, True), (12, True)]
    ours, theirs = assert_matches_lifelines(cohort)
    display = [0, 2, 3, 4, 10, 11, 12, 20]
    rows = ours.at_risk_table(display)
    # What lifelines' add_at_risk_counts shows (at_risk_count_from_start_of_period=False).
    table = theirs.event_table.assign(at_risk=lambda x: x.at_risk - x.removed)
    for row, t in zip(rows, display, strict=True):
        upto = table.loc[:t]
        assert row == AtRiskRow(
            time=t,
            at_risk=int(upto["at_risk"].iloc[-1]),
            events=int(upto["observed"].sum()),
            censored=int(upto["censored"].sum()),
        )
    assert rows[0] == AtRiskRow(time=0, at_risk=6, events=1, censored=0)
    assert rows[-1] == AtRiskRow(time=20, at_risk=0, events=5, censored=2)


def test_it_keeps_survival_at_one_in_a_group_with_no_events():
    cohort = [(10, False), (20, False), (20, False), (400, False)]
    ours, _ = assert_matches_lifelines(cohort)
    assert ours.survival == (1.0, 1.0, 1.0)
    assert ours.lower == ours.upper == (1.0, 1.0, 1.0)
    assert ours.median is None
    assert ours.at(100) == SurvivalPoint(time=100, survival=1.0, lower=1.0, upper=1.0)
    assert ours.at(DAYS_PER_YEAR * 5) is None


@pytest.mark.parametrize("event", [True, False])
@pytest.mark.parametrize("day", [0, 1, 365])
def test_it_handles_a_group_of_one(day, event):
    ours, _ = assert_matches_lifelines([(day, event)])
    expected = 0.0 if event else 1.0
    assert ours.at(day) == SurvivalPoint(
        time=day, survival=expected, lower=expected, upper=expected
    )
    assert ours.median == (day if event else None)
    # S = 0 is known forever after; S = 1 only while someone is followed.
    assert ours.at(day + 1) == (
        SurvivalPoint(time=day + 1, survival=0.0, lower=0.0, upper=0.0) if event else None
    )


def test_it_gives_zero_width_intervals_where_everyone_at_risk_dies():
    ours, _ = assert_matches_lifelines([(1, True), (2, False), (3, True), (3, True)])
    assert (ours.survival[-1], ours.lower[-1], ours.upper[-1]) == (0.0, 0.0, 0.0)
    assert ours.at(10_000).survival == 0.0


def test_it_reads_survival_at_whole_years():
    cohort = [(d, d % 3 == 0) for d in range(0, 2000, 7)]
    ours, theirs = assert_matches_lifelines(cohort)
    for years in (1, 2, 3, 5):
        t = years * DAYS_PER_YEAR
        point = ours.at(t)
        if t > max(d for d, _ in cohort):
            assert point is None
            continue
        assert point.time == t
        expected = theirs.survival_function_at_times(t).iloc[0]
        assert abs(point.survival - expected) <= TOLERANCE
        assert point.lower <= point.survival <= point.upper
    assert ours.at(-1) == SurvivalPoint(time=-1, survival=1.0, lower=1.0, upper=1.0)


def test_it_finds_a_median_sitting_exactly_on_one_half():
    # S = 5/6 then 5/6 x 3/5 = 1/2 exactly; lifelines' exp(sum of logs) gives 0.5000000000000001
    # and so reports no median at all.
    cohort = [(1, True)] + [(3, True)] * 2 + [(4, False)] * 3
    ours = kaplan_meier(LifeTable.from_subjects(*split(cohort)))
    assert ours.at(3).survival == pytest.approx(0.5, abs=1e-15)
    assert ours.median == 3
    assert math.isinf(fit_lifelines(cohort).median_survival_time_)


def test_it_gives_greenwood_variances():
    table = LifeTable.from_counts([(1, 1, 0), (2, 2, 1), (4, 1, 0), (5, 0, 5)])
    ours = kaplan_meier(table)
    # n = 10, 9, 6, 5: g = 1/(10*9), + 2/(9*7), + 1/(6*5).
    expected_g = [1 / 90, 1 / 90 + 2 / 63, 1 / 90 + 2 / 63 + 1 / 30, 1 / 90 + 2 / 63 + 1 / 30]
    assert ours.greenwood == pytest.approx(expected_g, abs=1e-15)
    expected_s = [0.9, 0.9 * 7 / 9, 0.9 * 7 / 9 * 5 / 6, 0.9 * 7 / 9 * 5 / 6]
    assert ours.survival == pytest.approx(expected_s, abs=1e-15)
    assert ours.variance == pytest.approx(
        [s * s * g for s, g in zip(expected_s, expected_g, strict=True)], abs=1e-15
    )


def groups_of(cohort_strategy, count):
    return st.lists(cohort_strategy, min_size=count, max_size=count)


def assert_logrank_matches_lifelines(groups):
    ours = logrank([LifeTable.from_subjects(*split(group)) for group in groups])
    durations = np.array([d for group in groups for d, _ in group], dtype=float)
    observed = np.array([e for group in groups for _, e in group])
    labels = np.array([i for i, group in enumerate(groups) for _ in group])
    if len(groups) == 2:
        a, b = (np.array(split(group)[0], dtype=float) for group in groups)
        theirs = logrank_test(a, b, split(groups[0])[1], split(groups[1])[1])
    else:
        theirs = multivariate_logrank_test(durations, labels, observed)
    assert close(ours.statistic, theirs.test_statistic), (ours, theirs.test_statistic)
    if ours.df == len(groups) - 1:
        expected_p = theirs.p_value
    else:
        # A group never at risk beside another at an event time carries no information; we
        # leave it out of the degrees of freedom (as R's survdiff) where lifelines keeps it.
        expected_p = stats.chi2.sf(theirs.test_statistic, ours.df) if ours.df else 1.0
    if expected_p > 1e-300:
        assert math.isclose(ours.p_value, expected_p, rel_tol=1e-9), (ours, expected_p)
    else:
        assert ours.p_value <= 1e-300
    return ours


@hypothesis_settings
@given(groups_of(cohorts(any_days, max_size=150), 2))
def test_it_matches_lifelines_logrank_for_two_groups(groups):
    assert_logrank_matches_lifelines(groups)


@hypothesis_settings
@given(groups_of(cohorts(any_days, max_size=100), 3))
def test_it_matches_lifelines_logrank_for_three_groups(groups):
    assert_logrank_matches_lifelines(groups)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=2, max_value=5).flatmap(
        lambda k: groups_of(cohorts(any_float_days, max_size=80), k)
    )
)
def test_it_matches_lifelines_logrank_on_float_days_and_more_groups(groups):
    assert_logrank_matches_lifelines(groups)


def test_it_detects_a_real_difference():
    rng = np.random.default_rng(7)
    groups = [[(int(d), True) for d in rng.exponential(scale, 200).round()] for scale in (300, 600)]
    ours = assert_logrank_matches_lifelines(groups)
    assert ours.df == 1
    assert ours.p_value < 1e-6


def test_it_refuses_a_logrank_test_of_fewer_than_two_groups():
    table = LifeTable.from_counts([(1, 1, 0)])
    with pytest.raises(AggregateError, match="at least 2 groups, got 1"):
        logrank([table])
    with pytest.raises(AggregateError, match="at least 2 groups, got 0"):
        logrank([])


def test_it_reports_a_logrank_test_without_events_as_not_estimable():
    groups = [[(10, False), (20, False)], [(5, False)], [(30, False), (40, False)]]
    ours = assert_logrank_matches_lifelines(groups)
    assert ours == LogRank(statistic=0.0, df=0, p_value=1.0)
    assert not ours.estimable
    two = assert_logrank_matches_lifelines(groups[:2])
    assert two == LogRank(statistic=0.0, df=0, p_value=1.0)


def test_it_leaves_a_group_never_at_risk_at_an_event_out_of_the_degrees_of_freedom():
    # The third group is censored before anyone has the event.
    groups = [[(10, True), (20, False), (30, True)], [(15, True), (25, True)], [(1, False)]]
    ours = assert_logrank_matches_lifelines(groups)
    assert ours.df == 1
    assert ours.estimable
    two = logrank([LifeTable.from_subjects(*split(group)) for group in groups[:2]])
    assert ours.statistic == pytest.approx(two.statistic, abs=1e-12)
    assert ours.p_value == pytest.approx(two.p_value, rel=1e-12)


def test_it_accepts_an_empty_group_in_a_logrank_test():
    groups = [[(10, True), (20, False)], [(15, True), (25, True)]]
    tables = [LifeTable.from_subjects(*split(group)) for group in groups]
    with_empty = logrank([*tables, LifeTable.from_counts([])])
    assert with_empty == logrank(tables)


@hypothesis_settings
@given(cohorts(any_days), st.data())
def test_it_pools_tables_exactly(cohort, data):
    sites = data.draw(st.lists(st.integers(0, 3), min_size=len(cohort), max_size=len(cohort)))
    per_site = [
        LifeTable.from_subjects(
            *split([s for s, site in zip(cohort, sites, strict=True) if site == k])
        )
        for k in range(4)
    ]
    whole = LifeTable.from_subjects(*split(cohort))
    pooled = LifeTable.pooled(per_site)
    assert pooled == whole
    assert kaplan_meier(pooled) == kaplan_meier(whole)
    assert LifeTable.pooled(reversed(per_site)) == whole


def test_it_pools_two_tables_into_the_table_of_all_their_subjects():
    a = [(0, True), (5, False), (5, True), (9, True)]
    b = [(5, True), (7, False), (9, False), (9, False)]
    pooled = LifeTable.pooled(
        [LifeTable.from_subjects(*split(a)), LifeTable.from_subjects(*split(b))]
    )
    assert pooled == LifeTable.from_subjects(*split(a + b))
    assert pooled.to_rows() == [[0, 1, 0], [5, 2, 1], [7, 0, 1], [9, 1, 2]]
    assert pooled.at_risk == (8, 7, 4, 3)
    assert pooled.subjects == 8
    assert pooled.total_events == 4


def test_it_sums_repeated_times_and_drops_empty_rows():
    table = LifeTable.from_counts([(5, 1, 0), (2, 0, 1), (5, 2, 3), (7, 0, 0), (2.0, 1, 0)])
    assert table == LifeTable(times=(2, 5), events=(1, 3), censored=(1, 3))


def test_it_accepts_counts_as_a_database_returns_them():
    table = LifeTable.from_counts(
        [
            (np.int64(3), decimal.Decimal("2"), np.int32(1)),
            (decimal.Decimal("4.5"), 1.0, decimal.Decimal("0")),
            (np.float64(6.0), np.int64(1), 0),
        ]
    )
    assert table.to_rows() == [[3, 2, 1], [4.5, 1, 0], [6.0, 1, 0]]
    assert [type(t) for t in table.times] == [int, float, float]
    assert LifeTable.from_counts([(-0.0, 1, 0)]).to_rows() == [[0.0, 1, 0]]
    assert json.dumps(LifeTable.from_counts([(-0.0, 1, 0)]).to_rows()) == "[[0.0, 1, 0]]"
    json.dumps(table.to_rows())


@hypothesis_settings
@given(cohorts(st.one_of(integer_days, float_days)))
def test_it_round_trips_tables_through_json(cohort):
    table = LifeTable.from_subjects(*split(cohort))
    assert LifeTable.from_rows(json.loads(json.dumps(table.to_rows()))) == table


def test_it_reads_rows_written_as_objects():
    rows = [{"time": 1, "events": 2, "censored": 0}, {"time": 3, "events": 0, "censored": 4}]
    assert LifeTable.from_rows(rows) == LifeTable(times=(1, 3), events=(2, 0), censored=(0, 4))


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([(1, -1, 0)], r"row 0: events must not be negative, got -1"),
        ([(1, 0, 0), (2, 1, -3)], r"row 1: censored must not be negative, got -3"),
        ([(-1, 1, 0)], r"row 0: time must not be negative, got -1"),
        ([(-0.5, 1, 0)], r"row 0: time must not be negative, got -0.5"),
        ([(1, 1.5, 0)], r"row 0: events must be a whole number, not 1.5"),
        ([(1, 1, decimal.Decimal("0.5"))], r"row 0: censored must be a whole number"),
        ([(1, "2", 0)], r"row 0: events must be a whole number, not '2'"),
        ([(1, True, 0)], r"row 0: events must be a whole number, not True"),
        ([(1, math.nan, 0)], r"row 0: events must be a whole number, not nan"),
        ([(1, math.inf, 0)], r"row 0: events must be a whole number, not inf"),
        ([(math.nan, 1, 0)], r"row 0: time must be finite, not nan"),
        ([(math.inf, 1, 0)], r"row 0: time must be finite, not inf"),
        ([("3", 1, 0)], r"row 0: time must be a number of days, not '3'"),
        ([(None, 1, 0)], r"row 0: time must be a number of days, not None"),
        ([(1, 1)], r"row 0: expected \(time, events, censored\), got \(1, 1\)"),
    ],
)
def test_it_rejects_bad_counts_with_a_clear_message(rows, message):
    with pytest.raises(AggregateError, match=message):
        LifeTable.from_counts(rows)


def test_it_rejects_bad_rows_on_import():
    with pytest.raises(AggregateError, match=r"row 1: missing censored, events"):
        LifeTable.from_rows([[1, 1, 0], {"time": 2}])
    with pytest.raises(AggregateError, match=r"row 0: expected \[time, events, censored\]"):
        LifeTable.from_rows(["1,1,0"])
    with pytest.raises(AggregateError, match=r"row 0: events must not be negative"):
        LifeTable.from_rows([[1, -1, 0]])


def test_it_rejects_bad_tables_built_directly():
    with pytest.raises(AggregateError, match="strictly increasing"):
        LifeTable(times=(2, 1), events=(1, 1), censored=(0, 0))
    with pytest.raises(AggregateError, match="strictly increasing"):
        LifeTable(times=(1, 1), events=(1, 1), censored=(0, 0))
    with pytest.raises(AggregateError, match="same length"):
        LifeTable(times=(1, 2), events=(1,), censored=(0, 0))
    with pytest.raises(AggregateError, match="row 0: events must not be negative"):
        LifeTable(times=(1,), events=(-1,), censored=(0,))


def test_it_rejects_mismatched_subjects():
    with pytest.raises(AggregateError, match="2 durations but 1 event flags"):
        LifeTable.from_subjects([1, 2], [True])
    with pytest.raises(AggregateError, match="time must not be negative"):
        LifeTable.from_subjects([1, -2], [True, False])
    assert LifeTable.from_subjects([3, 1]) == LifeTable(
        times=(1, 3), events=(1, 1), censored=(0, 0)
    )


def test_it_refuses_an_empty_table_or_a_bad_alpha():
    with pytest.raises(AggregateError, match="empty table"):
        kaplan_meier(LifeTable.from_counts([]))
    with pytest.raises(AggregateError, match="alpha must be between 0 and 1"):
        kaplan_meier(LifeTable.from_counts([(1, 1, 0)]), alpha=1.5)


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 10, 25, 51])
def test_it_computes_chi_square_tails_like_scipy(df):
    for x in [0.0, 1e-12, 1e-6, 0.01, 0.5, 1, 2.7, 3.84, 10, 50, 100, 300, 700, 1400]:
        expected = stats.chi2.sf(x, df)
        if expected > 1e-290:
            assert math.isclose(chi2_sf(x, df), expected, rel_tol=1e-11), (x, df)
        else:
            assert chi2_sf(x, df) < 1e-280
    assert chi2_sf(math.inf, df) == 0.0
    assert chi2_sf(-1, df) == 1.0


def test_it_refuses_chi_square_without_degrees_of_freedom():
    with pytest.raises(AggregateError, match="degrees of freedom"):
        chi2_sf(1.0, 0)
