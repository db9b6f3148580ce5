"""The workbench in a few calls, for notebooks, the browser UI and the CLI alike.

    from workbench import api
    result = api.evaluate(["smollm2-135m", "gemma3-270m"], "smoke-en", limit=2, max_tokens=64)
    result.table()              # one row per model: scores with CIs, latency
    api.paired(result)          # paired differences between every two models
    report = api.report([result.run_dir])

Every function here composes the modules that do the work (runner, scoring, tracking,
report); none holds logic of its own beyond choosing defaults. Notebooks import this module
only: the names in ``__all__`` are the workbench's public API.
"""

from __future__ import annotations

import getpass
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from workbench.privacy.egress import apply_privacy_environment

apply_privacy_environment()


def _plain_progress_in_widgetless_kernels() -> None:
    """In a Jupyter kernel without ipywidgets, ``tqdm.auto`` (which MLflow imports) falls back to the
    plain text bar with a warning, "IProgress not found", in the cell's output. Import it once here
    with that warning silenced, so the fallback is quiet; outside a kernel nothing changes."""
    if "ipykernel.zmqshell" not in sys.modules:
        return
    import importlib.util
    import warnings

    if importlib.util.find_spec("ipywidgets") is not None:
        return
    from tqdm import TqdmWarning

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found", category=TqdmWarning)
        import tqdm.auto  # noqa: F401


_plain_progress_in_widgetless_kernels()

from workbench.data.evalset_tools import list_evalsets  # noqa: E402
from workbench.data.evalsets import EvalSet, load_evalset  # noqa: E402
from workbench.data.prompts import PromptError, PromptTemplate, get_prompt, load_prompts  # noqa: E402
from workbench.errors import WorkbenchError  # noqa: E402
from workbench.models.catalogue import get_model_spec, load_catalogue  # noqa: E402
from workbench.models.embedded import embedded_gguf_path  # noqa: E402
from workbench.models.local_server import LocalLlamaServer  # noqa: E402
from workbench.models.spec import ModelSpec  # noqa: E402
from workbench.report.display import PairedTable, ReportSummary  # noqa: E402
from workbench.report.tables import headline_values  # noqa: E402
from workbench.run.files import (  # noqa: E402
    CaseScores, EvaluationSummary, GenerationRecord, RunFiles, RunManifest, read_run_dir,
)
from workbench.run.long_records import DEFAULT_STRATEGY  # noqa: E402
from workbench.run.runner import ComparisonOutcome, EvaluationOutcome, RunSettings, run_comparison  # noqa: E402
from workbench.scoring.compare import comparison_dicts, paired_comparisons  # noqa: E402
from workbench.scoring.registry import (  # noqa: E402
    Metric, Scorer, all_metrics, metric, per_label, primary, ranking_key, ranking_rule_text, register_scorer,
)
from workbench.scoring.stats import PairedComparison  # noqa: E402


