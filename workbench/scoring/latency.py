"""Latency figures from generation records (pure functions)."""

from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

from workbench.scoring.stats import bootstrap_mean


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(ordered[low])
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def _present(records: Iterable[dict[str, Any]], name: str) -> list[float]:
    return [float(r[name]) for r in records if r.get(name) is not None]


def failure_rate(records: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    """Share of cases whose generation failed (an error, or a stream cut short), with its 95% interval.
    Failed cases are never scored as summaries; this is where they are counted."""
    estimate = bootstrap_mean([1.0 if record.get("error") else 0.0 for record in records])
    return {"failure_rate": estimate.mean, "failure_rate_ci_low": estimate.ci_low,
            "failure_rate_ci_high": estimate.ci_high}


def output_tokens_per_s(completion_tokens: int | None, e2e_s: float | None) -> float | None:
    """One request's output rate as its user sees it: completion tokens over end-to-end seconds."""
    return completion_tokens / e2e_s if completion_tokens and e2e_s else None


def latency_summary(
    records: Sequence[dict[str, Any]],
    *,
    concurrency: int,
    wall_time_s: float | None = None,
) -> dict[str, Any]:
    """Per-model latency and throughput figures.

    ``records`` are the per-case records of one evaluation. Failed cases are counted
    but carry no timings. ``wall_time_s`` is the duration of the generation phase when
    every record was generated in this invocation; only then are whole-run throughputs
    (``output_throughput_tok_s``, ``request_throughput_req_s``) meaningful.
    """
    ok = [r for r in records if not r.get("error")]
    per_request_rate = [rate for rate in (output_tokens_per_s(r.get("completion_tokens"), r.get("e2e_s")) for r in ok)
                        if rate is not None]
    gaps = [gap for r in ok for gap in (r.get("itl_s") or [])]
    ttft = _present(ok, "ttft_s")
    ttfc = _present(ok, "ttfc_s")
    e2e = _present(ok, "e2e_s")
    tpot = _present(ok, "tpot_s")
    completion = _present(ok, "completion_tokens")
    prompt = _present(ok, "prompt_tokens")
    summary: dict[str, Any] = {
        "cases": len(records),
        "failures": len(records) - len(ok),
        **failure_rate(records),
        "cached": sum(1 for r in records if r.get("cached")),
        "concurrency": concurrency,
    }
    for name, values in (("ttft", ttft), ("ttfc", ttfc), ("tpot", tpot), ("itl", gaps), ("e2e", e2e)):
        for q in (50, 90, 99):
            summary[f"{name}_p{q}_s"] = percentile(values, q)
    summary["e2e_p95_s"] = percentile(e2e, 95)
    summary.update({
        "output_tokens_per_s_p50": percentile(per_request_rate, 50),
        "prompt_tokens_mean": sum(prompt) / len(prompt) if prompt else None,
        "completion_tokens_mean": sum(completion) / len(completion) if completion else None,
        "output_throughput_tok_s": None,
        "request_throughput_req_s": None,
    })
    if wall_time_s and wall_time_s > 0 and summary["cached"] == 0 and ok:
        summary["output_throughput_tok_s"] = sum(completion) / wall_time_s
        summary["request_throughput_req_s"] = len(ok) / wall_time_s
    return summary
