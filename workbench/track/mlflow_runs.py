"""A finished run directory becomes MLflow runs.

``log_comparison(run_dir)`` reads what ``workbench run`` left on disk and logs one parent
run for the comparison with one nested child run per model: generation settings and
provenance as params, the point estimate of every metric of the metric registry as a
metric, the per-case table (``cases.json``), the evaluation set as a run input and
``evaluation.json`` as an artifact. The prompt version is registered once in the MLflow
Prompt Registry and every run names it as ``prompts:/<name>/<registry version>``.

Intervals are not metrics (two more charts per metric, which no chart can pair with the
value): each child run holds every 95% interval in the artifact ``intervals.json``
(metric → estimate, low, high, method, n) and, for each headline metric, a param
``ci.<metric>`` such as ``0.412 [0.301, 0.520]``. Runs logged before kept them as the
metrics ``<metric>_ci_low``/``<metric>_ci_high``; :func:`logged_intervals` and the
leaderboard read both.

The parent run spans the comparison as the run files record it (:func:`run_windows`), is
FAILED when a model failed or has no evaluation (tagged ``workbench.failed_models`` and
``workbench.missing_models``), and carries each model's ranking metrics as
``<metric>/<model>`` with the order of the one ranking rule as tags.

Each case of each model is also an MLflow trace on its model run, with every per-case score as an
assessment, and the evaluation set an MLflow evaluation dataset of the experiment, linked to the parent
run as an input (:mod:`workbench.track.mlflow_traces`).

Per-case outputs, in the table and in the traces, are stored as ``store_outputs`` says (as-is, redacted
or hashed: :func:`workbench.track.mlflow_traces.stored_text`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from workbench.track.store import (
    TrackingError, checked_tracking_uri, client_for, ensure_experiment, retried_on_store_conflict,
    tracking_uri_scope,
)

import mlflow  # noqa: E402  (after workbench.track.store switched telemetry off)
from mlflow import MlflowClient  # noqa: E402
from mlflow.data.dataset_source import DatasetSource  # noqa: E402
from mlflow.data.dataset_source_registry import register_dataset_source  # noqa: E402
from mlflow.data.pandas_dataset import from_pandas  # noqa: E402
from mlflow.entities import Metric as MlflowMetric  # noqa: E402
from mlflow.entities import RunStatus  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402

import workbench  # noqa: E402
from workbench.data.evalsets import Case, EvalSet, EvalSetError, load_evalset  # noqa: E402
from workbench.data.prompts import PromptError, PromptTemplate, get_prompt  # noqa: E402
from workbench.privacy.redaction import (  # noqa: E402
    OUTPUT_STORAGE_CHOICES, OutputStorage, gold_phi, stored_phi_items,
)
from workbench.run.files import (  # noqa: E402
    EVALUATION_FILE, NOT_RECORDED, RUN_FILE, EvaluationFiles, EvaluationSummary, GenerationRecord, RunDirectoryError,
    RunFiles, RunManifest, guard_verdicts_by_case, judge_verdicts_by_case, model_directory, read_records, read_run_dir,
)
from workbench.scoring.compare import paired_comparisons, rank_label, shared_ranks  # noqa: E402
from workbench.scoring.registry import (  # noqa: E402
    Metric, all_metrics, ci_keys, flat_metrics, format_with_ci, label_key, metrics_where, number,
    per_label, ranking, ranking_key, ranking_rule_text, value_of,
)
from workbench.scoring.stats import CONFIDENCE, DEFAULT_RESAMPLES  # noqa: E402
from workbench.track.mlflow_traces import (  # noqa: E402
    TraceLinks, dataset_records, log_case_traces, log_evaluation_dataset, stored_text, synchronous_trace_export,
)
from workbench.track.prompt_registry import (  # noqa: E402
    find_registered_prompt, get_prompt_version, register_prompt_version,
)

DEFAULT_EXPERIMENT = "workbench"
CASES_TABLE = "cases.json"
INTERVALS_FILE = "intervals.json"
CI_PARAM_PREFIX = "ci."  # param ``ci.<metric>``: a headline metric's value and interval as a reader writes it
# generation_settings keys logged under another name: "model" is taken by the catalogue name.
SETTING_PARAM_NAMES = {"model": "spec.model"}
FLATTENED_SETTINGS = ("sampling",)
BACKEND_INFO_PARAMS = {"backend": "backend", "backend_version": "backend_version", "model_id": "backend_model_id",
                       "resolved_revision": "resolved_revision", "file_sha256": "file_sha256", "device": "device",
                       "max_concurrency": "backend_max_concurrency", "details": "backend_details"}
MAX_PARAM_VALUE = 6000  # MLflow's limit on a param value
MAX_DATASET_DIGEST = 36  # MLflow's limit on a dataset digest

_logger = logging.getLogger(__name__)


@dataclass
class LoggedComparison:
    parent_run_id: str
    experiment_id: str
    child_run_ids: dict[str, str]
    prompt_uri: str
    tracking_uri: str
    missing_models: list[str] = field(default_factory=list)


# --- reading a run directory --------------------------------------------------------------


def read_run(run_dir: Path) -> RunFiles:
    """The run directory's files; a run where no model finished cannot be logged."""
    try:
        run = read_run_dir(run_dir)
    except RunDirectoryError as exc:
        raise TrackingError(str(exc)) from exc
    if not run.evaluations:
        raise TrackingError(f"{run_dir}: no model has an {EVALUATION_FILE}; is the run finished?")
    return run


