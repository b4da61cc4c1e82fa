"""Survival statistics computed from aggregate counts only.

Everything here works on a :class:`LifeTable`: for each distinct follow-up time, how many
subjects had the event and how many were censored. That is exactly what a database
``GROUP BY time`` returns, and exactly what a site can share with a hub without any patient-level
data: the Kaplan-Meier estimate, its Greenwood confidence interval and the log-rank test depend on
nothing else, so pooling sites' tables (:meth:`LifeTable.pooled`) gives the same figures as
pooling their patients.

The results match lifelines (``KaplanMeierFitter`` with its default exponential Greenwood
interval, ``logrank_test`` and ``multivariate_logrank_test``); the tests compare them on random
cohorts. Every function is O(number of distinct times), in plain Python: a national registry
(a million subjects, a few thousand distinct days) takes a few milliseconds.

Only the standard library is used; the chi-square tail probability is computed with the closed
forms for an integer number of degrees of freedom (see :func:`chi2_sf`).
"""

from __future__ import annotations

import bisect
import decimal
import math
import numbers
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from statistics import NormalDist
from typing import Any

__all__ = [
    "DAYS_PER_YEAR",
    "AggregateError",
    "AtRiskRow",
    "KaplanMeier",
    "LifeTable",
    "LogRank",
    "SurvivalPoint",
    "chi2_sf",
    "kaplan_meier",
    "logrank",
]

DAYS_PER_YEAR = 365.25

Time = int | float


class AggregateError(ValueError):
    """Aggregate survival data that cannot be used as given."""


def _as_time(value: Any, row: int) -> Time:
    if isinstance(value, bool):
        raise AggregateError(f"row {row}: time must be a number of days, not {value!r}")
    try:
        time: Time = operator.index(value)
    except TypeError:
        if not isinstance(value, numbers.Real | decimal.Decimal):
            raise AggregateError(
                f"row {row}: time must be a number of days, not {value!r}"
            ) from None
        time = float(value) + 0.0  # + 0.0 turns -0.0 into 0.0
        if not math.isfinite(time):
            raise AggregateError(f"row {row}: time must be finite, not {value!r}") from None
    if time < 0:
        raise AggregateError(f"row {row}: time must not be negative, got {value!r}")
    return time


def _as_count(value: Any, row: int, name: str) -> int:
    if isinstance(value, bool):
        raise AggregateError(f"row {row}: {name} must be a whole number, not {value!r}")
    try:
        count = operator.index(value)
    except TypeError:
        # A database SUM() may come back as Decimal (PostgreSQL) or float; accept it only when
        # it is a whole number.
        if not isinstance(value, numbers.Real | decimal.Decimal):
            raise AggregateError(
                f"row {row}: {name} must be a whole number, not {value!r}"
            ) from None
        try:
            whole = value == int(value)
        except (ValueError, OverflowError, decimal.InvalidOperation):
            whole = False
        if not whole:
            raise AggregateError(
                f"row {row}: {name} must be a whole number, not {value!r}"
            ) from None
        count = int(value)
    if count < 0:
        raise AggregateError(f"row {row}: {name} must not be negative, got {value!r}")
    return count


