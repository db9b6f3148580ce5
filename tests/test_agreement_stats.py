"""Agreement statistics (workbench.scoring.agreement) against tables computed by hand, published worked examples,
the undefined cases, and (where installed) scikit-learn and SciPy on random data."""

from __future__ import annotations

import math
import random

import pytest

from workbench.scoring.agreement import (
    RankCorrelation, coincidences, cohen_kappa, cohen_kappa_nominal, fleiss_kappa, krippendorff_alpha,
    spearman_interval, spearman_rho, weighted_kappa,
)

N = None
LIKERT = [1, 2, 3, 4, 5]

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability": four observers, twelve units, values missing.
KRIPPENDORFF_OBSERVERS = (
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
)


# --- Cohen's κ ------------------------------------------------------------------------------------


def test_cohen_kappa_by_hand() -> None:
    # 20 + 15 agree of 50; yes rates 25/50 and 30/50: chance 0.5 * 0.6 + 0.5 * 0.4 = 0.5; κ = (0.7 - 0.5) / 0.5
    assert cohen_kappa(20, 5, 10, 15) == pytest.approx(0.4)
    assert cohen_kappa(10, 0, 0, 10) == pytest.approx(1.0)
    assert cohen_kappa(0, 5, 5, 0) == pytest.approx(-1.0)
    assert cohen_kappa(0, 0, 0, 7) is None  # both always "no": chance agreement 1, κ undefined
    assert cohen_kappa(0, 0, 0, 0) is None


def test_cohen_kappa_nominal_by_hand() -> None:
    # pairs (a,a) (a,b) (b,b) (c,c) (c,a) (b,b): 4 of 6 agree, p_o = 2/3
    # first rater a 2, b 2, c 2 (1/3 each); second a 2, b 3, c 1: p_e = (1/3)(2 + 3 + 1)/6 = 1/3
    # κ = (2/3 - 1/3) / (2/3) = 1/2
    first, second = ["a", "a", "b", "c", "c", "b"], ["a", "b", "b", "c", "a", "b"]
    assert cohen_kappa_nominal(first, second, ["a", "b", "c"]) == pytest.approx(0.5)
    assert cohen_kappa_nominal([*first, N, "a"], [*second, "c", N], ["a", "b", "c"]) == pytest.approx(0.5)
    assert cohen_kappa_nominal(["a", "a"], ["a", "a"], ["a", "b"]) is None  # p_e = 1
    assert cohen_kappa_nominal(["a", N], [N, "b"], ["a", "b"]) is None  # no unit rated by both


def test_cohen_kappa_nominal_on_yes_no_is_the_two_by_two_kappa() -> None:
    first = [True] * 20 + [True] * 5 + [False] * 10 + [False] * 15
    second = [True] * 20 + [False] * 5 + [True] * 10 + [False] * 15
    assert cohen_kappa_nominal(first, second, [False, True]) == pytest.approx(cohen_kappa(20, 5, 10, 15))


# --- weighted κ -----------------------------------------------------------------------------------


def test_weighted_kappa_by_hand() -> None:
    # pairs (1,1) (1,2) (2,2) (3,2) (3,3); first rater's counts 1:2 2:1 3:2, second's 1:1 2:3 3:1; N = 5
    # linear:    observed Σ w·o = (0 + 1 + 0 + 1 + 0) / 5 = 2/5
    #            expected Σ w·r·c, by the first rater's category:
    #            [1: 2·(3·1 + 1·2) = 10] + [2: 1·(1·1 + 1·1) = 2] + [3: 2·(1·2 + 3·1) = 10] = 22/25
    #            κ = 1 - (2/5) / (22/25) = 1 - 10/22 = 6/11
    # quadratic: observed (0 + 1 + 0 + 1 + 0) / 5 = 2/5
    #            expected [1: 2·(3·1 + 1·4) = 14] + [2: 1·(1·1 + 1·1) = 2] + [3: 2·(1·4 + 3·1) = 14] = 30/25
    #            κ = 1 - (2/5) / (6/5) = 2/3
    first, second = [1, 1, 2, 3, 3], [1, 2, 2, 2, 3]
    assert weighted_kappa(first, second, [1, 2, 3], "linear") == pytest.approx(6 / 11)
    assert weighted_kappa(first, second, [1, 2, 3], "quadratic") == pytest.approx(2 / 3)
    assert weighted_kappa(first, second, [1, 2, 3]) == pytest.approx(2 / 3)  # quadratic is the default
    # categories nobody used at the end of the scale change nothing (the weights depend on i - j only)
    assert weighted_kappa(first, second, LIKERT, "linear") == pytest.approx(6 / 11)