def _run_evalset(run: RunManifest) -> EvalSet | None:
    """The evaluation set of the run (its first ``limit`` cases) if it can still be found."""
    try:
        evalset = load_evalset(run.evalset).head(run.limit)
    except (EvalSetError, OSError):
        return None
    return evalset


# --- params and metrics -------------------------------------------------------------------


def param_value(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True) if isinstance(value, (dict, list, tuple)) else str(value)
    return text if len(text) <= MAX_PARAM_VALUE else text[: MAX_PARAM_VALUE - 1] + "…"


def generation_params(settings: dict[str, Any]) -> dict[str, str]:
    """Generation settings as params: ``sampling`` flattened to ``sampling.<key>``, containers as JSON."""
    params: dict[str, str] = {}
    for key, value in settings.items():
        if key in FLATTENED_SETTINGS and isinstance(value, dict):
            for inner, inner_value in value.items():
                params[f"{key}.{inner}"] = param_value(inner_value)
        else:
            params[SETTING_PARAM_NAMES.get(key, key)] = param_value(value)
    return params


def git_commit(directory: Path | None = None) -> str:
    """``git rev-parse HEAD`` of the workbench checkout, or "unknown" (an installed package, no git)."""
    project = directory or Path(workbench.__file__).resolve().parent.parent
    if not ((project / ".git").exists() and (project / "pyproject.toml").is_file()):
        return "unknown"
    try:
        completed = subprocess.run(["git", "-C", str(project), "rev-parse", "HEAD"], capture_output=True,
                                   text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = completed.stdout.strip()
    return commit if completed.returncode == 0 and commit else "unknown"


def evaluation_params(summary: EvaluationSummary, *, prompt_uri: str, output_storage: str,
                      commit: str) -> dict[str, str]:
    prompt_name, _, prompt_version = summary.prompt.partition("@")
    params: dict[str, Any] = {"model": summary.model, **generation_params(summary.generation_settings)}
    for key, name in BACKEND_INFO_PARAMS.items():
        params[name] = param_value((summary.backend_info or {}).get(key))
    params.update({
        "prompt": summary.prompt,
        "prompt_name": prompt_name,
        "prompt_version": prompt_version,
        "prompt_hash": summary.prompt_hash,
        "prompt_uri": prompt_uri,
        "evalset": summary.evalset,
        "evalset_version": summary.evalset_version,
        "evalset_hash": summary.evalset_hash,
        "evalset_cases": summary.evalset_cases,
        TASK_PARAM: summary.task or NOT_RECORDED,
        "requested_concurrency": summary.requested_concurrency,
        "effective_concurrency": summary.effective_concurrency,
        "workbench_version": summary.workbench_version,
        "run_file_schema": summary.schema_version,
        "rouge_scheme": summary.rouge_scheme or NOT_RECORDED,
        "git_commit": commit,
        "output_storage": output_storage,
        **long_record_params(summary.long_records),
    })
    return {key: param_value(value) for key, value in params.items()}


TASK_PARAM = "evalset_task"  # the set's task, which names the ranking rule's quality metric
LONG_RECORDS_PARAM = "long_records"  # params ``long_records.<setting>``: what a run did with records over the context


def long_record_params(settings: dict[str, Any] | None) -> dict[str, Any]:
    """``long_records.strategy`` (and its chunk settings) as params; "not recorded" for a run from before."""
    if settings is None:
        return {f"{LONG_RECORDS_PARAM}.strategy": NOT_RECORDED}
    return {f"{LONG_RECORDS_PARAM}.{key}": value for key, value in settings.items()}


_METRIC_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_\-. /]")


def metric_key(name: str) -> str:
    """``name`` with the characters MLflow refuses in a metric key replaced by ``_``."""
    return _METRIC_KEY_UNSAFE.sub("_", name)


def _interval_metrics(metrics: dict[str, Any]) -> list[tuple[str, Metric]]:
    """(key, declaration) of every value that carries an interval: each ``interval`` metric and, for a
    ``by_label`` metric, each of its per-label values."""
    found = []
    for item in all_metrics():
        if item.interval:
            found.append((item.name, item))
        if item.by_label:
            found += [(label_key(item.name, label), item) for label in per_label(metrics, item.name)]
    return found


def numeric_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """The point estimate of every registered metric the evaluation reports, and its per-label values, as MLflow
    metrics: the headline metrics first, then the others, each in the registry's order. Interval bounds are left
    out (see :func:`interval_table` and :func:`interval_params`)."""
    bounds = {bound for key, _ in _interval_metrics(metrics) for bound in ci_keys(key)}
    values = {key: value for key, value in flat_metrics(metrics).items() if key not in bounds}
    headline = [item.name for item in metrics_where(headline=True) if item.name in values]
    ordered = headline + [key for key in values if key not in headline]
    return {metric_key(key): values[key] for key in ordered}


def interval_method(item: Metric) -> str:
    """How the interval of ``item`` is computed (``workbench.scoring.stats``), in words."""
    statistic = "ratio of sums" if item.aggregation == "ratio" else "mean"
    return (f"{CONFIDENCE:.0%} BCa bootstrap interval of the {statistic} over cases ({DEFAULT_RESAMPLES} resamples, "
            "small-sample t expansion)")


