"""Leaderboards and runs as tables to take away: CSV (UTF-8) and JSON.

Pure functions turn what the workbench already holds into an :class:`ExportTable`:

- :func:`leaderboard_table`: the leaderboard's entries (``workbench.track.leaderboard``), one row per
  evaluation, in the leaderboard's order with its rank;
- :func:`run_model_table`: one row per model of one or more run directories (their ``evaluation.json``);
- :func:`run_case_table`: one row per model and case (``records.jsonl`` and ``scores.jsonl``).

Metric columns come from the metric registry: every declared metric that has a value in some row,
in declaration order, headed "label (key)" in CSV and keyed by the metric's name in JSON, with its
95% interval bounds beside it where it has one. Run files are read only through ``workbench.run.files``.

CSV files start with a UTF-8 byte-order mark, so spreadsheet programs show Chinese text intact.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from workbench.errors import WorkbenchError
from workbench.report.tables import status_cell
from workbench.run.files import RunFiles
from workbench.scoring.registry import Metric, all_metrics, ci_keys, number

ExportFormat = Literal["csv", "json"]
EXPORT_FORMATS: tuple[str, ...] = ("csv", "json")
CSV_ENCODING = "utf-8-sig"  # UTF-8 with a byte-order mark: spreadsheets then read Chinese as Chinese


class ExportError(WorkbenchError, ValueError):
    """An export that cannot be written: an unknown format, or nothing to export."""


@dataclass(frozen=True)
class Column:
    """One exported column: ``key`` names it in JSON, ``heading`` in CSV."""

    key: str
    heading: str


@dataclass(frozen=True)
class ExportTable:
    """Rows of values (numbers stay numbers) under named columns; ``kind`` says what a row is."""

    kind: str
    columns: list[Column]
    rows: list[list[Any]]

    def records(self) -> list[dict[str, Any]]:
        """The rows as ``{column key: value}`` (what JSON holds)."""
        return [dict(zip((column.key for column in self.columns), row)) for row in self.rows]

    def column(self, key: str) -> list[Any]:
        index = [column.key for column in self.columns].index(key)
        return [row[index] for row in self.rows]


def _plain(key: str) -> Column:
    return Column(key, key.replace("_", " "))


def metric_columns(metric_rows: Sequence[Mapping[str, Any]]) -> list[Column]:
    """Every declared metric with a value in some row, in declaration order, each followed by its interval
    bounds where the metric has an interval and some row carries it."""
    columns: list[Column] = []
    for item in all_metrics():
        if not any(number(row.get(item.name)) is not None for row in metric_rows):
            continue
        columns.append(Column(item.name, f"{item.label} ({item.name})"))
        if item.interval:
            low, high = ci_keys(item.name)
            if any(number(row.get(low)) is not None for row in metric_rows):
                columns.append(Column(low, f"{item.label} 95% CI low ({low})"))
                columns.append(Column(high, f"{item.label} 95% CI high ({high})"))
    return columns


def _metric_cells(columns: list[Column], metrics: Mapping[str, Any]) -> list[float | int | None]:
    """The values under ``columns``; counts as whole numbers."""
    counts = {item.name for item in all_metrics() if item.unit == "count"}
    cells: list[float | int | None] = []
    for column in columns:
        value = number(metrics.get(column.key))
        cells.append(int(value) if value is not None and column.key in counts and value.is_integer() else value)
    return cells


# --- the leaderboard ------------------------------------------------------------------------------------


LEADERBOARD_COLUMNS = [Column("group", "group"), Column("rank", "rank"), Column("model", "model"),
                       Column("run_id", "run"), Column("mlflow_run_id", "MLflow run"), _plain("evalset"),
                       _plain("evalset_version"), _plain("evalset_hash"), Column("prompt", "prompt"),
                       Column("cases", "cases"), Column("status", "status")]


def leaderboard_table(entries: Sequence[Any], shown: list[list[str]] | None = None) -> ExportTable:
    """The leaderboard as it is shown (``ranked_rows``, computed here unless given as ``shown``): same order,
    same groups and ranks, with the figures as numbers and every metric the entries carry."""
    from workbench.track.leaderboard import ranked_rows

    ordered = leaderboard_order(entries)
    shown = ranked_rows(list(entries)) if shown is None else shown
    for entry, row in zip(ordered, shown):
        if (row[2], row[3]) != (entry.model, entry.run_id):  # the leaderboard changed its order rule
            raise ExportError(f"leaderboard rows and entries disagree at {entry.model} in run {entry.run_id}")
    metrics = metric_columns([entry.metrics for entry in ordered])
    rows = [[entry.group, row[1], entry.model, entry.run_id, entry.mlflow_run_id, entry.evalset,
             entry.evalset_version, entry.evalset_hash, entry.prompt, entry.cases,
             status_cell(entry.error, entry.metrics), *_metric_cells(metrics, entry.metrics)]
            for entry, row in zip(ordered, shown)]
    return ExportTable("leaderboard", [*LEADERBOARD_COLUMNS, *metrics], rows)


def leaderboard_order(entries: Sequence[Any]) -> list[Any]:
    """The entries in the leaderboard's row order: groups in order of their newest entry, each ranked."""
    groups: dict[str, list[Any]] = {}
    for entry in entries:
        groups.setdefault(entry.group, []).append(entry)
    return [entry for members in groups.values() for entry in sorted(members, key=lambda e: e.ranking_key())]


