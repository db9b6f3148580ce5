"""The Review tab's view functions on a real scripted comparison: who sees which task, the blinded item, answers
stored and audited, results with and without the model names, and every refusal said in words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.privacy.audit import AuditLog
from workbench.review.questions import ASPECTS
from workbench.review.store import ReviewStore
from workbench.review.tasks import ReviewRequest, ReviewTask, plan_review
from workbench.run.files import read_manifest
from workbench.ui import review_view
from workbench.ui.access import Credentials
from workbench.ui.app import UIConfig
from workbench.run.run_cases import load_run_cases

# Two scripted models under names no note or output contains, so that any mention of them on the page is a leak.
BLIND_CATALOGUE = """models:
  model-zeta:
    backend: scripted
    model: echo-source
    description: copies the note
  model-omega:
    backend: scripted
    model: first-sentences
    description: the note's first sentences
"""
MODEL_NAMES = ("model-zeta", "model-omega")


def blind_comparison(workdir: Path, *, cases: int = 2) -> Path:
    """The run directory of ``model-zeta`` and ``model-omega`` over the first ``cases`` cases of clinical-summary-en,
    under ``workdir/runs``, not logged to MLflow; their catalogue is ``workdir/catalogue/models.yaml``."""
    from workbench import api

    catalogue = workdir / "catalogue" / "models.yaml"
    catalogue.parent.mkdir(parents=True, exist_ok=True)
    catalogue.write_text(BLIND_CATALOGUE, encoding="utf-8")
    result = api.evaluate(list(MODEL_NAMES), "clinical-summary-en", limit=cases, runs_dir=workdir / "runs",
                          log_to_mlflow=False, show_progress=False, catalogue=[catalogue])
    return result.run_dir


def add_task(run_dir: Path, kind: str, reviewers: tuple[str, ...], per_item: int = 2) -> ReviewTask:
    run = load_run_cases(run_dir)
    request = ReviewRequest(kind=kind, reviewers=reviewers, reviewers_per_item=per_item,  # type: ignore[arg-type]
                            created_by="local:test")
    return ReviewStore(run_dir).add(plan_review(run, request, evalset_hash=run.evalset.content_hash()))


def config_for(workdir: Path, *, admins: tuple[str, ...] = ("lee",), login: bool = True) -> UIConfig:
    credentials = Credentials(source=workdir / "users.txt", users={}) if login else None
    return UIConfig(runs_dir=workdir / "runs", tracking_uri=f"sqlite:///{workdir / 'mlflow.db'}",
                    audit=AuditLog(workdir / "audit.jsonl"), credentials=credentials, review_admins=admins)


def sent_to_page(value: object) -> str:
    """Everything a handler's return value would send to the browser, as text."""
    return json.dumps(value, default=lambda item: item.__dict__ if hasattr(item, "__dict__") else str(item))


def assert_blind(value: object) -> None:
    text = sent_to_page(value)
    for name in MODEL_NAMES:
        assert name not in text, f"{name} was sent to the page: {text[:2000]}"


def pairwise_answers(choice: str = "A", comment: str = "") -> review_view.FormAnswers:
    return review_view.FormAnswers(choice, [choice] * len(ASPECTS), [None] * review_view.MAX_SECTION_SLOTS,
                                   [False, False], comment)


def likert_answers(task: ReviewTask, score: str = "4", harm: bool = False) -> review_view.FormAnswers:
    sections = [score] * len(task.sections) + [None] * (review_view.MAX_SECTION_SLOTS - len(task.sections))
    return review_view.FormAnswers(None, [score] * len(ASPECTS), sections, [harm, False], "")


def answer_all(config: UIConfig, task: ReviewTask, reviewer: str,
               answers: review_view.FormAnswers) -> list[review_view.ItemView]:
    """Answer every item of ``reviewer`` through the view functions; the views shown, in order."""
    shown = [review_view.next_item_view(config, task.task_id, reviewer)]
    while shown[-1].answerable:
        view, refusal = review_view.submit_answer(config, task.task_id, shown[-1].item_id, reviewer, answers)
        assert view is not None, refusal
        shown.append(view)
    return shown


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return blind_comparison(tmp_path_factory.mktemp("review-ui"), cases=2)


@pytest.fixture()
def workdir(comparison: Path, tmp_path: Path) -> Path:
    """A fresh copy of the comparison (no review tasks yet) under ``tmp_path/runs``."""
    import shutil

    shutil.copytree(comparison, tmp_path / "runs" / comparison.name)
    return tmp_path


