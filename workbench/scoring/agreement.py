"""How far raters agree: clinicians, judge models and automatic scores rating the same units.

Pure functions over plain sequences. A rating of ``None`` is a missing rating (a rater who gave none, a reply
that could not be read): each statistic's docstring says which units or pairs it then leaves out. A statistic that is
undefined on its data (nothing to pair, or no disagreement could even be expected by chance) is ``None``, never
a number made up to fill the gap.

* :func:`cohen_kappa`: two raters, yes/no judgements, from their 2 × 2 table; :func:`cohen_kappa_nominal`: two
  raters, any nominal categories, from their ratings.
* :func:`weighted_kappa`: two raters, ordered categories (a Likert scale), linear or quadratic weights.
* :func:`fleiss_kappa`: any number of raters per unit, nominal categories.
* :func:`krippendorff_alpha`: any number of raters, missing values anywhere; nominal, ordinal or interval
  values (:func:`coincidences` is its coincidence matrix).
* :func:`spearman_rho`, :func:`spearman_interval`: rank correlation of two numeric ratings (a judge's score
  against a clinician's), with a Fisher z interval.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

from workbench.scoring.stats import CONFIDENCE, normal_quantile

Unit = Sequence[Hashable | None]  # the ratings one unit received, one per rater, None where a rater gave none
KappaWeights = Literal["linear", "quadratic"]
AlphaLevel = Literal["nominal", "ordinal", "interval"]


# --- Cohen's κ and weighted κ (two raters) -------------------------------------------------------------


def _kappa(pair_counts: Counter[tuple[int, int]], disagreement_weight: Callable[[int, int], float]) -> float | None:
    """κ = 1 − Σ_ij w_ij · o_ij / Σ_ij w_ij · r_i · c_j from the counts of (first, second) category positions,
    w_ij the disagreement weight of a pair, o_ij the observed share of pairs (i, j), r_i and c_j the two raters'
    shares of each category. None when there is no pair or no disagreement could be expected."""
    total = sum(pair_counts.values())
    if total == 0:
        return None
    first_counts: Counter[int] = Counter()
    second_counts: Counter[int] = Counter()
    for (first, second), count in pair_counts.items():
        first_counts[first] += count
        second_counts[second] += count
    observed = sum(disagreement_weight(i, j) * count for (i, j), count in pair_counts.items()) / total
    expected = sum(disagreement_weight(i, j) * first_counts[i] * second_counts[j]
                   for i in first_counts for j in second_counts) / (total * total)
    if expected == 0:
        return None
    return 1.0 - observed / expected


def _nominal_weight(first: int, second: int) -> float:
    return 0.0 if first == second else 1.0


def cohen_kappa(both: int, first_only: int, second_only: int, neither: int) -> float | None:
    """Cohen's κ of two raters' yes/no judgements from their 2 × 2 table.

    With N the total, p_o = (both + neither) / N the observed agreement, and p_1, p_2 the two raters' shares
    of "yes"::

        p_e = p_1 · p_2 + (1 − p_1) · (1 − p_2)        κ = (p_o − p_e) / (1 − p_e)

    None when the table is empty or the chance agreement p_e is 1 (both raters said the same thing every time,
    so κ is undefined).
    """
    table = Counter({(1, 1): both, (1, 0): first_only, (0, 1): second_only, (0, 0): neither})
    return _kappa(table, _nominal_weight)


def _category_index(categories: Sequence[Hashable]) -> dict[Hashable, int]:
    index = {category: position for position, category in enumerate(categories)}
    if len(index) != len(categories):
        raise ValueError(f"categories must be distinct, got {list(categories)}")
    return index


def _checked_rating(rating: Hashable, index: dict[Hashable, int]) -> int:
    if rating not in index:
        raise ValueError(f"rating {rating!r} is not one of the categories {list(index)}")
    return index[rating]


def _pair_counts(first: Sequence[Hashable | None], second: Sequence[Hashable | None],
                 categories: Sequence[Hashable]) -> Counter[tuple[int, int]]:
    """How often each pair of category positions was given to the same unit; units with a None left out."""
    if len(first) != len(second):
        raise ValueError(f"the two raters rated different numbers of units: {len(first)} and {len(second)}")
    index = _category_index(categories)
    return Counter((_checked_rating(a, index), _checked_rating(b, index))
                   for a, b in zip(first, second) if a is not None and b is not None)


def cohen_kappa_nominal(first: Sequence[Hashable | None], second: Sequence[Hashable | None],
                        categories: Sequence[Hashable]) -> float | None:
    """Cohen's κ of two raters on nominal categories (any number of them): ``first[u]`` and ``second[u]`` are the
    two ratings of unit u, and a unit where either is None is left out. With p_o the share of units both rated
    the same, and r_c, s_c the two raters' shares of category c::

        p_e = Σ_c r_c · s_c        κ = (p_o − p_e) / (1 − p_e)

    On yes/no ratings it equals :func:`cohen_kappa` of their 2 × 2 table. None when no unit has both ratings, or
    when p_e = 1 (both raters used one and the same category throughout).
    """
    return _kappa(_pair_counts(first, second, categories), _nominal_weight)


def weighted_kappa(first: Sequence[Hashable | None], second: Sequence[Hashable | None],
                   categories: Sequence[Hashable], weights: KappaWeights = "quadratic") -> float | None:
    """Cohen's weighted κ of two raters on ordered categories (``categories`` lists them in order, e.g. 1–5).

    ``first[u]`` and ``second[u]`` are the two ratings of unit u; a unit where either is None is left out.
    With categories at positions i, j = 0 … k − 1, the disagreement weight of a pair is w_ij = |i − j| (linear)
    or (i − j)² (quadratic); with o_ij the observed share of units rated (i, j) and r_i, c_j the two raters'
    shares of each category::

        κ_w = 1 − Σ_ij w_ij · o_ij / Σ_ij w_ij · r_i · c_j

    (Scaling the weights, e.g. by 1/(k − 1)², cancels out.) With two categories both weights give Cohen's κ.
    None when no unit has both ratings, or when the expected disagreement is 0 (both raters used one and the
    same category throughout).
    """
    if weights not in ("linear", "quadratic"):
        raise ValueError(f"weights must be 'linear' or 'quadratic', got {weights!r}")
    power = 1 if weights == "linear" else 2

    def disagreement(first_position: int, second_position: int) -> float:
        return float(abs(first_position - second_position) ** power)

    return _kappa(_pair_counts(first, second, categories), disagreement)


# --- Fleiss' κ ------------------------------------------------------------------------------------


def fleiss_kappa(units: Sequence[Unit], categories: Sequence[Hashable]) -> float | None:
    """Fleiss' κ of nominal ratings: each unit is the list of categories its raters gave (None = missing).

    Missing ratings are dropped, and a unit left with fewer than two ratings is left out (it has no pair of
    ratings to agree or disagree). Fleiss' κ assumes the same number of raters n per unit; units may differ
    here, and each kept unit uses its own count n_i (the usual generalisation; with equal n_i it is Fleiss'
    formula exactly). With n_ij the number of ratings of unit i in category j, over the N kept units::

        P_i = (Σ_j n_ij² − n_i) / (n_i · (n_i − 1))     the share of agreeing pairs of ratings in unit i
        P̄ = (1/N) Σ_i P_i
        p_j = Σ_i n_ij / Σ_i n_i                         the share of all kept ratings in category j
        P̄_e = Σ_j p_j²
        κ = (P̄ − P̄_e) / (1 − P̄_e)

    None when no unit has two ratings, or when every kept rating is the same category (P̄_e = 1).
    """
    index = _category_index(categories)
    unit_counts: list[Counter[int]] = []
    for unit in units:
        ratings = [_checked_rating(rating, index) for rating in unit if rating is not None]
        if len(ratings) >= 2:
            unit_counts.append(Counter(ratings))
    if not unit_counts:
        return None
    category_totals: Counter[int] = Counter()
    agreement_sum = 0.0
    for counts in unit_counts:
        raters = sum(counts.values())
        agreement_sum += (sum(count * count for count in counts.values()) - raters) / (raters * (raters - 1))
        category_totals.update(counts)
    if len(category_totals) < 2:
        return None
    ratings_total = sum(category_totals.values())
    mean_agreement = agreement_sum / len(unit_counts)
    chance_agreement = sum((count / ratings_total) ** 2 for count in category_totals.values())
    return (mean_agreement - chance_agreement) / (1.0 - chance_agreement)


# --- Krippendorff's α ----------------------------------------------------------------------------


def coincidences(units: Sequence[Unit]) -> Counter[tuple[Hashable, Hashable]]:
    """The coincidence matrix o_ck: each ordered pair (c, k) of values from different raters of a unit counts
    1 / (m_u − 1), m_u being the number of values the unit has (a unit with fewer than two is left out)."""
    matrix: Counter[tuple[Hashable, Hashable]] = Counter()
    for unit in units:
        values = [value for value in unit if value is not None]
        if len(values) < 2:
            continue
        weight = 1.0 / (len(values) - 1)
        for first_index, first in enumerate(values):
            for second_index, second in enumerate(values):
                if first_index != second_index:
                    matrix[(first, second)] += weight
    return matrix


def _squared_differences(totals: Counter[Hashable], level: AlphaLevel) -> dict[tuple[Hashable, Hashable], float]:
    """δ²_ck for every pair of pairable values c, k at the level of measurement (see :func:`krippendorff_alpha`)."""
    values = list(totals)
    if level == "nominal":
        return {(c, k): 0.0 if c == k else 1.0 for c in values for k in values}
    if level == "interval":
        return {(c, k): (float(c) - float(k)) ** 2 for c in values for k in values}  # type: ignore[arg-type]
    ordered = sorted(values)  # type: ignore[type-var]
    cumulative = [0.0]  # cumulative[p] = n of the first p values in order
    for value in ordered:
        cumulative.append(cumulative[-1] + totals[value])
    differences: dict[tuple[Hashable, Hashable], float] = {}
    for low_position, low in enumerate(ordered):
        for high_position in range(low_position, len(ordered)):
            high = ordered[high_position]
            between = cumulative[high_position + 1] - cumulative[low_position]  # n_low + … + n_high
            differences[(low, high)] = differences[(high, low)] = (between - (totals[low] + totals[high]) / 2.0) ** 2
    return differences


def krippendorff_alpha(units: Sequence[Unit], level: AlphaLevel = "nominal") -> float | None:
    """Krippendorff's α: any number of raters, values missing anywhere (None).

    Each unit is the list of values its raters gave. From the coincidence matrix o_ck (:func:`coincidences`),
    n_c = Σ_k o_ck the pairable values of c and n = Σ_c n_c::

        α = 1 − D_o / D_e = 1 − (n − 1) · Σ_{c,k} o_ck · δ²_ck / Σ_{c,k} n_c · n_k · δ²_ck

    with the difference δ²_ck of the level of measurement:

    * nominal: 0 when c = k, else 1 (any hashable values);
    * ordinal: (Σ_{g=c}^{k} n_g − (n_c + n_k) / 2)², the values ranked by their sorted order and g running over
      the values from c to k (so the distance depends on how the pairable values are spread, not on the
      values' numbers);
    * interval: (c − k)² (numbers).

    None when fewer than two values can be paired, or when no disagreement could be expected (D_e = 0: every
    pairable value the same).
    """
    if level not in ("nominal", "ordinal", "interval"):
        raise ValueError(f"level must be 'nominal', 'ordinal' or 'interval', got {level!r}")
    matrix = coincidences(units)
    totals: Counter[Hashable] = Counter()
    for (first, _second), count in matrix.items():
        totals[first] += count
    pairable = sum(totals.values())
    if pairable < 2:
        return None
    squared_differences = _squared_differences(totals, level)
    observed = sum(count * squared_differences[pair] for pair, count in matrix.items())
    expected = sum(totals[first] * totals[second] * squared_differences[(first, second)]
                   for first in totals for second in totals)
    if expected == 0:
        return None
    return 1.0 - (pairable - 1) * observed / expected


# --- Spearman's ρ --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankCorrelation:
    """Spearman's ρ with its interval and the number of pairs it was computed on (None where undefined)."""
    rho: float | None
    ci_low: float | None
    ci_high: float | None
    n: int


def _complete_pairs(x: Sequence[float | None], y: Sequence[float | None]) -> list[tuple[float, float]]:
    if len(x) != len(y):
        raise ValueError(f"x and y have different lengths: {len(x)} and {len(y)}")
    return [(float(a), float(b)) for a, b in zip(x, y) if a is not None and b is not None]


def _average_ranks(values: Sequence[float]) -> list[float]:
    """Ranks 1 … n in the values' order, tied values each getting the mean of the ranks they span."""
    order = sorted(range(len(values)), key=lambda position: values[position])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        tied_rank = (start + end) / 2.0 + 1.0  # the mean of ranks start + 1 … end + 1
        for position in order[start:end + 1]:
            ranks[position] = tied_rank
        start = end + 1
    return ranks


def _pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    mean_x, mean_y = sum(x) / len(x), sum(y) / len(y)
    spread_x = sum((a - mean_x) ** 2 for a in x)
    spread_y = sum((b - mean_y) ** 2 for b in y)
    if spread_x == 0 or spread_y == 0:
        return None
    products = sum((a - mean_x) * (b - mean_y) for a, b in zip(x, y))
    return max(-1.0, min(1.0, products / math.sqrt(spread_x * spread_y)))


def spearman_rho(x: Sequence[float | None], y: Sequence[float | None]) -> float | None:
    """Spearman's ρ: the Pearson correlation of the two sides' ranks, ties given their average rank::

        ρ = Σ (R_i − R̄)(S_i − S̄) / sqrt(Σ (R_i − R̄)² · Σ (S_i − S̄)²)

    Pairs where either value is None are dropped. None when fewer than two pairs remain or a side is constant.
    """
    pairs = _complete_pairs(x, y)
    if len(pairs) < 2:
        return None
    return _pearson(_average_ranks([a for a, _b in pairs]), _average_ranks([b for _a, b in pairs]))


def spearman_interval(x: Sequence[float | None], y: Sequence[float | None],
                      confidence: float = CONFIDENCE) -> RankCorrelation:
    """Spearman's ρ (:func:`spearman_rho`) with its interval by Fisher's z and the Bonett–Wright standard error::

        z = atanh(ρ)     se = sqrt((1 + ρ² / 2) / (n − 3))     interval = tanh(z ± z_{(1+confidence)/2} · se)

    n is the number of pairs left after dropping those with a None. ρ is None when n < 2 or a side is constant;
    the interval is None as well when n < 4 (no standard error) or |ρ| = 1 (z is infinite).
    """
    pairs = _complete_pairs(x, y)
    rho = spearman_rho([a for a, _b in pairs], [b for _a, b in pairs])
    n = len(pairs)
    if rho is None or n < 4 or abs(rho) == 1.0:
        return RankCorrelation(rho=rho, ci_low=None, ci_high=None, n=n)
    standard_error = math.sqrt((1.0 + rho * rho / 2.0) / (n - 3))
    half_width = normal_quantile(0.5 + confidence / 2.0) * standard_error
    centre = math.atanh(rho)
    return RankCorrelation(rho=rho, ci_low=math.tanh(centre - half_width), ci_high=math.tanh(centre + half_width),
                           n=n)
