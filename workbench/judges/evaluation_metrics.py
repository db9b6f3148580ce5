"""A judge's figures become part of the evaluation it judged: its registry metrics replace those an earlier judge
of the same kind wrote in the model's ``evaluation.json``, so the leaderboard, the report and MLflow read them
like any other score."""

from __future__ import annotations

from workbench.run.files import EvaluationFiles, write_summary
from workbench.scoring.registry import ci_keys, metrics_where


def metric_keys(prefix: str) -> set[str]:
    """Every key the judge metrics named ``<prefix>…`` take in an evaluation's metrics (values and bounds)."""
    return {key for metric in metrics_where(kind="judge") if metric.name.startswith(prefix)
            for key in (metric.name, *ci_keys(metric.name))}


def replace_judge_metrics(evaluation: EvaluationFiles, prefix: str, values: dict[str, float]) -> None:
    """The evaluation's ``<prefix>…`` metrics become ``values`` (an earlier judge's are dropped; empty ``values``
    leave none), written back to its ``evaluation.json``."""
    metrics = {key: value for key, value in evaluation.summary.metrics.items() if key not in metric_keys(prefix)}
    metrics.update(values)
    write_summary(evaluation.directory, evaluation.summary.model_copy(update={"metrics": metrics}))