def run_dir_of(workdir: Path) -> Path:
    return next((workdir / "runs").iterdir())


def test_who_administers_reviews_is_decided_in_one_place(tmp_path: Path) -> None:
    with_login = config_for(tmp_path, admins=("lee",))
    assert review_view.is_review_admin(with_login, "lee")
    assert not review_view.is_review_admin(with_login, "ana")
    without_login = config_for(tmp_path, admins=(), login=False)
    assert review_view.is_review_admin(without_login, "local:someone")  # loopback, no login: the local user


def test_a_reviewer_is_offered_only_their_own_tasks_with_their_own_progress(workdir: Path) -> None:
    run_dir = run_dir_of(workdir)
    pairwise = add_task(run_dir, "pairwise", ("ana", "ben"))
    likert = add_task(run_dir, "likert", ("ben", "cy"), per_item=1)
    config = config_for(workdir)
    assert [value for _, value in review_view.review_task_choices(config, "ana")] == [pairwise.task_id]
    assert [value for _, value in review_view.review_task_choices(config, "ben")] == [pairwise.task_id, likert.task_id]
    assert review_view.review_task_choices(config, "dana") == []
    label = review_view.review_task_choices(config, "ana")[0][0]
    assert "pairwise" in label and "you answered 0 of 2" in label  # 2 cases, one pair: 2 items, both for ana

    answer_all(config, pairwise, "ana", pairwise_answers())
    assert "you answered 2 of 2 · done" in review_view.review_task_choices(config, "ana")[0][0]
    assert "you answered 0 of 2" in review_view.review_task_choices(config, "ben")[0][0]

    # Results: reviewers see the tasks they review; an administrator sees every task.
    assert [value for _, value in review_view.results_task_choices(config, "cy")] == [likert.task_id]
    assert [value for _, value in review_view.results_task_choices(config, "lee")] == [pairwise.task_id,
                                                                                         likert.task_id]
    assert "2 of 4 answers" in review_view.results_task_choices(config, "ana")[0][0]
    assert_blind([review_view.review_task_choices(config, name) for name in ("ana", "ben", "cy")])
    assert_blind(review_view.results_task_choices(config, "lee"))


def test_the_item_a_reviewer_sees_names_no_model(workdir: Path) -> None:
    run_dir = run_dir_of(workdir)
    task = add_task(run_dir, "pairwise", ("ana", "ben"))
    config = config_for(workdir)
    view = review_view.next_item_view(config, task.task_id, "ana")
    assert view.answerable and view.kind == "pairwise"
    assert [label for label, _ in view.outputs] == ["Output A", "Output B"]
    run = load_run_cases(run_dir)
    item = ReviewStore(run_dir).item(task.task_id, view.item_id or 0)
    assert view.source == run.case(item.case_id).source
    assert {text for _, text in view.outputs} == {run.records[model][item.case_id].output for model in item.models}
    assert [q.key for q in view.aspects] == [aspect.name for aspect in ASPECTS]
    assert view.aspects[0].info == ASPECTS[0].question
    updates = review_view.form_updates(view)
    assert updates[-1] == {"task": task.task_id, "item": view.item_id}  # all the page's state: task and item ids
    assert_blind(view)
    assert_blind(updates)
    shown = [entry for entry in config.audit.entries() if entry.action == "review item shown"]
    assert len(shown) == 1 and shown[0].user == "ana" and shown[0].models == []
    assert shown[0].details["task"] == task.task_id

    likert = add_task(run_dir, "likert", ("ana", "ben"))
    likert_view = review_view.next_item_view(config, likert.task_id, "ana")
    assert [label for label, _ in likert_view.outputs] == ["Output"]
    assert [q.label for q in likert_view.sections] == ["Section Chief Complaint", "Section History of Present Illness",
                                                       "Section Key Findings", "Section Assessment and Plan"]
    assert [q.key for q in likert_view.flags] == ["harm", "identifier"]
    assert_blind(review_view.form_updates(likert_view))


