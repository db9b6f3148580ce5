"""The leaderboard's array-based tie decisions equal those of the paired comparisons the report makes."""

from __future__ import annotations

import random
from itertools import combinations

from workbench.scoring.compare import (
    PerCaseValues, ranks_given_separations, separated_on_quality, shared_ranks,
)
from workbench.scoring.registry import metrics_where, primary
from workbench.scoring.stats import paired_comparison, separating_pairs, with_holm

QUALITY = primary("quality").name


def _comparisons(evaluations: list[tuple[str, PerCaseValues]]) -> list:
    """Every pair × every paired metric with two shared cases, Holm over all: what ``paired_comparisons`` makes."""
    tests = []
    for (label_a, values_a), (label_b, values_b) in combinations(evaluations, 2):
        for metric in metrics_where(paired=True):
            if len(values_a[metric.name].keys() & values_b[metric.name].keys()) >= 2:
                tests.append(paired_comparison(metric.name, label_a, values_a[metric.name], label_b,
                                               values_b[metric.name]))
    return with_holm(tests)


def _random_group(rng: random.Random, models: int, cases: int) -> list[tuple[str, PerCaseValues]]:
    group = []
    for index in range(models):
        shift = rng.choice([0.0, 0.05, 0.2, 0.5])
        values = {metric.name: {f"case-{case:03d}": round(min(1.0, rng.random() * 0.3 + shift), rng.choice([1, 3, 6]))
                                for case in range(cases) if rng.random() < 0.9}
                  for metric in metrics_where(paired=True)}
        group.append((f"model-{index}", values))
    return group


def test_separated_pairs_equal_those_of_the_holm_corrected_paired_comparisons() -> None:
    rng = random.Random(20261130)
    separated_seen = 0
    for trial in range(40):
        group = _random_group(rng, models=rng.randint(2, 8), cases=rng.randint(1, 30))
        if trial % 5 == 0:
            group.append(("same-as-first", group[0][1]))  # a repeated evaluation: every difference 0
        expected = separating_pairs(_comparisons(group), QUALITY)
        assert separated_on_quality(group) == expected, f"trial {trial}"
        separated_seen += len(expected)
        ordered = [(label, (0.0, 0.0, -float(index))) for index, (label, _) in enumerate(group)]
        assert ranks_given_separations(ordered, expected) == shared_ranks(ordered, _comparisons(group))
    assert separated_seen > 50  # the trials separate pairs as well as tie them


def test_too_few_shared_cases_separate_nobody_and_no_cases_make_no_test() -> None:
    strong = {metric.name: {f"c{case}": 1.0 - case * 0.01 for case in range(9)} for metric in metrics_where(paired=True)}
    weak = {metric.name: {f"c{case}": 0.0 + case * 0.01 for case in range(9)} for metric in metrics_where(paired=True)}
    assert separated_on_quality([("a", strong), ("b", weak)]) == set()  # 9 shared cases: underpowered
    strong[QUALITY]["c9"], weak[QUALITY]["c9"] = 0.95, 0.02
    assert separated_on_quality([("a", strong), ("b", weak)]) == {frozenset(("a", "b"))}
    empty = {metric.name: {} for metric in metrics_where(paired=True)}
    assert separated_on_quality([("a", empty), ("b", empty)]) == set()
    assert separated_on_quality([("a", strong)]) == set()