def interval_cases(item: Metric, files: EvaluationFiles) -> int:
    """The cases the interval of ``item`` resamples: the cases with a per-case value (a mean), the scored cases
    (a ratio of sums), or every case with a record (a figure of the run such as the failure rate)."""
    if item.aggregation == "mean":
        return sum(1 for score in files.scores if score.value(item.name) is not None)
    return len(files.scores) if item.aggregation == "ratio" else len(files.records)


def interval_table(files: EvaluationFiles) -> dict[str, dict[str, Any]]:
    """``intervals.json``: metric → {estimate, low, high, method, n} for every value of the evaluation that has an
    estimate and carries an interval (a bound is None where the evaluation has none)."""
    metrics = files.summary.metrics
    table: dict[str, dict[str, Any]] = {}
    for key, item in _interval_metrics(metrics):
        estimate = value_of(metrics, key)
        if estimate is None:
            continue
        low, high = (number(metrics.get(bound)) for bound in ci_keys(key))
        table[key] = {"estimate": estimate, "low": low, "high": high, "method": interval_method(item),
                      "n": interval_cases(item, files)}
    return table


def interval_params(metrics: dict[str, Any]) -> dict[str, str]:
    """``ci.<metric>`` = "0.412 [0.301, 0.520]" for each headline metric with an interval, as the tables show it."""
    params = {}
    for item in metrics_where(headline=True):
        low, high = (number(metrics.get(bound)) for bound in ci_keys(item.name))
        if item.interval and value_of(metrics, item.name) is not None and low is not None and high is not None:
            params[CI_PARAM_PREFIX + item.name] = format_with_ci(metrics, item.name)
    return params


_CI_PARAM_VALUE = re.compile(r"\s*(\S+)\s*\[\s*([^,\s]+)\s*,\s*([^\]\s]+)\s*\]\s*")


def intervals_from_params(params: dict[str, str]) -> dict[str, float]:
    """The interval bounds written by :func:`interval_params`, as the flat keys ``<metric>_ci_low``/``_ci_high``
    that :func:`workbench.scoring.registry.interval_of` reads (rounded as the param shows them); a value that does
    not parse is left out."""
    bounds: dict[str, float] = {}
    for name, text in params.items():
        match = _CI_PARAM_VALUE.fullmatch(text) if name.startswith(CI_PARAM_PREFIX) else None
        if match is None:
            continue
        try:
            low, high = float(match.group(2)), float(match.group(3))
        except ValueError:
            continue
        low_key, high_key = ci_keys(name.removeprefix(CI_PARAM_PREFIX))
        bounds[low_key], bounds[high_key] = low, high
    return bounds


# --- when the comparison ran -------------------------------------------------------------


@dataclass(frozen=True)
class TimeWindow:
    """When something ran, in epoch milliseconds (what MLflow's start and end times are)."""

    start_ms: int
    end_ms: int

    @property
    def duration_s(self) -> float:
        return (self.end_ms - self.start_ms) / 1000.0


def iso_epoch_ms(text: str, where: str) -> int:
    """An ISO 8601 time written by the runner (UTC when it names no zone) as epoch milliseconds."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise TrackingError(f"{where}: not an ISO 8601 time: {text!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(round(moment.timestamp() * 1000))


def records_end_ms(records: list[GenerationRecord]) -> int | None:
    """When the last generated request ended (``started_at`` + ``e2e_s``); cached records are left out, as they
    carry the times of an earlier generation. None when no record has a time."""
    ends = [record.started_at + (record.e2e_s or 0.0) for record in records
            if not record.cached and record.started_at is not None]
    return int(round(max(ends) * 1000)) if ends else None


def evaluation_end_ms(files: EvaluationFiles) -> int:
    """When the evaluation ended: ``finished_at`` of ``evaluation.json``, written once the model's last case was
    generated and scored, so later than any record's end, which leaves out scoring. A file that does not record
    it: the file's modification time."""
    summary = files.summary
    path = files.directory / EVALUATION_FILE
    if "finished_at" in summary.model_fields_set:
        return iso_epoch_ms(summary.finished_at, f"{path}: finished_at")
    return int(round(path.stat().st_mtime * 1000))


def run_windows(files: RunFiles) -> tuple[TimeWindow, dict[str, TimeWindow]]:
    """When the comparison ran, and when each finished model's evaluation ran.

    The comparison starts at ``created_at`` of ``run.json`` (written before the first model is loaded) and ends
    with the last evaluation (:func:`evaluation_end_ms`; for a model that never finished, the end of its last
    generated request, :func:`records_end_ms`). The runner evaluates the models one after the other in the order
    of ``run.json``, so an evaluation starts where the one before it ended (the first at ``created_at``): its
    window holds loading, warm-up, generation and scoring. An end before its start (a clock set back) is moved to
    the start.
    """
    start = iso_epoch_ms(files.manifest.created_at, f"{files.directory / RUN_FILE}: created_at")
    finished = {evaluation.model: evaluation for evaluation in files.evaluations}
    windows: dict[str, TimeWindow] = {}
    previous_end = start
    for model in files.manifest.models:
        if model in finished:
            end = max(evaluation_end_ms(finished[model]), previous_end)
            windows[model] = TimeWindow(previous_end, end)
        else:
            try:
                recorded = records_end_ms(read_records(model_directory(files.directory, model)))
            except RunDirectoryError:
                recorded = None
            end = max(recorded or previous_end, previous_end)
        previous_end = end
    return TimeWindow(start, previous_end), windows


