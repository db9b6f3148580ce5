"""The report's files and where they go: ``report.html`` and ``report.md`` on disk, attached to the
comparison's MLflow parent run."""

from __future__ import annotations

from pathlib import Path

from workbench.report.build import Report, ReportError
from workbench.report.html import render_html
from workbench.report.markdown import render_markdown
from workbench.run.files import RUN_FILE, RunDirectoryError, read_manifest

REPORT_HTML = "report.html"
REPORT_MD = "report.md"
REPORT_ARTIFACT_DIR = "report"


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
    from workbench.track.store import client_for

    client, _ = client_for(tracking_uri)
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

    A run directory that was never logged is logged first with :func:`workbench.track.mlflow_runs.log_comparison`.
    Returns the parent run ids.
    """
    from workbench.track.store import client_for
    from workbench.track.mlflow_runs import log_comparison

    client, uri = client_for(tracking_uri)
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
        try:
            run_id = read_manifest(run_dir).run_id or run_dir.name
        except RunDirectoryError as exc:
            raise ReportError(str(exc)) from exc
        by_id.setdefault(run_id, run_dir)
    return [by_id[run_id] for run_id in report.run_ids]


def find_latest_run_dir(runs_dir: Path) -> Path:
    """The newest run directory (by run.json modification time, ties by name) under ``runs_dir`` that has a run.json."""
    runs_dir = Path(runs_dir)
    candidates = [path for path in runs_dir.iterdir() if (path / RUN_FILE).is_file()] if runs_dir.is_dir() else []
    if not candidates:
        raise ReportError(f"no run directory with a {RUN_FILE} under {runs_dir}")
    return max(candidates, key=lambda path: ((path / RUN_FILE).stat().st_mtime, path.name))
