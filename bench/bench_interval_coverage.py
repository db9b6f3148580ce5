"""Coverage of the 95% intervals, and the type-I error of the paired test, by simulation.

For each population with a known mean (or ratio of sums) and each sample size n, draws
``--datasets`` samples and counts how often each method's 95% interval contains the true
value. Methods:

* percentile: the percentile bootstrap (the previous method of ``bootstrap_mean`` and of the
  scorer's ``_bootstrap_ratio``);
* BCa: the bias-corrected and accelerated bootstrap (jackknife acceleration);
* BCa-t: BCa with the normal quantiles replaced by sqrt(n / (n - 1)) t_{n-1} quantiles
  (the small-sample expansion), the method chosen for ``bootstrap_mean`` / ``bootstrap_ratio``;
* t: the Student t interval (for the ratio: the t interval with the linearised, delta-method
  standard error of sum/sum).

Populations: Bernoulli p = 0.1, 0.5, 0.9 (binary per-case metrics); exponential(1) and
lognormal(0, 1) (skewed, e.g. latency); Beta(8, 2), skewed towards 1 like ROUGE; and a ratio
of sums like the PHI leak rate (items per case 1 + Poisson(4), each leaked with a per-case
probability drawn from Beta(0.5, 4.5), true ratio 0.1).

Then the paired test at n = 10 and 20 under the null (the two models have the same
distribution case by case): the share of datasets where it rejects at 5% (ideally 5%), for
the paired t-test of ``paired_comparison`` and, for reference, the previous pair of
statistics (sign-flip permutation p < 0.05; percentile paired interval excluding 0) and how
often those two disagreed.

    .venv/bin/python bench/bench_interval_coverage.py [--datasets 1000] [--resamples 1000]
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

import numpy as np

from workbench.scoring.stats import (
    bca_interval, bootstrap_ratio, paired_comparison, percentile_interval, percentile_ratio, t_interval, t_quantile,
)

SIZES = (10, 20, 50)
Sampler = Callable[[np.random.Generator, int], np.ndarray]

MEAN_POPULATIONS: dict[str, tuple[Sampler, float]] = {
    "Bernoulli p=0.1": (lambda rng, n: (rng.random(n) < 0.1).astype(float), 0.1),
    "Bernoulli p=0.5": (lambda rng, n: (rng.random(n) < 0.5).astype(float), 0.5),
    "Bernoulli p=0.9": (lambda rng, n: (rng.random(n) < 0.9).astype(float), 0.9),
    "exponential(1)": (lambda rng, n: rng.exponential(1.0, n), 1.0),
    "lognormal(0,1)": (lambda rng, n: rng.lognormal(0.0, 1.0, n), math.exp(0.5)),
    "Beta(8,2) ~ROUGE": (lambda rng, n: rng.beta(8.0, 2.0, n), 0.8),
}


def leak_counts(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    items = 1 + rng.poisson(4.0, n)
    leaked = rng.binomial(items, rng.beta(0.5, 4.5, n))
    return leaked.astype(float), items.astype(float)


RATIO_TRUE = 0.1


def t_ratio(top: np.ndarray, bottom: np.ndarray) -> tuple[float, float]:
    """t interval of sum/sum with the linearised (delta-method) standard error."""
    ratio = top.sum() / bottom.sum()
    influence = (top - ratio * bottom) / bottom.mean()
    half = t_quantile(0.975, top.size - 1) * influence.std(ddof=1) / math.sqrt(top.size)
    return ratio - half, ratio + half


def covers(interval: tuple[float | None, float | None], truth: float) -> bool:
    low, high = interval
    return low is not None and high is not None and low <= truth <= high


MEAN_METHODS: dict[str, Callable[[np.ndarray, int], tuple[float, float]]] = {
    "percentile": lambda data, resamples: percentile_interval(data, resamples=resamples),
    "BCa": lambda data, resamples: bca_interval(data, resamples=resamples, expand=False),
    "BCa-t": lambda data, resamples: bca_interval(data, resamples=resamples, expand=True),
    "t": lambda data, resamples: t_interval(data),
}
RATIO_METHODS: dict[str, Callable[[np.ndarray, np.ndarray, int], tuple[float | None, float | None]]] = {
    "percentile": lambda top, bottom, resamples: percentile_ratio(top, bottom, resamples=resamples),
    "BCa": lambda top, bottom, resamples: bootstrap_ratio(top, bottom, resamples=resamples, expand=False),
    "BCa-t": lambda top, bottom, resamples: bootstrap_ratio(top, bottom, resamples=resamples, expand=True),
    "t": lambda top, bottom, resamples: t_ratio(top, bottom),
}


def coverage_rows(datasets: int, resamples: int, seed: int) -> list[tuple[str, int, np.ndarray, np.ndarray]]:
    """(population, n, coverage per method, mean width per method relative to the t interval's)."""
    rows: list[tuple[str, int, np.ndarray, np.ndarray]] = []
    for name, (sample, truth) in MEAN_POPULATIONS.items():
        for n in SIZES:
            rng = np.random.default_rng([seed, n, len(rows)])
            hits, widths = np.zeros(len(MEAN_METHODS)), np.zeros(len(MEAN_METHODS))
            for _ in range(datasets):
                data = np.sort(sample(rng, n))
                if data.min() == data.max():  # every method: a zero-width interval at the value
                    intervals = [(float(data[0]), float(data[0]))] * len(MEAN_METHODS)
                else:
                    intervals = [method(data, resamples) for method in MEAN_METHODS.values()]
                hits += [covers(i, truth) for i in intervals]
                widths += [i[1] - i[0] for i in intervals]
            rows.append((name, n, hits / datasets, widths / max(widths[-1], 1e-300)))
    for n in SIZES:
        rng = np.random.default_rng([seed, n, len(rows)])
        hits, widths = np.zeros(len(RATIO_METHODS)), np.zeros(len(RATIO_METHODS))
        for _ in range(datasets):
            top, bottom = leak_counts(rng, n)
            ratio_intervals = [method(top, bottom, resamples) for method in RATIO_METHODS.values()]
            hits += [covers(i, RATIO_TRUE) for i in ratio_intervals]
            widths += [(i[1] or 0.0) - (i[0] or 0.0) for i in ratio_intervals]
        rows.append(("ratio of sums (leak)", n, hits / datasets, widths / max(widths[-1], 1e-300)))
    return rows


def binary_pair(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Correct/incorrect per case, the case's difficulty shared by both models."""
    p = rng.beta(2.0, 2.0, n)
    return (rng.random(n) < p).astype(float), (rng.random(n) < p).astype(float)


def rouge_pair(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """ROUGE-like: the case's quality Beta(8, 2) shared, each model's noise on top."""
    quality = rng.beta(8.0, 2.0, n)
    return (np.clip(quality + rng.normal(0.0, 0.05, n), 0.0, 1.0),
            np.clip(quality + rng.normal(0.0, 0.05, n), 0.0, 1.0))


def latency_pair(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Latency-like: the case's length shared (lognormal), a lognormal factor per model."""
    length = rng.lognormal(0.0, 1.0, n)
    return length * rng.lognormal(0.0, 0.3, n), length * rng.lognormal(0.0, 0.3, n)


def skewed_pair(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Stress case: skewed differences Exp(1) - 1 with mean 0 (the models are not exchangeable)."""
    return rng.exponential(1.0, n), np.ones(n)


NULL_PAIRS: dict[str, Callable[[np.random.Generator, int], tuple[np.ndarray, np.ndarray]]] = {
    "binary, shared difficulty": binary_pair,
    "ROUGE-like Beta(8,2)+noise": rouge_pair,
    "latency-like lognormal": latency_pair,
    "skewed differences Exp(1)-1": skewed_pair,
}


def sign_flip_p(differences: np.ndarray, rng: np.random.Generator, resamples: int) -> float:
    observed = abs(differences.mean())
    signs = rng.choice([-1.0, 1.0], size=(resamples, differences.size))
    permuted = np.abs((signs * differences).mean(axis=1))
    return float((np.count_nonzero(permuted >= observed - 1e-12) + 1) / (resamples + 1))


def type_one_rows(datasets: int, resamples: int, seed: int) -> list[tuple[str, int, float, float, float, float]]:
    """(null, n, paired t rejects, sign-flip rejects, percentile interval excludes 0, old pair disagreeing)."""
    rows = []
    for name, draw in NULL_PAIRS.items():
        for n in (10, 20):
            rng = np.random.default_rng([seed, n, len(rows), 7])
            counts = np.zeros(4)
            for _ in range(datasets):
                a, b = draw(rng, n)
                cases = [f"c{i}" for i in range(n)]
                result = paired_comparison("m", "a", dict(zip(cases, a)), "b", dict(zip(cases, b)))
                differences = a - b
                flip = sign_flip_p(differences, rng, resamples) < 0.05
                low, high = percentile_interval(differences, resamples=resamples) if np.ptp(differences) > 0 else (
                    differences[0], differences[0])
                excludes = low > 0 or high < 0
                counts += [result.p_value < 0.05, flip, excludes, flip != excludes]
            rows.append((name, n, *(counts / datasets)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=int, default=1000, help="simulated datasets per cell")
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples per interval")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    start = time.perf_counter()
    print(f"95% interval coverage, {args.datasets} datasets per cell, {args.resamples} resamples "
          f"(Monte Carlo s.e. about {100 * math.sqrt(0.95 * 0.05 / args.datasets):.1f} points)")
    names = list(MEAN_METHODS)
    print(f"{'population':<22} {'n':>3} " + " ".join(f"{name:>10}" for name in names)
          + "   mean width / t: " + " ".join(f"{name:>10}" for name in names[:-1]))
    rows = coverage_rows(args.datasets, args.resamples, args.seed)
    for name, n, coverage, width in rows:
        print(f"{name:<22} {n:>3} " + " ".join(f"{100 * c:>9.1f}%" for c in coverage)
              + "                   " + " ".join(f"{w:>10.2f}" for w in width[:-1]))
    shortfall = np.mean([np.maximum(0.95 - coverage, 0.0) for _, _, coverage, _ in rows], axis=0)
    print(f"{'mean shortfall below 95%':<26} " + " ".join(f"{100 * s:>9.1f} " for s in shortfall))
    print()
    print(f"Paired test under the null, rejections at 5% ({args.datasets} datasets per cell)")
    print(f"{'null':<28} {'n':>3} {'paired t':>8} {'old sign-flip':>13} {'old pct CI':>10} {'old disagree':>12}")
    for name, n, t, flip, percentile, disagree in type_one_rows(args.datasets, args.resamples, args.seed):
        print(f"{name:<28} {n:>3} {100 * t:>7.1f}% {100 * flip:>12.1f}% {100 * percentile:>9.1f}% "
              f"{100 * disagree:>11.1f}%")
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
