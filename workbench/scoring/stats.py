"""Uncertainty: bootstrap confidence intervals and paired comparisons between two models.

Cases are the unit of resampling: every aggregate is a mean over cases, so its 95%
interval comes from resampling cases with replacement (percentile method, fixed seed
so the same records give the same interval). Two models scored on the same cases are
compared pairwise: the per-case differences are resampled (paired bootstrap) and a
sign-flip permutation test gives the p-value; the effect size is the mean difference
divided by the standard deviation of the differences (Cohen's d for paired samples).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DEFAULT_RESAMPLES = 2000
DEFAULT_SEED = 20261121


@dataclass(frozen=True)
class Estimate:
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int


def bootstrap_mean(values: list[float], *, resamples: int = DEFAULT_RESAMPLES, confidence: float = 0.95,
                   seed: int = DEFAULT_SEED) -> Estimate:
    """Mean of ``values`` with a percentile-bootstrap confidence interval (None values dropped)."""
    data = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    if data.size == 0:
        return Estimate(None, None, None, 0)
    mean = float(data.mean())
    if data.size == 1:
        return Estimate(mean, mean, mean, 1)
    rng = np.random.default_rng(seed)
    samples = data[rng.integers(0, data.size, size=(resamples, data.size))].mean(axis=1)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(samples, [tail, 1.0 - tail])
    return Estimate(mean, float(low), float(high), int(data.size))


@dataclass(frozen=True)
class PairedComparison:
    metric: str
    model_a: str
    model_b: str
    n: int
    mean_a: float
    mean_b: float
    mean_difference: float  # a - b
    ci_low: float
    ci_high: float
    p_value: float
    effect_size: float | None  # paired Cohen's d

    @property
    def significant(self) -> bool:
        return self.p_value < 0.05


def paired_comparison(metric: str, model_a: str, values_a: dict[str, float], model_b: str, values_b: dict[str, float],
                      *, resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> PairedComparison:
    """Compare two models on the cases both have a value for (keyed by case id)."""
    shared = sorted(k for k in values_a.keys() & values_b.keys() if values_a[k] is not None and values_b[k] is not None)
    if len(shared) < 2:
        raise ValueError(f"{metric}: a paired comparison needs at least 2 shared cases, found {len(shared)}")
    a = np.asarray([values_a[k] for k in shared], dtype=float)
    b = np.asarray([values_b[k] for k in shared], dtype=float)
    differences = a - b
    rng = np.random.default_rng(seed)
    boot = differences[rng.integers(0, differences.size, size=(resamples, differences.size))].mean(axis=1)
    low, high = np.quantile(boot, [0.025, 0.975])
    observed = abs(differences.mean())
    signs = rng.choice([-1.0, 1.0], size=(resamples, differences.size))
    permuted = np.abs((signs * differences).mean(axis=1))
    p_value = float((np.count_nonzero(permuted >= observed - 1e-12) + 1) / (resamples + 1))
    spread = differences.std(ddof=1)
    return PairedComparison(
        metric=metric, model_a=model_a, model_b=model_b, n=len(shared),
        mean_a=float(a.mean()), mean_b=float(b.mean()), mean_difference=float(differences.mean()),
        ci_low=float(low), ci_high=float(high), p_value=p_value,
        effect_size=float(differences.mean() / spread) if spread > 0 else None,
    )
