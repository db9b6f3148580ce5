"""The summary table every door shows (CLI, UI, report, notebooks), derived from the metric registry:
one column per ``headline`` metric, its interval where it has one, in declaration order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbench.scoring.registry import Metric, format_with_ci, interval_of, metrics_where, value_of


def headline_metrics() -> list[Metric]:
    return metrics_where(headline=True)


def headline_headers() -> list[str]:
    return [metric.heading + (" [95% CI]" if metric.interval else "") for metric in headline_metrics()]


def headline_cells(metrics: Mapping[str, Any]) -> list[str]:
    return [format_with_ci(metrics, metric.name) for metric in headline_metrics()]


def headline_values(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """``{name: value, name_ci: (low, high)}`` for each headline metric (a notebook's DataFrame row)."""
    row: dict[str, Any] = {}
    for metric in headline_metrics():
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
                 "guard p50 / p95 (s)", "agreement with gold (κ)"]


def guard_cells(summary: Any) -> list[str]:
    """One model's guard verdicts as table cells (CLI, report): counts with their share and 95% Wilson interval,
    the routes, the guard's own latency, its agreement with the gold identifier spans."""
    def share(level: str) -> str:
        found = summary.shares[level]
        if found.share is None:
            return "-"
        return f"{found.count} ({found.share:.0%} [{found.ci_low:.0%}, {found.ci_high:.0%}])"

    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    agreement = summary.agreement
    agreed = "-" if agreement is None else (
        f"{agreement.agreement:.2f} of {agreement.compared} "
        f"(κ {'-' if agreement.kappa is None else f'{agreement.kappa:.2f}'})")
    routes = summary.routes
    return [summary.model, str(summary.audited), share("safe"), share("controversial"), share("unsafe"),
            share("unparsed"), f"{routes['pass']} / {routes['review']} / {routes['block']}",
            f"{seconds(summary.latency_p50_s)} / {seconds(summary.latency_p95_s)}", agreed]