def resolve_prompt(ref: str, prompts_dir: list[Path] | None = None, *, tracking_uri: str | None = None,
                   allow_remote_endpoint: bool = False) -> PromptTemplate:
    """A prompt from the files (``NAME[@VERSION]``) or the MLflow Prompt Registry (``prompts:/NAME/N``, ``prompts:/NAME@ALIAS``)."""
    if ref.startswith("prompts:/"):
        from workbench.track.store import TrackingError, checked_tracking_uri
        from workbench.track.prompt_registry import load_prompt_template

        try:
            uri = checked_tracking_uri(tracking_uri, allow_remote_endpoint=allow_remote_endpoint)
            return load_prompt_template(ref, tracking_uri=uri)
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
    logged: Any  # workbench.track.mlflow_runs.LoggedComparison, when the run was logged to MLflow
    mlflow_error: str | None
    batch_id: str | None = None  # set when the run is one set of several run together (evaluate_sets)

    @property
    def mlflow_experiment_id(self) -> str | None:
        return self.logged.experiment_id if self.logged is not None else None

    @property
    def evalset(self) -> str:
        return self.outcome.evalset.name

    @property
    def task(self) -> str:
        """The set's task, which names the ranking rule's quality metric and the table's columns."""
        return self.outcome.evalset.manifest.task

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
        """Models that could not run at all, with why."""
        return {e.model: e.error for e in self.outcome.evaluations if e.error}

    @property
    def failed_cases(self) -> dict[str, dict[str, str]]:
        """Per model, the cases whose generation failed (case id -> error); they are counted, never scored."""
        failed = {e.model: {r.case_id: f"{r.error_type or 'error'}: {r.error}" for r in e.records if not r.ok}
                  for e in self.outcome.evaluations}
        return {model: cases for model, cases in failed.items() if cases}

    def ranked(self) -> list[EvaluationOutcome]:
        """The evaluations in the order of the ranking rule of the set's task (see ``ranking_rule_text(task)``)."""
        return sorted(self.outcome.evaluations,
                      key=lambda e: ranking_key(e.metrics, failed=bool(e.error), task=self.task))

    def rows(self) -> list[dict[str, Any]]:
        """One dict per model, in ranking order: cases, failures, the headline metrics with their 95% CI."""
        rows = []
        for evaluation in self.ranked():
            m = evaluation.metrics
            row: dict[str, Any] = {"model": evaluation.model, "cases": m.get("cases"), "failures": m.get("failures"),
                                   "cached": m.get("cached"), **headline_values(m, [self.task]),
                                   "error": evaluation.error}
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
    rouge_scheme: str | None = None,
    long_records: str = DEFAULT_STRATEGY,
    chunk_tokens: int | None = None,
    chunk_overlap: int = 0,
    use_cache: bool = True,
    runs_dir: Path | None = None,
    log_to_mlflow: bool = True,
    tracking_uri: str | None = None,
    experiment: str | None = None,
    store_outputs: str = "as-is",
    log_traces: bool = True,
    allow_remote_endpoint: bool = False,
    show_progress: bool = True,
    catalogue: list[Path] | None = None,
    prompts_dir: list[Path] | None = None,
    cancel: threading.Event | None = None,
    on_record: Callable[[GenerationRecord], None] | None = None,
    guard: str | ModelSpec | None = None,
    judges: list[str | ModelSpec] | None = None,
    rubric: str | Path | None = None,
    allow_same_family: bool = False,
) -> EvaluationResult:
    """Run ``models`` over the same cases with the same prompt version, score, and log to MLflow.

    The run directory is complete before MLflow is touched; if logging fails the error is
    returned in ``mlflow_error`` and ``workbench track RUN_DIR`` can log it later.
    ``allow_remote_endpoint`` allows model endpoints and the tracking URI outside loopback
    and private networks; without it a remote tracking URI is refused before anything runs.
    ``guard`` (a catalogue name or spec) gives a verdict on every output before the run is logged, so the
    verdicts go to MLflow with it (see :func:`workbench.judges.guard_run.run_guard`); ``judges`` grade every output
    against ``rubric`` (a file or NAME@VERSION; default the shipped rubric of the set) the same way
    (:func:`workbench.judges.judge_run.judge_run`). A guard or judge of a candidate's family is refused before
    anything runs unless ``allow_same_family``.
    ``long_records`` says what to do with a case whose prompt does not fit a model's context: ``"refuse"`` (the
    default: the case fails, naming the tokens), ``"truncate"`` (head and tail kept), ``"map-reduce"`` or
    ``"refine"`` (the note in chunks of at most ``chunk_tokens`` tokens, None for as many as fit, sharing
    ``chunk_overlap`` tokens); see :mod:`workbench.run.long_records`.
    """
    dataset = load_evalset(evalset) if isinstance(evalset, str) else evalset
    if log_to_mlflow:
        from workbench.track.store import checked_tracking_uri

        checked_tracking_uri(tracking_uri, allow_remote_endpoint=allow_remote_endpoint)  # refuse before the run
    if isinstance(prompt, PromptTemplate):
        template = prompt
    else:
        template = resolve_prompt(prompt or dataset.manifest.default_prompt, prompts_dir, tracking_uri=tracking_uri,
                                  allow_remote_endpoint=allow_remote_endpoint)
    specs = model_specs(models, catalogue=catalogue, thinking=thinking, max_tokens=max_tokens, seed=seed)
    from workbench.judges.family import check_families

    guard_spec = None if guard is None else guard if isinstance(guard, ModelSpec) else get_model_spec(guard, catalogue)
    judge_specs = [judge if isinstance(judge, ModelSpec) else get_model_spec(judge, catalogue) for judge in judges or []]
    for role, spec in [("guard", guard_spec), *(("judge", judge) for judge in judge_specs)]:
        if spec is not None:
            check_families(spec, specs, role=role, allow_same_family=allow_same_family)  # before the run
    rubric_to_use = None
    if judge_specs:
        from workbench.judges.rubrics import load_rubric, rubric_for_set

        rubric_to_use = load_rubric(rubric) if rubric else rubric_for_set(dataset.manifest.name)
    from workbench.scoring.rouge import rouge_scheme as scheme_for

    scheme_for(dataset.manifest.language, rouge_scheme)  # an unknown scheme fails before any model is loaded
    settings = RunSettings(concurrency=concurrency, limit=limit, warmup=warmup, use_cache=use_cache,
                           allow_remote_endpoint=allow_remote_endpoint, show_progress=show_progress,
                           detect_phi=detect_phi, rouge_scheme=rouge_scheme, long_records=long_records,
                           chunk_tokens=chunk_tokens, chunk_overlap=chunk_overlap)
    if runs_dir is not None:
        settings.runs_dir = Path(runs_dir)
    outcome = run_comparison(specs, template, dataset, settings, cancel=cancel, on_record=on_record)
    logged, error = None, None
    cancelled = cancel is not None and cancel.is_set()
    if guard_spec is not None and outcome.evaluations and not cancelled:
        from workbench.judges.guard_run import run_guard
        from workbench.models import open_backend
        from workbench.privacy.audit import AuditLog, default_audit_path

        run_guard(outcome.directory, guard_spec,
                  open_guard=lambda spec: open_backend(spec, allow_remote_endpoint=allow_remote_endpoint),
                  allow_same_family=allow_same_family, audit=AuditLog(default_audit_path()), user=getpass.getuser())
    if rubric_to_use is not None and outcome.evaluations and not cancelled:
        from workbench.judges.judge_run import judge_run
        from workbench.models import open_backend

        for judge_spec in judge_specs:
            judge_run(outcome.directory, judge_spec, rubric_to_use,
                      open_judge=lambda spec: open_backend(spec, allow_remote_endpoint=allow_remote_endpoint),
                      allow_same_family=allow_same_family)
    if log_to_mlflow and outcome.evaluations and not cancelled:
        try:
            from workbench.track.mlflow_runs import log_comparison

            logged = log_comparison(outcome.directory, tracking_uri=tracking_uri, experiment=experiment,
                                    store_outputs=store_outputs, prompts_dir=prompts_dir,  # type: ignore[arg-type]
                                    log_traces=log_traces,
                                    allow_remote_endpoint=allow_remote_endpoint)
        except Exception as exc:  # the run is complete on disk; `workbench track` can log it later
            error = f"{type(exc).__name__}: {exc}"
    return EvaluationResult(outcome=outcome, logged=logged, mlflow_error=error)


