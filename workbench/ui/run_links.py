"""What the Run tab offers once a run has finished: links to its MLflow run, its cases and its report,
and its rows to take away (CSV and JSON); and the Leaderboard tab's export.

Export and report files are written into a private temporary directory (owner-only) from which the
browser downloads them; the report is also kept in the run directory, as ``workbench report`` keeps it.
"""

from __future__ import annotations

import html
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from workbench.run.files import read_run_dir
from workbench.track.export import leaderboard_table, run_case_table, run_model_table, write_export

DEFAULT_MLFLOW_UI_URL = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class FinishedRun:
    """One finished comparison as the Run tab links to it (one per set of a batch)."""

    run_id: str
    run_dir: str
    evalset: str
    experiment_id: str | None
    mlflow_run_id: str | None


def mlflow_run_url(base_url: str, experiment_id: str, run_id: str) -> str:
    """The MLflow UI's page of one run: ``{base}/#/experiments/{experiment}/runs/{run}``."""
    return f"{base_url.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"


def links_html(runs: Sequence[FinishedRun], mlflow_ui_url: str) -> str:
    """One line per finished run: its id and set, and a link to its MLflow run (or why there is none)."""
    lines = []
    for run in runs:
        if run.experiment_id and run.mlflow_run_id:
            url = mlflow_run_url(mlflow_ui_url, run.experiment_id, run.mlflow_run_id)
            link = (f'<a class="mlflow-run-link" href="{html.escape(url, quote=True)}" target="_blank" '
                    f'rel="noopener noreferrer">MLflow run ↗</a>')
        else:
            link = "not logged to MLflow"
        lines.append(f"<li>Run <code>{html.escape(run.run_id)}</code> · {html.escape(run.evalset)} · {link}</li>")
    return '<ul class="run-links">' + "".join(lines) + "</ul>" if lines else ""


def export_directory() -> Path:
    """A new owner-only temporary directory for files offered for download."""
    return Path(tempfile.mkdtemp(prefix="workbench-export-"))


def export_runs(run_dirs: Sequence[str | Path], name: str) -> tuple[Path, Path]:
    """CSV (one row per model and case) and JSON (per-model and per-case rows) of the runs, for download."""
    runs = [read_run_dir(Path(path)) for path in run_dirs]
    folder = export_directory()
    context = {"runs": [run.manifest.run_id for run in runs]}
    csv_path = write_export(folder / f"{name}.csv", "csv", [run_case_table(runs)])
    json_path = write_export(folder / f"{name}.json", "json", [run_model_table(runs), run_case_table(runs)], **context)
    return csv_path, json_path


# The last leaderboard exports written, by what they hold (filters, entries, rows shown): a refresh that shows
# the same rows offers the same files instead of writing them again.
_leaderboard_exports: dict[tuple[Any, ...], tuple[Path, Path]] = {}
MAX_LEADERBOARD_EXPORTS = 8


def export_leaderboard(entries: Sequence[Any], filters: dict[str, str | None],
                       shown: list[list[str]] | None = None) -> tuple[Path, Path]:
    """CSV and JSON of the leaderboard rows as shown (same order and ranks), for download; ``shown`` is the rows
    already ranked for the page (ranked again when not given)."""
    from workbench.track.leaderboard import ranked_rows

    shown = ranked_rows(list(entries)) if shown is None else shown
    key = (tuple(sorted(filters.items(), key=lambda item: item[0])), tuple(entry.mlflow_run_id for entry in entries),
           tuple(tuple(row) for row in shown))
    written = _leaderboard_exports.get(key)
    if written is not None and all(path.is_file() for path in written):
        return written
    table = leaderboard_table(entries, shown)
    folder = export_directory()
    written = (write_export(folder / "leaderboard.csv", "csv", [table]),
               write_export(folder / "leaderboard.json", "json", [table], filters=filters))
    if len(_leaderboard_exports) >= MAX_LEADERBOARD_EXPORTS:
        _leaderboard_exports.clear()
    _leaderboard_exports[key] = written
    return written


def build_run_report(run_dir: str | Path) -> Path:
    """``report.html`` for one run, written into the run directory (as ``workbench report`` does) and copied
    to a temporary directory for download; the copy's path."""
    from workbench import api

    summary = api.report([Path(run_dir)], out_dir=Path(run_dir))
    if summary.html_path is None:
        raise RuntimeError(f"the report of {run_dir} was not written")
    copy = export_directory() / f"report-{Path(run_dir).name}.html"
    shutil.copyfile(summary.html_path, copy)
    return copy
