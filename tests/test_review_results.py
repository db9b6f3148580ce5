"""What review answers show, on hand-made answers to a real run: agreement, per-model results, score correlations,
MLflow (human assessments, results, metrics), the CLI and the report."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from mlflow import MlflowClient

from tests.conftest import scripted_comparison, workbench_command
from workbench.review.answering import answer_likert, answer_pairwise
from workbench.review.questions import ASPECT_NAMES, OVERALL
from workbench.review.results import ReviewResults, review_results
from workbench.review.store import ReviewStore
from workbench.review.tasks import ReviewRequest, ReviewTask, plan_review
from workbench.run.run_cases import RunCases, load_run_cases


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scripted_comparison(tmp_path_factory.mktemp("review-results"), cases=4, evalset="clinical-summary-en")


def _task(run_dir: Path, store_dir: Path, kind: str) -> tuple[RunCases, ReviewStore, ReviewTask]:
    run = load_run_cases(run_dir)
    store_dir.mkdir(exist_ok=True)
    store = ReviewStore(store_dir)
    task = store.add(plan_review(run, ReviewRequest(kind=kind, reviewers=("ana", "ben"), seed=5),  # type: ignore[arg-type]
                                 evalset_hash=run.evalset.content_hash()))
    return run, store, task


def _prefer(store: ReviewStore, task: ReviewTask, reviewer: str, item_id: int, model: str | None) -> str:
    """The label the reviewer saw ``model`` under on this item ("tie" for None)."""
    if model is None:
        return "tie"
    assignment = store.assignment(task.task_id, item_id, reviewer)
    assert assignment is not None
    return assignment.label_of(model)


def _answer_pairwise(run: RunCases, store: ReviewStore, task: ReviewTask,
                     preferred: dict[str, list[str | None]]) -> ReviewResults:
    """Each reviewer prefers, on item i, the model ``preferred[reviewer][i]`` overall and on every aspect."""
    for reviewer, models in preferred.items():
        for item, model in zip(store.items(task.task_id), models):
            label = _prefer(store, task, reviewer, item.item_id, model)
            answer_pairwise(store, run, task, reviewer, item.item_id, {OVERALL: label, **{a: label for a in ASPECT_NAMES}})
    return review_results(store, task, run)


def test_pairwise_agreement_reads_the_model_preferred_whatever_the_order_shown(run_dir: Path, tmp_path: Path) -> None:
    run, store, task = _task(run_dir, tmp_path / "same", "pairwise")
    orders = {tuple(store.assignment(task.task_id, item.item_id, name).shown)  # type: ignore[union-attr]
              for item in store.items(task.task_id) for name in ("ana", "ben")}
    assert len(orders) == 2  # the two reviewers did not always see the models in the same order
    same = ["echo", "first", "echo", None]
    results = _answer_pairwise(run, store, task, {"ana": same, "ben": same})
    overall = {figure.statistic: figure for figure in results.agreement if figure.question == OVERALL}
    assert overall["Cohen's κ"].value == pytest.approx(1.0)
    assert overall["Krippendorff's α (nominal)"].value == pytest.approx(1.0)
    assert overall["Cohen's κ"].units == 4 and overall["Cohen's κ"].ratings == 8


def test_pairwise_agreement_and_win_rates_by_hand(run_dir: Path, tmp_path: Path) -> None:
    run, store, task = _task(run_dir, tmp_path, "pairwise")
    results = _answer_pairwise(run, store, task, {"ana": ["echo", "echo", "first", None],
                                                  "ben": ["echo", "first", "first", "echo"]})
    overall = {figure.statistic: figure.value for figure in results.agreement if figure.question == OVERALL}
    # Categories echo / first / tie. Agreement on items 1 and 3: p_o = 2/4.
    # ana: echo 2, first 1, tie 1; ben: echo 2, first 2, tie 0 -> p_e = (2·2 + 1·2 + 1·0) / 16 = 6/16.
    # κ = (1/2 − 3/8) / (1 − 3/8) = (1/8) / (5/8) = 0.2.
    assert overall["Cohen's κ"] == pytest.approx(0.2)
    # α (nominal), 4 units of 2 values: coincidences o(e,e)=2, o(f,f)=2, o(e,f)=o(f,e)=1, o(t,e)=o(e,t)=1;
    # n_e = 4, n_f = 3, n_t = 1, n = 8. D_o ∝ Σ_{c≠k} o_ck = 4; D_e ∝ Σ_{c≠k} n_c n_k = 2(12 + 4 + 3) = 38.
    # α = 1 − (n − 1) · 4 / 38 = 1 − 28/38.
    assert overall["Krippendorff's α (nominal)"] == pytest.approx(1 - 28 / 38)
    rates = {(row.model, row.question): row for row in results.win_rates}
    echo, first = rates[("echo", OVERALL)], rates[("first", OVERALL)]
    assert (echo.wins, echo.losses, echo.ties) == (4, 3, 1) and echo.win_rate == pytest.approx(4 / 7)
    assert (first.wins, first.losses, first.ties) == (3, 4, 1)
    assert echo.ci_low is not None and echo.ci_low < 4 / 7 < echo.ci_high  # type: ignore[operator]


def test_likert_agreement_means_flags_and_the_score_that_tracks_the_clinicians(run_dir: Path, tmp_path: Path) -> None:
    run, store, task = _task(run_dir, tmp_path, "likert")
    items = store.items(task.task_id)
    # Both reviewers score each output by its ROUGE-L rank (1 worst … 5 best), ben one point lower where he can:
    # the clinicians' view then orders the outputs as ROUGE-L does.
    rouge = {item.item_id: run.score(item.models[0], item.case_id, "rougeL") for item in items}
    ordered = sorted(rouge, key=lambda item_id: rouge[item_id])  # type: ignore[arg-type, return-value]
    points = {item_id: 1 + (4 * rank) // (len(ordered) - 1) for rank, item_id in enumerate(ordered)}
    assert len(set(rouge.values())) == len(rouge)  # distinct values: no ties in the expected ranking
    for reviewer, lower in (("ana", 0), ("ben", 1)):
        for item in items:
            score = max(1, points[item.item_id] - lower)
            answer_likert(store, run, task, reviewer, item.item_id, {a: score for a in ASPECT_NAMES},
                          {s: score for s in task.sections}, {"harm": item.models[0] == "echo" and reviewer == "ana"})
    results = review_results(store, task, run)
    correlations = {row.score: row for row in results.correlations}
    assert correlations["rougeL"].rho == pytest.approx(1.0, abs=0.05) and correlations["rougeL"].n == len(items)
    assert "e2e_s" not in correlations  # latency is not the clinicians' call
    accuracy = {figure.statistic: figure.value for figure in results.agreement if figure.question == "accuracy"}
    assert 0.5 < accuracy["weighted κ (quadratic)"] < 1.0  # one point apart, same order: high, not perfect
    assert 0.5 < accuracy["Krippendorff's α (ordinal)"] < 1.0
    harm = {row.model: row for row in results.flag_shares if row.flag == "harm"}
    assert (harm["echo"].flagged, harm["echo"].answers) == (4, 8) and harm["first"].flagged == 0
    means = {(row.model, row.question): row for row in results.likert_means}
    expected = [max(1, points[item.item_id] - lower) for item in items if item.models == ["first"] for lower in (0, 1)]
    assert means[("first", "accuracy")].mean == pytest.approx(sum(expected) / len(expected))


def _logged_run(run_dir: Path, uri: str) -> None:
    completed = subprocess.run(workbench_command() + ["track", str(run_dir), "--tracking-uri", uri],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr


def test_cli_creates_follows_reveals_and_logs_a_task_to_mlflow(run_dir: Path, tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    audit = tmp_path / "audit.jsonl"

    def review(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(workbench_command() + ["review", *arguments], capture_output=True, text=True,
                              timeout=300, cwd=tmp_path)

    created = review("create", str(run_dir), "--kind", "pairwise", "--reviewer", "ana", "--reviewer", "ben",
                     "--cases", "sample", "--sample", "2", "--seed", "4", "--audit-log", str(audit))
    assert created.returncode == 0, created.stderr
    task_id = created.stdout.split()[1].rstrip(":")
    assert "2 item(s) over 2 case(s)" in created.stdout and "ana 2, ben 2" in created.stdout
    refused = review("create", str(run_dir), "--kind", "pairwise", "--reviewer", "ana", "--per-item", "3")
    assert refused.returncode == 2 and "--per-item" in refused.stderr

    run = load_run_cases(run_dir)
    store = ReviewStore(run_dir)
    task = store.task(task_id)
    for item in store.items(task_id)[:1]:  # ana answers one item: the task is not complete
        label = _prefer(store, task, "ana", item.item_id, "first")
        answer_pairwise(store, run, task, "ana", item.item_id, {OVERALL: label, **{a: label for a in ASPECT_NAMES}},
                        comment="A keeps the plan")
    pending = review("results", str(run_dir), task_id)
    assert pending.returncode == 0 and "not complete" in pending.stdout and "Agreement between reviewers" in pending.stdout
    assert "Win rate" not in pending.stdout and "echo" not in pending.stdout  # no model named before completion
    not_logged = review("log", str(run_dir), task_id, "--tracking-uri", uri)
    assert not_logged.returncode == 2 and "not complete (1 of 4 answered)" in not_logged.stderr

    revealed = review("reveal", str(run_dir), task_id, "--audit-log", str(audit))
    assert revealed.returncode == 0 and "echo, first" in revealed.stdout
    results_file = tmp_path / "results.json"
    shown = review("results", str(run_dir), task_id, "--json-out", str(results_file))
    assert shown.returncode == 0 and "Win rate" in shown.stdout
    assert json.loads(results_file.read_text())["win_rates"][0]["model"] in ("echo", "first")
    listed = review("list", str(run_dir))
    assert task_id in listed.stdout and "ana 1/2, ben 0/2" in listed.stdout

    unlogged = review("log", str(run_dir), task_id, "--tracking-uri", uri)
    assert unlogged.returncode == 2 and "is not logged in" in unlogged.stderr
    _logged_run(run_dir, uri)
    logged = review("log", str(run_dir), task_id, "--tracking-uri", uri, "--audit-log", str(audit))
    assert logged.returncode == 0, logged.stderr
    assert "10 assessment(s) from 1 new answer(s)" in logged.stdout  # 5 questions × the 2 outputs of one item
    again = review("log", str(run_dir), task_id, "--tracking-uri", uri)
    assert "0 assessment(s) from 0 new answer(s)" in again.stdout

    client = MlflowClient(uri)
    (parent,) = client.search_runs([e.experiment_id for e in client.search_experiments()],
                                   "tags.`workbench.kind` = 'comparison'")
    assert parent.data.tags[f"workbench.review.{task_id}"].startswith("pairwise, 1/4 answered by 2 reviewer(s)")
    artifacts = {item.path for item in client.list_artifacts(parent.info.run_id, "reviews")}
    assert f"reviews/{task_id}.json" in artifacts
    children = client.search_runs([parent.info.experiment_id], f"tags.`mlflow.parentRunId` = '{parent.info.run_id}'")
    first_run = next(child for child in children if child.data.params["model"] == "first")
    assert first_run.data.metrics["clinician_win_rate"] == 1.0
    traces = client.search_traces(locations=[parent.info.experiment_id], run_id=first_run.info.run_id)
    human = [assessment for trace in traces for assessment in trace.info.assessments
             if assessment.source.source_type == "HUMAN"]
    assert {assessment.name for assessment in human} == {f"clinician/pairwise/{q}" for q in (OVERALL, *ASPECT_NAMES)}
    overall = next(assessment for assessment in human if assessment.name == "clinician/pairwise/overall")
    assert overall.source.source_id == "ana" and overall.feedback.value == "win"
    assert overall.rationale == "A keeps the plan" and overall.metadata["against"] == "echo"

    report = subprocess.run(workbench_command() + ["report", str(run_dir), "--no-mlflow", "--out", str(tmp_path / "report")],
                            capture_output=True, text=True, timeout=300)
    assert report.returncode == 0, report.stderr
    markdown = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "## Clinician review" in markdown and f"Pairwise task {task_id}" in markdown
    assert "models revealed before completion by local:" in markdown and "Win rate" in markdown
    assert "Clinician review" in (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    actions = [json.loads(line)["action"] for line in audit.read_text().splitlines()]
    assert actions == ["review task created", "review models revealed", "review logged to MLflow"]
