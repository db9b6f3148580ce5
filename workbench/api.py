"""The workbench in a few calls, for notebooks, the browser UI and the CLI alike.

    from workbench import api
    result = api.evaluate(["smollm2-135m", "gemma3-270m"], "smoke-en", limit=2, max_tokens=64)
    result.table()              # one row per model: scores with CIs, latency
    api.paired(result)          # paired differences between every two models
    report = api.report([result.run_dir])

Every function here composes the modules that do the work (runner, scoring, tracking,
report); none holds logic of its own beyond choosing defaults.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from workbench.privacy import apply_privacy_environment

apply_privacy_environment()

from workbench.compare import paired_comparisons  # noqa: E402
from workbench.evalsets import EvalSet, load_evalset  # noqa: E402
from workbench.models.catalogue import get_model_spec, load_catalogue  # noqa: E402
from workbench.models.spec import ModelSpec  # noqa: E402
from workbench.prompts import PromptError, PromptTemplate, get_prompt, load_prompts  # noqa: E402
from workbench.runner import ComparisonOutcome, RunSettings, run_comparison  # noqa: E402
from workbench.scoring.stats import PairedComparison  # noqa: E402

TABLE_METRICS = ("rougeL", "structure_compliance", "values_kept_rate", "phi_leak_rate")
TABLE_LATENCY = ("ttft_p50_s", "e2e_p50_s", "e2e_p95_s", "output_tokens_per_s_p50")


def resolve_prompt(ref: str, prompts_dir: list[Path] | None = None, *, tracking_uri: str | None = None) -> PromptTemplate:
    """A prompt from the files (``NAME[@VERSION]``) or the MLflow Prompt Registry (``prompts:/NAME/N``, ``prompts:/NAME@ALIAS``)."""
    if ref.startswith("prompts:/"):
        from workbench.tracking import TrackingError, load_prompt_template

        try:
            return load_prompt_template(ref, tracking_uri=tracking_uri)
        except TrackingError as exc:
            raise PromptError(str(exc)) from exc
    return get_prompt(ref, prompts_dir)


def model_specs(names: list[str], *, catalogue: list[Path] | None = None, thinking: bool | None = None,
                max_tokens: int | None = None, seed: int | None = None) -> list[ModelSpec]:
    return [get_model_spec(name, catalogue).with_overrides(thinking=thinking, max_tokens=max_tokens, seed=seed)
            for name in names]


@dataclass
class EvaluationResult:
    """A finished comparison: what ran, where its files are, and where MLflow has it."""

    outcome: ComparisonOutcome
    logged: Any  # workbench.tracking.LoggedComparison, when the run was logged to MLflow
    mlflow_error: str | None

    @property
    def mlflow_parent_run_id(self) -> str | None:
        return self.logged.parent_run_id if self.logged is not None else None

    @property
    def run_dir(self) -> Path:
        return self.outcome.directory

    @property
    def run_id(self) -> str:
        return self.outcome.run_id

    @property
    def errors(self) -> dict[str, str]:
        return {e.model: e.error for e in self.outcome.evaluations if e.error}

    def rows(self) -> list[dict[str, Any]]:
        """One dict per model: cases, failures, scores with their 95% CI, latency percentiles."""
        rows = []
        for evaluation in self.outcome.evaluations:
            m = evaluation.metrics
            row: dict[str, Any] = {"model": evaluation.model, "cases": m.get("cases"), "failures": m.get("failures"),
                                   "cached": m.get("cached")}
            for metric in TABLE_METRICS:
                row[metric] = m.get(metric)
                row[f"{metric}_ci"] = (m.get(f"{metric}_ci_low"), m.get(f"{metric}_ci_high"))
            for metric in TABLE_LATENCY:
                row[metric] = m.get(metric)
            row["error"] = evaluation.error
            rows.append(row)
        return rows

    def table(self) -> Any:
        """:meth:`rows` as a pandas DataFrame (for notebooks)."""
        import pandas as pd

        return pd.DataFrame(self.rows()).set_index("model")


def evaluate(
    models: list[str],
    evalset: str | EvalSet,
    *,
    prompt: str | PromptTemplate | None = None,
    limit: int | None = None,
    max_tokens: int | None = None,
    seed: int | None = None,
    thinking: bool | None = None,
    concurrency: int = 1,
    warmup: int = 0,
    detect_phi: bool = False,
    use_cache: bool = True,
    runs_dir: Path | None = None,
    log_to_mlflow: bool = True,
    tracking_uri: str | None = None,
    experiment: str | None = None,
    store_outputs: str = "as-is",
    allow_remote_endpoint: bool = False,
    show_progress: bool = True,
    catalogue: list[Path] | None = None,
    prompts_dir: list[Path] | None = None,
    cancel: threading.Event | None = None,
    on_record: Callable[[dict[str, Any]], None] | None = None,
) -> EvaluationResult:
    """Run ``models`` over the same cases with the same prompt version, score, and log to MLflow.

    The run directory is complete before MLflow is touched; if logging fails the error is
    returned in ``mlflow_error`` and ``workbench track RUN_DIR`` can log it later.
    """
    dataset = load_evalset(evalset) if isinstance(evalset, str) else evalset
    if isinstance(prompt, PromptTemplate):
        template = prompt
    else:
        template = resolve_prompt(prompt or dataset.manifest.default_prompt, prompts_dir, tracking_uri=tracking_uri)
    specs = model_specs(models, catalogue=catalogue, thinking=thinking, max_tokens=max_tokens, seed=seed)
    settings = RunSettings(concurrency=concurrency, limit=limit, warmup=warmup, use_cache=use_cache,
                           allow_remote_endpoint=allow_remote_endpoint, show_progress=show_progress,
                           detect_phi=detect_phi)
    if runs_dir is not None:
        settings.runs_dir = Path(runs_dir)
    outcome = run_comparison(specs, template, dataset, settings, cancel=cancel, on_record=on_record)
    logged, error = None, None
    cancelled = cancel is not None and cancel.is_set()
    if log_to_mlflow and outcome.evaluations and not cancelled:
        try:
            from workbench.tracking import log_comparison

            logged = log_comparison(outcome.directory, tracking_uri=tracking_uri, experiment=experiment,
                                    store_outputs=store_outputs, prompts_dir=prompts_dir)  # type: ignore[arg-type]
        except Exception as exc:  # the run is complete on disk
            error = f"{type(exc).__name__}: {exc}"
    return EvaluationResult(outcome=outcome, logged=logged, mlflow_error=error)


def paired_for(outcome: ComparisonOutcome) -> list[PairedComparison]:
    """Paired bootstrap CIs and permutation tests between every two models of a comparison that finished."""
    usable = [(e.model, e.directory) for e in outcome.evaluations if not e.error and e.records]
    return paired_comparisons(usable) if len(usable) >= 2 else []


def paired(result: EvaluationResult) -> list[PairedComparison]:
    """Paired bootstrap CIs and permutation tests between every two models that finished."""
    return paired_for(result.outcome)


def report(run_dirs: list[Path], thresholds: Path | None = None, out_dir: Path | None = None) -> Any:
    """The committee's model-selection report; with ``out_dir`` also written as HTML and markdown."""
    from workbench.report import build_report, load_thresholds, write_report

    built = build_report([Path(p) for p in run_dirs], load_thresholds(thresholds) if thresholds else None)
    if out_dir is not None:
        write_report(built, Path(out_dir))
    return built


__all__ = [
    "EvaluationResult", "evaluate", "load_catalogue", "load_evalset", "load_prompts", "model_specs", "paired",
    "report", "resolve_prompt",
]