# --- runs ----------------------------------------------------------------------------------------------------


RUN_COLUMNS = [Column("run_id", "run"), _plain("evalset"), _plain("evalset_version"), _plain("evalset_hash"),
               Column("prompt", "prompt"), Column("model", "model")]
MODEL_COLUMNS = [Column("status", "status"), Column("rouge_scheme", "ROUGE tokenization")]
CASE_COLUMNS = [Column("case_id", "case"), _plain("case_index"), Column("cached", "cached"), Column("error", "error"),
                _plain("ttft_s"), _plain("e2e_s"), _plain("prompt_tokens"), _plain("completion_tokens"),
                Column("output", "output"), Column("reasoning", "reasoning")]


def _run_cells(run: RunFiles, model: str) -> list[Any]:
    manifest = run.manifest
    return [manifest.run_id, manifest.evalset, manifest.evalset_version, manifest.evalset_hash, manifest.prompt, model]


def run_model_table(runs: Sequence[RunFiles]) -> ExportTable:
    """One row per finished model of each run: what it ran on, its status and every metric it reported."""
    evaluations = [(run, evaluation) for run in runs for evaluation in run.evaluations]
    metrics = metric_columns([evaluation.summary.metrics for _, evaluation in evaluations])
    rows = [[*_run_cells(run, evaluation.model), status_cell(evaluation.summary.error, evaluation.summary.metrics),
             evaluation.summary.rouge_scheme, *_metric_cells(metrics, evaluation.summary.metrics)]
            for run, evaluation in evaluations]
    return ExportTable("models", [*RUN_COLUMNS, *MODEL_COLUMNS, *metrics], rows)


def run_case_table(runs: Sequence[RunFiles]) -> ExportTable:
    """One row per model and case, in case order: the output, its timings and tokens, and its per-case scores
    (a failed case has its error and no scores)."""
    cases: list[tuple[RunFiles, Any, Any, dict[str, Any]]] = []
    for run in runs:
        for evaluation in run.evaluations:
            scores = evaluation.scores_by_case()
            for record in evaluation.records_in_order():
                found = scores.get(record.case_id)
                values = {item.name: found.value(item.name) for item in all_metrics()} if found is not None else {}
                cases.append((run, evaluation, record, values))
    metrics = metric_columns([values for *_, values in cases])
    rows = [[*_run_cells(run, evaluation.model), record.case_id, record.case_index, record.cached, record.error,
             record.ttft_s, record.e2e_s, record.prompt_tokens, record.completion_tokens, record.output,
             record.reasoning, *_metric_cells(metrics, values)]
            for run, evaluation, record, values in cases]
    return ExportTable("cases", [*RUN_COLUMNS, *CASE_COLUMNS, *metrics], rows)


# --- writing ---------------------------------------------------------------------------------------------------


def csv_text(table: ExportTable) -> str:
    """The table as CSV text (headings "label (key)" for metrics; empty cells for missing values)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([column.heading for column in table.columns])
    for row in table.rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    return buffer.getvalue()


def metric_legend(tables: Sequence[ExportTable]) -> dict[str, dict[str, Any]]:
    """What each exported metric column is, from its declaration (JSON carries it beside the rows)."""
    declared = {item.name: item for item in all_metrics()}
    legend: dict[str, dict[str, Any]] = {}
    for table in tables:
        for column in table.columns:
            item: Metric | None = declared.get(column.key)
            if item is not None:
                legend[item.name] = {"label": item.label, "definition": item.definition, "unit": item.unit,
                                     "direction": item.direction}
    return legend


def json_document(tables: Sequence[ExportTable], **context: Any) -> dict[str, Any]:
    """``{**context, "metrics": legend, <kind>: [rows as objects], ...}`` for one or more tables."""
    document: dict[str, Any] = dict(context)
    document["metrics"] = metric_legend(tables)
    for table in tables:
        document[table.kind] = table.records()
    return document


def write_export(path: Path, export_format: str, tables: Sequence[ExportTable], **context: Any) -> Path:
    """Write ``tables`` to ``path``: the first table as CSV, or every table in one JSON document."""
    if export_format not in EXPORT_FORMATS:
        raise ExportError(f"--format must be one of {', '.join(EXPORT_FORMATS)}, got {export_format!r}")
    if not tables:
        raise ExportError("nothing to export")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if export_format == "csv":
        path.write_text(csv_text(tables[0]), encoding=CSV_ENCODING)
    else:
        path.write_text(json.dumps(json_document(tables, **context), ensure_ascii=False, indent=2), encoding="utf-8")
    return path