@dataclass(frozen=True)
class LifeTable:
    """Events and censorings per distinct follow-up time, in days.

    ``times`` is strictly increasing; ``events[i]`` subjects had the event at ``times[i]`` and
    ``censored[i]`` were last seen alive (event-free) then. Times with no subject are dropped.
    The number at risk at ``times[i]`` (subjects whose time is ``>= times[i]``) is derived.
    """

    times: tuple[Time, ...]
    events: tuple[int, ...]
    censored: tuple[int, ...]

    def __post_init__(self) -> None:
        if not len(self.times) == len(self.events) == len(self.censored):
            raise AggregateError("times, events and censored must have the same length")
        times = tuple(_as_time(time, i) for i, time in enumerate(self.times))
        for i in range(1, len(times)):
            if not times[i] > times[i - 1]:
                raise AggregateError(
                    f"row {i}: times must be strictly increasing ({times[i - 1]!r} then"
                    f" {times[i]!r}); use LifeTable.from_counts() to sum repeated times"
                )
        # Store plain ints and floats (not numpy scalars or Decimals) so rows stay JSON-able.
        object.__setattr__(self, "times", times)
        object.__setattr__(
            self, "events", tuple(_as_count(e, i, "events") for i, e in enumerate(self.events))
        )
        object.__setattr__(
            self,
            "censored",
            tuple(_as_count(c, i, "censored") for i, c in enumerate(self.censored)),
        )

    @classmethod
    def from_counts(cls, rows: Iterable[Sequence[Any]]) -> LifeTable:
        """Build a table from ``(time, events, censored)`` rows, e.g. a ``GROUP BY`` result.

        Rows may come in any order and may repeat a time; repeated times are summed. Rows with
        neither events nor censorings are dropped.
        """
        totals: dict[Time, list[int]] = {}
        for i, row in enumerate(rows):
            try:
                raw_time, raw_events, raw_censored = row
            except (TypeError, ValueError):
                raise AggregateError(
                    f"row {i}: expected (time, events, censored), got {row!r}"
                ) from None
            time = _as_time(raw_time, i)
            events = _as_count(raw_events, i, "events")
            censored = _as_count(raw_censored, i, "censored")
            if events or censored:
                counts = totals.setdefault(time, [0, 0])
                counts[0] += events
                counts[1] += censored
        return cls._from_totals(totals)

    @classmethod
    def from_subjects(
        cls, durations: Iterable[Any], observed: Iterable[Any] | None = None
    ) -> LifeTable:
        """Build a table from one duration and one event flag per subject.

        ``observed`` is truthy for an event and falsy for a censoring; when omitted every
        subject had the event (as in lifelines).
        """
        durations = list(durations)
        flags = [True] * len(durations) if observed is None else [bool(o) for o in observed]
        if len(flags) != len(durations):
            raise AggregateError(
                f"{len(durations)} durations but {len(flags)} event flags were given"
            )
        return cls.from_counts(
            (duration, int(flag), int(not flag))
            for duration, flag in zip(durations, flags, strict=True)
        )

    @classmethod
    def pooled(cls, tables: Iterable[LifeTable]) -> LifeTable:
        """Sum several tables time by time: the table of all their subjects together.

        This is how a hub pools the tables sent by its sites; the result is exact because
        survival estimates and the log-rank test depend only on these counts.
        """
        totals: dict[Time, list[int]] = {}
        for table in tables:
            for time, events, censored in zip(
                table.times, table.events, table.censored, strict=True
            ):
                counts = totals.setdefault(time, [0, 0])
                counts[0] += events
                counts[1] += censored
        return cls._from_totals(totals)

    @classmethod
    def from_rows(cls, rows: Iterable[Any]) -> LifeTable:
        """Read back what :meth:`to_rows` wrote (after a JSON round trip).

        Each row is ``[time, events, censored]`` or a mapping with those three keys.
        """

        def triples() -> Iterable[Sequence[Any]]:
            for i, row in enumerate(rows):
                if isinstance(row, Mapping):
                    missing = {"time", "events", "censored"} - row.keys()
                    if missing:
                        raise AggregateError(f"row {i}: missing {', '.join(sorted(missing))}")
                    yield (row["time"], row["events"], row["censored"])
                elif isinstance(row, str | bytes) or not isinstance(row, Sequence):
                    raise AggregateError(f"row {i}: expected [time, events, censored], got {row!r}")
                else:
                    yield row

        return cls.from_counts(triples())

    def to_rows(self) -> list[list[Time]]:
        """The table as JSON-able ``[time, events, censored]`` rows, in time order."""
        return [
            [time, events, censored]
            for time, events, censored in zip(self.times, self.events, self.censored, strict=True)
        ]

    @classmethod
    def _from_totals(cls, totals: Mapping[Time, list[int]]) -> LifeTable:
        times = sorted(totals)
        return cls(
            times=tuple(times),
            events=tuple(totals[t][0] for t in times),
            censored=tuple(totals[t][1] for t in times),
        )

    @cached_property
    def at_risk(self) -> tuple[int, ...]:
        """Subjects still followed at each time (whose time is at or after it)."""
        remaining = self.subjects
        at_risk = []
        for events, censored in zip(self.events, self.censored, strict=True):
            at_risk.append(remaining)
            remaining -= events + censored
        return tuple(at_risk)

    @property
    def subjects(self) -> int:
        return sum(self.events) + sum(self.censored)

    @property
    def total_events(self) -> int:
        return sum(self.events)

    def __len__(self) -> int:
        return len(self.times)


