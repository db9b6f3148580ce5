"""The report's tables as header and rows of text, shared by the HTML and markdown renderings."""

from __future__ import annotations

from typing import Any

from workbench.report.build import MetricValue, ParetoFront, Report, format_value as _fmt, leaderboard_metrics
from workbench.scoring.compare import rank_label
from workbench.scoring.registry import metric, primary


def with_ci(value: MetricValue) -> str:
    if value.value is None:
        return "–"
    if value.ci_low is None or value.ci_high is None:
        return _fmt(value.value)
    return f"{_fmt(value.value)} [{_fmt(value.ci_low)}, {_fmt(value.ci_high)}]"


def _sampling(sampling: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in sampling.items() if value not in (None, [], {}))


def _phi_items(items: list[dict[str, Any]]) -> str:
    return ", ".join(f"{item.get('label')} ({item.get('match')})" for item in items) or "none"


def settings_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    header = ["model", "run", "model id", "revision", "file sha256", "backend", "device", "sampling",
              "concurrency", "error"]
    rows = [[s.model, s.run_id, _fmt(s.model_id), _fmt(s.revision), _fmt(s.file_sha256),
             f"{_fmt(s.backend)} ({_fmt(s.backend_version)})", _fmt(s.device), _sampling(s.sampling),
             _fmt(s.concurrency), _fmt(s.error)] for s in report.settings]
    return header, rows


def leaderboard_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    columns = leaderboard_metrics(report.task)
    header = ["#", "model"] + [column.heading for column in columns] + ["all gates"]
    ranks = {row.model: row.rank for row in report.leaderboard}
    rows = [[rank_label(row.rank, ranks), row.model] + [with_ci(row.values[column.name]) for column in columns]
            + ["pass" if report.passes_all(row.model) else "fail"] for row in report.leaderboard]
    return header, rows


def gate_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    header = ["model"] + [gate.describe() for gate in report.thresholds.gates] + ["all"]
    rows = [[model] + [f"{'pass' if r.passed else 'FAIL'} ({_fmt(r.value)})" for r in results]
            + ["pass" if report.passes_all(model) else "FAIL"] for model, results in report.gates.items()]
    return header, rows


def phi_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    return (["model"] + report.phi_labels,
            [[model] + [_fmt(rates.get(label)) for label in report.phi_labels]
             for model, rates in report.phi_by_label.items()])


def latency_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    names = list(next(iter(report.latency.values()), {}))
    return (["model"] + [metric(name).heading for name in names],
            [[model] + [_fmt(values[name]) for name in names] for model, values in report.latency.items()])


def significance_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    header = ["metric", "A", "B", "n", "mean A", "mean B", "A − B", "95% CI", "p", "p (Holm)", "effect size",
              "significant"]
    rows = [[r.metric, r.model_a, r.model_b, str(r.n), _fmt(r.mean_a), _fmt(r.mean_b), _fmt(r.mean_difference),
             f"[{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]", _fmt(r.p_value), _fmt(r.p_adjusted), _fmt(r.effect_size),
             "underpowered" if r.underpowered else ("yes" if r.significant else "no")] for r in report.significance]
    return header, rows


def worst_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    header = ["model", "case id", "cases.json row", primary("quality", report.task).label, "leaked PHI (label, match)", "error",
              "output excerpt"]
    rows = [[case.model, case.case_id, str(case.row_index), _fmt(case.quality), _phi_items(case.phi_leaked),
             _fmt(case.error), case.output_excerpt or ""]
            for cases in report.worst_cases.values() for case in cases]
    return header, rows


def pareto_sentence(front: ParetoFront) -> str:
    text = (f"Pareto front ({front.quality_metric} high, {front.cost_metric} low): "
            f"{', '.join(front.front) if front.front else 'none'}")
    if front.excluded:
        text += f" (not placed, values missing: {', '.join(front.excluded)})"
    return text
