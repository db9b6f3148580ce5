"""Uncertainty: confidence intervals of means and ratios, and paired comparisons between models.

Cases are the unit of resampling.

* A mean over cases (:func:`bootstrap_mean`) and a ratio of sums over cases
  (:func:`bootstrap_ratio`) carry a 95% BCa bootstrap interval (bias-corrected and
  accelerated: the bias correction from the share of resampled statistics below the
  estimate, the acceleration from the jackknife) with the small-sample expansion: the
  normal quantiles of BCa are replaced by sqrt(n / (n - 1)) t_{n-1} quantiles, which undoes
  the bootstrap's narrowness at small n (for symmetric data it is the t interval). The
  resampling uses a fixed seed on the sorted values, so the same values give the same
  interval; values that are all equal give a zero-width interval at the value. This method
  was chosen over the percentile bootstrap (the previous one), plain BCa and the t interval
  by simulated coverage at n = 10, 20, 50 (``bench/bench_interval_coverage.py``).
* A proportion (count / total) carries Wilson's score interval (:func:`wilson_interval`).
* Two models scored on the same cases (:func:`paired_comparison`) are compared with one
  method for both the interval and the test: the paired t interval of the mean per-case
  difference and the paired t-test. The test rejects at level alpha exactly when the
  (1 - alpha) interval excludes 0 (both are the inequality ``|t| > t_{n-1, 1-alpha/2}``), so
  the two cannot contradict each other.
* The tests of one comparison (every pair of models on every paired metric) are corrected
  together with Holm's step-down method (:func:`holm`, :func:`with_holm`); ``significant``
  then uses the adjusted p-value. The interval stays the unadjusted 95% interval: an interval
  that includes 0 never goes with a significant difference, but one that excludes 0 can go
  with a difference that is not significant after the correction.
* Below :data:`MIN_CASES_FOR_RANKING` shared cases a comparison is ``underpowered`` and
  never ``significant``.
* :func:`tie_groups` groups models, in rank order, that no corrected significant test separates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from statistics import NormalDist

import numpy as np

DEFAULT_RESAMPLES = 2000
DEFAULT_SEED = 20261121
CONFIDENCE = 0.95
ALPHA = 0.05  # the level of every test: significant when the (adjusted) p-value is below it
MIN_CASES_FOR_RANKING = 10  # fewer shared cases: the comparison is underpowered, never significant

_NORMAL = NormalDist()


# --- distributions (our own code; scipy is used only to check it in the tests) -------------------


def normal_cdf(x: float) -> float:
    return _NORMAL.cdf(x)


def normal_quantile(p: float) -> float:
    return _NORMAL.inv_cdf(p)


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, epsilon = 1e-300, 1e-15
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 1000):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < epsilon:
            break
    return h


def regularized_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularized incomplete beta function."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_continued_fraction(b, a, 1.0 - x) / b


def t_two_sided_p(t: float, df: int) -> float:
    """P(|T| >= |t|) for Student's t with ``df`` degrees of freedom."""
    if math.isinf(t):
        return 0.0
    return regularized_beta(df / 2.0, 0.5, df / (df + t * t))


@lru_cache(maxsize=256)
def t_quantile(probability: float, df: int) -> float:
    """The ``probability`` quantile of Student's t (0.5 < probability < 1), by bisection on the tail."""
    if not 0.5 < probability < 1.0:
        raise ValueError("t_quantile needs 0.5 < probability < 1")
    target = 2.0 * (1.0 - probability)
    low, high = 0.0, 1.0
    while t_two_sided_p(high, df) > target:
        low, high = high, high * 2.0
    for _ in range(200):
        middle = (low + high) / 2.0
        if t_two_sided_p(middle, df) > target:
            low = middle
        else:
            high = middle
        if high - low <= 1e-15 * high:
            break
    return (low + high) / 2.0


# --- intervals -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int


def _clean(values: Sequence[float | None]) -> np.ndarray:
    """The values as a sorted float array, None and NaN dropped (sorted: the order of the input does not matter)."""
    return np.sort(np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float))


