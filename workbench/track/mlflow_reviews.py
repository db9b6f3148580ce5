"""A review task's answers and results in MLflow, beside the comparison run they review.

- Every answer becomes human assessments (source HUMAN, the reviewer as source id) on the trace of each
  output it judged: pairwise ``clinician/pairwise/<question>`` = "win", "loss" or "tie" against the other
  output, with the other model in the metadata; Likert ``clinician/likert/<aspect>`` and
  ``clinician/section/<section>`` = the score, ``clinician/flag/<flag>`` = yes or no. The reviewer's
  comment is the rationale, under the run's output storage policy (as-is, redacted or hashed).
- The results go on the comparison's parent run: ``reviews/<task>.json`` (everything), one table each for
  agreement, per-model results and the score correlations, and a ``workbench.review.<task>`` tag; each
  model run gets the clinicians' figures as metrics (``clinician_win_rate``, ``clinician_likert_<aspect>``).

A task is logged only once its model names may be shown (complete, or revealed by an administrator).
Logging again adds only the answers not yet in that parent run (the review store keeps which are).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.review.answering import names_visible
from workbench.review.questions import OVERALL
from workbench.review.results import ReviewResults, question_label, review_results
from workbench.review.store import ReviewStore
from workbench.review.tasks import ReviewAnswer, ReviewItem, ReviewTask
from workbench.track.store import TrackingError, checked_tracking_uri, tracking_uri_scope
from workbench.run.run_cases import RunCases, load_run_cases

import mlflow  # noqa: E402  (after workbench.track.store switched telemetry off)
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import AssessmentSource, AssessmentSourceType, Feedback  # noqa: E402

from workbench.privacy.redaction import OutputStorage, gold_phi  # noqa: E402
from workbench.track.mlflow_traces import stored_text  # noqa: E402

REVIEW_ASSESSMENT_PREFIX = "clinician/"
TRACE_PAGE = 500


@dataclass(frozen=True)
class LoggedReview:
    parent_run_id: str
    experiment_id: str
    assessments: int  # logged by this call
    answers: int  # answers they came from
    without_trace: int  # answers on outputs that have no trace (the run was logged without traces)
    results_artifact: str


def _parent_run(client: MlflowClient, run_id: str, uri: str) -> tuple[str, str]:
    """(parent run id, experiment id) of the newest logged comparison of workbench run ``run_id``."""
    experiments = [experiment.experiment_id for experiment in client.search_experiments()]
    found = client.search_runs(experiments, f"tags.`workbench.kind` = 'comparison' and tags.`workbench.run_id` = '{run_id}'",
                               order_by=["attributes.start_time DESC"], max_results=1) if experiments else []
    if not found:
        raise TrackingError(f"run {run_id} is not logged in {uri}; log it first with `workbench track <run dir>`")
    return found[0].info.run_id, found[0].info.experiment_id


def _model_runs(client: MlflowClient, experiment_id: str, parent_id: str) -> dict[str, str]:
    children = client.search_runs([experiment_id], f"tags.`mlflow.parentRunId` = '{parent_id}'")
    return {child.data.params["model"]: child.info.run_id for child in children if "model" in child.data.params}


def _case_traces(client: MlflowClient, experiment_id: str, model_run_id: str) -> dict[str, str]:
    """Case id -> trace id of a model run's traces."""
    traces: dict[str, str] = {}
    token = None
    while True:
        page = client.search_traces(locations=[experiment_id], run_id=model_run_id, max_results=TRACE_PAGE,
                                    page_token=token, include_spans=False)
        for trace in page:
            case_id = trace.info.trace_metadata.get("workbench.case_id")
            if case_id:
                traces[case_id] = trace.info.trace_id
        token = page.token
        if not token:
            return traces


def _feedback(task: ReviewTask, item: ReviewItem, answer: ReviewAnswer, model: str,
              rationale: str | None) -> list[Feedback]:
    """The human assessments of one answer about one model's output."""
    source = AssessmentSource(source_type=AssessmentSourceType.HUMAN, source_id=answer.reviewer)
    common = {"task": task.task_id, "item": str(item.item_id), "answered_at": answer.answered_at,
              "shown_as": "AB"[answer.shown.index(model)] if task.kind == "pairwise" else "single"}
    found: list[Feedback] = []
    if task.kind == "pairwise":
        other = next(name for name in item.models if name != model)
        for question, preferred in answer.preferred.items():
            outcome = "tie" if preferred is None else ("win" if preferred == model else "loss")
            found.append(Feedback(name=f"{REVIEW_ASSESSMENT_PREFIX}pairwise/{question}", value=outcome,
                                  rationale=rationale if question == OVERALL else None, source=source,
                                  metadata={**common, "against": other, "question": question_label(question)}))
        return found
    for question, score in answer.scores.items():
        found.append(Feedback(name=f"{REVIEW_ASSESSMENT_PREFIX}likert/{question}", value=score, source=source,
                              rationale=rationale if not found else None,
                              metadata={**common, "question": question_label(question), "scale": "1-5"}))
    for section, score in answer.section_scores.items():
        found.append(Feedback(name=f"{REVIEW_ASSESSMENT_PREFIX}section/{section}", value=score, source=source,
                              metadata={**common, "scale": "1-5"}))
    for flag, value in answer.flags.items():
        found.append(Feedback(name=f"{REVIEW_ASSESSMENT_PREFIX}flag/{flag}", value=value, source=source,
                              metadata={**common, "question": question_label(flag)}))
    return found


