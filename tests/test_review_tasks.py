"""Review tasks on a real comparison run: planning, blinding, the store under several reviewers, answers and audit."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import pytest

from tests.conftest import scripted_comparison
from workbench.privacy.audit import AuditLog, verify_audit_log
from workbench.review.answering import answer_likert, answer_pairwise, blind_item, names_visible, reveal_names
from workbench.review.questions import ASPECT_NAMES, ReviewAnswerError
from workbench.review.store import ReviewStore
from workbench.review.tasks import ReviewRequest, ReviewTaskError, plan_review
from workbench.run.run_cases import load_run_cases


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scripted_comparison(tmp_path_factory.mktemp("review"), cases=4, evalset="clinical-summary-en")


def _planned(run_dir: Path, **options: object):  # type: ignore[no-untyped-def]
    run = load_run_cases(run_dir)
    request = ReviewRequest(**{"kind": "pairwise", "reviewers": ("ana", "ben"), **options})  # type: ignore[arg-type]
    return run, plan_review(run, request, evalset_hash="sha256:x")


def test_a_pairwise_plan_gives_every_item_to_its_reviewers_with_labels_drawn_per_reviewer(run_dir: Path) -> None:
    run, planned = _planned(run_dir, reviewers=("ana", "ben", "cy"), reviewers_per_item=2, seed=7)
    assert planned.task.models == ["echo", "first"] and len(planned.items) == 4  # one pair, four cases
    per_item = Counter(a.item_id for a in planned.assignments)
    assert set(per_item.values()) == {2}
    loads = Counter(a.reviewer for a in planned.assignments)
    assert max(loads.values()) - min(loads.values()) <= 1
    for assignment in planned.assignments:
        assert sorted(assignment.shown) == ["echo", "first"]
    for reviewer in planned.task.reviewers:  # each reviewer's queue is numbered 0..n-1
        positions = sorted(a.position for a in planned.assignments if a.reviewer == reviewer)
        assert positions == list(range(len(positions)))
    again = plan_review(run, ReviewRequest(kind="pairwise", reviewers=("ana", "ben", "cy"), seed=7),
                        evalset_hash="sha256:x")
    assert [a.model_dump() for a in again.assignments] == [a.model_dump() for a in planned.assignments]
    orders = {tuple(a.shown) for a in _planned(run_dir, seed=1)[1].assignments + planned.assignments}
    assert orders == {("echo", "first"), ("first", "echo")}  # both orders are drawn


def test_case_selection_all_sample_and_disagreement(run_dir: Path) -> None:
    run, sampled = _planned(run_dir, selection="sample", sample_size=2, seed=3)
    ids = [case.id for case in run.evalset.cases]
    chosen = [item.case_id for item in sampled.items]
    assert len(chosen) == 2 and chosen == sorted(chosen, key=ids.index)
    assert chosen == [item.case_id for item in _planned(run_dir, selection="sample", sample_size=2, seed=3)[1].items]
    from workbench.run.run_cases import disagreement

    _, top = _planned(run_dir, selection="disagreement", sample_size=1)
    spread = {case.id: disagreement(run, case) for case in run.evalset.cases}
    assert spread[top.items[0].case_id] == max(spread.values())
    _, likert = _planned(run_dir, kind="likert", reviewers_per_item=1)
    assert len(likert.items) == 8 and likert.task.sections == list(run.evalset.manifest.required_sections)


@pytest.mark.parametrize(("options", "message"), [
    ({"reviewers": ()}, "--reviewer"),
    ({"reviewers": ("ana", "ana")}, "named twice"),
    ({"reviewers_per_item": 3}, "--per-item"),
    ({"models": ("echo", "gpt-x")}, "gpt-x not in run"),
    ({"models": ("echo",)}, "two models"),
    ({"selection": "sample"}, "--sample"),
    ({"aspects": ("accuracy", "tone")}, "unknown aspect 'tone'"),
])
def test_a_task_that_cannot_be_planned_names_the_option(run_dir: Path, options: dict[str, object],
                                                        message: str) -> None:
    with pytest.raises((ReviewTaskError, ReviewAnswerError), match=message):
        _planned(run_dir, **options)


def test_blinded_answers_are_stored_audited_and_names_shown_only_when_complete_or_revealed(
        run_dir: Path, tmp_path: Path) -> None:
    run, planned = _planned(run_dir, selection="sample", sample_size=2, seed=11)
    store = ReviewStore(tmp_path)  # a store of its own, beside nothing else
    task = store.add(planned)
    audit = AuditLog(tmp_path / "audit.jsonl")
    assert not names_visible(store, task)

    item = blind_item(store, run, task, "ana")
    assert item is not None and item.total == 2 and item.answered == 0 and [o.label for o in item.outputs] == ["A", "B"]
    assignment = store.assignment(task.task_id, item.item_id, "ana")
    assert assignment is not None
    texts = {model: run.records[model][item.case_id].output for model in assignment.shown}
    assert [o.text for o in item.outputs] == [texts[model] for model in assignment.shown]
    # No model name in what the reviewer gets besides the texts themselves (a note may well say "echo").
    around_texts = repr({**asdict(item), "source": None, "outputs": [output.label for output in item.outputs]})
    assert "echo" not in around_texts and "first" not in around_texts

    choices = {"overall": "A", **{name: "tie" for name in ASPECT_NAMES}}
    answer = answer_pairwise(store, run, task, "ana", item.item_id, choices, comment=" clearer ", audit=audit)
    assert answer.preferred["overall"] == assignment.shown[0] and answer.preferred["accuracy"] is None
    assert answer.comment == "clearer"
    with pytest.raises(ReviewAnswerError, match="completeness: choose A, B or tie"):
        answer_pairwise(store, run, task, "ana", item.item_id, {"overall": "A", "accuracy": "B"})
    with pytest.raises(ReviewTaskError, match="not assigned to zed"):
        answer_pairwise(store, run, task, "zed", item.item_id, choices)
    with pytest.raises(ReviewAnswerError, match="not Likert"):
        answer_likert(store, run, task, "ana", item.item_id, {}, {}, {})

    entry = audit.entries()[-1]
    assert entry.user == "ana" and entry.action == "review answer"
    assert entry.details["task"] == task.task_id and entry.details["case_id"] == item.case_id
    assert set(entry.input_hashes) == {"source", "output_A", "output_B", "comment"}
    assert verify_audit_log(audit.path) == []

    with pytest.raises(ReviewTaskError, match="only an administrator"):
        reveal_names(store, task, "ana", is_admin=False)
    for reviewer in ("ana", "ben"):
        while (pending := blind_item(store, run, task, reviewer)) is not None:
            answer_pairwise(store, run, task, reviewer, pending.item_id, choices)
    progress = store.progress(task.task_id)
    assert progress.complete and progress.by_reviewer == {"ana": (2, 2), "ben": (2, 2)}
    assert names_visible(store, store.task(task.task_id))

    _, other = _planned(run_dir, seed=12)
    unfinished = store.add(other)
    revealed = reveal_names(store, unfinished, "admin", is_admin=True, audit=audit)
    assert revealed.revealed_by == "admin" and names_visible(store, store.task(unfinished.task_id))
    assert [task.task_id for task in ReviewStore(tmp_path).tasks()] == [task.task_id, unfinished.task_id]  # reopened


def test_likert_answers_are_checked_against_the_task(run_dir: Path, tmp_path: Path) -> None:
    run, planned = _planned(run_dir, kind="likert", reviewers=("ana",), reviewers_per_item=1)
    store = ReviewStore(tmp_path)
    task = store.add(planned)
    item = blind_item(store, run, task, "ana")
    assert item is not None and [o.label for o in item.outputs] == ["Output"] and item.sections and item.flags
    scores = {name: 4 for name in ASPECT_NAMES}
    sections = {name: 3 for name in task.sections}
    with pytest.raises(ReviewAnswerError, match="aspect usefulness: give a score from 1 to 5"):
        answer_likert(store, run, task, "ana", item.item_id, {**scores, "usefulness": 6}, sections, {})
    with pytest.raises(ReviewAnswerError, match="section"):
        answer_likert(store, run, task, "ana", item.item_id, scores, {}, {})
    with pytest.raises(ReviewAnswerError, match="unknown flag"):
        answer_likert(store, run, task, "ana", item.item_id, scores, sections, {"rude": True})
    answer = answer_likert(store, run, task, "ana", item.item_id, scores, sections, {"harm": True})
    assert answer.flags == {"harm": True, "identifier": False}
    assert store.answers(task.task_id)[0].section_scores == sections


def test_reviewers_answering_at_once_all_get_their_answers_stored(run_dir: Path, tmp_path: Path) -> None:
    reviewers = tuple(f"reviewer{number}" for number in range(6))
    run, planned = _planned(run_dir, reviewers=reviewers, reviewers_per_item=6)
    store = ReviewStore(tmp_path)
    task = store.add(planned)
    choices = {"overall": "B", **{name: "A" for name in ASPECT_NAMES}}
    failures: list[BaseException] = []

    def review(reviewer: str) -> None:
        try:
            own = ReviewStore(tmp_path)  # each reviewer's session opens the store itself
            while (pending := blind_item(own, run, task, reviewer)) is not None:
                answer_pairwise(own, run, task, reviewer, pending.item_id, choices)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=review, args=(reviewer,)) for reviewer in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert store.progress(task.task_id).answered == len(planned.items) * len(reviewers)
