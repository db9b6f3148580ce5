"""The statistics of workbench.scoring.stats: intervals, the paired test, Holm, minimum n, tie groups."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.scoring.compare import comparison_dicts
from workbench.scoring.stats import (
    ALPHA, MIN_CASES_FOR_RANKING, Estimate, PairedComparison, bca_interval, bootstrap_mean, bootstrap_ratio, holm,
    paired_comparison, paired_t, regularized_beta, t_interval, t_quantile, t_two_sided_p, tie_groups, with_holm,
)


def _paired(differences: np.ndarray, base: float = 0.5) -> PairedComparison:
    cases = [f"c{i}" for i in range(differences.size)]
    b = {case: base for case in cases}
    a = {case: base + float(d) for case, d in zip(cases, differences)}
    return paired_comparison("rougeL", "a", a, "b", b)


def _random_differences(rng: np.random.Generator) -> np.ndarray:
    n = int(rng.integers(2, 60))
    kind = rng.integers(0, 4)
    shift = rng.normal(0.0, 0.3)
    if kind == 0:
        return rng.normal(shift, 1.0, n)
    if kind == 1:  # binary per-case scores: differences in {-1, 0, 1}
        return (rng.random(n) < 0.5 + shift / 2).astype(float) - (rng.random(n) < 0.5).astype(float)
    if kind == 2:  # skewed
        return rng.exponential(1.0, n) - 1.0 + shift
    return np.round(rng.normal(shift, 0.2, n), 1)  # many ties


# --- the t distribution (our own code) against scipy -------------------------------------


def test_t_distribution_matches_scipy() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    special = pytest.importorskip("scipy.special")
    for df in (1, 2, 3, 9, 19, 49, 500):
        for probability in (0.6, 0.9, 0.975, 0.995):
            assert t_quantile(probability, df) == pytest.approx(scipy_stats.t.ppf(probability, df), rel=1e-10)
        for t in (0.0, 0.3, 1.96, 4.0, 30.0):
            assert t_two_sided_p(t, df) == pytest.approx(2 * scipy_stats.t.sf(t, df), rel=1e-9, abs=1e-300)
    for a, b, x in [(0.5, 24.5, 0.01), (24.5, 0.5, 0.99), (5.0, 3.0, 0.7), (0.5, 0.5, 0.2), (200.0, 0.5, 0.999)]:
        assert regularized_beta(a, b, x) == pytest.approx(special.betainc(a, b, x), rel=1e-10)


# --- 1. the paired interval and the paired test agree ------------------------------------


def test_interval_excludes_zero_exactly_when_the_test_rejects() -> None:
    rng = np.random.default_rng(5)
    rejected = 0
    for _ in range(2000):
        differences = _random_differences(rng)
        result = _paired(differences)
        excludes = result.ci_low > 0 or result.ci_high < 0
        assert excludes == (result.p_value < ALPHA), (differences, result)
        assert result.significant == (excludes and result.n >= MIN_CASES_FOR_RANKING)
        assert result.ci_low <= result.mean_difference <= result.ci_high
        rejected += excludes
        for confidence in (0.8, 0.99):
            low, high, p_value = paired_t(differences, confidence=confidence)
            assert (low > 0 or high < 0) == (p_value < 1 - confidence)
    assert 100 < rejected < 1900  # both outcomes were exercised


def test_paired_t_against_scipy() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(2)
    a, b = rng.normal(0.5, 0.1, 15), rng.normal(0.45, 0.1, 15)
    cases = [f"c{i}" for i in range(15)]
    result = paired_comparison("rougeL", "a", dict(zip(cases, a)), "b", dict(zip(cases, b)))
    reference = scipy_stats.ttest_rel(a, b)
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    interval = reference.confidence_interval(0.95)
    assert (result.ci_low, result.ci_high) == pytest.approx((interval.low, interval.high), rel=1e-9)
    assert "paired t" in result.method and result.p_adjusted is None


def test_the_report_case_of_two_cases_no_longer_contradicts_itself() -> None:
    result = _paired(np.array([0.2, 0.25]))  # n = 2: the old bootstrap interval excluded 0 next to p = 0.497
    assert result.ci_low < 0 < result.ci_high and result.p_value > ALPHA
    assert result.underpowered and not result.significant


def test_all_equal_differences() -> None:
    same = _paired(np.zeros(12))
    assert (same.ci_low, same.ci_high, same.p_value, same.significant) == (0.0, 0.0, 1.0, False)
    shifted = _paired(np.full(12, 0.25))
    assert shifted.ci_low == shifted.ci_high == pytest.approx(0.25) and shifted.p_value == 0.0 and shifted.significant
    assert shifted.effect_size is None


# --- 2. Holm ---------------------------------------------------------------------------------


def test_holm_against_a_hand_computed_example() -> None:
    # sorted: 0.005 * 4 = 0.02; 0.01 * 3 = 0.03; 0.03 * 2 = 0.06; 0.04 * 1 = 0.04 -> max so far 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.6]) == [1.0, 1.0]
    assert holm([0.02]) == [0.02]
    assert holm([]) == []


def test_with_holm_sets_p_adjusted_and_significance_follows_it() -> None:
    strong = _paired(np.linspace(0.05, 0.15, 20))
    weak = _paired(np.array([0.1] * 6 + [-0.08] * 4 + [0.05] * 10))
    assert weak.p_value < ALPHA and weak.significant and weak.ci_low > 0
    results = with_holm([strong, weak, _paired(np.linspace(-0.1, 0.1, 20))])
    assert results[0].p_adjusted == pytest.approx(3 * strong.p_value)
    assert results[1].p_adjusted == pytest.approx(max(3 * strong.p_value, 2 * weak.p_value))
    assert results[2].p_adjusted == pytest.approx(1.0)
    assert all("Holm" in r.method and "3 tests" in r.method for r in results)
    assert results[0].significant and results[1].significant and not results[2].significant
    rows = comparison_dicts(results)
    assert {"p_adjusted", "method", "underpowered", "significant"} <= set(rows[0])
    assert [row["significant"] for row in rows] == [r.significant for r in results]


def test_with_holm_significance_uses_the_adjusted_p_value() -> None:
    result = _paired(np.array([0.1] * 6 + [-0.08] * 4 + [0.05] * 10))
    corrected = with_holm([result] * 10)
    assert all(c.p_adjusted == pytest.approx(min(1.0, 10 * result.p_value)) for c in corrected)
    # the unadjusted interval excludes 0; after the correction the difference is not significant
    assert result.ci_low > 0 and result.significant and not corrected[0].significant


# --- 3. minimum n ----------------------------------------------------------------------------


def test_fewer_than_ten_shared_cases_is_underpowered() -> None:
    clear = np.array([0.3, 0.31, 0.29, 0.32, 0.3, 0.28, 0.33, 0.3, 0.31, 0.29])
    nine = _paired(clear[:9])
    assert nine.underpowered and nine.p_value < 0.001 and nine.ci_low > 0 and not nine.significant
    ten = _paired(clear)
    assert not ten.underpowered and ten.significant and MIN_CASES_FOR_RANKING == 10
    with pytest.raises(ValueError, match="at least 2 shared cases"):
        _paired(np.array([0.3]))


# --- 4. tie groups ---------------------------------------------------------------------------


def _result(a: str, b: str, *, p: float, metric: str = "rougeL", n: int = 30,
            p_adjusted: float | None = None) -> PairedComparison:
    return PairedComparison(metric=metric, model_a=a, model_b=b, n=n, mean_a=0.5, mean_b=0.4, mean_difference=0.1,
                            ci_low=0.0, ci_high=0.2, p_value=p, effect_size=1.0, p_adjusted=p_adjusted,
                            underpowered=n < MIN_CASES_FOR_RANKING)


def test_tie_groups() -> None:
    models = ["A", "B", "C", "D"]
    assert tie_groups(models, [], "rougeL") == [["A", "B", "C", "D"]]
    separated = [_result("A", "C", p=0.001), _result("A", "B", p=0.3), _result("C", "D", p=0.2),
                 _result("A", "D", p=0.001)]
    assert tie_groups(models, separated, "rougeL") == [["A", "B"], ["C", "D"]]
    # only the group's first member counts: B-C significant but A-C not, so C stays with A
    assert tie_groups(models, [_result("B", "C", p=0.001)], "rougeL") == [["A", "B", "C", "D"]]
    # every step separated
    chain = [_result(x, y, p=0.001) for x, y in [("A", "B"), ("B", "C"), ("C", "D")]]
    assert tie_groups(models, chain, "rougeL") == [["A"], ["B"], ["C"], ["D"]]
    # the order of a comparison's models does not matter; other metrics do not separate
    assert tie_groups(["A", "B"], [_result("B", "A", p=0.001)], "rougeL") == [["A"], ["B"]]
    assert tie_groups(["A", "B"], [_result("A", "B", p=0.001, metric="e2e_s")], "rougeL") == [["A", "B"]]
    # corrected: not significant after Holm; underpowered: never significant
    assert tie_groups(["A", "B"], [_result("A", "B", p=0.01, p_adjusted=0.2)], "rougeL") == [["A", "B"]]
    assert tie_groups(["A", "B"], [_result("A", "B", p=0.001, n=5)], "rougeL") == [["A", "B"]]
    assert tie_groups([], [], "rougeL") == []


# --- 5. intervals of means and ratios ----------------------------------------------------------


def test_bca_matches_scipy() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(3)
    for data in (rng.exponential(1.0, 25), rng.lognormal(0.0, 1.0, 40), rng.beta(8.0, 2.0, 15)):
        ours = bca_interval(np.sort(data), resamples=40000, expand=False)
        theirs = scipy_stats.bootstrap((data,), np.mean, method="BCa", n_resamples=40000,
                                       random_state=1).confidence_interval
        assert ours == pytest.approx((theirs.low, theirs.high), abs=0.03 * (theirs.high - theirs.low))


def test_ratio_bca_matches_scipy() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(4)
    bottom = 1.0 + rng.poisson(4.0, 30)
    top = rng.binomial(bottom.astype(int), 0.2).astype(float)
    ours = bootstrap_ratio(top, bottom, resamples=40000, expand=False)
    theirs = scipy_stats.bootstrap((top, bottom), lambda t, b, axis=-1: t.sum(axis=axis) / b.sum(axis=axis),
                                   paired=True, method="BCa", n_resamples=40000, random_state=1).confidence_interval
    assert ours == pytest.approx((theirs.low, theirs.high), abs=0.03 * (theirs.high - theirs.low))


def test_expanded_bca_is_the_t_interval_for_symmetric_data() -> None:
    data = np.sort(np.concatenate([np.linspace(-1.0, 1.0, 7), [0.0, 0.0, 0.0]])) + 0.5  # symmetric about 0.5
    low, high = bca_interval(data, resamples=40000)
    t_low, t_high = t_interval(data)
    assert (low, high) == pytest.approx((t_low, t_high), abs=0.03 * (t_high - t_low))
    plain_low, plain_high = bca_interval(data, resamples=40000, expand=False)
    assert plain_high - plain_low < 0.9 * (high - low)  # the bootstrap alone is too narrow at n = 10


def test_bca_follows_the_skew() -> None:
    data = np.array([0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 0.6, 1.5, 4.0])
    estimate = bootstrap_mean(list(data))
    assert estimate.ci_low is not None and estimate.ci_high is not None and estimate.mean is not None
    assert estimate.ci_high - estimate.mean > 1.5 * (estimate.mean - estimate.ci_low)  # longer towards the tail
    assert data.min() <= estimate.ci_low < estimate.mean < estimate.ci_high <= data.max()


def test_intervals_are_deterministic_and_ignore_the_order_of_the_values() -> None:
    rng = np.random.default_rng(6)
    values = list(rng.beta(8.0, 2.0, 30))
    first = bootstrap_mean(values)
    assert bootstrap_mean(values) == first
    assert bootstrap_mean(list(reversed(values))) == first
    assert bootstrap_mean(values, seed=7) != first
    top, bottom = list(rng.integers(0, 3, 30)), list(rng.integers(1, 6, 30))
    ratio = bootstrap_ratio(top, bottom)
    assert bootstrap_ratio(top, bottom) == ratio
    assert bootstrap_ratio(top[::-1], bottom[::-1]) == ratio


def test_degenerate_and_small_inputs() -> None:
    assert bootstrap_mean([0.7] * 12) == Estimate(0.7, 0.7, 0.7, 12)
    assert bootstrap_mean([0.7, 0.7]) == Estimate(0.7, 0.7, 0.7, 2)
    assert bootstrap_mean([None, 0.4, float("nan")]) == bootstrap_mean([0.4])
    assert bootstrap_mean([0.4]).ci_low == 0.4 and bootstrap_mean([0.4]).n == 1
    assert bootstrap_mean([]).mean is None and bootstrap_mean([None]).n == 0
    assert bootstrap_ratio([0, 0, 0], [2, 3, 1]) == (0.0, 0.0)
    assert bootstrap_ratio([1, 2, 3], [2, 4, 6]) == pytest.approx((0.5, 0.5))
    assert bootstrap_ratio([0, 0], [0, 0]) == (None, None)
    assert bootstrap_ratio([], []) == (None, None)
    low, high = bootstrap_ratio([1, 0, 2, 0], [2, 0, 4, 3])  # a case without items never divides by zero
    assert low is not None and high is not None and 0.0 <= low <= 3 / 9 <= high <= 0.5


def test_mean_interval_covers_its_estimate_and_stays_in_the_range_of_the_values() -> None:
    rng = np.random.default_rng(8)
    for _ in range(200):
        n = int(rng.integers(2, 40))
        values = list((rng.random(n) < rng.random()).astype(float)) if rng.random() < 0.5 else list(rng.beta(2, 5, n))
        estimate = bootstrap_mean(values, resamples=500)
        assert estimate.ci_low is not None and estimate.ci_high is not None and estimate.mean is not None
        assert min(values) <= estimate.ci_low <= estimate.mean <= estimate.ci_high <= max(values)
        assert not math.isnan(estimate.ci_low)
