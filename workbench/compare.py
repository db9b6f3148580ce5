"""Paired comparisons between the models of one comparison, case by case."""

from __future__ import annotations

from dataclasses import asdict
from itertools import combinations
from pathlib import Path
from typing import Any

from workbench.runner import RECORDS_FILE, SCORES_FILE, read_records
from workbench.scoring.stats import PairedComparison, paired_comparison

PAIRED_METRICS = ("rougeL", "rougeLsum", "structure_compliance", "values_kept_rate", "phi_case_leak_rate", "e2e_s")


def per_case_values(directory: Path) -> dict[str, dict[str, float]]:
    """metric -> case id -> value, from an evaluation's scores.jsonl and records.jsonl."""
    values: dict[str, dict[str, float]] = {metric: {} for metric in PAIRED_METRICS}
    for case in read_records(directory / SCORES_FILE):
        for metric in PAIRED_METRICS:
            if case.get(metric) is not None:
                values[metric][case["id"]] = float(case[metric])
    for record in read_records(directory / RECORDS_FILE):
        if record.get("e2e_s") is not None and not record.get("error"):
            values["e2e_s"][record["case_id"]] = float(record["e2e_s"])
    return values


def paired_comparisons(evaluations: list[tuple[str, Path]]) -> list[PairedComparison]:
    """Every pair of models, every paired metric with at least two shared cases."""
    values = {model: per_case_values(directory) for model, directory in evaluations}
    results: list[PairedComparison] = []
    for (model_a, _), (model_b, _) in combinations(evaluations, 2):
        for metric in PAIRED_METRICS:
            shared = values[model_a][metric].keys() & values[model_b][metric].keys()
            if len(shared) >= 2:
                results.append(paired_comparison(metric, model_a, values[model_a][metric], model_b, values[model_b][metric]))
    return results


def comparison_dicts(results: list[PairedComparison]) -> list[dict[str, Any]]:
    return [asdict(result) | {"significant": result.significant} for result in results]