def test_answers_are_stored_audited_and_the_queue_moves_on(workdir: Path) -> None:
    run_dir = run_dir_of(workdir)
    task = add_task(run_dir, "pairwise", ("ana", "ben"))
    config = config_for(workdir)
    first = review_view.next_item_view(config, task.task_id, "ana")

    # A question left open: nothing stored, the reviewer told which.
    partial = review_view.FormAnswers("A", ["B", None, "tie", None], [None] * review_view.MAX_SECTION_SLOTS,
                                      [False, False], "")
    view, refusal = review_view.submit_answer(config, task.task_id, first.item_id, "ana", partial)
    assert view is None
    assert refusal == "**Not saved:** answer every question; not answered yet: Completeness, Usefulness."
    assert ReviewStore(run_dir).answers(task.task_id) == []

    views = answer_all(config, task, "ana", pairwise_answers("B", comment="B keeps the plan"))
    assert views[1].message.startswith("Answer saved. Item 2 of 2")
    assert views[-1].message == "Answer saved. " + review_view.ALL_ANSWERED
    stored = ReviewStore(run_dir).answers(task.task_id, "ana")
    assert len(stored) == 2 and all(answer.choices["overall"] == "B" for answer in stored)
    assert stored[0].comment == "B keeps the plan"
    audited = [entry for entry in config.audit.entries() if entry.action == "review answer"]
    assert [entry.user for entry in audited] == ["ana", "ana"]
    assert review_view.next_item_view(config, task.task_id, "ana").message == review_view.ALL_ANSWERED

    likert = add_task(run_dir, "likert", ("ana", "ben"))
    answer_all(config, likert, "ben", likert_answers(likert, "2", harm=True))
    saved = ReviewStore(run_dir).answers(likert.task_id, "ben")
    assert len(saved) == 4 and all(answer.scores == {a.name: 2 for a in ASPECTS} for answer in saved)
    assert all(answer.flags == {"harm": True, "identifier": False} for answer in saved)
    assert all(set(answer.section_scores) == set(likert.sections) for answer in saved)


def test_results_name_the_models_only_once_every_answer_is_in(workdir: Path) -> None:
    run_dir = run_dir_of(workdir)
    task = add_task(run_dir, "pairwise", ("ana", "ben"))
    config = config_for(workdir)
    answer_all(config, task, "ana", pairwise_answers("A"))
    halfway = review_view.results_text(config, task.task_id, "ben")
    assert "2 of 4 answers" in halfway and "not complete" in halfway
    assert "Agreement between reviewers" in halfway and "Krippendorff" in halfway
    assert review_view.MODELS_HIDDEN in halfway
    assert_blind(halfway)

    answer_all(config, task, "ben", pairwise_answers("A"))
    done = review_view.results_text(config, task.task_id, "ana")
    assert "4 of 4 answers" in done and "Win rate" in done and "Spearman" in done
    assert all(name in done for name in MODEL_NAMES)
    assert review_view.MODELS_HIDDEN not in done
    viewed = [entry for entry in config.audit.entries() if entry.action == "review results viewed"]
    assert [entry.details["names_shown"] for entry in viewed] == [False, True]


def test_an_administrator_reveals_the_models_of_an_unfinished_task(workdir: Path) -> None:
    task = add_task(run_dir_of(workdir), "pairwise", ("ana", "ben"))
    config = config_for(workdir)
    refused = review_view.reveal_models(config, task.task_id, "ana")
    assert refused == "**Not revealed:** only a review administrator may reveal the models."
    assert review_view.reveal_models(config, task.task_id, "lee") == f"Models of task {task.task_id} revealed."
    shown = review_view.results_text(config, task.task_id, "ana")
    assert "Models revealed by lee" in shown and "model-zeta" in shown
    assert review_view.reveal_models(config, task.task_id, "lee") == "The models of this task are already shown."
    assert [entry.action for entry in config.audit.entries()].count("review models revealed") == 1