def evaluate_sets(
    models: list[str],
    evalsets: list[str | EvalSet],
    *,
    prompt: str | PromptTemplate | None = None,
    allow_language_mismatch: bool = False,
    batch_id: str | None = None,
    on_result: Callable[[EvaluationResult], None] | None = None,
    tracking_uri: str | None = None,
    allow_remote_endpoint: bool = False,
    prompts_dir: list[Path] | None = None,
    cancel: threading.Event | None = None,
    **settings: Any,
) -> list[EvaluationResult]:
    """:func:`evaluate` over several sets, one after the other, with the same models and prompt (each set's
    default prompt when ``prompt`` is None). Each set is its own comparison: its own run directory and MLflow
    parent run, ranked only within its own hash. With several sets (or a ``batch_id``) every run is tagged
    ``workbench.batch`` = ``batch_id`` (a new one when None) in MLflow. Every set and prompt is resolved, and each prompt's language checked against its
    set, before anything runs. ``on_result`` is called as each set finishes; ``settings`` are
    :func:`evaluate`'s other keyword arguments. A cancelled batch stops after the set in progress."""
    from workbench.run.batch import new_batch_id, plan_sets

    plans = plan_sets(evalsets, prompt, lambda ref: resolve_prompt(ref, prompts_dir, tracking_uri=tracking_uri,
                                                                   allow_remote_endpoint=allow_remote_endpoint),
                      allow_language_mismatch=allow_language_mismatch)
    batch = batch_id or (new_batch_id() if len(plans) > 1 else None)
    results: list[EvaluationResult] = []
    for plan in plans:
        if cancel is not None and cancel.is_set():
            break
        result = evaluate(models, plan.evalset, prompt=plan.prompt, tracking_uri=tracking_uri,
                          allow_remote_endpoint=allow_remote_endpoint, prompts_dir=prompts_dir, cancel=cancel,
                          **settings)
        result.batch_id = batch
        if batch is not None and result.logged is not None:
            try:
                from workbench.track.batch_tags import tag_batch

                tag_batch(result.logged, batch, allow_remote_endpoint=allow_remote_endpoint)
            except Exception as exc:  # the run is logged; only its batch tag is missing
                result.mlflow_error = f"batch tag not set: {type(exc).__name__}: {exc}"
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