@lru_cache(maxsize=1)
def _resample_indices(n: int, resamples: int, seed: int) -> np.ndarray:
    """The resampled case indices (read-only): one seed gives the same draws for every metric of a set,
    so the last draw is kept for the next metric with as many values."""
    indices = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    indices.setflags(write=False)
    return indices


_RESAMPLES_PER_BLOCK = 128


# Values that are whole multiples of 2**-_EXACT_BITS, with sums below 2**_EXACT_LIMIT_BITS, add up
# exactly in floating point, in any order.
_EXACT_BITS = 20
_EXACT_LIMIT_BITS = 32
_FEW_VALUES = 4  # at most this many distinct values are counted instead of gathered


def _counted_sums(values: np.ndarray, index: np.ndarray) -> np.ndarray | None:
    """``values[index].sum(axis=1)`` without gathering the resampled values, where that gives the
    same numbers: sorted values with few distinct values, each a whole multiple of 2**-20, and
    sums small enough that every partial sum is exact, so any order of addition gives the one
    exact sum. Each value occupies one run of positions, so a resample's sum is the lowest value
    times the set size plus, for each higher value, the step up to it times the number of drawn
    positions at or after its run. None where the values do not allow it."""
    if values.size == 0 or values.size != index.shape[1]:
        return None
    if np.any(values[1:] < values[:-1]):
        return None
    scaled = values * float(2 ** _EXACT_BITS)
    if not np.array_equal(scaled, np.floor(scaled)) or values.size * float(np.abs(values).max()) >= 2.0 ** _EXACT_LIMIT_BITS:
        return None
    starts = np.flatnonzero(values[1:] != values[:-1]) + 1
    if starts.size >= _FEW_VALUES:
        return None
    sums = np.full(len(index), values[0] * values.size)
    for start in starts:
        step = values[start] - values[start - 1]
        counts = np.concatenate([np.count_nonzero(index[row:row + _RESAMPLES_PER_BLOCK] >= start, axis=1)
                                 for row in range(0, len(index), _RESAMPLES_PER_BLOCK)])
        sums += step * counts
    return sums


