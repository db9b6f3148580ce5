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

import numpy as np

from workbench.run.files import read_records, read_scores
from workbench.scoring.registry import metrics_where, primary
from workbench.scoring.stats import (
    ALPHA, MIN_CASES_FOR_RANKING, PairedComparison, groups_not_separated, paired_comparison, separating_pairs,
    t_two_sided_p, with_holm,
)

PerCaseValues = dict[str, dict[str, float]]  # metric -> case id -> value


def per_case_values(directory: Path) -> PerCaseValues:
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


def separated_on_quality(evaluations: list[tuple[str, PerCaseValues]], task: str | None = None) -> set[frozenset[str]]:
    """The pairs of labels that :func:`paired_comparisons` separates on the primary quality metric, decided the same
    way (every pair × every paired metric with at least two shared cases is a paired t-test; Holm over all of them;
    separated when the adjusted p-value is below ALPHA with at least MIN_CASES_FOR_RANKING shared cases) without a
    comparison object per test: a metric's tests are computed a row of pairs at a time over arrays and only their
    p-values kept, so a leaderboard group of hundreds of evaluations (tens of thousands of tests) is decided in
    seconds and remembered as a set of pairs. ``task`` is the set's task, which names the primary quality metric."""
    quality = primary("quality", task).name
    p_rows: list[np.ndarray] = []
    quality_rows: list[tuple[int, int, np.ndarray, np.ndarray]] = []  # (offset, first, others, shared cases)
    offset = 0
    for metric in metrics_where(paired=True):
        matrix = _case_matrix([values[metric.name] for _, values in evaluations])
        for first in range(len(evaluations) - 1):
            others, shared, p_row = _paired_t_row(matrix, first)
            p_rows.append(p_row)
            if metric.name == quality:
                quality_rows.append((offset, first, others, shared))
            offset += p_row.size
    if offset == 0:
        return set()
    rejected = np.zeros(offset, dtype=bool)
    rejected[_holm_rejections(np.concatenate(p_rows))] = True
    labels = [label for label, _ in evaluations]
    separated: set[frozenset[str]] = set()
    for start, first, others, shared in quality_rows:
        for other in others[rejected[start:start + others.size] & (shared >= MIN_CASES_FOR_RANKING)]:
            separated.add(frozenset((labels[first], labels[int(other)])))
    return separated


def _case_matrix(values: list[dict[str, float]]) -> np.ndarray:
    """One row per evaluation, one column per case any of them has a value for (NaN where it has none)."""
    cases = sorted(set().union(*values))
    column = {case: index for index, case in enumerate(cases)}
    matrix = np.full((len(values), len(cases)), np.nan)
    for row, by_case in enumerate(values):
        for case, value in by_case.items():
            matrix[row, column[case]] = value
    return matrix


def _paired_t_row(matrix: np.ndarray, first: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The paired t-tests of row ``first`` against every later row with at least two shared cases: those rows'
    indices, their numbers of shared cases and the two-sided p-values (as :func:`stats.paired_t` computes them)."""
    differences = matrix[first] - matrix[first + 1:]
    present = ~np.isnan(differences)
    shared = present.sum(axis=1)
    tested = shared >= 2
    others = np.flatnonzero(tested) + first + 1
    p_values = np.empty(others.size)
    if others.size == 0:
        return others, shared[tested], p_values
    differences, present, shared = differences[tested], present[tested], shared[tested]
    mean = np.where(present, differences, 0.0).sum(axis=1) / shared
    spread = np.sqrt((np.where(present, differences - mean[:, None], 0.0) ** 2).sum(axis=1) / (shared - 1))
    constant = np.where(present, differences, np.inf).min(axis=1) == np.where(present, differences, -np.inf).max(axis=1)
    for index in range(others.size):
        if spread[index] == 0.0 or constant[index]:
            p_values[index] = 1.0 if mean[index] == 0.0 else 0.0
        else:
            p_values[index] = t_two_sided_p(mean[index] / (spread[index] / np.sqrt(shared[index])),
                                            int(shared[index]) - 1)
    return others, shared, p_values


def _holm_rejections(p_values: np.ndarray) -> np.ndarray:
    """Indices of the tests Holm's step-down method rejects at ALPHA: in ascending order of p, every test before
    the first whose (m - rank) · p reaches ALPHA (:func:`stats.holm`'s adjusted p-value below ALPHA)."""
    order = np.argsort(p_values, kind="stable")
    scaled = (p_values.size - np.arange(p_values.size)) * p_values[order]
    failing = np.flatnonzero(scaled >= ALPHA)
    return order[: failing[0] if failing.size else p_values.size]


def shared_ranks(ordered: list[tuple[str, tuple[float, ...]]], comparisons: list[PairedComparison],
                 task: str | None = None) -> dict[str, int]:
    """The rank of each model, with ties: ``ordered`` is (label, ranking key) in ranking order. Models with the
    same failure rate that no Holm-corrected test separates on the primary quality metric share the rank of the
    first of them ("1, 1, 3"); an underpowered comparison (too few shared cases) separates nobody. ``task`` is the
    set's task, which names the primary quality metric."""
    return ranks_given_separations(ordered, separating_pairs(comparisons, primary("quality", task).name))


def ranks_given_separations(ordered: list[tuple[str, tuple[float, ...]]],
                            separated: set[frozenset[str]]) -> dict[str, int]:
    """:func:`shared_ranks` with the pairs separated on the primary quality metric given
    (:func:`separated_on_quality` or :func:`stats.separating_pairs`)."""
    ranks: dict[str, int] = {}
    position = 1
    blocks: list[list[str]] = []
    for label, key in ordered:
        if blocks and key[:2] == _block_key(ordered, blocks[-1][0]):
            blocks[-1].append(label)
        else:
            blocks.append([label])
    for block in blocks:
        for group in groups_not_separated(block, separated):
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
