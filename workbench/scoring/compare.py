"""Paired comparisons between the models of one comparison, case by case, on every metric the
registry marks ``paired`` (per-case scores, and the per-case end-to-end latency of the records).

Each test is a paired t-test with its matching t interval (see :mod:`workbench.scoring.stats`);
all the tests of one comparison (every pair of models × every paired metric) are corrected
together with Holm's method, and ``significant`` uses the Holm-adjusted p-value."""

from __future__ import annotations

from dataclasses import asdict
from itertools import combinations
from pathlib import Path
from typing import Any

from workbench.run.files import read_records, read_scores
from workbench.scoring.registry import metrics_where, primary
from workbench.scoring.stats import PairedComparison, paired_comparison, tie_groups, with_holm


def per_case_values(directory: Path) -> dict[str, dict[str, float]]:
    """metric -> case id -> value, from an evaluation's scores and (for latency metrics) its successful records."""
    paired = metrics_where(paired=True)
    values: dict[str, dict[str, float]] = {metric.name: {} for metric in paired}
    for case in read_scores(directory):
        for metric in paired:
            value = case.value(metric.name)
            if value is not None:
                values[metric.name][case.id] = value
    for record in read_records(directory):
        if not record.ok:
            continue
        for metric in paired:
            value = getattr(record, metric.name, None) if metric.kind == "latency" else None
            if isinstance(value, (int, float)):
                values[metric.name][record.case_id] = float(value)
    return values


def paired_comparisons(evaluations: list[tuple[str, Path]]) -> list[PairedComparison]:
    """Every pair of models, every paired metric with at least two shared cases; Holm-adjusted over all of them."""
    values = {model: per_case_values(directory) for model, directory in evaluations}
    results: list[PairedComparison] = []
    for (model_a, _), (model_b, _) in combinations(evaluations, 2):
        for metric in metrics_where(paired=True):
            shared = values[model_a][metric.name].keys() & values[model_b][metric.name].keys()
            if len(shared) >= 2:
                results.append(paired_comparison(metric.name, model_a, values[model_a][metric.name], model_b,
                                                 values[model_b][metric.name]))
    return with_holm(results)


def comparison_dicts(results: list[PairedComparison]) -> list[dict[str, Any]]:
    return [asdict(result) | {"significant": result.significant} for result in results]


def shared_ranks(ordered: list[tuple[str, tuple[float, ...]]], comparisons: list[PairedComparison]) -> dict[str, int]:
    """The rank of each model, with ties: ``ordered`` is (label, ranking key) in ranking order. Models with the
    same failure rate that no Holm-corrected test separates on the primary quality metric share the rank of the
    first of them ("1, 1, 3"); an underpowered comparison (too few shared cases) separates nobody."""
    quality = primary("quality").name
    ranks: dict[str, int] = {}
    position = 1
    blocks: list[list[str]] = []
    for label, key in ordered:
        if blocks and key[:2] == _block_key(ordered, blocks[-1][0]):
            blocks[-1].append(label)
        else:
            blocks.append([label])
    for block in blocks:
        for group in tie_groups(block, comparisons, quality):
            for label in group:
                ranks[label] = position
            position += len(group)
    return ranks


def _block_key(ordered: list[tuple[str, tuple[float, ...]]], label: str) -> tuple[float, ...]:
    """What must be equal for two models to tie: could-not-run and the failure rate (the ranking key's head)."""
    return next(key for name, key in ordered if name == label)[:2]


def rank_label(rank: int, ranks: dict[str, int]) -> str:
    """"2" for a rank of its own, "2=" for a rank shared with another model."""
    return f"{rank}=" if sum(1 for value in ranks.values() if value == rank) > 1 else str(rank)
