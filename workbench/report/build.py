"""A decision report for a comparison: one self-contained HTML file and a markdown summary.

``build_report(run_dirs, thresholds)`` reads what ``workbench run`` left on disk (one or
more run directories over the *same* evaluation set and prompt) and gathers:
settings and provenance per model, a leaderboard with bootstrap CIs, PHI leakage by
label, latency percentiles, pass/fail gates from a thresholds file, the Pareto fronts
(quality vs. latency, quality vs. PHI leakage), a paired significance test between the
two best models by ROUGE-L, the worst cases per model and a recommendation with reasons.
Load tests given beside the runs (``load_dirs``: ``runs/load-*`` directories) are read with
``read_load_test`` and shown under load: each model's levels, and how the load test's models,
evaluation set and prompt differ from the comparison's. They are evidence beside the
recommendation, never a gate.

Thresholds are a YAML mapping of metric name (any key of ``evaluation.json``'s
``metrics``) to ``{min: X}`` and/or ``{max: Y}``, optionally under a top-level
``gates:`` key. Without a file, the default gates of the metric registry apply
(``workbench.scoring.registry``: no leaked gold PHI at all, 95th-percentile end-to-end
latency at most 30 s, ROUGE-L at least 0.3, at least 90% of the required sections present).
Models are ranked by the registry's one ranking rule, the same as the leaderboard's.

``render_html`` writes everything into one small file: the charts are static SVG drawn by
``workbench.report.svg_charts`` (no script), so the report opens and prints without network
access. All text taken from runs is escaped.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.data.input_checks import parse_yaml, read_utf8
from workbench.errors import WorkbenchError
from workbench.run.files import (
    EVALUATION_FILE, NOT_RECORDED, RUN_FILE, CaseScores, EvaluationSummary, GenerationRecord, GuardRunFile,
    JudgeRunFile, PairwiseRunFile, RunDirectoryError, read_guard_runs, read_judge_runs, read_pairwise_runs, read_run_dir,
)
from workbench.judges.guard_stats import GuardSummary
from workbench.judges.jury import JurySummary, read_jury
from workbench.review.results import ReviewResults
from workbench.run.load import LOAD_FILE, LoadFileError, LoadTest, ModelSweep, read_load_test
from workbench.scoring.compare import paired_comparisons, shared_ranks
from workbench.scoring.registry import (
    LONG_RECORD_FIGURES, Gate, Metric, ci_keys, default_gates, headline_metrics, is_metric, metrics_where, per_label,
    primary, ranking_key, ranking_rule_text, value_of,
)
from workbench.scoring.registry import metric as declared_metric
from workbench.scoring.stats import MIN_CASES_FOR_RANKING, PairedComparison


WORST_CASES_PER_MODEL = 5
OUTPUT_EXCERPT_CHARS = 240


class ReportError(WorkbenchError, ValueError):
    """The run directories cannot be reported on together, a thresholds file is invalid, or a directory
    given as a load test is not one."""


# --- thresholds -------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    gates: tuple[Gate, ...]
    source: str = "default"


def default_thresholds(task: str | None = None) -> Thresholds:
    """The default gates the metric registry declares for the set's ``task`` (None: a summary set)."""
    return Thresholds(gates=tuple(default_gates(task)), source="default")


