"""Latency figures computed from records."""

from __future__ import annotations

from workbench.scoring.latency import latency_summary, percentile


def test_percentile_interpolates_like_numpy_linear() -> None:
    values = [1.0, 2.0, 3.0, 4.0]
    assert percentile(values, 50) == 2.5
    assert percentile(values, 0) == 1.0 and percentile(values, 100) == 4.0
    assert abs(percentile(values, 95) - 3.85) < 1e-12
    assert percentile([], 50) is None


def test_summary_counts_failures_and_excludes_them_from_timings() -> None:
    records = [
        {"case_id": "a", "error": None, "ttft_s": 0.5, "ttfc_s": 0.6, "e2e_s": 2.0, "tpot_s": 0.1,
         "completion_tokens": 16, "prompt_tokens": 100, "itl_s": [0.1, 0.1], "cached": False},
        {"case_id": "b", "error": None, "ttft_s": 1.5, "ttfc_s": 1.5, "e2e_s": 4.0, "tpot_s": 0.1,
         "completion_tokens": 20, "prompt_tokens": 120, "itl_s": [0.2], "cached": False},
        {"case_id": "c", "error": "timeout", "ttft_s": None, "e2e_s": 60.0, "completion_tokens": 0, "cached": False},
    ]
    summary = latency_summary(records, concurrency=2, wall_time_s=5.0)
    assert summary["cases"] == 3 and summary["failures"] == 1
    assert summary["ttft_p50_s"] == 1.0 and summary["e2e_p50_s"] == 3.0
    assert summary["output_tokens_per_s_p50"] == (16 / 2.0 + 20 / 4.0) / 2
    assert summary["output_throughput_tok_s"] == 36 / 5.0 and summary["request_throughput_req_s"] == 2 / 5.0
    assert summary["concurrency"] == 2
    cached = [dict(r, cached=True) for r in records]
    assert latency_summary(cached, concurrency=1, wall_time_s=5.0)["output_throughput_tok_s"] is None