# --- the comparison's summary on the parent run ------------------------------------------


def summary_metric_names(task: str | None = None) -> list[str]:
    """The metrics the parent run carries for each model: those of the ranking rule of the set's ``task``."""
    return list(ranking(task))


def comparison_metrics(evaluations: list[EvaluationFiles]) -> dict[str, float]:
    """``<metric>/<model>`` for each model and each of :func:`summary_metric_names`. Metric first: MLflow sorts a
    run's metrics by key and groups its charts by the part before the first "/", so every model's value of one
    metric sits together, which is what a reader compares."""
    found = {}
    for files in evaluations:
        for name in summary_metric_names(files.summary.task):
            value = value_of(files.summary.metrics, name)
            if value is not None:
                found[metric_key(f"{name}/{files.model}")] = value
    return found


def comparison_ranking(evaluations: list[EvaluationFiles]) -> list[tuple[str, str]]:
    """(model, rank) in the order of the one ranking rule (``ranking_key``), with the leaderboard's ties: models
    that no Holm-corrected paired test separates share a rank ("2="). Read from the run files alone."""
    task = comparison_task(evaluations)
    ordered = sorted(evaluations, key=lambda files: (ranking_key(files.summary.metrics, failed=bool(files.summary.error),
                                                                 task=task), files.model))
    keys = [(files.model, ranking_key(files.summary.metrics, failed=bool(files.summary.error), task=task))
            for files in ordered]
    scored = [(files.model, files.directory) for files in ordered if not files.summary.error]
    ranks = shared_ranks(keys, paired_comparisons(scored) if len(scored) >= 2 else [], task)
    return [(model, rank_label(ranks[model], ranks)) for model, _ in keys]


def failed_models(statuses: dict[str, str]) -> list[str]:
    """The models whose evaluation run ended FAILED (the model could not run, or some of its cases failed)."""
    return [model for model, status in statuses.items() if status != RunStatus.to_string(RunStatus.FINISHED)]


def comparison_task(evaluations: list[EvaluationFiles]) -> str | None:
    """The task of a comparison's set (one set per comparison; None for files written before it was recorded)."""
    return evaluations[0].summary.task if evaluations else None


def comparison_note(ranking: list[tuple[str, str]], failed: list[str], missing: list[str],
                    task: str | None = None) -> str:
    """The parent run's description: the order of the ranking rule and the models that failed or are missing."""
    lines = [f"Ranking ({ranking_rule_text(task)}): " + ", ".join(f"{rank} {model}" for model, rank in ranking)
             + ". The model-selection report applies the gates and makes the recommendation."]
    if failed:
        lines.append("Failed (the model could not run, or some cases failed; see each run's tags): "
                     + ", ".join(failed) + ".")
    if missing:
        lines.append("No evaluation (interrupted before it finished): " + ", ".join(missing) + ".")
    return "\n\n".join(lines)


# --- the per-case table ------------------------------------------------------------------


def _cases_by_id(evalset: EvalSet | None, records: list[GenerationRecord], storage: OutputStorage) -> dict[str, Case]:
    if storage != "redacted":
        return {}
    if evalset is None:
        raise TrackingError("store_outputs='redacted' needs the run's evaluation set to find the gold PHI, "
                            "and it cannot be loaded here")
    cases = {case.id: case for case in evalset.cases}
    for record in records:
        case = cases.get(record.case_id)
        if case is None or record.case_hash != case.content_hash():
            raise TrackingError(f"case {record.case_id!r} of evalset {evalset.name} changed since the run; "
                                "its gold PHI cannot be trusted for redaction")
    return cases


def case_rows(files: EvaluationFiles, *, storage: OutputStorage, evalset: EvalSet | None) -> list[dict[str, Any]]:
    """One row per case: the record joined with its scores (every registered per-case metric), outputs
    stored as ``storage`` says."""
    scores = files.scores_by_case()
    cases = _cases_by_id(evalset, files.records, storage)
    per_case = [metric.name for metric in metrics_where(aggregation="mean")]
    rows = []
    for record in files.records_in_order():
        score = scores.get(record.case_id)
        phi = gold_phi(cases[record.case_id]) if storage == "redacted" else []
        output, reasoning = stored_text(record.output, storage, phi), stored_text(record.reasoning, storage, phi)
        rows.append({
            "case_id": record.case_id,
            "model": files.model,
            "output": output,
            "reasoning": reasoning,
            **{name: score.value(name) if score else None for name in per_case
               if score is not None and score.get(name) is not None},
            "phi_leaked": json.dumps(stored_phi_items(score.phi_leaked if score else [], storage), ensure_ascii=False),
            "plausibility_flags": json.dumps(score.plausibility_flags if score else [], ensure_ascii=False),
            "ttft_s": record.ttft_s, "ttfc_s": record.ttfc_s, "e2e_s": record.e2e_s,
            "prompt_tokens": record.prompt_tokens, "completion_tokens": record.completion_tokens,
            "long_record": record.long_record.applied if record.long_record is not None else None,
            "chunk_calls": len(record.chunks),
            "error": record.error,
            "cached": record.cached,
        })
    return rows