@dataclass
class LoadResult:
    """A finished load test: its record (what ``load.json`` holds), where its files are, and where
    MLflow has it."""

    record: Any  # workbench.run.load.LoadTest
    directory: Path
    page: Path  # load.html: the curves
    logged: Any  # workbench.track.load_runs.LoggedLoadTest, when the test was logged to MLflow
    mlflow_error: str | None


def load_sweep(
    models: list[str | ModelSpec],
    evalset: str | EvalSet,
    *,
    concurrency: str | list[int] = "1,4,16",
    requests_per_level: int | None = None,
    warmup: int = 1,
    slo: list[str] | dict[str, float] | None = None,
    prompt: str | PromptTemplate | None = None,
    max_tokens: int | None = None,
    seed: int | None = None,
    thinking: bool | None = None,
    runs_dir: Path | None = None,
    log_to_mlflow: bool | None = None,
    tracking_uri: str | None = None,
    experiment: str | None = None,
    allow_remote_endpoint: bool = False,
    show_progress: bool = True,
    catalogue: list[Path] | None = None,
    prompts_dir: list[Path] | None = None,
) -> LoadResult:
    """A ward-sized load test: each model opened once, then for each concurrency level
    ``requests_per_level`` requests (default ``max(2 × level, cases)``, cycling over the set's
    prompts) with exactly ``level`` in flight, never from the response cache. ``warmup`` requests go
    to each model first and are left out of every figure.

    ``concurrency`` is ``"1,4,16"`` or a list; ``slo`` the per-request objectives in seconds
    (``["e2e=10", "ttft=2"]`` or ``{"e2e": 10}``; names ttft, tpot, e2e) that decide goodput.
    Writes ``load.json``, ``<model>/requests.jsonl`` and ``load.html`` under ``runs_dir``. MLflow
    gets one run per model when ``log_to_mlflow``; by default only when a tracking URI is given
    (``tracking_uri`` or ``$MLFLOW_TRACKING_URI``). If logging fails the error is returned in
    ``mlflow_error``.
    """
    from workbench.report.figures import load_page_html
    from workbench.run.load import LoadSettings, check_load_settings, run_load_test, write_load_page
    from workbench.scoring.load import parse_levels, parse_objectives

    settings = LoadSettings(levels=parse_levels(concurrency), requests_per_level=requests_per_level, warmup=warmup,
                            objectives=parse_objectives(slo), allow_remote_endpoint=allow_remote_endpoint,
                            show_progress=show_progress)
    if runs_dir is not None:
        settings.runs_dir = Path(runs_dir)
    check_load_settings(settings)  # a bad level, count or objective fails before anything is loaded
    if log_to_mlflow is None:
        log_to_mlflow = bool(tracking_uri or os.environ.get("MLFLOW_TRACKING_URI", "").strip())
    if log_to_mlflow:
        from workbench.track.store import checked_tracking_uri

        checked_tracking_uri(tracking_uri, allow_remote_endpoint=allow_remote_endpoint)  # refuse before the test
    dataset = load_evalset(evalset) if isinstance(evalset, str) else evalset
    if isinstance(prompt, PromptTemplate):
        template = prompt
    else:
        template = resolve_prompt(prompt or dataset.manifest.default_prompt, prompts_dir, tracking_uri=tracking_uri,
                                  allow_remote_endpoint=allow_remote_endpoint)
    specs = [model.with_overrides(thinking=thinking, max_tokens=max_tokens, seed=seed)
             if isinstance(model, ModelSpec) else
             model_specs([model], catalogue=catalogue, thinking=thinking, max_tokens=max_tokens, seed=seed)[0]
             for model in models]
    outcome = run_load_test(specs, template, dataset, settings)
    page = write_load_page(outcome.directory, load_page_html(outcome.record))
    logged, error = None, None
    if log_to_mlflow:
        try:
            from workbench.track.load_runs import log_load_test

            logged = log_load_test(outcome.directory, tracking_uri=tracking_uri, experiment=experiment,
                                   allow_remote_endpoint=allow_remote_endpoint)
        except Exception as exc:  # the load test is complete on disk
            error = f"{type(exc).__name__}: {exc}"
    return LoadResult(record=outcome.record, directory=outcome.directory, page=page, logged=logged,
                      mlflow_error=error)