@dataclass(frozen=True)
class SurvivalPoint:
    time: Time
    survival: float
    lower: float
    upper: float


@dataclass(frozen=True)
class AtRiskRow:
    """Counts under a survival curve at a display time, as lifelines' ``add_at_risk_counts``.

    ``at_risk`` counts subjects still followed just after ``time`` (time ``> time``); ``events``
    and ``censored`` are cumulative up to and including ``time``. The three add up to the
    number of subjects.
    """

    time: Time
    at_risk: int
    events: int
    censored: int


@dataclass(frozen=True)
class KaplanMeier:
    """A Kaplan-Meier estimate, one value per time of its :class:`LifeTable`.

    ``survival[i]`` is S(t) on ``[times[i], times[i+1])``; S is 1 before the first time.
    ``greenwood[i]`` is Greenwood's sum, the sum of d / (n (n - d)) over times up to
    ``times[i]``: the variance of log S. ``variance`` is the Greenwood variance of S.
    ``lower`` and ``upper`` bound the ``1 - alpha`` confidence interval; see
    :func:`kaplan_meier` for how.
    """

    table: LifeTable
    alpha: float
    survival: tuple[float, ...]
    greenwood: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]

    @property
    def times(self) -> tuple[Time, ...]:
        return self.table.times

    @property
    def variance(self) -> tuple[float, ...]:
        return tuple(s * s * g for s, g in zip(self.survival, self.greenwood, strict=True))

    def at(self, time: float) -> SurvivalPoint | None:
        """S(t) and its confidence interval at ``time`` (e.g. ``3 * DAYS_PER_YEAR``).

        Before the first time S is 1. After the last time the estimate is only known if it has
        reached 0; otherwise (nobody followed that long) this returns ``None`` rather than
        carrying the last value forward as lifelines does: a 5-year survival from 3 years of
        follow-up would be misleading.
        """
        times = self.table.times
        i = bisect.bisect_right(times, time) - 1
        if i < 0:
            return SurvivalPoint(time=time, survival=1.0, lower=1.0, upper=1.0)
        if time > times[-1] and self.survival[-1] > 0:
            return None
        return SurvivalPoint(
            time=time, survival=self.survival[i], lower=self.lower[i], upper=self.upper[i]
        )

    @property
    def median(self) -> Time | None:
        """The median survival time: the first time S <= 0.5 (lifelines' definition).

        ``None`` when S stays above 0.5 (lifelines gives ``inf``). A tolerance of 1e-12 lets a
        curve that is exactly 0.5 in exact arithmetic (say 9/10 x 5/9) count as reaching it.
        """
        for time, survival in zip(self.table.times, self.survival, strict=True):
            if survival <= 0.5 + 1e-12:
                return time
        return None

    def at_risk_table(self, times: Iterable[float]) -> list[AtRiskRow]:
        """Numbers at risk, events and censored at each display time (see :class:`AtRiskRow`)."""
        table = self.table
        events_before = [0]
        censored_before = [0]
        for events, censored in zip(table.events, table.censored, strict=True):
            events_before.append(events_before[-1] + events)
            censored_before.append(censored_before[-1] + censored)
        subjects = table.subjects
        rows = []
        for time in times:
            i = bisect.bisect_right(table.times, time)
            events, censored = events_before[i], censored_before[i]
            rows.append(
                AtRiskRow(
                    time=time,
                    at_risk=subjects - events - censored,
                    events=events,
                    censored=censored,
                )
            )
        return rows