# --- the evaluation set as a run input ---------------------------------------------------


class WorkbenchEvalsetSource(DatasetSource):
    """Where a run's cases came from: a workbench evaluation set, pinned by its content hash."""

    def __init__(self, name: str, version: str, content_hash: str, location: str | None = None) -> None:
        self.name, self.version, self.content_hash, self.location = name, version, content_hash, location

    @staticmethod
    def _get_source_type() -> str:
        return "workbench_evalset"

    def load(self, **kwargs: Any) -> EvalSet:
        evalset = load_evalset(self.location or self.name)
        if evalset.content_hash() != self.content_hash:
            raise TrackingError(f"evalset {self.name}: content hash is now {evalset.content_hash()}, "
                                f"the run used {self.content_hash}")
        return evalset

    @staticmethod
    def _can_resolve(raw_source: Any) -> bool:
        return False

    @classmethod
    def _resolve(cls, raw_source: Any) -> WorkbenchEvalsetSource:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        return {"evalset": self.name, "version": self.version, "content_hash": self.content_hash,
                "location": self.location}

    @classmethod
    def from_dict(cls, source_dict: dict[Any, Any]) -> WorkbenchEvalsetSource:
        return cls(name=source_dict["evalset"], version=str(source_dict.get("version", "")),
                   content_hash=source_dict["content_hash"], location=source_dict.get("location"))


register_dataset_source(WorkbenchEvalsetSource)  # type: ignore[arg-type]  # MLflow takes the class


def evalset_digest(content_hash: str) -> str:
    """The evalset hash cut to MLflow's 36-character digest (the full hash is in the source)."""
    return content_hash.removeprefix("sha256:")[:MAX_DATASET_DIGEST]


def _log_evalset_input(summary: EvaluationSummary, records: list[GenerationRecord], evalset: EvalSet | None) -> None:
    """The cases as a run input: ids and case hashes only, never the notes themselves."""
    import pandas as pd

    frame = pd.DataFrame([{"case_id": r.case_id, "case_hash": r.case_hash} for r in records],
                         columns=["case_id", "case_hash"])
    location = str(evalset.directory) if evalset is not None and evalset.directory is not None else None
    source = WorkbenchEvalsetSource(summary.evalset, summary.evalset_version, summary.evalset_hash, location)
    dataset = from_pandas(frame, source=source, name=summary.evalset, digest=evalset_digest(summary.evalset_hash))
    tags = {"workbench.evalset_hash": summary.evalset_hash, "workbench.evalset_version": summary.evalset_version}
    # Two writers logging the same set to a fresh store at once can both insert it: the second try finds it.
    retried_on_store_conflict(lambda: mlflow.log_input(dataset, context="evaluation", tags=tags),
                              what=f"logging evaluation set {summary.evalset} as a run input")


# --- logging ------------------------------------------------------------------------------


def _log_traces(files: EvaluationFiles, *, run_id: str, experiment_id: str, workbench_run_id: str,
                storage: OutputStorage, evalset: EvalSet | None) -> None:
    """Every case of the evaluation as a trace of run ``run_id``, with its scores as assessments; the run is
    tagged ``workbench.traces`` with their number."""
    summary = files.summary
    links = TraceLinks(experiment_id=experiment_id, model_run_id=run_id, model=files.model,
                       workbench_run_id=workbench_run_id, evalset=summary.evalset,
                       evalset_version=summary.evalset_version, evalset_hash=summary.evalset_hash,
                       prompt=summary.prompt, storage=storage)
    cases = _cases_by_id(evalset, files.records, storage)
    phi = {case_id: gold_phi(case) for case_id, case in cases.items()}
    trace_ids = log_case_traces(files.records, files.scores_by_case(), links, phi,
                                guard_verdicts_by_case(files.directory), judge_verdicts_by_case(files.directory))
    mlflow.set_tag("workbench.traces", str(len(trace_ids)))