def test_weighted_kappa_leaves_out_pairs_with_a_missing_rating() -> None:
    first, second = [1, 1, 2, 3, 3, N, 2, N], [1, 2, 2, 2, 3, 3, N, N]
    assert weighted_kappa(first, second, [1, 2, 3], "linear") == pytest.approx(6 / 11)


def test_weighted_kappa_of_two_categories_is_cohens_kappa() -> None:
    # 20 (yes, yes), 5 (yes, no), 10 (no, yes), 15 (no, no): κ = 0.4 as above, whatever the weights
    first = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15
    second = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    assert weighted_kappa(first, second, [0, 1], "linear") == pytest.approx(cohen_kappa(20, 5, 10, 15))
    assert weighted_kappa(first, second, [0, 1], "quadratic") == pytest.approx(0.4)


def test_weighted_kappa_undefined_and_refused() -> None:
    assert weighted_kappa([3, 3, 3], [3, 3, 3], LIKERT) is None  # one category throughout: expected disagreement 0
    assert weighted_kappa([3, N], [N, 4], LIKERT) is None  # no unit rated by both
    assert weighted_kappa([], [], LIKERT) is None
    with pytest.raises(ValueError, match="not one of the categories"):
        weighted_kappa([1, 6], [1, 2], LIKERT)
    with pytest.raises(ValueError, match="different numbers"):
        weighted_kappa([1, 2], [1], LIKERT)
    with pytest.raises(ValueError, match="weights"):
        weighted_kappa([1, 2], [1, 2], LIKERT, "cubic")  # type: ignore[arg-type]


# --- Fleiss' κ ------------------------------------------------------------------------------------


def test_fleiss_kappa_by_hand() -> None:
    # (a,a,a): P = (9 - 3) / 6 = 1;  (a,a,b): P = (4 + 1 - 3) / 6 = 1/3;  (b,b,b): P = 1;  P̄ = 7/9
    # p_a = 5/9, p_b = 4/9: P̄_e = 25/81 + 16/81 = 41/81;  κ = (63/81 - 41/81) / (40/81) = 22/40
    assert fleiss_kappa([("a", "a", "a"), ("a", "a", "b"), ("b", "b", "b")], ["a", "b"]) == pytest.approx(0.55)


def test_fleiss_kappa_with_missing_ratings_by_hand() -> None:
    # (a,b,None) is kept with n_i = 2: P = (1 + 1 - 2) / (2 · 1) = 0; (a,None,None) has one rating and is left out
    # P̄ = (1 + 1/3 + 1 + 0) / 4 = 7/12;  ratings a: 3 + 2 + 0 + 1 = 6, b: 0 + 1 + 3 + 1 = 5 of 11
    # P̄_e = (36 + 25) / 121 = 61/121;  κ = (7/12 - 61/121) / (60/121) = (115/1452) · (121/60) = 115/720 = 23/144
    units = [("a", "a", "a"), ("a", "a", "b"), ("b", "b", "b"), ("a", "b", N), ("a", N, N)]
    assert fleiss_kappa(units, ["a", "b"]) == pytest.approx(23 / 144)