def _bound(path: Path, metric: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(float(value)):
        raise ReportError(f"{path}: gate '{metric}': '{key}' must be a number, got {value!r}")
    return float(value)


def load_thresholds(path: Path) -> Thresholds:
    """Gates from a YAML file: ``metric: {min: X, max: Y}`` (either bound or both), optionally under ``gates:``."""
    path = Path(path)
    if not path.exists():
        raise ReportError(f"thresholds file {path} not found")
    data = parse_yaml(read_utf8(path, ReportError), str(path), ReportError)
    if isinstance(data, dict) and set(data) == {"gates"}:
        data = data["gates"]
    elif isinstance(data, dict) and len(data) == 1 and difflib.get_close_matches(str(next(iter(data))), ["gates"], n=1):
        only = next(iter(data))
        if isinstance(data[only], dict) and all(isinstance(spec, dict) for spec in data[only].values()):
            raise ReportError(f"{path}: unknown key '{only}'; did you mean 'gates'?")
    if not isinstance(data, dict) or not data:
        raise ReportError(f"{path}: expected a mapping of metric name to {{min: X}} / {{max: Y}}")
    gates = []
    for metric, spec in data.items():
        if not isinstance(metric, str) or not metric:
            raise ReportError(f"{path}: gate names must be metric names (strings), got {metric!r}")
        if not isinstance(spec, dict) or not spec:
            raise ReportError(f"{path}: gate '{metric}': expected {{min: X}} and/or {{max: Y}}, got {spec!r}")
        unknown = set(spec) - {"min", "max"}
        if unknown:
            first = sorted(map(str, unknown))[0]
            close = difflib.get_close_matches(first, ["min", "max"], n=1)
            raise ReportError(f"{path}: gate '{metric}': unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                              + (f"did you mean '{close[0]}'? " if close else "") + "use 'min' and/or 'max'")
        try:
            low = _bound(path, metric, "min", spec["min"]) if spec.get("min") is not None else None
            high = _bound(path, metric, "max", spec["max"]) if spec.get("max") is not None else None
        except OverflowError as exc:  # an integer too large for a float
            raise ReportError(f"{path}: gate '{metric}': a bound is too large a number") from exc
        if low is None and high is None:
            raise ReportError(f"{path}: gate '{metric}': give 'min' or 'max'")
        if low is not None and high is not None and low > high:
            raise ReportError(f"{path}: gate '{metric}': min {low} is above max {high}")
        gates.append(Gate(metric, min=low, max=high))
    return Thresholds(gates=tuple(gates), source=str(path))


# --- the report record ------------------------------------------------------------------


@dataclass
class ModelEvaluation:
    """One model's evaluation within one run directory, as read from disk."""
    label: str  # the model name, or "model@run_id" when the same model appears in several runs
    model: str
    run_id: str
    run_dir: Path
    directory: Path
    summary: EvaluationSummary
    records: list[GenerationRecord]
    scores: list[CaseScores]

    @property
    def metrics(self) -> dict[str, Any]:
        return self.summary.metrics

    def metric(self, name: str) -> float | None:
        return value_of(self.metrics, name)

    def metric_value(self, name: str) -> MetricValue:
        """The value of metric ``name`` with its 95% interval (bounds None where it has none)."""
        return MetricValue(self.metric(name), *(self.metric(key) for key in ci_keys(name)))

    @property
    def task(self) -> str | None:
        """The set's task, which decides the primary quality metric and the default gates."""
        return self.summary.task

    def ranking_key(self) -> tuple[Any, ...]:
        return (*ranking_key(self.metrics, failed=bool(self.summary.error), task=self.task), self.label)


@dataclass(frozen=True)
class ModelSettings:
    model: str
    run_id: str
    model_id: str | None
    revision: str | None
    file_sha256: str | None
    backend: str | None
    backend_version: str | None
    device: str | None
    sampling: dict[str, Any]
    prompt: str
    prompt_hash: str | None
    evalset: str
    evalset_version: str | None
    evalset_hash: str
    concurrency: int | None
    error: str | None
    long_records: dict[str, Any] | None = None  # the strategy for records over the context (None: not recorded)
    long_record_figures: dict[str, MetricValue] = field(default_factory=dict)  # LONG_RECORD_FIGURES' values


@dataclass(frozen=True)
class MetricValue:
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    model: str
    values: dict[str, MetricValue]


@dataclass(frozen=True)
class GateResult:
    model: str
    gate: Gate
    value: float | None
    passed: bool

    def describe(self) -> str:
        shown = "not reported" if self.value is None else format_value(self.value)
        return f"{self.gate.describe()} (got {shown})"


@dataclass(frozen=True)
class ParetoFront:
    quality_metric: str
    cost_metric: str
    points: dict[str, tuple[float, float]]  # model -> (cost, quality)
    front: list[str]  # models on the front, by cost
    excluded: list[str]  # models without both values


@dataclass(frozen=True)
class WorstCase:
    model: str
    case_id: str
    row_index: int  # row of the model's MLflow cases.json table
    quality: float | None  # the primary quality metric of the case
    phi_leaked: list[dict[str, Any]]
    error: str | None
    output_excerpt: str | None


@dataclass(frozen=True)
class Recommendation:
    model: str | None
    reasons: list[str]
    failures: dict[str, list[str]]  # model -> failed gates (described)
    runner_up: str | None
    comparison: PairedComparison | None  # primary quality metric, recommended (or best) vs. runner-up

    @property
    def significant(self) -> bool | None:
        return None if self.comparison is None else self.comparison.significant


@dataclass(frozen=True)
class LoadEvidence:
    """A load test shown beside the comparison: its record (``load.json``), where it was read, and
    how it differs from the comparison (models, evaluation set, prompt)."""
    directory: Path
    record: LoadTest
    models_not_compared: list[str]  # models of the load test that are not in the comparison
    same_evalset: bool  # the load test sent the comparison's evaluation set (same hash)
    same_prompt: bool  # ... with the comparison's prompt version (same hash)


@dataclass
class Report:
    run_ids: list[str]
    run_dirs: list[Path]
    evalset: str
    evalset_version: str | None
    evalset_hash: str
    prompt: str
    prompt_hash: str | None
    rouge_scheme: str  # the ROUGE tokenization of every ROUGE figure in the report
    task: str | None  # the set's task: it names the primary quality metric, the gates and the leaderboard columns
    thresholds: Thresholds
    models: list[str]
    settings: list[ModelSettings]
    leaderboard: list[LeaderboardRow]
    phi_by_label: dict[str, dict[str, float | None]]  # model -> label -> leak rate
    phi_labels: list[str]
    latency: dict[str, dict[str, float | int | None]]  # model -> metric -> value
    gates: dict[str, list[GateResult]]  # model -> results in thresholds order
    pareto_latency: ParetoFront
    pareto_phi: ParetoFront
    significance: list[PairedComparison]  # top two by the ranking rule, every paired metric
    worst_cases: dict[str, list[WorstCase]]
    recommendation: Recommendation
    missing_models: list[str] = field(default_factory=list)
    load_tests: list[LoadEvidence] = field(default_factory=list)
    guards: list[GuardRunFile] = field(default_factory=list)  # guard verdicts on the outputs (``workbench guard``)
    judges: list[JudgeRunFile] = field(default_factory=list)  # rubric grading by judge models (``workbench judge``)
    pairwise: list[PairwiseRunFile] = field(default_factory=list)  # side-by-side judging in both orders
    juries: list[JurySummary] = field(default_factory=list)  # judges of one run with the same rubric, together
    reviews: list[ClinicianReview] = field(default_factory=list)  # clinician review tasks over the runs
    models_without_load_test: list[str] = field(default_factory=list)  # only when load tests are given
    comparison_order: list[str] = field(default_factory=list)  # the models as the runs list them: picks colours

    def passes_all(self, model: str) -> bool:
        return all(result.passed for result in self.gates[model])


# --- reading run directories --------------------------------------------------------------


def read_evaluations(run_dirs: list[Path]) -> tuple[list[ModelEvaluation], list[str]]:
    """Every finished evaluation of every run directory, and the ``model@run`` names without one."""
    found: list[ModelEvaluation] = []
    missing: list[str] = []
    for run_dir in run_dirs:
        run_dir = Path(run_dir)
        try:
            run = read_run_dir(run_dir)
        except RunDirectoryError as exc:
            raise ReportError(str(exc)) from exc
        run_id = run.manifest.run_id or run_dir.name
        missing.extend(f"{model}@{run_id}" for model in run.missing)
        found.extend(
            ModelEvaluation(label=files.model, model=files.model, run_id=run_id, run_dir=run_dir,
                            directory=files.directory, summary=files.summary, records=files.records,
                            scores=files.scores)
            for files in run.evaluations
        )
    if not found:
        raise ReportError(f"no finished evaluation (no {EVALUATION_FILE}) in {', '.join(map(str, run_dirs))}")
    names = [item.model for item in found]
    for item in found:
        if names.count(item.model) > 1:
            item.label = f"{item.model}@{item.run_id}"
    return found, missing


def _check_comparable(evaluations: list[ModelEvaluation]) -> None:
    hashes = {item.summary.evalset_hash for item in evaluations}
    if len(hashes) > 1:
        listing = "; ".join(f"{item.model} (run {item.run_id}): {item.summary.evalset} "
                            f"v{item.summary.evalset_version} hash {item.summary.evalset_hash}" for item in evaluations)
        raise ReportError("refusing to compare evaluations over different evaluation sets (evalset_hash differs): "
                          + listing)
    prompts = {(item.summary.prompt, item.summary.prompt_hash) for item in evaluations}
    if len(prompts) > 1:
        listing = "; ".join(f"{item.model} (run {item.run_id}): prompt {item.summary.prompt} "
                            f"hash {item.summary.prompt_hash}" for item in evaluations)
        raise ReportError("refusing to compare evaluations made with different prompt versions: " + listing)
    schemes = {item.summary.rouge_scheme for item in evaluations if item.summary.rouge_scheme}
    if len(schemes) > 1:
        listing = "; ".join(f"{item.model} (run {item.run_id}): {item.summary.rouge_scheme}" for item in evaluations)
        raise ReportError("refusing to compare ROUGE computed with different tokenizations: " + listing)


def _settings(item: ModelEvaluation) -> ModelSettings:
    summary = item.summary
    info = summary.backend_info or {}
    generation = summary.generation_settings
    return ModelSettings(
        model=item.label, run_id=item.run_id,
        model_id=info.get("model_id") or generation.get("model") or generation.get("package") or generation.get("path"),
        revision=info.get("resolved_revision") or generation.get("revision"),
        file_sha256=info.get("file_sha256") or generation.get("sha256"),
        backend=info.get("backend") or generation.get("backend"),
        backend_version=info.get("backend_version"), device=info.get("device"),
        sampling=dict(generation.get("sampling") or {}),
        prompt=summary.prompt, prompt_hash=summary.prompt_hash, evalset=summary.evalset,
        evalset_version=summary.evalset_version, evalset_hash=summary.evalset_hash,
        concurrency=summary.effective_concurrency, error=summary.error,
        long_records=summary.long_records, long_record_figures=_long_record_figures(item),
    )


# --- records longer than the context (shared by the HTML and markdown renderings) ------------

OVER_CONTEXT = LONG_RECORD_FIGURES[0]  # cases that did not fit: the figures are shown when any model had one
_SETTINGS_NOT_SHOWN = ("strategy", "framing")  # the strategy leads the cell; the framing's hash is the workbench's


def _long_record_figures(item: ModelEvaluation) -> dict[str, MetricValue]:
    return {name: item.metric_value(name) for name in LONG_RECORD_FIGURES}


def long_record_setting(settings: dict[str, Any] | None) -> str:
    """A model's strategy for records over its context with its settings, e.g. ``map-reduce (chunk_tokens=as many
    as fit, chunk_overlap=0)``; "not recorded" for an evaluation written before the strategy was recorded."""
    if settings is None:
        return NOT_RECORDED
    details = ", ".join(f"{key}={value}" for key, value in settings.items() if key not in _SETTINGS_NOT_SHOWN)
    strategy = str(settings.get("strategy", NOT_RECORDED))
    return f"{strategy} ({details})" if details else strategy


def any_over_context(report: Report) -> bool:
    """Whether any model of the report had a case whose prompt did not fit its context."""
    return any((setting.long_record_figures.get(OVER_CONTEXT) or MetricValue(None)).value
               for setting in report.settings)


def _figure_cell(declared: Metric, value: MetricValue | None) -> str:
    if value is None or value.value is None:
        return "–"
    if declared.interval and value.ci_low is not None and value.ci_high is not None:
        return f"{declared.format(value.value)} [{declared.format(value.ci_low)}, {declared.format(value.ci_high)}]"
    return declared.format(value.value)


def long_record_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    """One row per model: its strategy and chunk settings, then, when any case was over a context, the figures of
    :data:`LONG_RECORD_FIGURES` headed as the registry declares them."""
    figures = [declared_metric(name) for name in LONG_RECORD_FIGURES] if any_over_context(report) else []
    header = ["model", "long records"] + [item.heading for item in figures]
    rows = [[setting.model, long_record_setting(setting.long_records)]
            + [_figure_cell(item, setting.long_record_figures.get(item.name)) for item in figures]
            for setting in report.settings]
    return header, rows


def long_record_note(report: Report) -> str:
    """What the long-record table says: the strategy, and each figure's declared definition when it is shown."""
    note = ("What a run did with a case whose prompt and max_tokens did not fit the model's context (refuse, "
            "truncate, map-reduce or refine); records that fit are sent whole.")
    if not any_over_context(report):
        return note + " No case was recorded as over its model's context."
    return note + " " + "; ".join(f"{item.label}: {item.definition}"
                                  for item in map(declared_metric, LONG_RECORD_FIGURES)) + "."


def read_load_tests(load_dirs: list[Path]) -> list[tuple[Path, LoadTest]]:
    """The ``load.json`` of each load test directory, in the order given, each load test once."""
    found: dict[str, tuple[Path, LoadTest]] = {}
    for directory in map(Path, load_dirs):
        if not directory.exists():
            raise ReportError(f"load test {directory} not found")
        if directory.is_dir() and not (directory / LOAD_FILE).is_file():
            kind = "a comparison run directory" if (directory / RUN_FILE).is_file() else "a directory"
            raise ReportError(f"{directory} is {kind}, not a load test: it has no {LOAD_FILE} "
                              "(`workbench load` writes runs/load-*/load.json)")
        try:
            record = read_load_test(directory)
        except LoadFileError as exc:
            raise ReportError(f"not a readable load test: {exc}") from exc
        found.setdefault(record.load_id, (directory, record))
    return list(found.values())


def load_evidence(directory: Path, record: LoadTest, evaluations: list[ModelEvaluation]) -> LoadEvidence:
    """How one load test stands beside the comparison's evaluations."""
    compared = {item.model for item in evaluations}
    first = evaluations[0].summary
    return LoadEvidence(
        directory=directory, record=record,
        models_not_compared=[sweep.model for sweep in record.models if sweep.model not in compared],
        same_evalset=record.evalset_hash == first.evalset_hash,
        same_prompt=(record.prompt, record.prompt_hash) == (first.prompt, first.prompt_hash))


def without_load_test(evaluations: list[ModelEvaluation], load_tests: list[LoadEvidence]) -> list[str]:
    """The comparison's models (labels) that no load test swept."""
    swept = {sweep.model for evidence in load_tests for sweep in evidence.record.models}
    return [item.label for item in evaluations if item.model not in swept]


# --- analysis -------------------------------------------------------------------------------


def pareto_front(points: dict[str, tuple[float, float]]) -> list[str]:
    """Models not dominated on (cost low, quality high): no other is at least as good on both and better on one."""
    front = []
    for model, (cost, quality) in points.items():
        dominated = any(other_cost <= cost and other_quality >= quality and (other_cost < cost or other_quality > quality)
                        for other, (other_cost, other_quality) in points.items() if other != model)
        if not dominated:
            front.append(model)
    return sorted(front, key=lambda name: (points[name][0], -points[name][1], name))


def _pareto(evaluations: list[ModelEvaluation], cost_metric: str, task: str | None) -> ParetoFront:
    points: dict[str, tuple[float, float]] = {}
    excluded = []
    quality_metric = primary("quality", task).name
    for item in evaluations:
        quality, cost = item.metric(quality_metric), item.metric(cost_metric)
        if quality is None or cost is None:
            excluded.append(item.label)
        else:
            points[item.label] = (cost, quality)
    return ParetoFront(quality_metric, cost_metric, points, pareto_front(points), excluded)


def _count_or_metric(item: ModelEvaluation, metric: str) -> float | int | None:
    raw = item.metrics.get(metric)
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else item.metric(metric)


def _evaluate_gates(item: ModelEvaluation, thresholds: Thresholds) -> list[GateResult]:
    return [GateResult(item.label, gate, item.metric(gate.metric), gate.passes(item.metric(gate.metric)))
            for gate in thresholds.gates]


def _worst_cases(item: ModelEvaluation, limit: int, excerpt_chars: int) -> list[WorstCase]:
    """The cases with the lowest primary quality, or any leaked PHI, or a failure."""
    quality_metric = primary("quality", item.task).name
    scores = {score.id: score for score in item.scores}
    ordered = sorted(item.records, key=lambda record: record.case_index)  # the order of cases.json
    cases = []
    for row_index, record in enumerate(ordered):
        score = scores.get(record.case_id)
        output = record.output
        excerpt = None
        if excerpt_chars > 0 and record.ok:
            excerpt = output[:excerpt_chars] + ("…" if len(output) > excerpt_chars else "")
        cases.append(WorstCase(model=item.label, case_id=record.case_id, row_index=row_index,
                               quality=score.value(quality_metric) if score else None,
                               phi_leaked=list(score.phi_leaked) if score else [], error=record.error,
                               output_excerpt=excerpt))
    by_quality = sorted(cases, key=lambda case: (case.quality if case.quality is not None else -1.0, case.row_index))
    lowest = {case.case_id for case in by_quality[:limit]}
    chosen = [case for case in cases if case.case_id in lowest or case.phi_leaked or case.error]
    chosen.sort(key=lambda case: (case.quality if case.quality is not None else -1.0, -len(case.phi_leaked),
                                  case.row_index))
    return chosen[:limit]


def _between(comparisons: list[PairedComparison], a: str, b: str) -> list[PairedComparison]:
    """The comparisons of the pair (a, b), from the comparisons of every model (Holm-corrected together)."""
    return [result for result in comparisons if {result.model_a, result.model_b} == {a, b}]


def _quality_comparison(results: list[PairedComparison], task: str | None) -> PairedComparison | None:
    return next((result for result in results if result.metric == primary("quality", task).name), None)


def _recommend(ranked: list[ModelEvaluation], gates: dict[str, list[GateResult]], ranks: dict[str, int],
               comparisons: list[PairedComparison], task: str | None) -> Recommendation:
    top_two = _between(comparisons, ranked[0].label, ranked[1].label) if len(ranked) > 1 else []
    failures = {item.label: [result.describe() for result in gates[item.label] if not result.passed] for item in ranked}
    passing = [item for item in ranked if not failures[item.label]]
    if not passing:
        reasons = ["no model passes all gates"]
        reasons += [f"{model} fails: {'; '.join(failed)}" for model, failed in failures.items()]
        comparison = _quality_comparison(top_two, task)
        runner_up = ranked[1].label if len(ranked) > 1 else None
        if comparison is not None:
            reasons.append(_significance_sentence(comparison))
        return Recommendation(None, reasons, failures, runner_up, comparison)
    best = passing[0]
    quality_metric, latency_metric = primary("quality", task), primary("latency")
    quality, latency = best.metric(quality_metric.name), best.metric(latency_metric.name)
    low, high = (best.metric(key) for key in ci_keys(quality_metric.name))
    reasons = [f"{best.label} passes all {len(gates[best.label])} gates",
               f"first among passing models ({ranking_rule_text(task)}): {quality_metric.label} {format_value(quality)} "
               f"(95% CI {format_value(low)}–{format_value(high)}), {latency_metric.label} {format_value(latency)} {latency_metric.unit}"]
    ties = [item.label for item in passing[1:] if item.metric(quality_metric.name) == quality]
    if ties:
        reasons.append(f"tied on {quality_metric.label} with {', '.join(ties)}; ordered by the next metrics of the "
                       "ranking rule")
    others = [item for item in ranked if item.label != best.label]
    runner_up = others[0].label if others else None
    comparison = None
    if runner_up is not None:
        comparison = _quality_comparison(_between(comparisons, best.label, runner_up), task)
        if failures[runner_up]:
            reasons.append(f"runner-up {runner_up} fails: {'; '.join(failures[runner_up])}")
        reasons.append(_significance_sentence(comparison) if comparison is not None
                       else f"too few shared cases to test the difference to {runner_up}")
        if ranks[best.label] == ranks[runner_up]:
            reasons.append(f"{best.label} and {runner_up} share rank {ranks[best.label]}: no Holm-corrected test "
                           f"separates them on {quality_metric.label}, so the choice rests on point estimates"
                           + (f" (fewer than {MIN_CASES_FOR_RANKING} shared cases: underpowered)"
                              if comparison is None or comparison.underpowered else ""))
    else:
        reasons.append("the only model in the comparison")
    return Recommendation(best.label, reasons, failures, runner_up, comparison)


def _significance_sentence(result: PairedComparison) -> str:
    if result.underpowered:
        verdict = f"underpowered (n = {result.n} < {MIN_CASES_FOR_RANKING}), not significant at the 5% level"
    else:
        verdict = ("significant" if result.significant else "not significant") + " at the 5% level after Holm"
    adjusted = "" if result.p_adjusted is None else f", Holm-adjusted p = {format_value(result.p_adjusted)}"
    return (f"{result.metric} difference {result.model_a} − {result.model_b} = {format_value(result.mean_difference)} "
            f"(95% CI {format_value(result.ci_low)}–{format_value(result.ci_high)}, p = {format_value(result.p_value)}"
            f"{adjusted}, n = {result.n}): {verdict}")


def leaderboard_metrics(task: str | None = None) -> list[Metric]:
    """The report's leaderboard columns: the registry's headline metrics for the set's ``task``."""
    return headline_metrics([task])


def latency_metrics(evaluations: list[ModelEvaluation]) -> list[Metric]:
    """Latency and volume figures that at least one evaluation reports."""
    return [item for item in [*metrics_where(kind="latency"), *metrics_where(kind="volume")]
            if any(evaluation.metrics.get(item.name) is not None for evaluation in evaluations)]


def build_report(run_dirs: list[Path], thresholds: Thresholds | None = None, *,
                 worst_cases: int = WORST_CASES_PER_MODEL, output_excerpt_chars: int = OUTPUT_EXCERPT_CHARS,
                 load_dirs: list[Path] | None = None) -> Report:
    """Gather the evaluations of ``run_dirs`` into a report; refuses mixed evaluation sets or prompts.

    ``load_dirs`` are load tests (``runs/load-*``) shown beside the comparison, whatever models,
    set or prompt they used: the report says where they differ. They do not change the
    recommendation."""
    if not run_dirs:
        raise ReportError("no run directory given")
    run_dirs = [Path(path) for path in run_dirs]
    evaluations, missing = read_evaluations(run_dirs)
    _check_comparable(evaluations)
    task = evaluations[0].task  # one set, so one task
    thresholds = thresholds or default_thresholds(task)
    load_tests = [load_evidence(directory, record, evaluations)
                  for directory, record in read_load_tests(list(load_dirs or []))]
    for gate in thresholds.gates:  # a declared metric may be missing (every case failed): the gate then fails
        if not is_metric(gate.metric) and not any(gate.metric in item.metrics for item in evaluations):
            raise ReportError(f"{thresholds.source}: gate '{gate.metric}' names a metric that is neither declared "
                              "nor reported by any evaluation")
    ranked = sorted(evaluations, key=ModelEvaluation.ranking_key)
    comparisons = paired_comparisons([(item.label, item.directory) for item in ranked
                                      if item.records and not item.summary.error])
    ranks = shared_ranks([(item.label, item.ranking_key()[:-1]) for item in ranked], comparisons, task)
    leaderboard = [LeaderboardRow(ranks[item.label], item.label, {
        column.name: item.metric_value(column.name)
        for column in leaderboard_metrics(task)}) for item in ranked]
    privacy = primary("privacy").name
    labels = sorted({label for item in ranked for label in per_label(item.metrics, privacy)})
    phi_by_label = {item.label: {label: per_label(item.metrics, privacy).get(label) for label in labels}
                    for item in ranked}
    latency = {item.label: {column.name: _count_or_metric(item, column.name) for column in latency_metrics(ranked)}
               for item in ranked}
    gates = {item.label: _evaluate_gates(item, thresholds) for item in ranked}
    top_two = _between(comparisons, ranked[0].label, ranked[1].label) if len(ranked) >= 2 else []
    first = evaluations[0].summary
    return Report(
        run_ids=list(dict.fromkeys(item.run_id for item in evaluations)), run_dirs=run_dirs,
        evalset=first.evalset, evalset_version=first.evalset_version, evalset_hash=first.evalset_hash,
        prompt=first.prompt, prompt_hash=first.prompt_hash,
        rouge_scheme=next((item.summary.rouge_scheme for item in evaluations if item.summary.rouge_scheme),
                          NOT_RECORDED),
        task=task, thresholds=thresholds,
        models=[item.label for item in ranked],
        settings=[_settings(item) for item in ranked], leaderboard=leaderboard, phi_by_label=phi_by_label,
        phi_labels=labels, latency=latency, gates=gates,
        pareto_latency=_pareto(ranked, primary("latency").name, task), pareto_phi=_pareto(ranked, privacy, task),
        significance=top_two,
        worst_cases={item.label: _worst_cases(item, worst_cases, output_excerpt_chars) for item in ranked},
        recommendation=_recommend(ranked, gates, ranks, comparisons, task), missing_models=missing,
        load_tests=load_tests, guards=guard_evidence(run_dirs, [item.label for item in ranked]),
        judges=[judged for run_dir in run_dirs for judged in read_judge_runs(run_dir)],
        pairwise=[compared for run_dir in run_dirs for compared in read_pairwise_runs(run_dir)],
        juries=juries_of(run_dirs), reviews=clinician_reviews(run_dirs),
        models_without_load_test=without_load_test(ranked, load_tests) if load_tests else [],
        comparison_order=[item.label for item in evaluations],
    )


# --- clinician review (shared by the HTML and markdown renderings) --------------------------

REVIEW_SECTION_NOTE = ("Clinicians reviewed the outputs blinded: pairwise tasks show two outputs as A and B in an "
                       "order drawn for each reviewer, Likert tasks one output at a time, never the model's name. "
                       "Agreement between reviewers: Cohen's κ (two reviewers), Fleiss' κ (three or more ratings per "
                       "item), weighted κ (Likert, two reviewers) and Krippendorff's α. Win rates count wins over "
                       "decided comparisons (95% Wilson interval); Likert means have 95% bootstrap intervals. "
                       "Spearman's ρ sets each automatic score against the clinicians, oriented so that a positive ρ "
                       "means the score agrees with them. Per-model figures are shown once a task is complete or "
                       "its models were revealed by an administrator.")


@dataclass(frozen=True)
class ClinicianReview:
    """One review task's results and whether they may name the models (complete, or revealed)."""

    results: ReviewResults
    names_shown: bool
    revealed_by: str | None = None


def clinician_reviews(run_dirs: list[Path]) -> list[ClinicianReview]:
    """The review tasks of the run directories, in the order they were created."""
    from workbench.review.answering import names_visible
    from workbench.review.results import review_results
    from workbench.review.store import ReviewStore, run_dirs_with_reviews
    from workbench.run.run_cases import load_run_cases

    found = []
    for run_dir in run_dirs_with_reviews(run_dirs):
        store = ReviewStore(run_dir)
        tasks = store.tasks()
        if not tasks:
            continue
        run = load_run_cases(run_dir)
        for task in tasks:
            found.append(ClinicianReview(results=review_results(store, task, run), names_shown=names_visible(store, task),
                                         revealed_by=task.revealed_by))
    return found


def review_facts(review: ClinicianReview) -> list[str]:
    """How far the task got, who revealed its models early, and why its per-model figures are not shown."""
    results = review.results
    facts = [f"{results.answered} of {results.assigned} answers from {', '.join(results.reviewers)}; "
             f"models {', '.join(results.models) if review.names_shown else 'hidden until the task is complete'}"]
    if review.revealed_by and not results.complete:
        facts.append(f"models revealed before completion by {review.revealed_by}")
    return facts


# --- guard verdicts (shared by the HTML and markdown renderings) -----------------------------

GUARD_SECTION_NOTE = ("A guard model's verdict on each output (safe, controversial, unsafe), read from its own reply "
                      "format; a reply that does not follow it is unparsed and counted, never guessed. Safe outputs "
                      "would pass, controversial and unparsed ones go to a person, unsafe ones are blocked. Shares "
                      "with 95% Wilson intervals; agreement with gold: the guard naming PII against at least one gold "
                      "identifier copied, on cases with gold spans (the 2 × 2 table: both say so, only the guard, "
                      "only the gold spans, neither; Cohen's κ).")


def guard_evidence(run_dirs: list[Path], models: list[str]) -> list[GuardRunFile]:
    """Every guard's summary in the run directories, keeping only the report's models."""
    found = []
    for run_dir in run_dirs:
        for guard_run in read_guard_runs(run_dir):
            kept = [summary for summary in guard_run.summaries if summary.model in models]
            if kept:
                found.append(guard_run.model_copy(update={"summaries": kept}))
    return found


def guard_rows(guard_run: GuardRunFile) -> list[GuardSummary]:
    """The rows of a guard's table: one per model, then its verdicts on the source notes when it gave them."""
    return [*guard_run.summaries, *([guard_run.sources] if guard_run.sources is not None else [])]


def guard_facts(guard_run: GuardRunFile) -> list[str]:
    """Who judged and how: the guard, its family, how it was asked, same-family candidates it was allowed to judge,
    and the cases where it and the gold spans disagree."""
    facts = [f"guard {guard_run.guard} ({guard_run.guard_family} family), asked through {guard_run.instruction}"]
    if guard_run.same_family_graded:
        facts.append(f"judged candidates of its own family because the user allowed it: "
                     f"{', '.join(guard_run.same_family_graded)}")
    for summary in guard_rows(guard_run):
        if summary.agreement and summary.agreement.disagreeing_cases:
            facts.append(f"{summary.model}: guard and gold disagree on "
                         f"{', '.join(summary.agreement.disagreeing_cases)}")
    return facts


# --- judges (shared by the HTML and markdown renderings) -----------------------------------------

JUDGE_SECTION_NOTE = ("A judge model grades each output against each rubric criterion with a yes/no verdict and a "
                      "short justification; a reply that is not the asked-for JSON is unparsed, counted and left out. "
                      "Rubric score per output: points of criteria met, less points of must-not criteria met, over "
                      "the points possible; means with 95% bootstrap intervals over outputs. Pairwise: each pair is "
                      "shown to the judge in both orders and a win counts only when both orders agree.")


def judge_facts(judged: JudgeRunFile) -> list[str]:
    """Who graded with what: the judge, its family, the rubric and its hash, the instruction, same-family
    candidates it was allowed to grade, cases whose note came from the model's request."""
    facts = [f"judge {judged.judge} ({judged.judge_family} family) graded with rubric {judged.rubric} "
             f"({judged.rubric_hash[:12]}), asked through {judged.instruction}"]
    if judged.same_family_graded:
        facts.append(f"graded candidates of its own family because the user allowed it: "
                     f"{', '.join(judged.same_family_graded)}")
    if judged.notes_from_requests:
        facts.append(f"the set could not be found as it was; the note came from the model's request for "
                     f"{', '.join(judged.notes_from_requests)}")
    return facts


def juries_of(run_dirs: list[Path]) -> list[JurySummary]:
    """For each run graded by two or more judges with one rubric, the jury of those judges."""
    juries = []
    for run_dir in run_dirs:
        by_rubric: dict[str, list[str]] = {}
        for judged in read_judge_runs(run_dir):
            by_rubric.setdefault(judged.rubric_hash, []).append(judged.judge)
        juries += [read_jury(run_dir, judges) for judges in by_rubric.values() if len(judges) > 1]
    return juries


# --- load tests as text (shared by the HTML and markdown renderings) -------------------------


LOAD_LEVEL_HEADER = ["level", "requests", "requests/s", "output tokens/s", "goodput/s", "e2e p50 (s)", "e2e p95 (s)",
                     "TTFT p95 (s)", "failures"]
LOAD_SECTION_NOTE = ("Load tests run beside the comparison: at each level a model had exactly that many requests "
                     "in flight, every request generated (no cache). Goodput counts the requests per second that "
                     "met every objective; a level holds the end-to-end objective when its p95 is within it and no "
                     "request failed. Evidence beside the recommendation: no gate reads it.")


def load_level_rows(sweep: ModelSweep) -> tuple[list[str], list[list[str]]]:
    """One row per level of a model's sweep: throughput, goodput, latency percentiles, failures."""
    rows = [[str(level.concurrency), str(level.requests), format_value(level.throughput_rps),
             format_value(level.output_tokens_per_s), format_value(level.goodput_rps), format_value(level.e2e_p50_s),
             format_value(level.e2e_p95_s), format_value(level.ttft_p95_s), str(level.failures)]
            for level in sweep.levels]
    return list(LOAD_LEVEL_HEADER), rows


def highest_level_sentence(record: LoadTest, sweep: ModelSweep) -> str:
    """``"highest concurrency meeting e2e p95 ≤ 10 s: 4"`` (``none`` when no level held it)."""
    if record.objectives.e2e_s is None:
        return "no end-to-end objective was set (workbench load --slo e2e=SECONDS): no level is judged"
    highest = sweep.highest_level_meeting_e2e
    return (f"highest concurrency meeting e2e p95 ≤ {record.objectives.e2e_s:g} s: "
            + (str(highest) if highest is not None else "none"))


def sweep_facts(sweep: ModelSweep) -> list[str]:
    """What served a model's sweep, and why it stopped if it did."""
    info = sweep.backend_info or {}
    facts = []
    if info:
        served = f"served by {info.get('backend')} {info.get('backend_version') or ''}".rstrip()
        facts.append(served + (f", {info.get('model_id')}" if info.get("model_id") else "")
                     + (f", {info.get('device')}" if info.get("device") else ""))
        if (info.get("details") or {}).get("timings") == "scripted":
            facts.append("its timings are written by a script, not measured")
    if sweep.error:
        facts.append(f"the sweep stopped: {sweep.error}")
    elif not sweep.levels:
        facts.append("no level finished")
    return facts


def load_test_facts(evidence: LoadEvidence, report: Report) -> list[str]:
    """A load test's settings, then each way it differs from the comparison."""
    record = evidence.record
    per_level = (f"{record.requests_per_level} requests per level" if record.requests_per_level is not None
                 else "max(2 × level, cases) requests per level")
    facts = [f"Evaluation set {record.evalset} v{record.evalset_version} ({record.evalset_cases} cases, hash "
             f"{record.evalset_hash}); prompt {record.prompt}; levels {', '.join(map(str, record.levels))}; "
             f"{per_level}; {record.warmup} warm-up request(s) per model; objectives: {record.objectives.describe()}"]
    if not evidence.same_evalset:
        facts.append(f"a different evaluation set from the comparison's: this load test sent {record.evalset} "
                     f"v{record.evalset_version} (hash {record.evalset_hash}), the comparison scored {report.evalset} "
                     f"v{report.evalset_version} (hash {report.evalset_hash})")
    if not evidence.same_prompt:
        facts.append(f"a different prompt from the comparison's: this load test used {record.prompt} (hash "
                     f"{record.prompt_hash}), the comparison {report.prompt} (hash {report.prompt_hash})")
    if evidence.models_not_compared:
        facts.append(f"models of this load test not in the comparison: {', '.join(evidence.models_not_compared)}")
    return facts


def without_load_test_sentence(report: Report) -> str | None:
    """The comparison's models that no load test swept, as a sentence; None when every one was."""
    if not report.load_tests or not report.models_without_load_test:
        return None
    return f"models of the comparison without a load test: {', '.join(report.models_without_load_test)}"


def format_value(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if value != 0 and abs(value) < 10 ** -digits:
            return f"{value:.2e}"
        return f"{value:.{digits}f}"
    return str(value)