def _log_evaluation(files: EvaluationFiles, *, experiment_id: str, parent_run_id: str, window: TimeWindow,
                    prompt_uri: str, storage: OutputStorage, commit: str, evalset: EvalSet | None,
                    workbench_run_id: str, log_traces: bool) -> tuple[str, str]:
    """One model's evaluation as a run nested under ``parent_run_id``, spanning ``window``; its run id and the
    status it ended with (FAILED when the model could not run or some of its cases failed). With
    ``log_traces``, each case is also a trace of the run (:func:`_log_traces`)."""
    summary = files.summary
    error = summary.error
    tags = {"workbench.kind": "evaluation", "model": files.model, "mlflow.parentRunId": parent_run_id}
    if error:
        tags["error"] = str(error)[:5000]
    failed_cases = [record.case_id for record in files.records if not record.ok]
    if failed_cases:  # the run shows as failed in MLflow, with the cases named
        tags["workbench.failed_cases"] = ",".join(failed_cases)[:5000]
    client = MlflowClient()
    run_id = client.create_run(experiment_id, start_time=window.start_ms, tags=tags, run_name=files.model).info.run_id
    status = RunStatus.to_string(RunStatus.FAILED)
    mlflow.start_run(run_id=run_id, nested=True)
    try:
        mlflow.log_params({**evaluation_params(summary, prompt_uri=prompt_uri, output_storage=storage, commit=commit),
                           **interval_params(summary.metrics)})
        mlflow.log_metrics(numeric_metrics(summary.metrics))
        mlflow.log_dict(interval_table(files), INTERVALS_FILE)
        _log_system_samples(summary.system_samples, start_ms=sampling_start_ms(files, window))
        rows = case_rows(files, storage=storage, evalset=evalset)
        if rows:
            import pandas as pd

            mlflow.log_table(pd.DataFrame(rows), artifact_file=CASES_TABLE)
        _log_evalset_input(summary, files.records, evalset)
        mlflow.log_artifact(str(files.directory / EVALUATION_FILE))
        _link_prompt(run_id, prompt_uri)
        if log_traces:
            _log_traces(files, run_id=run_id, experiment_id=experiment_id, workbench_run_id=workbench_run_id,
                        storage=storage, evalset=evalset)
        if not error and not failed_cases:
            status = RunStatus.to_string(RunStatus.FINISHED)
    finally:
        mlflow.end_run(status=status)
        client.set_terminated(run_id, status, end_time=window.end_ms)
    return run_id, status


MAX_METRICS_PER_BATCH = 1000  # MLflow's limit on the metrics of one log_batch call
MAX_SYSTEM_POINTS = 300  # points per system series in MLflow's charts; the full series stays in evaluation.json


def chart_sample_indices(count: int, max_points: int = MAX_SYSTEM_POINTS) -> list[int]:
    """Which of ``count`` samples go to MLflow's metric history: all of them up to ``max_points``, else
    ``max_points`` evenly spaced ones, the first and the last included. The series' mean and maximum are
    computed from every sample (the ``system_*_mean``/``_max`` metrics), so thinning the chart hides no peak
    from the figures, and the full series is in the logged ``evaluation.json``."""
    if count <= max_points:
        return list(range(count))
    return sorted({round(point * (count - 1) / (max_points - 1)) for point in range(max_points)})


def sampling_start_ms(files: EvaluationFiles, window: TimeWindow) -> int:
    """When system sampling began, in epoch milliseconds: the sampler starts as generation starts, so the start
    of the first generated request (cached records carry an earlier generation's time), else the evaluation's
    window start."""
    starts = [record.started_at for record in files.records if not record.cached and record.started_at is not None]
    return int(round(min(starts) * 1000)) if starts else window.start_ms


def system_sample_metrics(samples: list[dict[str, Any]], *, start_ms: int) -> list[MlflowMetric]:
    """The values of the samples :func:`chart_sample_indices` picks, as MLflow metrics ``system/<name>``: step =
    the sample's index, timestamp = when it was taken (``start_ms`` plus its ``elapsed_s``; ``start_ms`` for a
    sample without one)."""
    metrics = []
    for step in chart_sample_indices(len(samples)):
        sample = samples[step]
        elapsed_s = sample.get("elapsed_s")
        timestamp = start_ms + int(round(float(elapsed_s) * 1000)) if isinstance(elapsed_s, (int, float)) else start_ms
        for name, value in sample.items():
            if name != "elapsed_s" and isinstance(value, (int, float)) and not isinstance(value, bool):
                metrics.append(MlflowMetric(f"system/{name}", float(value), timestamp, step))
    return metrics


def _log_system_samples(samples: list[dict[str, Any]], *, start_ms: int) -> None:
    """CPU, memory and GPU memory sampled during generation, as metric histories of the active run (step =
    sample, timestamp = when it was taken; at most :data:`MAX_SYSTEM_POINTS` points a series), logged with
    ``log_batch`` in chunks of :data:`MAX_METRICS_PER_BATCH` metrics, so the cost does not grow with how long
    generation ran."""
    run = mlflow.active_run()
    metrics = system_sample_metrics(samples, start_ms=start_ms)
    if run is None or not metrics:
        return
    client = MlflowClient()
    for first in range(0, len(metrics), MAX_METRICS_PER_BATCH):
        client.log_batch(run.info.run_id, metrics=metrics[first:first + MAX_METRICS_PER_BATCH], synchronous=True)


def _log_judge_instructions(run_dir: Path, parent_id: str, *, tracking_uri: str, experiment_id: str) -> None:
    """Register the instructions the run's guards and judges were asked with in the Prompt Registry, link them to
    the comparison run and name them in its ``workbench.judge_prompts`` tag."""
    from workbench.judges.instructions import instructions_used

    uris = [register_prompt_version(template, tracking_uri=tracking_uri, experiment_id=experiment_id)
            for template in instructions_used(run_dir)]
    for uri in uris:
        _link_prompt(parent_id, uri)
    if uris:
        mlflow.set_tag("workbench.judge_prompts", ", ".join(uris))


def _link_prompt(run_id: str, prompt_uri: str) -> None:
    """Show the prompt version on the run (MLflow's ``mlflow.linkedPrompts`` tag)."""
    client = MlflowClient()
    try:
        client.link_prompt_version_to_run(run_id, get_prompt_version(client, prompt_uri))
    except (MlflowException, TrackingError) as exc:  # the param prompt_uri already names it
        _logger.warning("could not link %s to run %s: %s", prompt_uri, run_id, exc)