def kaplan_meier(table: LifeTable, alpha: float = 0.05) -> KaplanMeier:
    """The Kaplan-Meier estimate of ``table`` with a ``1 - alpha`` confidence interval.

    The interval uses the log(-log) transform of S with Greenwood's variance (what lifelines
    calls the exponential Greenwood interval, its default; also Stata's and SAS's default)::

        v = log S(t),   g = sum over t_i <= t of d_i / (n_i (n_i - d_i))
        bounds = exp(-exp(log(-v) -/+ z sqrt(g) / v)),   z = Phi^-1(1 - alpha / 2)

    i.e. ``S ** exp(+/- z sqrt(g) / log S)``: always inside [0, 1]. As in lifelines, a time at
    which every subject at risk has the event (n = d) adds nothing to g, and the interval is
    (1, 1) where S = 1 and (0, 0) where S = 0.
    """
    if not 0 < alpha < 1:
        raise AggregateError(f"alpha must be between 0 and 1, got {alpha!r}")
    if not table.times:
        raise AggregateError("cannot estimate survival from an empty table (no subjects)")
    z = NormalDist().inv_cdf(1 - alpha / 2)
    survival: list[float] = []
    greenwood: list[float] = []
    lower: list[float] = []
    upper: list[float] = []
    s = 1.0
    log_s = 0.0
    g = 0.0
    for n, d in zip(table.at_risk, table.events, strict=True):
        if d:
            if d < n:
                s *= (n - d) / n
                log_s += math.log1p(-d / n)
                g += d / (n * (n - d))
            else:
                s = 0.0
                log_s = -math.inf
        survival.append(s)
        greenwood.append(g)
        if s == 1.0 or log_s == 0.0:
            lower.append(1.0)
            upper.append(1.0)
        elif s == 0.0:
            lower.append(0.0)
            upper.append(0.0)
        else:
            spread = z * math.sqrt(g) / log_s
            log_minus_v = math.log(-log_s)
            lower.append(math.exp(-math.exp(log_minus_v - spread)))
            upper.append(math.exp(-math.exp(log_minus_v + spread)))
    return KaplanMeier(
        table=table,
        alpha=alpha,
        survival=tuple(survival),
        greenwood=tuple(greenwood),
        lower=tuple(lower),
        upper=tuple(upper),
    )


@dataclass(frozen=True)
class LogRank:
    """A log-rank test: ``statistic`` follows chi-square with ``df`` degrees of freedom.

    ``df`` counts the groups that carry information (at risk alongside another group at some
    event time) minus one, as R's ``survdiff`` does. When fewer than two groups carry
    information (for instance no events at all) nothing can be compared: ``statistic`` is 0,
    ``df`` is 0 and ``p_value`` is 1, and ``estimable`` is False; show "not estimable"
    rather than the p-value.
    """

    statistic: float
    df: int
    p_value: float

    @property
    def estimable(self) -> bool:
        return self.df > 0


