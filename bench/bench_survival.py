"""Time the survival core on a million subjects against lifelines on the same data.

    .venv/bin/python bench/bench_survival.py

The tables are built the way the database will feed them: one (time, events, censored) row per
distinct day and group, as a GROUP BY returns (here numpy's unique/bincount). lifelines is a
test and bench dependency only.
"""

import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consilium.outcomes.survival import LifeTable, kaplan_meier, logrank

SUBJECTS = 1_000_000
REPEATS = 5


def cohort(rng, size, scale):
    """Exponential survival in days, administratively censored at ten years, 30% lost early."""
    days = np.minimum(rng.exponential(scale, size), 3652).astype(np.int64)
    observed = (days < 3652) & (rng.random(size) >= 0.3)
    return days, observed


def group_by_day(days, observed):
    """What ``SELECT days, SUM(event), SUM(1 - event) ... GROUP BY days`` returns."""
    times, inverse = np.unique(days, return_inverse=True)
    events = np.bincount(inverse, weights=observed, minlength=len(times)).astype(np.int64)
    total = np.bincount(inverse, minlength=len(times))
    return zip(times.tolist(), events.tolist(), (total - events).tolist(), strict=True)


def best_of(function, repeats=REPEATS):
    timings = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - start)
    return min(timings), result


def main():
    rng = np.random.default_rng(2024)
    groups = [cohort(rng, SUBJECTS // 2, scale) for scale in (2500, 2515)]

    rows = [list(group_by_day(*group)) for group in groups]
    build_seconds, tables = best_of(lambda: [LifeTable.from_counts(r) for r in rows])

    def ours():
        curves = [kaplan_meier(table) for table in tables]
        return curves, logrank(tables)

    ours_seconds, (curves, test) = best_of(ours)
    # Measured apart: tracemalloc slows every allocation down several times.
    tracemalloc.start()
    ours()
    _, peak_traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    from lifelines import KaplanMeierFitter
    from lifelines.statistics import logrank_test

    def theirs():
        fitters = [KaplanMeierFitter().fit(days, observed) for days, observed in groups]
        (days_a, observed_a), (days_b, observed_b) = groups
        return fitters, logrank_test(days_a, days_b, observed_a, observed_b)

    theirs_seconds, (fitters, their_test) = best_of(theirs, repeats=2)

    worst = 0.0
    for curve, fitter in zip(curves, fitters, strict=True):
        survival = fitter.survival_function_.iloc[:, 0]
        interval = fitter.confidence_interval_
        for i, t in enumerate(curve.times):
            worst = max(
                worst,
                abs(curve.survival[i] - survival[t]),
                abs(curve.lower[i] - interval.iloc[:, 0][t]),
                abs(curve.upper[i] - interval.iloc[:, 1][t]),
            )

    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"subjects: {SUBJECTS:,} in 2 groups; distinct days: {[len(t) for t in tables]}")
    print(f"LifeTable.from_counts (both groups):    {build_seconds * 1000:8.2f} ms")
    print(
        f"consilium kaplan_meier x2 + logrank:    {ours_seconds * 1000:8.2f} ms (best of {REPEATS})"
    )
    print(f"lifelines KM fit x2 + logrank_test:     {theirs_seconds * 1000:8.2f} ms (best of 2)")
    print(f"lifelines / consilium:                  {theirs_seconds / ours_seconds:8.1f} x")
    difference = abs(test.statistic - their_test.test_statistic)
    print(
        f"log-rank statistic: consilium {test.statistic:.12g}, lifelines "
        f"{their_test.test_statistic:.12g} (difference {difference:.2e})"
    )
    print(f"p-value: consilium {test.p_value:.6g}, lifelines {their_test.p_value:.6g}")
    print(f"largest KM/CI difference from lifelines: {worst:.2e}")
    print(f"medians (days): {[curve.median for curve in curves]}")
    print(
        f"peak Python allocations during KM + log-rank (tracemalloc): {peak_traced / 2**20:.2f} MiB"
    )
    print(f"peak RSS of the whole process (incl. numpy data, lifelines): {peak_rss_mib:.0f} MiB")


if __name__ == "__main__":
    main()
