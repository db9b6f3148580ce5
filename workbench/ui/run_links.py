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


def export_leaderboard(entries: Sequence[Any], filters: dict[str, str | None]) -> tuple[Path, Path]:
    """CSV and JSON of the leaderboard rows as shown (same order and ranks), for download."""
    table = leaderboard_table(entries)
    folder = export_directory()
    return (write_export(folder / "leaderboard.csv", "csv", [table]),
            write_export(folder / "leaderboard.json", "json", [table], filters=filters))


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