def read_load_test(path: Path) -> Any:
    """The record of a load test (``load.json``, or its directory) as ``workbench.run.load.LoadTest``."""
    from workbench.run.load import read_load_test as read

    return read(Path(path))


def paired_for(outcome: ComparisonOutcome) -> list[PairedComparison]:
    """Paired t-tests with their intervals between every two models of a comparison that finished, Holm-adjusted."""
    usable = [(e.model, e.directory) for e in outcome.evaluations if not e.error and e.records]
    return paired_comparisons(usable) if len(usable) >= 2 else []


def paired(result: EvaluationResult) -> PairedTable:
    """Paired t-tests with their intervals between every two models that finished, Holm-adjusted: a list
    of ``PairedComparison`` that displays as a table."""
    return PairedTable(paired_for(result.outcome))


def report(run_dirs: list[Path], thresholds: Path | None = None, out_dir: Path | None = None,
           load_dirs: list[Path] | None = None) -> ReportSummary:
    """The committee's model-selection report; with ``out_dir`` also written as HTML and markdown.
    ``load_dirs``: load tests (``runs/load-…``) whose curves the report shows beside the comparison.
    The report displays as a short summary: recommendation, models, where ``report.html`` was written."""
    from workbench.report.build import build_report, load_thresholds
    from workbench.report.publish import write_report

    built = build_report([Path(p) for p in run_dirs], load_thresholds(thresholds) if thresholds else None,
                         load_dirs=[Path(p) for p in load_dirs or []])
    html_path = write_report(built, Path(out_dir))[0] if out_dir is not None else None
    return ReportSummary.of(built, html_path)