def _comparison_params(run: RunManifest, prompt_uri: str, storage: str) -> dict[str, str]:
    keys = ("evalset", "evalset_version", "evalset_hash", "evalset_full_hash", "prompt", "prompt_hash", "limit",
            "concurrency", "warmup", "workbench_version")
    params = {key: param_value(getattr(run, key)) for key in keys}
    params.update({"prompt_uri": prompt_uri, "models": ",".join(run.models), "output_storage": storage,
                   "run_file_schema": str(run.schema_version)})
    params.update({key: param_value(value) for key, value in long_record_params(run.long_records).items()})
    return params


def _run_prompt(run: RunManifest, prompts_dir: list[Path] | None, tracking_uri: str) -> PromptTemplate:
    """The prompt version the run used, from the files or else the registry; its content must
    still hash to what the run recorded."""
    try:
        prompt = get_prompt(run.prompt, prompts_dir)
    except PromptError as exc:
        registered = find_registered_prompt(run.prompt, run.prompt_hash, tracking_uri=tracking_uri)
        if registered is None:
            raise TrackingError(f"the run's prompt {run.prompt!r} cannot be loaded from the prompt files "
                                f"or the registry: {exc}") from exc
        return registered
    if prompt.content_hash() != run.prompt_hash:
        raise TrackingError(f"prompt {prompt.ref} was edited after the run (hash {prompt.content_hash()[:12]}, "
                            f"the run used {run.prompt_hash[:12]}); restore it before logging")
    return prompt


# An experiment tag that every change to the experiment's evaluation runs sets to a new value, so a reader that
# keeps what it read (the leaderboard) can tell with one query whether its copy is still current.
EVALUATIONS_LOGGED_TAG = "workbench.evaluations_logged"


def mark_evaluations_changed(client: MlflowClient, experiment_id: str) -> None:
    """Give the experiment's :data:`EVALUATIONS_LOGGED_TAG` a new value (time in ms and a random suffix, so two
    writers in the same millisecond still differ). Two writers setting the tag at the same moment can collide in
    the store (the first insert of the tag, on a team server's database): the write is tried again, and if it
    still fails the other writer's new value marks the change just as well, so logging goes on."""
    try:
        retried_on_store_conflict(
            lambda: client.set_experiment_tag(experiment_id, EVALUATIONS_LOGGED_TAG,
                                              f"{int(time.time() * 1000)}-{uuid.uuid4().hex[:12]}"),
            what=f"marking the evaluations of experiment {experiment_id} as changed")
    except MlflowException as exc:
        _logger.warning("could not mark the evaluations of experiment %s as changed: %s", experiment_id, exc)


def log_comparison(run_dir: Path, *, tracking_uri: str | None = None, experiment: str | None = None,
                   store_outputs: OutputStorage = "as-is", prompts_dir: list[Path] | None = None,
                   allow_remote_endpoint: bool = False, log_traces: bool = True) -> LoggedComparison:
    """Log a finished ``workbench run`` directory to MLflow: a parent run and a nested run per model, each case
    as a trace of its model run with its scores as assessments (unless ``log_traces`` is False), and the
    evaluation set as an evaluation dataset of the experiment.

    ``tracking_uri`` defaults to :func:`default_tracking_uri`, ``experiment`` to
    ``$MLFLOW_EXPERIMENT_NAME`` or "workbench"; ``prompts_dir`` is where the run's prompt
    was found if it is not a shipped one. Each call logs new runs; the prompt version is
    registered only once. A tracking URI outside loopback and private networks is refused
    unless ``allow_remote_endpoint``.
    """
    if store_outputs not in OUTPUT_STORAGE_CHOICES:
        raise ValueError(f"store_outputs must be one of {', '.join(OUTPUT_STORAGE_CHOICES)}, got {store_outputs!r}")
    run_dir = Path(run_dir)
    files = read_run(run_dir)
    run, evaluations, missing = files.manifest, files.evaluations, files.missing
    evalset = _run_evalset(run)
    uri = checked_tracking_uri(tracking_uri, allow_remote_endpoint=allow_remote_endpoint)
    prompt = _run_prompt(run, prompts_dir, uri)
    experiment_name = experiment or os.environ.get("MLFLOW_EXPERIMENT_NAME") or DEFAULT_EXPERIMENT
    experiment_id = ensure_experiment(experiment_name, tracking_uri=uri)
    prompt_uri = register_prompt_version(prompt, tracking_uri=uri, experiment_id=experiment_id)
    commit = git_commit()
    comparison_window, windows = run_windows(files)
    tags = {"workbench.kind": "comparison", "workbench.run_id": run.run_id,
            "workbench.run_dir": str(run_dir.resolve())}
    if missing:
        tags["workbench.missing_models"] = ",".join(missing)
    client = MlflowClient(uri)
    parent_id = client.create_run(experiment_id, start_time=comparison_window.start_ms, tags=tags,
                                  run_name=run.run_id).info.run_id
    statuses: dict[str, str] = {}
    children: dict[str, str] = {}
    status = RunStatus.to_string(RunStatus.FAILED)
    with tracking_uri_scope(uri), synchronous_trace_export():
        mlflow.start_run(run_id=parent_id)
        try:
            mlflow.log_params(_comparison_params(run, prompt_uri, store_outputs))
            mlflow.log_artifact(str(run_dir / RUN_FILE))
            _link_prompt(parent_id, prompt_uri)
            _log_judge_instructions(run_dir, parent_id, tracking_uri=uri, experiment_id=experiment_id)
            _log_evaluation_dataset(files, evalset, experiment_id=experiment_id, storage=store_outputs)
            for evaluation in evaluations:
                children[evaluation.model], statuses[evaluation.model] = _log_evaluation(
                    evaluation, experiment_id=experiment_id, parent_run_id=parent_id,
                    window=windows[evaluation.model], prompt_uri=prompt_uri, storage=store_outputs, commit=commit,
                    evalset=evalset, workbench_run_id=run.run_id, log_traces=log_traces)
            _log_comparison_summary(evaluations, failed_models(statuses), missing)
            if not failed_models(statuses) and not missing:
                status = RunStatus.to_string(RunStatus.FINISHED)
        finally:
            mlflow.end_run(status=status)
            client.set_terminated(parent_id, status, end_time=comparison_window.end_ms)
            mark_evaluations_changed(client, experiment_id)
    return LoggedComparison(parent_run_id=parent_id, experiment_id=experiment_id, child_run_ids=children,
                            prompt_uri=prompt_uri, tracking_uri=uri, missing_models=missing)