def test_fleiss_kappa_published_example() -> None:
    # Fleiss (1971) as worked on Wikipedia ("Fleiss' kappa"): 10 subjects, 14 raters, 5 categories.
    # Σ_j n_ij² per subject: 196 60 70 94 74 98 58 46 66 66, so P_i = (Σ - 14) / 182 and P̄ = 172/455 ≈ 0.37802
    # category totals 20 28 39 21 32 of 140: P̄_e = 4170 / 140² = 417/1960 ≈ 0.21276
    # κ = (172/455 - 417/1960) / (1 - 417/1960) = 4211/20059 ≈ 0.20993
    table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
             [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    units = [[category for category, count in zip(LIKERT, row) for _ in range(count)] for row in table]
    assert fleiss_kappa(units, LIKERT) == pytest.approx(4211 / 20059)
    assert fleiss_kappa(units, LIKERT) == pytest.approx(0.210, abs=5e-4)


def test_fleiss_kappa_undefined_and_refused() -> None:
    assert fleiss_kappa([("a", "a"), ("a", "a", "a"), ("a", N)], ["a", "b"]) is None  # one category: P̄_e = 1
    assert fleiss_kappa([("a", N), (N, "b"), ()], ["a", "b"]) is None  # no unit has two ratings
    assert fleiss_kappa([], ["a", "b"]) is None
    with pytest.raises(ValueError, match="not one of the categories"):
        fleiss_kappa([("a", "c")], ["a", "b"])


# --- Krippendorff's α ----------------------------------------------------------------------------


def test_nominal_alpha_two_raters_binary_by_hand() -> None:
    # units (a,a) (a,b) (b,b) (b,b): o_aa = 2, o_ab = o_ba = 1, o_bb = 4; n_a = 3, n_b = 5, n = 8
    # alpha = 1 - (n - 1) * (o_ab + o_ba) / (n_a n_b + n_b n_a) = 1 - 7 * 2 / 30 = 16/30
    units = [("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")]
    assert coincidences(units) == {("a", "a"): 2, ("a", "b"): 1, ("b", "a"): 1, ("b", "b"): 4}
    assert krippendorff_alpha(units, "nominal") == pytest.approx(16 / 30)
    assert krippendorff_alpha(units) == pytest.approx(16 / 30)  # nominal is the default
    # a unit with one value left (or none) cannot be paired and changes nothing
    assert krippendorff_alpha([*units, ("a", N), (N, N)]) == pytest.approx(16 / 30)


def test_nominal_alpha_three_raters_with_a_missing_value_by_hand() -> None:
    # (T,T,F): m = 3, each ordered pair weighs 1/2: o_TT = 1, o_TF = o_FT = 1
    # (F,F,None): m = 2: o_FF = 2;  (T,T,T): o_TT += 3
    # n_T = 4 + 1 = 5, n_F = 1 + 2 = 3, n = 8; alpha = 1 - 7 * 2 / (2 * 5 * 3) = 1 - 14/30
    units = [(True, True, False), (False, False, N), (True, True, True)]
    assert krippendorff_alpha(units, "nominal") == pytest.approx(16 / 30)


def test_ordinal_and_interval_alpha_by_hand() -> None:
    # units (1,1) (1,2) (2,5) (5,5): o_11 = 2, o_12 = o_21 = 1, o_25 = o_52 = 1, o_55 = 2; n_1 = 3, n_2 = 2,
    # n_5 = 3, n = 8
    # nominal:  observed Σ_{c≠k} o = 4;  expected Σ_{c≠k} n_c n_k = 2 (3·2 + 2·3 + 3·3) = 42
    #           α = 1 - 7·4/42 = 1/3
    # ordinal:  δ²_12 = (n_1 + n_2 - (n_1 + n_2)/2)² = (5 - 2.5)² = 6.25;  δ²_25 = (5 - 2.5)² = 6.25;
    #           δ²_15 = (3 + 2 + 3 - 3)² = 25
    #           observed 2·6.25 + 2·6.25 = 25;  expected 2 (3·2·6.25 + 2·3·6.25 + 3·3·25) = 600
    #           α = 1 - 7·25/600 = 17/24 (the values' numbers do not matter, only their order)
    # interval: δ²_12 = 1, δ²_25 = 9, δ²_15 = 16;  observed 2·1 + 2·9 = 20
    #           expected 2 (3·2·1 + 2·3·9 + 3·3·16) = 408
    #           α = 1 - 7·20/408 = 67/102
    units = [(1, 1), (1, 2), (2, 5), (5, 5)]
    assert krippendorff_alpha(units, "nominal") == pytest.approx(1 / 3)
    assert krippendorff_alpha(units, "ordinal") == pytest.approx(17 / 24)
    assert krippendorff_alpha(units, "interval") == pytest.approx(67 / 102)
    # 5 -> 3 keeps the order (ordinal unchanged); interval: δ²_23 = 1, δ²_13 = 4: 1 - 7·4/96 = 17/24
    assert krippendorff_alpha([(1, 1), (1, 2), (2, 3), (3, 3)], "ordinal") == pytest.approx(17 / 24)
    assert krippendorff_alpha([(1, 1), (1, 2), (2, 3), (3, 3)], "interval") == pytest.approx(17 / 24)


def test_krippendorffs_published_example() -> None:
    # nominal 0.743, ordinal 0.815, interval 0.849 in the paper. The nominal value exactly: unit 12 has one value and
    # is left out; the marginals are n_1 = 9, n_2 = 13, n_3 = 10, n_4 = 5, n_5 = 3 (n = 40); the disagreeing
    # ordered pairs, each 1/(m_u - 1) = 1/3: (2,2,3,2) 6 -> 2, (1,2,3,4) 12 -> 4, (1,1,2,1) 6 -> 2, Σ_{c≠k} o_ck = 8
    # α = 1 - 39 · 8 / (40² - (81 + 169 + 100 + 25 + 9)) = 1 - 312/1216 = 113/152 ≈ 0.74342
    units = list(zip(*KRIPPENDORFF_OBSERVERS))
    assert krippendorff_alpha(units, "nominal") == pytest.approx(113 / 152)
    assert krippendorff_alpha(units, "nominal") == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(units, "ordinal") == pytest.approx(0.815, abs=5e-4)
    assert krippendorff_alpha(units, "interval") == pytest.approx(0.849, abs=5e-4)


def test_perfect_and_systematic_disagreement() -> None:
    assert krippendorff_alpha([("a", "a"), ("b", "b")]) == 1.0
    # (a,b) (b,a): o_ab = o_ba = 2, n_a = n_b = 2, n = 4: 1 - 3 * 4 / 8
    assert krippendorff_alpha([("a", "b"), ("b", "a")]) == pytest.approx(-0.5)


def test_alpha_is_undefined_for_a_single_category_or_nothing_to_pair() -> None:
    for level in ("nominal", "ordinal", "interval"):
        assert krippendorff_alpha([(1, 1), (1, 1, N), (1, N)], level) is None  # no disagreement possible
        assert krippendorff_alpha([(1, N), (N, 2)], level) is None  # no unit has two values
        assert krippendorff_alpha([], level) is None
    assert krippendorff_alpha([(True, True), (True, True, N)]) is None
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha([(1, 2)], "ratio")  # type: ignore[arg-type]


# --- Spearman's ρ --------------------------------------------------------------------------------


def test_spearman_with_ties_by_hand() -> None:
    # x = 1 2 2 3 4 -> ranks 1 2.5 2.5 4 5;  y = 2 1 3 3 5 -> ranks 2 1 3.5 3.5 5;  both rank means 3
    # deviations x: -2 -0.5 -0.5 1 2, y: -1 -2 0.5 0.5 2;  Σ dx·dy = 2 + 1 - 0.25 + 0.5 + 4 = 7.25
    # Σ dx² = Σ dy² = 4 + 0.25 + 0.25 + 1 + 4 = 9.5;  ρ = 7.25 / 9.5 = 29/38 ≈ 0.76316
    # interval: z = atanh(29/38) = 0.5 ln(67/9) ≈ 1.003734; se = sqrt((1 + (29/38)²/2) / (5 - 3)) = sqrt(3729)/76
    # ≈ 0.803494; 1.959964 · se ≈ 1.574819; tanh(1.003734 ∓ 1.574819) ≈ -0.51616, 0.98855
    x, y = [1, 2, 2, 3, 4], [2, 1, 3, 3, 5]
    assert spearman_rho(x, y) == pytest.approx(29 / 38)
    result = spearman_interval(x, y)
    assert isinstance(result, RankCorrelation)
    assert result.rho == pytest.approx(29 / 38) and result.n == 5
    assert result.ci_low == pytest.approx(math.tanh(0.5 * math.log(67 / 9) - 1.959964 * math.sqrt(3729) / 76))
    assert result.ci_low == pytest.approx(-0.51616, abs=1e-4)
    assert result.ci_high == pytest.approx(0.98855, abs=1e-4)
    # a narrower confidence gives a narrower interval around the same estimate
    narrower = spearman_interval(x, y, confidence=0.5)
    assert result.ci_low < narrower.ci_low < 29 / 38 < narrower.ci_high < result.ci_high


def test_spearman_drops_pairs_with_a_missing_value() -> None:
    x, y = [1, 2, N, 2, 3, 4, 9], [2, 1, 7, 3, 3, 5, N]
    assert spearman_rho(x, y) == pytest.approx(29 / 38)
    assert spearman_interval(x, y) == spearman_interval([1, 2, 2, 3, 4], [2, 1, 3, 3, 5])


def test_spearman_undefined_cases() -> None:
    # three pairs: ρ exists (ranks 1 2 3 against 1 3 2: 1 - 6·2/(3·8) = 0.5) but n - 3 = 0 leaves no interval
    assert spearman_interval([1, 2, 3], [1, 3, 2]) == RankCorrelation(rho=pytest.approx(0.5), ci_low=None,
                                                                       ci_high=None, n=3)
    assert spearman_interval([1, N], [1, 2]) == RankCorrelation(rho=None, ci_low=None, ci_high=None, n=1)
    assert spearman_rho([1], [2]) is None and spearman_rho([], []) is None
    # a constant side has no ranks to correlate
    assert spearman_rho([3, 3, 3, 3, 3], [1, 2, 3, 4, 5]) is None
    assert spearman_interval([1, 2, 3, 4, 5], [4, 4, 4, 4, 4]) == RankCorrelation(None, None, None, 5)
    # perfect agreement: ρ = 1 but Fisher's z is infinite, so no interval
    assert spearman_interval([1, 2, 3, 4, 5], [10, 20, 30, 40, 50]) == RankCorrelation(1.0, None, None, 5)
    with pytest.raises(ValueError, match="different lengths"):
        spearman_rho([1, 2], [1])


# --- cross-checks against scikit-learn and SciPy (skipped when they are not installed) ---------------


def _random_likert(generator: random.Random, size: int) -> tuple[list[int], list[int]]:
    first = [generator.randint(1, 5) for _ in range(size)]
    second = [min(5, max(1, rating + generator.choice((-2, -1, 0, 0, 1, 2)))) for rating in first]
    return first, second


def test_kappas_match_scikit_learn_on_random_ratings() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    generator = random.Random(7)
    for size in (8, 30, 200):
        first, second = _random_likert(generator, size)
        assert cohen_kappa_nominal(first, second, LIKERT) == pytest.approx(
            metrics.cohen_kappa_score(first, second, labels=LIKERT), abs=1e-12)
        for weights in ("linear", "quadratic"):
            expected = metrics.cohen_kappa_score(first, second, labels=LIKERT, weights=weights)
            assert weighted_kappa(first, second, LIKERT, weights) == pytest.approx(expected, abs=1e-12)
        yes_first, yes_second = [rating >= 4 for rating in first], [rating >= 4 for rating in second]
        table = {(a, b): sum(1 for pair in zip(yes_first, yes_second) if pair == (a, b))
                 for a in (True, False) for b in (True, False)}
        kappa = cohen_kappa(table[(True, True)], table[(True, False)], table[(False, True)], table[(False, False)])
        assert kappa == pytest.approx(metrics.cohen_kappa_score(yes_first, yes_second), abs=1e-12)


def test_spearman_matches_scipy_on_random_data_with_ties() -> None:
    stats = pytest.importorskip("scipy.stats")
    generator = random.Random(11)
    for size in (4, 10, 57):
        first, second = _random_likert(generator, size)
        if len(set(first)) < 2 or len(set(second)) < 2:
            continue
        expected = stats.spearmanr(first, second).statistic
        assert spearman_rho(first, second) == pytest.approx(expected, abs=1e-12)
        continuous_x = [generator.gauss(0, 1) for _ in range(size)]
        continuous_y = [value + generator.gauss(0, 1) for value in continuous_x]
        expected = stats.spearmanr(continuous_x, continuous_y).statistic
        assert spearman_rho(continuous_x, continuous_y) == pytest.approx(expected, abs=1e-12)