def export_run(run_dirs: list[Path], out: Path, *, export_format: str = "csv") -> Path:
    """Write runs' per-case rows (outputs, timings, per-case scores) as CSV, or the per-model and per-case
    rows as one JSON document, to ``out``; columns from the metric registry."""
    from workbench.track.export import run_case_table, run_model_table, write_export

    runs = [read_run_dir(Path(path)) for path in run_dirs]
    tables = [run_case_table(runs)] if export_format == "csv" else [run_model_table(runs), run_case_table(runs)]
    return write_export(Path(out), export_format, tables, runs=[run.manifest.run_id for run in runs])


def diff_runs(run_a: Path, run_b: Path) -> Any:
    """Two runs aligned by model and case (``workbench.scoring.run_diff.RunDiff``): score deltas over the
    cases both hold with identical content, and per case where the outputs differ."""
    from workbench.scoring.run_diff import diff_runs as diff

    return diff(read_run_dir(Path(run_a)), read_run_dir(Path(run_b)))


def leaderboard(*, evalset: str | None = None, prompt: str | None = None, tracking_uri: str | None = None) -> Any:
    """Every per-model evaluation logged to MLflow (newest first), as ``LeaderboardEntry`` records."""
    from workbench.track.leaderboard import leaderboard_entries

    return leaderboard_entries(tracking_uri=tracking_uri, evalset=evalset, prompt=prompt)


def newest_group(entries: list[Any]) -> list[Any]:
    """The entries that are comparable with the newest one (same cases and prompt version)."""
    from workbench.track.leaderboard import newest_group as newest

    return newest(entries)


def charts(entries: list[Any]) -> dict[str, Any]:
    """The leaderboard's charts for comparable entries: quality vs latency, PHI by label, latency per case.

    Each is a ``ChartView``: a notebook shows the interactive plotly figure with the same chart as a static
    SVG beside it (so exported notebooks keep their plots); ``.figure`` is the plotly Figure, ``.svg`` the
    image. A model has the same colour in every chart."""
    from workbench.report.figures import leaderboard_charts

    return leaderboard_charts(entries)


def concurrency_chart(levels: dict[int, Any], metrics: list[str], title: str | None = None) -> Any:
    """Metrics of evaluations run at several concurrencies, as lines against the requests in flight.

    ``levels`` maps each concurrency to that evaluation's metrics (``{1: {"e2e_p50_s": 1.2, ...}, 4: ...}``);
    ``metrics`` are registry names sharing one unit (it titles the axis). A ``ChartView`` like :func:`charts`."""
    from workbench.report.figures import concurrency_chart as chart

    return chart(levels, metrics, title)


def tracking_uri() -> str:
    """Where runs are logged: ``$MLFLOW_TRACKING_URI``, else the SQLite store under ``./mlruns``."""
    from workbench.track.store import default_tracking_uri

    return default_tracking_uri()


def detector_quality(sets: list[str]) -> tuple[Any, str]:
    """Recall and precision of the offline PHI detector per label on sets with gold spans, and the same as text."""
    from workbench.scoring.phi_detector import detector_quality as quality, format_quality_table

    figures = quality(sets)
    return figures, format_quality_table(figures)


__all__ = [
    "CaseScores", "EvaluationResult", "EvaluationSummary", "GenerationRecord", "LoadResult",
    "LocalLlamaServer", "Metric", "PairedComparison", "PairedTable", "ReportSummary", "RunFiles",
    "RunManifest", "Scorer", "WorkbenchError", "all_metrics", "charts", "comparison_dicts", "concurrency_chart",
    "detector_quality", "diff_runs", "embedded_gguf_path", "evaluate", "evaluate_sets", "export_run",
    "leaderboard", "list_evalsets", "load_catalogue",
    "load_evalset", "load_prompts", "load_sweep", "metric", "model_specs", "newest_group", "paired",
    "per_label", "primary", "ranking_rule_text", "read_load_test", "read_run_dir", "register_scorer",
    "report", "resolve_prompt", "tracking_uri",
]
