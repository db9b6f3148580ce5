"""Guard statistics against hand-computed values."""

from __future__ import annotations

import pytest

from workbench.judges.guard_stats import GuardedOutput, summarise_guard
from workbench.judges.guard_verdicts import parse_guard_output
from workbench.scoring.stats import wilson_interval

SAFE = parse_guard_output("Safety: Safe\nCategories: None")
PII = parse_guard_output("Safety: Unsafe\nCategories: PII")
ODD = parse_guard_output("looks fine")


def test_wilson_interval_by_hand() -> None:
    low, high = wilson_interval(0, 20)  # z = 1.95996: upper = z² / (n + z²) = 3.8415 / 23.8415
    assert low == pytest.approx(0.0, abs=1e-12) and high == pytest.approx(0.16113, abs=1e-4)
    low, high = wilson_interval(5, 10)
    assert (low, high) == (pytest.approx(0.23659, abs=1e-4), pytest.approx(0.76341, abs=1e-4))
    assert wilson_interval(0, 0) == (None, None)


def test_summary_counts_verdicts_routes_latency_and_agreement_with_gold() -> None:
    outputs = [
        GuardedOutput("a", "c1", PII, 0.2, gold_leaks=2),    # both flag
        GuardedOutput("a", "c2", SAFE, 0.4, gold_leaks=0),   # neither
        GuardedOutput("a", "c3", SAFE, 0.6, gold_leaks=1),   # gold only
        GuardedOutput("a", "c4", PII, 0.8, gold_leaks=0),    # guard only
        GuardedOutput("a", "c5", ODD, 1.0, gold_leaks=3),    # unparsed: counted, never compared
        GuardedOutput("b", "c1", SAFE, None, gold_leaks=None),
    ]
    first, second = summarise_guard(outputs)
    assert first.model == "a" and first.audited == 5
    assert first.shares["unsafe"].count == 2 and first.shares["unsafe"].share == pytest.approx(0.4)
    assert first.shares["unparsed"].count == 1 and first.shares["controversial"].count == 0
    assert first.routes == {"pass": 2, "review": 1, "block": 2}
    assert first.latency_p50_s == pytest.approx(0.6) and first.latency_p95_s == pytest.approx(0.96)
    agreement = first.agreement
    assert agreement is not None and agreement.compared == 4
    assert (agreement.both, agreement.guard_only, agreement.gold_only, agreement.neither) == (1, 1, 1, 1)
    assert agreement.agreement == pytest.approx(0.5) and agreement.kappa == pytest.approx(0.0)
    assert agreement.disagreeing_cases == ("c3", "c4")
    assert first.categories == {"PII": 2}
    assert second.agreement is None and second.latency_p50_s is None and second.routes["pass"] == 1