def _log_evaluation_dataset(files: RunFiles, evalset: EvalSet | None, *, experiment_id: str,
                            storage: OutputStorage) -> None:
    """On the active (parent) run: the run's cases as an MLflow evaluation dataset of the experiment, logged as
    the run's input (context "evaluation"). Nothing when the store has no evaluation datasets."""
    run = files.manifest
    records = [record for evaluation in files.evaluations for record in evaluation.records]
    dataset = log_evaluation_dataset(
        experiment_id=experiment_id, evalset=run.evalset, version=run.evalset_version, evalset_hash=run.evalset_hash,
        storage=storage, records=dataset_records(list(evalset.cases) if evalset else None, records, storage))
    if dataset is not None:
        retried_on_store_conflict(
            lambda: mlflow.log_input(dataset, context="evaluation", tags={"workbench.evalset_hash": run.evalset_hash}),
            what=f"logging evaluation dataset {dataset.name} as the comparison's input")
        mlflow.set_tag("workbench.dataset_id", dataset.dataset_id)


def _log_comparison_summary(evaluations: list[EvaluationFiles], failed: list[str], missing: list[str]) -> None:
    """On the active (parent) run: each model's ranking metrics, the ranking as tags
    (``workbench.ranking``: "1 a, 2= b, 2= c"; ``workbench.first_ranked``), the failed models
    (``workbench.failed_models``) and a description saying all of it."""
    ranking = comparison_ranking(evaluations)
    mlflow.log_metrics(comparison_metrics(evaluations))
    tags = {"workbench.ranking": ", ".join(f"{rank} {model}" for model, rank in ranking)[:5000],
            "workbench.ranking_rule": ranking_rule_text(comparison_task(evaluations))}
    first = [model for model, rank in ranking if rank.rstrip("=") == "1"]
    if first:
        tags["workbench.first_ranked"] = ",".join(first)
    if failed:
        tags["workbench.failed_models"] = ",".join(failed)[:5000]
    tags["mlflow.note.content"] = comparison_note(ranking, failed, missing, comparison_task(evaluations))
    mlflow.set_tags(tags)


def load_cases_table(run_id: str, *, tracking_uri: str | None = None) -> Any:
    """The per-case table of one evaluation run as a pandas DataFrame."""
    client, uri = client_for(tracking_uri)
    experiment_id = client.get_run(run_id).info.experiment_id
    with tracking_uri_scope(uri):  # MlflowClient.load_table searches runs through the global URI
        return client.load_table(experiment_id, CASES_TABLE, run_ids=[run_id])


def logged_intervals(run_id: str, *, tracking_uri: str | None = None) -> dict[str, dict[str, Any]]:
    """Every interval of one evaluation run, as ``intervals.json`` holds them (metric → estimate, low, high,
    method, n). A run logged before that file existed kept its bounds as the metrics ``<metric>_ci_low`` and
    ``<metric>_ci_high``: they are read from there, with method and n None."""
    client, _ = client_for(tracking_uri)
    run = client.get_run(run_id)
    if INTERVALS_FILE in [item.path for item in client.list_artifacts(run_id)]:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(client.download_artifacts(run_id, INTERVALS_FILE, directory))
            try:
                table = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise TrackingError(f"run {run_id}: {INTERVALS_FILE} cannot be read: {exc}") from exc
        if not isinstance(table, dict):
            raise TrackingError(f"run {run_id}: {INTERVALS_FILE} is not a JSON object")
        return table
    metrics = run.data.metrics
    low_suffix, high_suffix = ci_keys("")
    table = {}
    for key in sorted(metrics):
        name = key.removesuffix(low_suffix)
        if name != key and name + high_suffix in metrics:
            table[name] = {"estimate": metrics.get(name), "low": metrics[key], "high": metrics[name + high_suffix],
                           "method": None, "n": None}
    return table
