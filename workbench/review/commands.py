"""``workbench review``: create clinician review tasks, follow them, read their results and log them to MLflow.

Reviewers answer in the browser UI (the Review tab); these commands are for whoever runs the review.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Optional

import typer

from workbench.privacy.audit import AuditLog, default_audit_path
from workbench.review.questions import ASPECT_NAMES, CASE_SELECTIONS

review_app = typer.Typer(help="Clinician review: blinded pairwise and Likert tasks over a run.", no_args_is_help=True)

RunDirArgument = typer.Argument(..., exists=True, file_okay=False, help="A run directory runs/<run_id>.")
AuditOption = typer.Option(None, "--audit-log", help="Audit log (default ./audit/ui-audit.jsonl or $WORKBENCH_AUDIT_LOG).")


def local_user() -> str:
    return f"local:{getpass.getuser()}"


@review_app.command("create")
def create(
    run_dir: Path = RunDirArgument,
    kind: str = typer.Option(..., "--kind", help="pairwise (two outputs, A or B) or likert (one output, 1–5)."),
    reviewer: list[str] = typer.Option(..., "--reviewer", help="A reviewer's UI login name (repeat for each)."),
    per_item: int = typer.Option(2, "--per-item", help="Reviewers who see each item."),
    model: Optional[list[str]] = typer.Option(None, "--model", "-m", help="Models to review (default: all of the run)."),
    cases: str = typer.Option("all", "--cases", help=f"Which cases: {', '.join(CASE_SELECTIONS)}."),
    sample: Optional[int] = typer.Option(None, "--sample", help="How many cases, with --cases sample or disagreement."),
    seed: int = typer.Option(0, "--seed", help="Seed of the sample, the assignments and the A/B order."),
    aspect: Optional[list[str]] = typer.Option(None, "--aspect", help=f"Aspects asked (default all: {', '.join(ASPECT_NAMES)})."),
    name: str = typer.Option("", "--name", help="A name for the task."),
    audit_log: Optional[Path] = AuditOption,
) -> None:
    """Create a review task over a run and assign it to reviewers."""
    from workbench.review.store import ReviewStore
    from workbench.review.tasks import ReviewRequest, plan_review
    from workbench.run.run_cases import load_run_cases

    run = load_run_cases(run_dir)  # refuses a run whose set no longer hashes to what it recorded
    request = ReviewRequest(kind=kind, reviewers=tuple(reviewer), reviewers_per_item=per_item,  # type: ignore[arg-type]
                            models=tuple(model or ()), selection=cases, sample_size=sample, seed=seed,  # type: ignore[arg-type]
                            aspects=tuple(aspect or ASPECT_NAMES), name=name, created_by=local_user())
    planned = plan_review(run, request, evalset_hash=run.evalset.content_hash())
    store = ReviewStore(run_dir)
    task = store.add(planned)
    AuditLog(audit_log or default_audit_path()).record(
        user=local_user(), action="review task created", models=task.models, evalset=task.evalset,
        details={"task": task.task_id, "kind": task.kind, "run_id": task.run_id, "items": len(planned.items),
                 "reviewers": ",".join(task.reviewers), "selection": task.selection, "seed": task.seed})
    loads = {name: sum(1 for a in planned.assignments if a.reviewer == name) for name in task.reviewers}
    typer.echo(f"task {task.task_id}: {task.kind}, {len(planned.items)} item(s) over "
               f"{len({item.case_id for item in planned.items})} case(s), models {', '.join(task.models)}")
    typer.echo("assigned: " + ", ".join(f"{name} {count}" for name, count in loads.items()))
    typer.echo(f"store: {store.path}")


@review_app.command("list")
def list_tasks(run_dir: Path = RunDirArgument) -> None:
    """The run's review tasks and how far each has got."""
    from workbench.report.tables import format_text_table
    from workbench.review.answering import names_visible
    from workbench.review.store import ReviewStore

    store = ReviewStore(run_dir)
    rows = []
    for task in store.tasks():
        progress = store.progress(task.task_id)
        rows.append([task.task_id, task.kind, task.name, f"{progress.answered}/{progress.assigned}",
                     ", ".join(f"{name} {done}/{total}" for name, (done, total) in progress.by_reviewer.items()),
                     "yes" if names_visible(store, task) else "no"])
    if not rows:
        typer.echo(f"no review tasks in {run_dir}")
        return
    typer.echo(format_text_table(["Task", "Kind", "Name", "Answered", "By reviewer", "Names shown"], rows))