def test_every_refusal_is_said_in_words(workdir: Path) -> None:
    run_dir = run_dir_of(workdir)
    task = add_task(run_dir, "pairwise", ("ana", "ben"))
    config = config_for(workdir)
    assert review_view.next_item_view(config, None, "ana").message == review_view.CHOOSE_A_TASK
    assert review_view.next_item_view(config, task.task_id, "dana").message == (
        f"**Cannot show this task:** task {task.task_id} is not assigned to dana")
    assert review_view.next_item_view(config, "review-none", "ana").message.startswith(
        "**Cannot show this task:** no review task 'review-none' under")
    assert review_view.results_text(config, task.task_id, "dana") == (
        f"**Cannot show these results:** task {task.task_id} is not assigned to you.")
    view, refusal = review_view.submit_answer(config, task.task_id, 999, "ana", pairwise_answers())
    assert view is None and refusal == f"**Not saved:** task {task.task_id}: item 999 is not assigned to ana"
    view, refusal = review_view.submit_answer(config, None, None, "ana", pairwise_answers())
    assert refusal == "**Not saved:** choose a task first."

    # MLflow: an unfinished task is not logged; nor is a task of a run that was never logged.
    assert review_view.log_to_mlflow(config, task.task_id, "ana") == (
        "**Not logged:** only a review administrator may log a review to MLflow.")
    unfinished = review_view.log_to_mlflow(config, task.task_id, "lee")
    assert unfinished.startswith("**Not logged to MLflow:** task") and r"is not complete \(0 of 4 answered\)" in unfinished
    answer_all(config, task, "ana", pairwise_answers())
    answer_all(config, task, "ben", pairwise_answers())
    not_logged = review_view.log_to_mlflow(config, task.task_id, "lee")
    assert not_logged.startswith("**Not logged to MLflow:** run") and "is not logged in sqlite" in not_logged
    assert "log it first with \\`workbench track" in not_logged
    errors = [entry for entry in config.audit.entries() if entry.action == "review logged to MLflow"]
    assert [entry.outcome for entry in errors] == ["error", "error"]


def test_an_administrator_creates_a_task_from_the_tab(workdir: Path) -> None:
    run_dir = run_dir_of(workdir)
    config = config_for(workdir)
    manifest = read_manifest(run_dir)
    assert review_view.run_choices(config.runs_dir) == [
        (f"{manifest.run_id} · clinical-summary-en · {manifest.prompt}", str(run_dir))]
    assert_blind(review_view.run_choices(config.runs_dir))
    refused = review_view.create_task(config, "ana", str(run_dir), "pairwise", "ana, ben", 2, "all", None, 0)
    assert refused == "**Not created:** only a review administrator may create review tasks."
    bad = review_view.create_task(config, "lee", str(run_dir), "pairwise", " , ", 2, "all", None, 0)
    assert bad == r"**Not created:** reviewers \(--reviewer\): name at least one reviewer \(their UI login names\)"
    outside = review_view.create_task(config, "lee", "/etc", "pairwise", "ana", 1, "all", None, 0)
    assert outside.startswith("**Not created:**") and "not inside the runs directory" in outside
    no_size = review_view.create_task(config, "lee", str(run_dir), "likert", "ana, ben", 1, "sample", None, 3)
    assert "give how many cases to review" in no_size
    assert ReviewStore(run_dir).tasks() == []

    created = review_view.create_task(config, "lee", str(run_dir), "likert", "ana, ben", 1, "sample", 1, 3)
    assert created.startswith("Created likert task **review-") and "2 item(s); assigned: ana 1, ben 1." in created
    (task,) = ReviewStore(run_dir).tasks()
    assert task.reviewers == ["ana", "ben"] and task.selection == "sample" and task.sample_size == 1
    assert task.seed == 3 and task.created_by == "lee"
    (entry,) = [entry for entry in config.audit.entries() if entry.action == "review task created"]
    assert entry.user == "lee" and entry.details["task"] == task.task_id
    assert [value for _, value in review_view.review_task_choices(config, "ana")] == [task.task_id]


def test_a_reviewer_cannot_open_the_run_they_review_blind_in_cases_or_compare(workdir: Path) -> None:
    from types import SimpleNamespace

    from workbench.ui import app as ui_app
    from workbench.ui import compare_view

    run_dir = run_dir_of(workdir)
    task = add_task(run_dir, "pairwise", ("ana", "ben"))
    config = config_for(workdir)
    case_id = load_run_cases(run_dir).evalset.cases[0].id

    def case_view(user: str) -> str:
        return sent_to_page(ui_app.show_case(config, str(run_dir), case_id, SimpleNamespace(username=user,
                                                                                            session_hash="s")))

    held_back = case_view("ana")
    assert "**Cannot show this run:** you review run" in held_back and task.task_id in held_back
    assert_blind(held_back)
    summary, *_rest = compare_view.compare(config, str(run_dir), str(run_dir), "ana")
    assert summary.startswith("**Cannot compare:**") and "blind" in summary
    assert "model-zeta" in case_view("lee")  # an administrator is never held back
    assert "model-zeta" in case_view("cy")  # nor a user who does not review this run

    answer_all(config, task, "ana", pairwise_answers("A"))
    answer_all(config, task, "ben", pairwise_answers("B"))
    assert "model-zeta" in case_view("ana")  # the task is complete: the names may be shown
