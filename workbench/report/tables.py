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
