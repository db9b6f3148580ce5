"""The summary table every door shows (CLI, UI, report, notebooks), derived from the metric registry:
one column per ``headline`` metric that scores the tasks of the sets shown (``registry.headline_metrics``), its
interval where it has one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from workbench.judges.rubrics import ITEM_TYPES
from workbench.scoring.registry import format_with_ci, headline_metrics, interval_of, value_of

Tasks = Iterable[str | None] | None  # the tasks of the sets a table shows (None: every headline metric)


def headline_headers(tasks: Tasks = None) -> list[str]:
    return [metric.heading + (" [95% CI]" if metric.interval else "") for metric in headline_metrics(tasks)]


def headline_cells(metrics: Mapping[str, Any], tasks: Tasks = None) -> list[str]:
    return [format_with_ci(metrics, metric.name) for metric in headline_metrics(tasks)]


def headline_values(metrics: Mapping[str, Any], tasks: Tasks = None) -> dict[str, Any]:
    """``{name: value, name_ci: (low, high)}`` for each headline metric (a notebook's DataFrame row)."""
    row: dict[str, Any] = {}
    for metric in headline_metrics(tasks):
        row[metric.name] = value_of(metrics, metric.name)
        if metric.interval:
            row[f"{metric.name}_ci"] = interval_of(metrics, metric.name)
    return row


def status_cell(error: str | None, metrics: Mapping[str, Any]) -> str:
    """"error: …" when the model could not run, "N failed" when some cases failed, else "ok"."""
    if error:
        return f"error: {error}"
    failures = int(metrics.get("failures") or 0)
    return f"{failures} failed" if failures else "ok"


def format_text_table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain-text table with aligned columns (terminal output)."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(headers, widths))]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


GUARD_HEADERS = ["model", "audited", "safe", "controversial", "unsafe", "unparsed", "pass / review / block",
                 "guard p50 / p95 (s)", "PII: both / guard only / gold only / neither", "agreement with gold (κ)"]


def share_cell(found: Any) -> str:
    """A count with its share and 95% interval: "3 (60% [23%, 88%])"; "-" when nothing was counted."""
    if found is None or found.share is None:
        return "-"
    return f"{found.count} ({found.share:.0%} [{found.ci_low:.0%}, {found.ci_high:.0%}])"


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def estimate_cell(value: float | None, low: float | None, high: float | None) -> str:
    """A value with its 95% interval, to three places."""
    if value is None:
        return "-"
    return f"{value:.3f}" + (f" [{low:.3f}, {high:.3f}]" if low is not None and high is not None else "")


def guard_cells(summary: Any) -> list[str]:
    """One model's guard verdicts as table cells (CLI, report): counts with their share and 95% Wilson interval,
    the routes, the guard's own latency, its agreement with the gold identifier spans."""
    def share(level: str) -> str:
        return share_cell(summary.shares[level])

    agreement = summary.agreement
    agreed = "-" if agreement is None else (
        f"{agreement.agreement:.2f} of {agreement.compared} "
        f"(κ {'-' if agreement.kappa is None else f'{agreement.kappa:.2f}'})")
    routes = summary.routes
    table = "-" if agreement is None else (
        f"{agreement.both} / {agreement.guard_only} / {agreement.gold_only} / {agreement.neither}")
    return [summary.model, str(summary.audited), share("safe"), share("controversial"), share("unsafe"),
            share("unparsed"), f"{routes['pass']} / {routes['review']} / {routes['block']}",
            f"{seconds(summary.latency_p50_s)} / {seconds(summary.latency_p95_s)}", table, agreed]


JUDGE_HEADERS = ["model", "outputs", "rubric score [95% CI]", *[f"{kind} satisfied" for kind in ITEM_TYPES],
                 "unparsed", "judge p50 / p95 (s)"]


def judge_cells(summary: Any) -> list[str]:
    """One model's rubric grading: its mean score with the interval, the share of items satisfied per type (a
    criterion met, or a must-not criterion not met), the verdicts that could not be read, the judge's latency."""
    return [summary.model, str(summary.outputs), estimate_cell(summary.score, summary.score_ci_low, summary.score_ci_high),
            *[share_cell(summary.satisfied_by_type.get(kind)) for kind in ITEM_TYPES],
            f"{summary.unparsed} of {summary.items}",
            f"{seconds(summary.latency_p50_s)} / {seconds(summary.latency_p95_s)}"]


PAIRWISE_HEADERS = ["model A", "model B", "compared", "A wins / B wins / ties", "order disagreements", "unparsed",
                    "A win rate [95% CI]"]


def pairwise_cells(summary: Any) -> list[str]:
    """One pair of models judged side by side in both orders (a win counts only when both orders agree)."""
    rate = ("-" if summary.win_rate is None else
            f"{summary.win_rate:.0%} [{summary.win_rate_ci_low:.0%}, {summary.win_rate_ci_high:.0%}]")
    return [summary.model_a, summary.model_b, str(summary.compared),
            f"{summary.wins} / {summary.losses} / {summary.ties}", str(summary.order_disagreements),
            str(summary.unparsed), rate]


JURY_HEADERS = ["model", "items decided / undecided", "majority score [95% CI]", "mean score [95% CI]"]


def jury_cells(summary: Any) -> list[str]:
    return [summary.model, f"{summary.decided} / {summary.undecided}",
            estimate_cell(summary.majority_score, summary.majority_score_ci_low, summary.majority_score_ci_high),
            estimate_cell(summary.mean_score, summary.mean_score_ci_low, summary.mean_score_ci_high)]


def agreement_sentence(agreement: Any) -> str:
    """The judges' agreement in words: Krippendorff's α, and Cohen's κ with the raw agreement for two judges."""
    def number(value: float | None) -> str:
        return "undefined" if value is None else f"{value:.2f}"

    text = (f"judges {', '.join(agreement.judges)} agree on {agreement.items} item(s) answered by at least two: "
            f"Krippendorff's α {number(agreement.alpha)}")
    if len(agreement.judges) == 2:
        text += f", Cohen's κ {number(agreement.kappa)}, raw agreement {number(agreement.raw_agreement)}"
    return text
