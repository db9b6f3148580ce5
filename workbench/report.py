"""A decision report for a comparison: one self-contained HTML file and a markdown summary.

``build_report(run_dirs, thresholds)`` reads what ``workbench run`` left on disk (one or
more run directories over the *same* evaluation set and prompt) and gathers:
settings and provenance per model, a leaderboard with bootstrap CIs, PHI leakage by
label, latency percentiles, pass/fail gates from a thresholds file, the Pareto fronts
(quality vs. latency, quality vs. PHI leakage), a paired significance test between the
two best models by ROUGE-L, the worst cases per model and a recommendation with reasons.

Thresholds are a YAML mapping of metric name (any key of ``evaluation.json``'s
``metrics``) to ``{min: X}`` and/or ``{max: Y}``, optionally under a top-level
``gates:`` key::

    phi_leak_rate: {max: 0}
    e2e_p95_s: {max: 30}
    rougeL: {min: 0.3}
    structure_compliance: {min: 0.9}

Without a file, :data:`DEFAULT_GATES` applies: exactly the four gates above (no leaked
gold PHI at all, 95th-percentile end-to-end latency at most 30 s, ROUGE-L at least 0.3,
at least 90% of the required sections present).

``render_html`` writes everything into one file: the plotly library is inlined, so the
report opens without network access. All text taken from runs is escaped.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from workbench.compare import paired_comparisons
from workbench.runner import EVALUATION_FILE, RUN_FILE, RunDirectoryError, read_json_object, read_run_dir
from workbench.scoring.stats import PairedComparison

REPORT_HTML = "report.html"
REPORT_MD = "report.md"
REPORT_ARTIFACT_DIR = "report"

QUALITY_METRIC = "rougeL"
LATENCY_METRIC = "e2e_p95_s"
PHI_METRIC = "phi_leak_rate"
LEADERBOARD_METRICS = ("rougeL", "rougeLsum", "structure_compliance", "values_kept_rate", "phi_leak_rate",
                       "e2e_p95_s", "ttft_p50_s")
LATENCY_METRICS = ("ttft_p50_s", "ttft_p90_s", "ttft_p99_s", "tpot_p50_s", "itl_p50_s", "e2e_p50_s", "e2e_p90_s",
                   "e2e_p95_s", "e2e_p99_s", "output_tokens_per_s_p50", "cases", "failures", "cached", "concurrency")
# Lower is better for these; everything else on the leaderboard is higher-is-better.
LOWER_IS_BETTER = {"phi_leak_rate", "e2e_p95_s", "ttft_p50_s"}
WORST_CASES_PER_MODEL = 5
OUTPUT_EXCERPT_CHARS = 240


class ReportError(ValueError):
    """The run directories cannot be reported on together, or a thresholds file is invalid."""


# --- thresholds -------------------------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    metric: str
    min: float | None = None
    max: float | None = None

    def describe(self) -> str:
        parts = []
        if self.min is not None:
            parts.append(f"{self.metric} ≥ {_fmt(self.min)}")
        if self.max is not None:
            parts.append(f"{self.metric} ≤ {_fmt(self.max)}")
        return " and ".join(parts)


@dataclass(frozen=True)
class Thresholds:
    gates: tuple[Gate, ...]
    source: str = "default"


DEFAULT_GATES: tuple[Gate, ...] = (
    Gate("phi_leak_rate", max=0.0),
    Gate("e2e_p95_s", max=30.0),
    Gate("rougeL", min=0.3),
    Gate("structure_compliance", min=0.9),
)


def default_thresholds() -> Thresholds:
    """No leaked gold PHI, e2e p95 ≤ 30 s, ROUGE-L ≥ 0.3, structure compliance ≥ 0.9."""
    return Thresholds(gates=DEFAULT_GATES, source="default")


def _bound(path: Path, metric: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(float(value)):
        raise ReportError(f"{path}: gate '{metric}': '{key}' must be a number, got {value!r}")
    return float(value)


def load_thresholds(path: Path) -> Thresholds:
    """Gates from a YAML file: ``metric: {min: X, max: Y}`` (either bound or both), optionally under ``gates:``."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ReportError(f"thresholds file {path} not found") from exc
    except yaml.YAMLError as exc:
        raise ReportError(f"{path}: not valid YAML: {exc}") from exc
    if isinstance(data, dict) and set(data) == {"gates"}:
        data = data["gates"]
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
            raise ReportError(f"{path}: gate '{metric}': unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                              "use 'min' and/or 'max'")
        low = _bound(path, metric, "min", spec["min"]) if spec.get("min") is not None else None
        high = _bound(path, metric, "max", spec["max"]) if spec.get("max") is not None else None
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
    evaluation: dict[str, Any]
    records: list[dict[str, Any]]
    scores: list[dict[str, Any]]

    @property
    def metrics(self) -> dict[str, Any]:
        return self.evaluation.get("metrics") or {}

    def metric(self, name: str) -> float | None:
        value = self.metrics.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(float(value)):
            return None
        return float(value)


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
        shown = "not reported" if self.value is None else _fmt(self.value)
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
    rougeL: float | None
    phi_leaked: list[dict[str, Any]]
    error: str | None
    output_excerpt: str | None


@dataclass(frozen=True)
class Recommendation:
    model: str | None
    reasons: list[str]
    failures: dict[str, list[str]]  # model -> failed gates (described)
    runner_up: str | None
    comparison: PairedComparison | None  # rougeL, recommended (or best) vs. runner-up

    @property
    def significant(self) -> bool | None:
        return None if self.comparison is None else self.comparison.significant


@dataclass
class Report:
    run_ids: list[str]
    run_dirs: list[Path]
    evalset: str
    evalset_version: str | None
    evalset_hash: str
    prompt: str
    prompt_hash: str | None
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
    significance: list[PairedComparison]  # top two by rougeL, every paired metric
    worst_cases: dict[str, list[WorstCase]]
    recommendation: Recommendation
    missing_models: list[str] = field(default_factory=list)

    def passes_all(self, model: str) -> bool:
        return all(result.passed for result in self.gates[model])


# --- reading run directories --------------------------------------------------------------


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return read_json_object(path)
    except RunDirectoryError as exc:
        raise ReportError(str(exc)) from exc


def read_evaluations(run_dirs: list[Path]) -> tuple[list[ModelEvaluation], list[str]]:
    """Every finished evaluation of every run directory, and the ``model@run`` names without one."""
    found: list[ModelEvaluation] = []
    missing: list[str] = []
    for run_dir in run_dirs:
        run_dir = Path(run_dir)
        try:
            run, evaluations, not_finished = read_run_dir(run_dir)
        except RunDirectoryError as exc:
            raise ReportError(str(exc)) from exc
        run_id = str(run.get("run_id") or run_dir.name)
        missing.extend(f"{model}@{run_id}" for model in not_finished)
        found.extend(
            ModelEvaluation(label=files.model, model=files.model, run_id=run_id, run_dir=run_dir,
                            directory=files.directory, evaluation=files.evaluation, records=files.records,
                            scores=files.scores)
            for files in evaluations
        )
    if not found:
        raise ReportError(f"no finished evaluation (no {EVALUATION_FILE}) in {', '.join(map(str, run_dirs))}")
    names = [item.model for item in found]
    for item in found:
        if names.count(item.model) > 1:
            item.label = f"{item.model}@{item.run_id}"
    return found, missing


def _check_comparable(evaluations: list[ModelEvaluation]) -> None:
    hashes = {item.evaluation.get("evalset_hash") for item in evaluations}
    if len(hashes) > 1 or None in hashes:
        listing = "; ".join(f"{item.model} (run {item.run_id}): {item.evaluation.get('evalset') or '?'} "
                            f"v{item.evaluation.get('evalset_version') or '?'} "
                            f"hash {item.evaluation.get('evalset_hash') or 'missing'}" for item in evaluations)
        raise ReportError("refusing to compare evaluations over different evaluation sets (evalset_hash differs): "
                          + listing)
    prompts = {(item.evaluation.get("prompt"), item.evaluation.get("prompt_hash")) for item in evaluations}
    if len(prompts) > 1:
        listing = "; ".join(f"{item.model} (run {item.run_id}): prompt {item.evaluation.get('prompt')} "
                            f"hash {item.evaluation.get('prompt_hash') or 'missing'}" for item in evaluations)
        raise ReportError("refusing to compare evaluations made with different prompt versions: " + listing)


def _settings(item: ModelEvaluation) -> ModelSettings:
    evaluation = item.evaluation
    info = evaluation.get("backend_info") or {}
    generation = evaluation.get("generation_settings") or {}
    return ModelSettings(
        model=item.label, run_id=item.run_id,
        model_id=info.get("model_id") or generation.get("model") or generation.get("package") or generation.get("path"),
        revision=info.get("resolved_revision") or generation.get("revision"),
        file_sha256=info.get("file_sha256") or generation.get("sha256"),
        backend=info.get("backend") or generation.get("backend"),
        backend_version=info.get("backend_version"), device=info.get("device"),
        sampling=dict(generation.get("sampling") or {}),
        prompt=str(evaluation.get("prompt")), prompt_hash=evaluation.get("prompt_hash"),
        evalset=str(evaluation.get("evalset")), evalset_version=evaluation.get("evalset_version"),
        evalset_hash=str(evaluation.get("evalset_hash")),
        concurrency=evaluation.get("effective_concurrency", (evaluation.get("metrics") or {}).get("concurrency")),
        error=evaluation.get("error"),
    )


# --- analysis -------------------------------------------------------------------------------


def _quality_key(item: ModelEvaluation) -> tuple[float, float, str]:
    """Sort key: ROUGE-L high first, then e2e p95 low; missing values last."""
    quality = item.metric(QUALITY_METRIC)
    latency = item.metric(LATENCY_METRIC)
    return (-quality if quality is not None else math.inf, latency if latency is not None else math.inf, item.label)


def pareto_front(points: dict[str, tuple[float, float]]) -> list[str]:
    """Models not dominated on (cost low, quality high): no other is at least as good on both and better on one."""
    front = []
    for model, (cost, quality) in points.items():
        dominated = any(other_cost <= cost and other_quality >= quality and (other_cost < cost or other_quality > quality)
                        for other, (other_cost, other_quality) in points.items() if other != model)
        if not dominated:
            front.append(model)
    return sorted(front, key=lambda name: (points[name][0], -points[name][1], name))


def _pareto(evaluations: list[ModelEvaluation], cost_metric: str) -> ParetoFront:
    points: dict[str, tuple[float, float]] = {}
    excluded = []
    for item in evaluations:
        quality, cost = item.metric(QUALITY_METRIC), item.metric(cost_metric)
        if quality is None or cost is None:
            excluded.append(item.label)
        else:
            points[item.label] = (cost, quality)
    return ParetoFront(QUALITY_METRIC, cost_metric, points, pareto_front(points), excluded)


def _count_or_metric(item: ModelEvaluation, metric: str) -> float | int | None:
    raw = item.metrics.get(metric)
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else item.metric(metric)


def _evaluate_gates(item: ModelEvaluation, thresholds: Thresholds) -> list[GateResult]:
    results = []
    for gate in thresholds.gates:
        value = item.metric(gate.metric)
        passed = value is not None and (gate.min is None or value >= gate.min) and (gate.max is None or value <= gate.max)
        results.append(GateResult(item.label, gate, value, passed))
    return results


def _worst_cases(item: ModelEvaluation, limit: int, excerpt_chars: int) -> list[WorstCase]:
    scores = {score.get("id"): score for score in item.scores}
    ordered = sorted(item.records, key=lambda record: record.get("case_index", 0))  # the order of cases.json
    cases = []
    for row_index, record in enumerate(ordered):
        score = scores.get(record.get("case_id"), {})
        rouge = score.get("rougeL")
        output = record.get("output")
        excerpt = None
        if excerpt_chars > 0 and isinstance(output, str):
            excerpt = output[:excerpt_chars] + ("…" if len(output) > excerpt_chars else "")
        cases.append(WorstCase(model=item.label, case_id=str(record.get("case_id")), row_index=row_index,
                               rougeL=float(rouge) if isinstance(rouge, (int, float)) else None,
                               phi_leaked=list(score.get("phi_leaked") or []), error=record.get("error"),
                               output_excerpt=excerpt))
    by_quality = sorted(cases, key=lambda case: (case.rougeL if case.rougeL is not None else -1.0, case.row_index))
    lowest = {case.case_id for case in by_quality[:limit]}
    chosen = [case for case in cases if case.case_id in lowest or case.phi_leaked or case.error]
    chosen.sort(key=lambda case: (case.rougeL if case.rougeL is not None else -1.0, -len(case.phi_leaked),
                                  case.row_index))
    return chosen[:limit]


def _pair(evaluations: dict[str, ModelEvaluation], a: str, b: str) -> list[PairedComparison]:
    return paired_comparisons([(a, evaluations[a].directory), (b, evaluations[b].directory)])


def _rouge_comparison(results: list[PairedComparison]) -> PairedComparison | None:
    return next((result for result in results if result.metric == "rougeL"), None)


def _recommend(ranked: list[ModelEvaluation], gates: dict[str, list[GateResult]],
               by_label: dict[str, ModelEvaluation], top_two: list[PairedComparison]) -> Recommendation:
    failures = {item.label: [result.describe() for result in gates[item.label] if not result.passed] for item in ranked}
    passing = [item for item in ranked if not failures[item.label]]
    if not passing:
        reasons = ["no model passes all gates"]
        reasons += [f"{model} fails: {'; '.join(failed)}" for model, failed in failures.items()]
        comparison = _rouge_comparison(top_two)
        runner_up = ranked[1].label if len(ranked) > 1 else None
        if comparison is not None:
            reasons.append(_significance_sentence(comparison))
        return Recommendation(None, reasons, failures, runner_up, comparison)
    best = passing[0]
    quality, latency = best.metric(QUALITY_METRIC), best.metric(LATENCY_METRIC)
    reasons = [f"{best.label} passes all {len(gates[best.label])} gates",
               f"highest {QUALITY_METRIC} among passing models: {_fmt(quality)} "
               f"(95% CI {_fmt(best.metric(QUALITY_METRIC + '_ci_low'))}–{_fmt(best.metric(QUALITY_METRIC + '_ci_high'))}),"
               f" {LATENCY_METRIC} {_fmt(latency)} s"]
    ties = [item.label for item in passing[1:] if item.metric(QUALITY_METRIC) == quality]
    if ties:
        reasons.append(f"tied on {QUALITY_METRIC} with {', '.join(ties)}; chosen for lower {LATENCY_METRIC}")
    others = [item for item in ranked if item.label != best.label]
    runner_up = others[0].label if others else None
    comparison = None
    if runner_up is not None:
        comparison = next((result for result in top_two if result.metric == "rougeL"
                           and {result.model_a, result.model_b} == {best.label, runner_up}), None)
        if comparison is None:
            try:
                comparison = _rouge_comparison(_pair(by_label, best.label, runner_up))
            except ValueError:
                comparison = None
        if failures[runner_up]:
            reasons.append(f"runner-up {runner_up} fails: {'; '.join(failures[runner_up])}")
        reasons.append(_significance_sentence(comparison) if comparison is not None
                       else f"too few shared cases to test the difference to {runner_up}")
    else:
        reasons.append("the only model in the comparison")
    return Recommendation(best.label, reasons, failures, runner_up, comparison)


def _significance_sentence(result: PairedComparison) -> str:
    verdict = "significant" if result.significant else "not significant"
    return (f"{result.metric} difference {result.model_a} − {result.model_b} = {_fmt(result.mean_difference)} "
            f"(95% CI {_fmt(result.ci_low)}–{_fmt(result.ci_high)}, p = {_fmt(result.p_value)}, n = {result.n}): "
            f"{verdict} at the 5% level")


def build_report(run_dirs: list[Path], thresholds: Thresholds | None = None, *,
                 worst_cases: int = WORST_CASES_PER_MODEL, output_excerpt_chars: int = OUTPUT_EXCERPT_CHARS) -> Report:
    """Gather the evaluations of ``run_dirs`` into a report; refuses mixed evaluation sets or prompts."""
    if not run_dirs:
        raise ReportError("no run directory given")
    thresholds = thresholds or default_thresholds()
    run_dirs = [Path(path) for path in run_dirs]
    evaluations, missing = read_evaluations(run_dirs)
    _check_comparable(evaluations)
    for gate in thresholds.gates:
        if not any(gate.metric in item.metrics for item in evaluations):
            raise ReportError(f"{thresholds.source}: gate '{gate.metric}' names a metric no evaluation reports")
    ranked = sorted(evaluations, key=_quality_key)
    by_label = {item.label: item for item in ranked}
    leaderboard = [LeaderboardRow(rank, item.label, {
        metric: MetricValue(item.metric(metric), item.metric(f"{metric}_ci_low"), item.metric(f"{metric}_ci_high"))
        for metric in LEADERBOARD_METRICS}) for rank, item in enumerate(ranked, start=1)]
    labels = sorted({label for item in ranked for label in (item.metrics.get("phi_leak_rate_by_label") or {})})
    phi_by_label = {item.label: {label: (item.metrics.get("phi_leak_rate_by_label") or {}).get(label) for label in labels}
                    for item in ranked}
    latency = {item.label: {metric: _count_or_metric(item, metric) for metric in LATENCY_METRICS} for item in ranked}
    gates = {item.label: _evaluate_gates(item, thresholds) for item in ranked}
    top_two: list[PairedComparison] = []
    if len(ranked) >= 2:
        top_two = _pair(by_label, ranked[0].label, ranked[1].label)
    first = evaluations[0].evaluation
    return Report(
        run_ids=list(dict.fromkeys(item.run_id for item in evaluations)), run_dirs=run_dirs,
        evalset=str(first.get("evalset")), evalset_version=first.get("evalset_version"),
        evalset_hash=str(first.get("evalset_hash")), prompt=str(first.get("prompt")),
        prompt_hash=first.get("prompt_hash"), thresholds=thresholds, models=[item.label for item in ranked],
        settings=[_settings(item) for item in ranked], leaderboard=leaderboard, phi_by_label=phi_by_label,
        phi_labels=labels, latency=latency, gates=gates,
        pareto_latency=_pareto(ranked, LATENCY_METRIC), pareto_phi=_pareto(ranked, PHI_METRIC),
        significance=top_two,
        worst_cases={item.label: _worst_cases(item, worst_cases, output_excerpt_chars) for item in ranked},
        recommendation=_recommend(ranked, gates, by_label, top_two), missing_models=missing,
    )


# --- rendering --------------------------------------------------------------------------------


def _fmt(value: Any, digits: int = 3) -> str:
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


def _with_ci(value: MetricValue) -> str:
    if value.value is None:
        return "–"
    if value.ci_low is None or value.ci_high is None:
        return _fmt(value.value)
    return f"{_fmt(value.value)} [{_fmt(value.ci_low)}, {_fmt(value.ci_high)}]"


def _sampling(sampling: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in sampling.items() if value not in (None, [], {}))


def _phi_items(items: list[dict[str, Any]]) -> str:
    return ", ".join(f"{item.get('label')} ({item.get('match')})" for item in items) or "none"


def _settings_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    header = ["model", "run", "model id", "revision", "file sha256", "backend", "device", "sampling",
              "concurrency", "error"]
    rows = [[s.model, s.run_id, _fmt(s.model_id), _fmt(s.revision), _fmt(s.file_sha256),
             f"{_fmt(s.backend)} ({_fmt(s.backend_version)})", _fmt(s.device), _sampling(s.sampling),
             _fmt(s.concurrency), _fmt(s.error)] for s in report.settings]
    return header, rows


def _leaderboard_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    header = ["#", "model"] + [f"{metric} {'↓' if metric in LOWER_IS_BETTER else '↑'}" for metric in LEADERBOARD_METRICS]
    header.append("all gates")
    rows = [[str(row.rank), row.model] + [_with_ci(row.values[metric]) for metric in LEADERBOARD_METRICS]
            + ["pass" if report.passes_all(row.model) else "fail"] for row in report.leaderboard]
    return header, rows


def _gate_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    header = ["model"] + [gate.describe() for gate in report.thresholds.gates] + ["all"]
    rows = [[model] + [f"{'pass' if r.passed else 'FAIL'} ({_fmt(r.value)})" for r in results]
            + ["pass" if report.passes_all(model) else "FAIL"] for model, results in report.gates.items()]
    return header, rows


def _phi_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    return (["model"] + report.phi_labels,
            [[model] + [_fmt(rates.get(label)) for label in report.phi_labels]
             for model, rates in report.phi_by_label.items()])


def _latency_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    return (["model"] + list(LATENCY_METRICS),
            [[model] + [_fmt(values[metric]) for metric in LATENCY_METRICS] for model, values in report.latency.items()])


def _significance_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    header = ["metric", "A", "B", "n", "mean A", "mean B", "A − B", "95% CI", "p", "effect size", "significant"]
    rows = [[r.metric, r.model_a, r.model_b, str(r.n), _fmt(r.mean_a), _fmt(r.mean_b), _fmt(r.mean_difference),
             f"[{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]", _fmt(r.p_value), _fmt(r.effect_size),
             "yes" if r.significant else "no"] for r in report.significance]
    return header, rows


def _worst_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    header = ["model", "case id", "cases.json row", "rougeL", "leaked PHI (label, match)", "error", "output excerpt"]
    rows = [[case.model, case.case_id, str(case.row_index), _fmt(case.rougeL), _phi_items(case.phi_leaked),
             _fmt(case.error), case.output_excerpt or ""]
            for cases in report.worst_cases.values() for case in cases]
    return header, rows


def _pareto_sentence(front: ParetoFront) -> str:
    text = (f"Pareto front ({front.quality_metric} high, {front.cost_metric} low): "
            f"{', '.join(front.front) if front.front else 'none'}")
    if front.excluded:
        text += f" (not placed, values missing: {', '.join(front.excluded)})"
    return text


# HTML


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;color:#222;
padding:0 1rem}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.85rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.pass{background:#e6f4e6}td.fail{background:#fbe3e3}
.recommendation{padding:1rem;border-radius:6px;border:1px solid #9c9}.recommendation.none{border-color:#d99}
.recommendation.ok{background:#f0f8f0}.recommendation.none{background:#fdf0f0}
.muted{color:#666;font-size:.85rem}code{font-size:.85rem}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.chart{width:560px;height:420px;border:1px solid #eee}
td.output{max-width:420px;white-space:pre-wrap;font-family:monospace;font-size:.75rem}
"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _html_table(header: list[str], rows: list[list[str]], *, table_id: str | None = None,
                classes: dict[int, str] | None = None) -> str:
    id_attr = f' id="{_esc(table_id)}"' if table_id else ""
    parts = [f"<table{id_attr}><thead><tr>", "".join(f"<th>{_esc(cell)}</th>" for cell in header), "</tr></thead><tbody>"]
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            css = (classes or {}).get(index, "")
            lowered = cell.lower()
            if lowered.startswith("pass"):
                css = (css + " pass").strip()
            elif lowered.startswith("fail"):
                css = (css + " fail").strip()
            class_attr = f' class="{css}"' if css else ""
            cells.append(f"<td{class_attr}>{_esc(cell)}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def _padded(values: list[float]) -> list[float] | None:
    """An axis range with room around the points so their labels are not cut off."""
    if not values:
        return None
    low, high = min(values), max(values)
    pad = (high - low) * 0.2 or abs(high) * 0.2 or 0.1
    return [low - pad, high + pad]


def _figures(report: Report) -> list[tuple[str, Any]]:
    import plotly.graph_objects as go

    figures = []
    for front, title, x_title in ((report.pareto_latency, "Quality vs latency", "e2e p95 (s), lower is better"),
                                  (report.pareto_phi, "Quality vs PHI leakage", "PHI leak rate, lower is better")):
        figure = go.Figure()
        models = list(front.points)
        figure.add_trace(go.Scatter(
            x=[front.points[m][0] for m in models], y=[front.points[m][1] for m in models], mode="markers+text",
            text=models, textposition="top center", name="models",
            marker={"size": 12, "color": ["#2a7" if m in front.front else "#999" for m in models]}))
        figure.add_trace(go.Scatter(
            x=[front.points[m][0] for m in front.front], y=[front.points[m][1] for m in front.front],
            mode="lines", name="Pareto front", line={"dash": "dash", "color": "#2a7"}))
        figure.update_traces(cliponaxis=False, selector={"mode": "markers+text"})
        figure.update_xaxes(range=_padded([front.points[m][0] for m in models]))
        figure.update_yaxes(range=_padded([front.points[m][1] for m in models]))
        figure.update_layout(title=title, xaxis_title=x_title, yaxis_title=f"{front.quality_metric}, higher is better",
                             margin={"l": 60, "r": 20, "t": 50, "b": 50})
        figures.append((f"chart-pareto-{front.cost_metric}", figure))
    bars = go.Figure()
    for model, rates in report.phi_by_label.items():
        bars.add_trace(go.Bar(name=model, x=report.phi_labels, y=[rates.get(label) for label in report.phi_labels]))
    bars.update_layout(title="PHI leakage by label", barmode="group", yaxis_title="leak rate",
                       yaxis_range=[0, 1.05], margin={"l": 60, "r": 20, "t": 50, "b": 80})
    figures.append(("chart-phi-by-label", bars))
    return figures


def render_html(report: Report) -> str:
    """The whole report as one self-contained HTML page (plotly inlined, no network needed)."""
    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    rec = report.recommendation
    if rec.model:
        headline = f"Recommended: {rec.model}"
    else:
        headline = "No model passes all gates"
    sections = [
        f"<h1>Model comparison report</h1><p class=\"muted\">runs {_esc(', '.join(report.run_ids))} · evaluation set "
        f"<code>{_esc(report.evalset)}</code> v{_esc(report.evalset_version)} (<code>{_esc(report.evalset_hash)}</code>)"
        f" · prompt <code>{_esc(report.prompt)}</code> (<code>{_esc(report.prompt_hash)}</code>) · gates from "
        f"{_esc(report.thresholds.source)}</p>",
        "<section id=\"recommendation\"><h2>Recommendation</h2>"
        f"<div class=\"recommendation {'ok' if rec.model else 'none'}\"><strong>{_esc(headline)}</strong><ul>"
        + "".join(f"<li>{_esc(reason)}</li>" for reason in rec.reasons) + "</ul></div>"
        + (f"<p class=\"muted\">Not finished (left out): {_esc(', '.join(report.missing_models))}</p>"
           if report.missing_models else "") + "</section>",
        "<section id=\"settings\"><h2>Settings and provenance</h2>" + _html_table(*_settings_rows(report)) + "</section>",
        "<section id=\"leaderboard-section\"><h2>Leaderboard</h2><p class=\"muted\">Means with 95% bootstrap CIs over "
        "cases; ranked by rougeL, ties by e2e_p95_s.</p>" + _html_table(*_leaderboard_rows(report), table_id="leaderboard")
        + "</section>",
        "<section id=\"gates\"><h2>Gates</h2>" + _html_table(*_gate_rows(report)) + "</section>",
        "<section id=\"phi\"><h2>PHI leakage by label</h2><p class=\"muted\">Share of gold PHI items of each label "
        "found in the output.</p>" + _html_table(*_phi_rows(report)) + "</section>",
        "<section id=\"latency\"><h2>Latency</h2><p class=\"muted\">Seconds unless named otherwise.</p>"
        + _html_table(*_latency_rows(report)) + "</section>",
    ]
    charts = [f"<script type=\"text/javascript\">{get_plotlyjs()}</script>"]
    for div_id, figure in _figures(report):
        body = pio.to_html(figure, full_html=False, include_plotlyjs=False, div_id=div_id,
                           config={"displaylogo": False, "responsive": True}, default_width="100%",
                           default_height="100%")
        charts.append(f"<div class=\"chart\">{body}</div>")
    sections.append("<section id=\"charts\"><h2>Charts</h2><p class=\"muted\">"
                    f"{_esc(_pareto_sentence(report.pareto_latency))}<br>{_esc(_pareto_sentence(report.pareto_phi))}"
                    "</p><div class=\"charts\">" + "".join(charts) + "</div></section>")
    if report.significance:
        significance = _html_table(*_significance_rows(report))
    else:
        significance = "<p>Only one model: nothing to compare.</p>"
    sections.append("<section id=\"significance\"><h2>Paired significance (top two by rougeL)</h2><p class=\"muted\">"
                    "Paired bootstrap CI of the per-case difference and a sign-flip permutation p-value.</p>"
                    + significance + "</section>")
    sections.append("<section id=\"worst-cases\"><h2>Worst cases</h2><p class=\"muted\">Lowest rougeL or any leaked "
                    "PHI; the row is the case's row in the model's MLflow <code>cases.json</code> table.</p>"
                    + _html_table(*_worst_rows(report), classes={6: "output"}) + "</section>")
    title = f"Workbench report {', '.join(report.run_ids)}"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>" + "\n".join(sections) + "</body></html>\n")


# Markdown


def _md_cell(value: str) -> str:
    return (value.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
            .replace("<", "&lt;").replace(">", "&gt;"))


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(_md_cell(cell) for cell in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(report: Report) -> str:
    """The same content as :func:`render_html`, as a markdown summary (no charts, their Pareto fronts in words)."""
    rec = report.recommendation
    headline = f"**Recommended: {rec.model}**" if rec.model else "**No model passes all gates**"
    parts = [
        "# Model comparison report", "",
        f"Runs {', '.join(report.run_ids)} · evaluation set `{report.evalset}` v{report.evalset_version} "
        f"(`{report.evalset_hash}`) · prompt `{report.prompt}` (`{report.prompt_hash}`) · gates from "
        f"{report.thresholds.source}", "",
        "## Recommendation", "", headline, "", *[f"- {_md_cell(reason)}" for reason in rec.reasons], "",
    ]
    if report.missing_models:
        parts += [f"Not finished (left out): {', '.join(report.missing_models)}", ""]
    parts += ["## Settings and provenance", "", _md_table(*_settings_rows(report)), "",
              "## Leaderboard", "", "Means with 95% bootstrap CIs over cases; ranked by rougeL, ties by e2e_p95_s.", "",
              _md_table(*_leaderboard_rows(report)), "",
              "## Gates", "", _md_table(*_gate_rows(report)), "",
              "## PHI leakage by label", "", _md_table(*_phi_rows(report)), "",
              "## Latency", "", _md_table(*_latency_rows(report)), "",
              "## Pareto fronts", "", f"- {_pareto_sentence(report.pareto_latency)}",
              f"- {_pareto_sentence(report.pareto_phi)}", "",
              "## Paired significance (top two by rougeL)", "",
              _md_table(*_significance_rows(report)) if report.significance else "Only one model: nothing to compare.",
              "", "## Worst cases", "",
              "Lowest rougeL or any leaked PHI; the row is the case's row in the model's MLflow `cases.json` table.", "",
              _md_table(*_worst_rows(report)), ""]
    return "\n".join(parts)


# --- files and MLflow -------------------------------------------------------------------------


def write_report(report: Report, out_dir: Path) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.md`` into ``out_dir`` (created if needed)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, md_path = out_dir / REPORT_HTML, out_dir / REPORT_MD
    html_path.write_text(render_html(report), encoding="utf-8")
    md_path.write_text(render_markdown(report), encoding="utf-8")
    return html_path, md_path


def find_comparison_run(run_id: str, *, tracking_uri: str | None = None) -> str | None:
    """The MLflow id of the newest comparison parent run named ``run_id``, if one was logged."""
    from workbench.tracking import _client

    client, _ = _client(tracking_uri)
    experiment_ids = [experiment.experiment_id for experiment in client.search_experiments()]
    if not experiment_ids:
        return None
    runs = client.search_runs(
        experiment_ids, filter_string=f"tags.`workbench.kind` = 'comparison' and attributes.run_name = '{run_id}'",
        order_by=["attributes.start_time DESC"], max_results=1)
    return runs[0].info.run_id if runs else None


def log_report_to_mlflow(report: Report, html_path: Path, md_path: Path, tracking_uri: str | None = None, *,
                         experiment: str | None = None) -> list[str]:
    """Attach both report files (under ``report/``) to the parent run of each run directory of the report.

    A run directory that was never logged is logged first with :func:`workbench.tracking.log_comparison`.
    Returns the parent run ids.
    """
    from workbench.tracking import _client, log_comparison

    client, uri = _client(tracking_uri)
    parents = []
    for run_id, run_dir in zip(report.run_ids, _run_dirs_by_id(report)):
        parent = find_comparison_run(run_id, tracking_uri=uri)
        if parent is None:
            parent = log_comparison(run_dir, tracking_uri=uri, experiment=experiment).parent_run_id
        client.log_artifact(parent, str(html_path), REPORT_ARTIFACT_DIR)
        client.log_artifact(parent, str(md_path), REPORT_ARTIFACT_DIR)
        parents.append(parent)
    return parents


def _run_dirs_by_id(report: Report) -> list[Path]:
    by_id = {}
    for run_dir in report.run_dirs:
        run_id = str(_read_json(run_dir / RUN_FILE).get("run_id") or run_dir.name)
        by_id.setdefault(run_id, run_dir)
    return [by_id[run_id] for run_id in report.run_ids]


def find_latest_run_dir(runs_dir: Path) -> Path:
    """The newest run directory (by run.json modification time, ties by name) under ``runs_dir`` that has a run.json."""
    runs_dir = Path(runs_dir)
    candidates = [path for path in runs_dir.iterdir() if (path / RUN_FILE).is_file()] if runs_dir.is_dir() else []
    if not candidates:
        raise ReportError(f"no run directory with a {RUN_FILE} under {runs_dir}")
    return max(candidates, key=lambda path: ((path / RUN_FILE).stat().st_mtime, path.name))