def logrank(tables: Sequence[LifeTable]) -> LogRank:
    """The log-rank test that the groups' survival curves are the same.

    With observed ``O_j`` and expected ``E_j = sum n_j d / n`` events per group and the
    hypergeometric covariance ``V``, the statistic is ``Z' V^-1 Z`` with ``Z = O - E`` over all
    informative groups but one (lifelines' ``multivariate_logrank_test``, unweighted; for two
    groups its ``logrank_test``). A group nobody in which is at risk alongside another group at
    an event time carries no information: it is left out and does not count in ``df`` (lifelines
    keeps it in ``df``, so its p-value is larger in that case only).
    """
    tables = list(tables)
    if len(tables) < 2:
        raise AggregateError(f"the log-rank test needs at least 2 groups, got {len(tables)}")
    k = len(tables)
    positions = [0] * k
    at_risk = [table.subjects for table in tables]
    observed = [table.total_events for table in tables]
    expected_terms: list[list[float]] = [[] for _ in range(k)]
    covariance_terms: list[list[list[float]]] = [[[] for _ in range(k)] for _ in range(k)]
    for time in sorted(set().union(*(table.times for table in tables))):
        # Merge the groups' tables on the common time grid.
        group_events = [0] * k
        group_removed = [0] * k
        for j, table in enumerate(tables):
            p = positions[j]
            if p < len(table.times) and table.times[p] == time:
                group_events[j] = table.events[p]
                group_removed[j] = table.events[p] + table.censored[p]
                positions[j] = p + 1
        d = sum(group_events)
        if d:
            n = sum(at_risk)
            for j in range(k):
                if at_risk[j]:
                    expected_terms[j].append(at_risk[j] * (d / n))
            if n > 1 and d < n:
                factor = d * (n - d) / (n * n * (n - 1))
                for j in range(k):
                    nj = at_risk[j]
                    if not nj:
                        continue
                    if nj < n:
                        covariance_terms[j][j].append(factor * nj * (n - nj))
                    for m in range(j + 1, k):
                        if at_risk[m]:
                            covariance_terms[j][m].append(-factor * nj * at_risk[m])
        for j in range(k):
            at_risk[j] -= group_removed[j]

    z = [observed[j] - math.fsum(expected_terms[j]) for j in range(k)]
    v = [[math.fsum(covariance_terms[min(a, b)][max(a, b)]) for b in range(k)] for a in range(k)]
    informative = [j for j in range(k) if v[j][j] > 0]
    if len(informative) < 2:
        return LogRank(statistic=0.0, df=0, p_value=1.0)
    # Over the informative groups V has rank (groups - 1) and Z sums to 0: drop the last one.
    kept = informative[:-1]
    statistic = _quadratic_form([[v[a][b] for b in kept] for a in kept], [z[a] for a in kept])
    statistic = max(statistic, 0.0)
    df = len(kept)
    return LogRank(statistic=statistic, df=df, p_value=chi2_sf(statistic, df))


def _quadratic_form(matrix: list[list[float]], vector: list[float]) -> float:
    """``x' A^-1 x`` for a small symmetric positive definite ``A``, by Cholesky."""
    size = len(vector)
    lower = [[0.0] * size for _ in range(size)]
    for i in range(size):
        for j in range(i + 1):
            total = matrix[i][j] - math.fsum(lower[i][m] * lower[j][m] for m in range(j))
            if i == j:
                if total <= 0:
                    raise AggregateError("the log-rank covariance matrix is singular")
                lower[i][i] = math.sqrt(total)
            else:
                lower[i][j] = total / lower[j][j]
    # Solve L y = x; then x' A^-1 x = y' y.
    y = [0.0] * size
    for i in range(size):
        y[i] = (vector[i] - math.fsum(lower[i][m] * y[m] for m in range(i))) / lower[i][i]
    return math.fsum(value * value for value in y)


def chi2_sf(x: float, df: int) -> float:
    """P(X >= x) for X chi-square with a positive whole number ``df`` of degrees of freedom.

    Uses the closed forms of the regularized upper incomplete gamma function Q(df/2, x/2) for
    whole and half-whole arguments, so no series needs to converge::

        even df = 2m:      Q = e^-y sum_{i<m} y^i / i!
        odd df = 2m + 1:   Q = erfc(sqrt y) + e^-y sum_{1<=i<=m} y^(i - 1/2) / Gamma(i + 1/2)

    with y = x / 2. All terms are positive (no cancellation) and each is computed in log space
    so that none overflows; the result agrees with ``scipy.stats.chi2.sf`` to about 1e-13.
    """
    if isinstance(df, bool) or operator.index(df) < 1:
        raise AggregateError(f"degrees of freedom must be a positive whole number, got {df!r}")
    if math.isnan(x):
        return math.nan
    if x <= 0:
        return 1.0
    if math.isinf(x):
        return 0.0
    y = x / 2
    log_y = math.log(y)
    if df % 2 == 0:
        terms = [math.exp(-y + i * log_y - math.lgamma(i + 1)) for i in range(df // 2)]
    else:
        terms = [math.erfc(math.sqrt(y))]
        terms.extend(
            math.exp(-y + (i - 0.5) * log_y - math.lgamma(i + 0.5)) for i in range(1, df // 2 + 1)
        )
    return min(math.fsum(terms), 1.0)