@review_app.command("results")
def results(
    run_dir: Path = RunDirArgument,
    task_id: str = typer.Argument(..., help="The task id (see `workbench review list`)."),
    json_out: Optional[Path] = typer.Option(None, "--json-out", help="Also write the results as JSON."),
) -> None:
    """Agreement between reviewers; per-model results and score correlations once the names may be shown."""
    from workbench.report.tables import format_text_table
    from workbench.review.answering import names_visible
    from workbench.review.results import review_results
    from workbench.review.store import ReviewStore
    from workbench.review.tables import progress_line, result_tables
    from workbench.run.run_cases import load_run_cases

    store = ReviewStore(run_dir)
    task = store.task(task_id)
    found = review_results(store, task, load_run_cases(run_dir))
    visible = names_visible(store, task)
    typer.echo(progress_line(found))
    for table in result_tables(found, with_models=visible):
        typer.echo(f"\n{table.title}\n{format_text_table(table.headers, table.rows)}")
    if not visible:
        typer.echo("\nper-model results are shown once every answer is in, or after `workbench review reveal`")
    if json_out is not None:
        if not visible:
            raise typer.BadParameter("the results name the models: wait until the task is complete", param_hint="--json-out")
        json_out.write_text(json.dumps(found.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n",
                            encoding="utf-8")
        typer.echo(f"results: {json_out}")


@review_app.command("reveal")
def reveal(
    run_dir: Path = RunDirArgument,
    task_id: str = typer.Argument(..., help="The task id."),
    audit_log: Optional[Path] = AuditOption,
) -> None:
    """Show the models of an unfinished task (recorded in the task and the audit log)."""
    from workbench.review.answering import reveal_names
    from workbench.review.store import ReviewStore

    store = ReviewStore(run_dir)
    task = reveal_names(store, store.task(task_id), local_user(), is_admin=True,
                        audit=AuditLog(audit_log or default_audit_path()))
    typer.echo(f"task {task.task_id}: models revealed by {task.revealed_by}: {', '.join(task.models)}")


@review_app.command("log")
def log(
    run_dir: Path = RunDirArgument,
    task_id: str = typer.Argument(..., help="The task id."),
    tracking_uri: Optional[str] = typer.Option(None, "--tracking-uri", help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI, else sqlite:///./mlruns/mlflow.db)."),
    allow_remote_endpoint: bool = typer.Option(False, "--allow-remote-endpoint", help="Allow a tracking server outside loopback and private networks."),
    audit_log: Optional[Path] = AuditOption,
) -> None:
    """Log a task's answers (as human assessments on the case traces) and results to the run's MLflow runs."""
    from workbench.track.mlflow_reviews import log_review

    logged = log_review(run_dir, task_id, tracking_uri=tracking_uri, allow_remote_endpoint=allow_remote_endpoint)
    AuditLog(audit_log or default_audit_path()).record(
        user=local_user(), action="review logged to MLflow",
        details={"task": task_id, "parent_run": logged.parent_run_id, "answers": logged.answers,
                 "assessments": logged.assessments})
    typer.echo(f"mlflow: {logged.assessments} assessment(s) from {logged.answers} new answer(s) on run "
               f"{logged.parent_run_id}; results in {logged.results_artifact}"
               + (f"; {logged.without_trace} output(s) without a trace" if logged.without_trace else ""))