def _results_tables(results: ReviewResults) -> dict[str, list[dict[str, object]]]:
    tables: dict[str, list[dict[str, object]]] = {
        "agreement": [figure.model_dump() for figure in results.agreement],
        "correlations": [row.model_dump() for row in results.correlations],
    }
    if results.kind == "pairwise":
        tables["win_rates"] = [row.model_dump() for row in results.win_rates]
    else:
        tables["likert_means"] = [row.model_dump() for row in results.likert_means]
        tables["flags"] = [row.model_dump() for row in results.flag_shares]
    return tables


def model_metrics(results: ReviewResults) -> dict[str, dict[str, float]]:
    """Model -> the clinicians' figures logged on its model run."""
    metrics: dict[str, dict[str, float]] = {model: {} for model in results.models}
    for row in results.win_rates:
        if row.win_rate is not None:
            suffix = "" if row.question == OVERALL else f"_{row.question}"
            metrics[row.model][f"clinician_win_rate{suffix}"] = row.win_rate
    for mean in results.likert_means:
        if mean.mean is not None:
            key = mean.question.replace("section: ", "section_").replace(" ", "_")
            metrics[mean.model][f"clinician_likert_{key}"] = mean.mean
    for share in results.flag_shares:
        if share.share is not None:
            metrics[share.model][f"clinician_flag_{share.flag}_rate"] = share.share
    return metrics


def summary_tag(results: ReviewResults) -> str:
    headline = results.headline_agreement()
    agreement = ("α undefined" if headline is None or headline.value is None
                 else f"{headline.statistic} {headline.value:.2f}")
    return (f"{results.kind}, {results.answered}/{results.assigned} answered by {len(results.reviewers)} reviewer(s), "
            f"{agreement}")


def log_review(run_dir: Path, task_id: str, *, tracking_uri: str | None = None,
               allow_remote_endpoint: bool = False, run: RunCases | None = None) -> LoggedReview:
    """Log task ``task_id`` of ``run_dir`` to MLflow (see the module); the run must have been logged."""
    store = ReviewStore(Path(run_dir))
    task = store.task(task_id)
    if not names_visible(store, task):
        progress = store.progress(task_id)
        raise TrackingError(f"task {task_id} is not complete ({progress.answered} of {progress.assigned} answered) "
                            "and its models were not revealed: it is logged once the model names may be shown")
    run = run if run is not None else load_run_cases(Path(run_dir))
    results = review_results(store, task, run)
    uri = checked_tracking_uri(tracking_uri, allow_remote_endpoint=allow_remote_endpoint)
    client = MlflowClient(uri)
    parent_id, experiment_id = _parent_run(client, task.run_id, uri)
    parent = client.get_run(parent_id)
    storage: OutputStorage = parent.data.params.get("output_storage", "as-is")  # type: ignore[assignment]
    model_runs = _model_runs(client, experiment_id, parent_id)
    answers = store.unlogged_answers(task_id, parent_id)
    items = {item.item_id: item for item in store.items(task_id)}
    traces = {model: _case_traces(client, experiment_id, run_id) for model, run_id in model_runs.items()}
    assessments = without_trace = 0
    with tracking_uri_scope(uri):
        for answer in answers:
            item = items[answer.item_id]
            rationale = stored_text(answer.comment, storage, gold_phi(run.case(item.case_id))) if answer.comment else None
            for model in item.models:
                trace_id = traces.get(model, {}).get(item.case_id)
                if trace_id is None:
                    without_trace += 1
                    continue
                for feedback in _feedback(task, item, answer, model, rationale):
                    mlflow.log_assessment(trace_id=trace_id, assessment=feedback)
                    assessments += 1
            store.mark_logged([answer], parent_id)
        artifact = f"reviews/{task_id}.json"
        client.log_dict(parent_id, results.model_dump(mode="json"), artifact)
        for name, rows in _results_tables(results).items():
            if rows:
                client.log_table(parent_id, data={key: [row[key] for row in rows] for key in rows[0]},
                                 artifact_file=f"reviews/{task_id}/{name}.json")
        client.set_tag(parent_id, f"workbench.review.{task_id}", summary_tag(results))
        for model, metrics in model_metrics(results).items():
            if model in model_runs and metrics:
                for key, value in metrics.items():
                    client.log_metric(model_runs[model], key, value)
    return LoggedReview(parent_run_id=parent_id, experiment_id=experiment_id, assessments=assessments,
                        answers=len(answers), without_trace=without_trace, results_artifact=artifact)