def _resampled_sums(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values[index].sum(axis=1)``, a block of resamples at a time: each row is summed exactly as in
    one piece, and a large set never holds every resample of its values at once (few exact values:
    counted, see :func:`_counted_sums`)."""
    counted = _counted_sums(values, index)
    if counted is not None:
        return counted
    return np.concatenate([values[index[start:start + _RESAMPLES_PER_BLOCK]].sum(axis=1)
                           for start in range(0, len(index), _RESAMPLES_PER_BLOCK)])


def _resampled_means(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values[index].mean(axis=1)``, a block of resamples at a time (see :func:`_resampled_sums`)."""
    counted = _counted_sums(values, index)
    if counted is not None:
        return counted / values.size  # numpy's mean: the sum divided by the count
    return np.concatenate([values[index[start:start + _RESAMPLES_PER_BLOCK]].mean(axis=1)
                           for start in range(0, len(index), _RESAMPLES_PER_BLOCK)])


def _bca_bounds(boot: np.ndarray, estimate: float, jackknife: np.ndarray, confidence: float,
                expand: bool) -> tuple[float, float]:
    """BCa interval from resampled statistics, the estimate and the jackknife (leave-one-out) statistics.

    ``expand``: the normal quantiles are replaced by sqrt(n / (n - 1)) t_{n-1} quantiles (n = the
    number of cases, the jackknife's size), which undoes the bootstrap's small-sample narrowness;
    for a symmetric statistic without bias this is exactly the t interval.
    """
    cases = jackknife.size
    boot = boot[np.isfinite(boot)]
    if boot.size == 0:
        return estimate, estimate
    if boot.min() == boot.max():
        return float(boot[0]), float(boot[0])
    # bias correction: the share of resampled statistics below the estimate, ties counted half
    below = (np.count_nonzero(boot < estimate) + 0.5 * np.count_nonzero(boot == estimate)) / boot.size
    below = min(max(below, 0.5 / boot.size), 1.0 - 0.5 / boot.size)
    z0 = normal_quantile(below)
    # acceleration: the skewness of the jackknife influence values
    jackknife = jackknife[np.isfinite(jackknife)]
    influence = jackknife.mean() - jackknife if jackknife.size >= 2 else np.zeros(1)
    spread = float((influence**2).sum())
    acceleration = float((influence**3).sum()) / (6.0 * spread**1.5) if spread > 0 else 0.0
    if expand and cases >= 2:
        upper = math.sqrt(cases / (cases - 1)) * t_quantile((1.0 + confidence) / 2.0, cases - 1)
    else:
        upper = normal_quantile((1.0 + confidence) / 2.0)
    levels = []
    for z in (-upper, upper):
        shifted = z0 + z
        denominator = 1.0 - acceleration * shifted
        level = normal_cdf(z0 + shifted / denominator) if denominator > 0 else (0.0 if z < 0 else 1.0)
        levels.append(level)
    low, high = np.quantile(boot, levels)
    return float(low), float(high)


def percentile_interval(data: np.ndarray, *, resamples: int = DEFAULT_RESAMPLES, confidence: float = CONFIDENCE,
                        seed: int = DEFAULT_SEED) -> tuple[float, float]:
    """The previous method: the percentile bootstrap interval of the mean (kept for the coverage benchmark)."""
    boot = _resampled_means(data, _resample_indices(data.size, resamples, seed))
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(boot, [tail, 1.0 - tail])
    return float(low), float(high)


def bca_interval(data: np.ndarray, *, resamples: int = DEFAULT_RESAMPLES, confidence: float = CONFIDENCE,
                 seed: int = DEFAULT_SEED, expand: bool = True) -> tuple[float, float]:
    """BCa bootstrap interval of the mean of ``data`` (at least two values); ``expand``: see :func:`_bca_bounds`."""
    if data.min() == data.max():
        return float(data[0]), float(data[0])
    boot = _resampled_means(data, _resample_indices(data.size, resamples, seed))
    jackknife = (data.sum() - data) / (data.size - 1)
    low, high = _bca_bounds(boot, float(data.mean()), jackknife, confidence, expand)
    # a mean of resampled values lies within their range; clip what rounding put outside it
    return max(low, float(data.min())), min(high, float(data.max()))


def t_interval(data: np.ndarray, *, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Student t interval of the mean of ``data`` (at least two values)."""
    mean = float(data.mean())
    half = t_quantile((1.0 + confidence) / 2.0, data.size - 1) * float(data.std(ddof=1)) / math.sqrt(data.size)
    return mean - half, mean + half


def bootstrap_mean(values: Sequence[float | None], *, resamples: int = DEFAULT_RESAMPLES,
                   confidence: float = CONFIDENCE, seed: int = DEFAULT_SEED) -> Estimate:
    """Mean of ``values`` with the BCa bootstrap interval, small-sample expansion (None and NaN values dropped)."""
    data = _clean(values)
    if data.size == 0:
        return Estimate(None, None, None, 0)
    if data.min() == data.max():  # one value, or all equal: a zero-width interval at the value
        value = float(data[0])
        return Estimate(value, value, value, int(data.size))
    low, high = bca_interval(data, resamples=resamples, confidence=confidence, seed=seed)
    return Estimate(float(data.mean()), low, high, int(data.size))


def percentile_ratio(numerators: Sequence[float], denominators: Sequence[float], *,
                     resamples: int = DEFAULT_RESAMPLES, confidence: float = CONFIDENCE,
                     seed: int = DEFAULT_SEED) -> tuple[float | None, float | None]:
    """The previous ratio method (the scorer's ``_bootstrap_ratio``): percentile bootstrap of sum/sum,
    0 for a resample whose denominators sum to 0 (kept for the coverage benchmark)."""
    top, bottom = np.asarray(numerators, dtype=float), np.asarray(denominators, dtype=float)
    if bottom.sum() == 0:
        return None, None
    index = _resample_indices(top.size, resamples, seed)
    sums = _resampled_sums(bottom, index)
    ratios = np.divide(_resampled_sums(top, index), sums, out=np.zeros(resamples), where=sums > 0)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(ratios, [tail, 1.0 - tail])
    return float(low), float(high)


def bootstrap_ratio(numerators: Sequence[float], denominators: Sequence[float], *,
                    resamples: int = DEFAULT_RESAMPLES, confidence: float = CONFIDENCE,
                    seed: int = DEFAULT_SEED, expand: bool = True) -> tuple[float | None, float | None]:
    """BCa bootstrap interval (small-sample expansion, as :func:`bootstrap_mean`) of
    ``sum(numerators) / sum(denominators)``, resampling cases (numerator and denominator together).

    (None, None) when the denominators sum to 0. Resamples whose denominators sum to 0 have no
    ratio and are left out. All cases with the same ratio: a zero-width interval at it.
    """
    pairs = sorted(zip((float(v) for v in numerators), (float(v) for v in denominators)))
    top = np.asarray([p[0] for p in pairs], dtype=float)
    bottom = np.asarray([p[1] for p in pairs], dtype=float)
    if top.size == 0 or bottom.sum() == 0:
        return None, None
    ratio = float(top.sum() / bottom.sum())
    if top.size == 1:
        return ratio, ratio
    index = _resample_indices(top.size, resamples, seed)
    sums = _resampled_sums(bottom, index)
    boot = np.divide(_resampled_sums(top, index), sums, out=np.full(resamples, np.nan), where=sums > 0)
    rest = bottom.sum() - bottom
    jackknife = np.divide(top.sum() - top, rest, out=np.full(top.size, np.nan), where=rest > 0)
    return _bca_bounds(boot, ratio, jackknife, confidence, expand)


def wilson_interval(count: int, total: int, confidence: float = CONFIDENCE) -> tuple[float | None, float | None]:
    """Wilson's score interval of a proportion count / total (keeps a useful width at 0 and at 1, unlike the
    normal one); (None, None) when total is 0. With p = count / total, n = total and z the normal quantile::

        (p + z² / 2n ± z · sqrt(p (1 − p) / n + z² / 4n²)) / (1 + z² / n)
    """
    if total == 0:
        return None, None
    z = normal_quantile(0.5 + confidence / 2.0)
    share = count / total
    centre = (share + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(share * (1 - share) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return max(0.0, centre - half), min(1.0, centre + half)


# --- paired comparisons --------------------------------------------------------------------

PAIRED_METHOD = ("paired t-test and 95% paired t interval of the mean difference (the test rejects at 5% "
                 "exactly when the interval excludes 0)")


@dataclass(frozen=True)
class PairedComparison:
    metric: str
    model_a: str
    model_b: str
    n: int
    mean_a: float
    mean_b: float
    mean_difference: float  # a - b
    ci_low: float  # unadjusted 95% paired t interval of the mean difference
    ci_high: float
    p_value: float  # paired t-test, unadjusted
    effect_size: float | None  # paired Cohen's d
    p_adjusted: float | None = None  # Holm-adjusted over the tests of one comparison (None: not adjusted)
    method: str = PAIRED_METHOD
    underpowered: bool = False  # fewer than MIN_CASES_FOR_RANKING shared cases

    @property
    def significant(self) -> bool:
        """The (adjusted, where present) p-value is below ALPHA and the comparison is not underpowered."""
        if self.underpowered:
            return False
        return (self.p_value if self.p_adjusted is None else self.p_adjusted) < ALPHA


def paired_t(differences: np.ndarray, *, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """(ci_low, ci_high, p_value) of the paired t interval and t-test of the mean of ``differences``.

    Both come from ``t = mean / (sd / sqrt(n))``: p < 1 - confidence exactly when the interval
    excludes 0. Differences that are all equal: a zero-width interval at the value, p = 1 when the
    value is 0 and p = 0 otherwise.
    """
    n = differences.size
    mean = float(differences.mean())
    spread = float(differences.std(ddof=1))
    if spread == 0.0 or differences.min() == differences.max():
        return mean, mean, 1.0 if mean == 0.0 else 0.0
    error = spread / math.sqrt(n)
    half = t_quantile((1.0 + confidence) / 2.0, n - 1) * error
    return mean - half, mean + half, t_two_sided_p(mean / error, n - 1)


def paired_comparison(metric: str, model_a: str, values_a: dict[str, float], model_b: str, values_b: dict[str, float],
                      *, resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> PairedComparison:
    """Compare two models on the cases both have a value for (keyed by case id); not adjusted for multiplicity.

    ``resamples`` and ``seed`` are accepted for compatibility; the t interval and test need neither.
    """
    del resamples, seed
    shared = sorted(k for k in values_a.keys() & values_b.keys() if values_a[k] is not None and values_b[k] is not None)
    if len(shared) < 2:
        raise ValueError(f"{metric}: a paired comparison needs at least 2 shared cases, found {len(shared)}")
    a = np.asarray([values_a[k] for k in shared], dtype=float)
    b = np.asarray([values_b[k] for k in shared], dtype=float)
    differences = a - b
    low, high, p_value = paired_t(differences)
    spread = float(differences.std(ddof=1))
    return PairedComparison(
        metric=metric, model_a=model_a, model_b=model_b, n=len(shared),
        mean_a=float(a.mean()), mean_b=float(b.mean()), mean_difference=float(differences.mean()),
        ci_low=low, ci_high=high, p_value=p_value,
        effect_size=float(differences.mean() / spread) if spread > 0 else None,
        underpowered=len(shared) < MIN_CASES_FOR_RANKING,
    )


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm step-down adjusted p-values, in the order given.

    Sorted ascending p_(1) <= ... <= p_(m): adjusted p_(i) = max over j <= i of min(1, (m - j + 1) p_(j)).
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def with_holm(comparisons: Sequence[PairedComparison]) -> list[PairedComparison]:
    """The comparisons with ``p_adjusted`` set by Holm's method over all of them, and the method text saying so."""
    adjusted = holm([c.p_value for c in comparisons])
    pairs = len({frozenset((c.model_a, c.model_b)) for c in comparisons})
    metrics = len({c.metric for c in comparisons})
    note = (f"; p_adjusted: Holm over the {len(comparisons)} tests of this comparison ({pairs} pair(s) of models × "
            f"{metrics} paired metric(s)), used for 'significant'; the interval is not adjusted")
    return [replace(c, p_adjusted=p, method=c.method + note) for c, p in zip(comparisons, adjusted)]


def separating_pairs(comparisons: Sequence[PairedComparison], metric: str) -> set[frozenset[str]]:
    """The pairs of models that a significant (corrected, not underpowered) comparison on ``metric`` separates."""
    return {frozenset((c.model_a, c.model_b)) for c in comparisons if c.metric == metric and c.significant}


def tie_groups(models_in_rank_order: Sequence[str], comparisons: Sequence[PairedComparison],
               metric: str) -> list[list[str]]:
    """Models, in rank order, grouped where no significant (corrected) test on ``metric`` separates them
    (:func:`groups_not_separated` of the :func:`separating_pairs`)."""
    return groups_not_separated(models_in_rank_order, separating_pairs(comparisons, metric))


def groups_not_separated(models_in_rank_order: Sequence[str], separated: set[frozenset[str]]) -> list[list[str]]:
    """Models, in rank order, grouped where no pair in ``separated`` separates them.

    A model joins the current group unless it and the group's first (best-ranked) member are a separated
    pair; then it starts a new group. A pair without a comparison, or with an underpowered or
    non-significant one, is not separated.
    """
    groups: list[list[str]] = []
    for model in models_in_rank_order:
        if groups and frozenset((groups[-1][0], model)) not in separated:
            groups[-1].append(model)
        else:
            groups.append([model])
    return groups
