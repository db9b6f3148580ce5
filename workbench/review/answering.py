"""A reviewer's side of a task: the blinded item they see next, their answer checked, stored and audited,
and when the models' names may be shown.

What a reviewer sees (:class:`BlindItem`) carries the note and the outputs under the labels A and B
(or one output), never a model's name. Model names are shown once every assignment of the task has
been answered, or once an administrator has revealed them (recorded in the task and the audit log).
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.privacy.audit import AuditLog
from workbench.review.questions import ReviewAnswerError, check_likert, check_pairwise
from workbench.review.store import ReviewStore
from workbench.review.tasks import Assignment, ReviewAnswer, ReviewTask, ReviewTaskError, now_iso
from workbench.run.run_cases import RunCases


@dataclass(frozen=True)
class BlindOutput:
    label: str  # "A", "B", or "Output" for a Likert item
    text: str


@dataclass(frozen=True)
class BlindItem:
    """One item as its reviewer sees it: no model names anywhere."""

    task_id: str
    kind: str
    item_id: int
    position: int  # 0-based place in the reviewer's queue
    total: int  # the reviewer's assignments in the task
    answered: int  # of them answered so far
    case_id: str
    source: str
    outputs: list[BlindOutput]
    aspects: list[str]
    sections: list[str]
    flags: list[str]


def _check_reviewer(task: ReviewTask, reviewer: str) -> None:
    if reviewer not in task.reviewers:
        raise ReviewTaskError(f"task {task.task_id} is not assigned to {reviewer}")


def blind_item(store: ReviewStore, run: RunCases, task: ReviewTask, reviewer: str,
               item_id: int | None = None) -> BlindItem | None:
    """Item ``item_id`` of the reviewer's queue (default: their next unanswered one; None when they are done)."""
    _check_reviewer(task, reviewer)
    assignments = store.assignments(task.task_id, reviewer)
    answered = {answer.item_id for answer in store.answers(task.task_id, reviewer)}
    if item_id is None:
        chosen = next((a for a in assignments if a.item_id not in answered), None)
        if chosen is None:
            return None
    else:
        chosen = next((a for a in assignments if a.item_id == item_id), None)
        if chosen is None:
            raise ReviewTaskError(f"task {task.task_id}: item {item_id} is not assigned to {reviewer}")
    item = store.item(task.task_id, chosen.item_id)
    case = run.case(item.case_id)
    labels = ["A", "B"] if task.kind == "pairwise" else ["Output"]
    outputs = [BlindOutput(label, _output(run, model, item.case_id)) for label, model in zip(labels, chosen.shown)]
    return BlindItem(task_id=task.task_id, kind=task.kind, item_id=chosen.item_id, position=chosen.position,
                     total=len(assignments), answered=len(answered), case_id=item.case_id, source=case.source,
                     outputs=outputs, aspects=list(task.aspects), sections=list(task.sections), flags=list(task.flags))


def _output(run: RunCases, model: str, case_id: str) -> str:
    record = run.records.get(model, {}).get(case_id)
    if record is None or not record.ok:
        raise ReviewTaskError(f"run {run.run_id}: {model} has no output for case {case_id}")
    return record.output or ""


def _assignment(store: ReviewStore, task: ReviewTask, reviewer: str, item_id: int) -> Assignment:
    _check_reviewer(task, reviewer)
    assignment = store.assignment(task.task_id, item_id, reviewer)
    if assignment is None:
        raise ReviewTaskError(f"task {task.task_id}: item {item_id} is not assigned to {reviewer}")
    return assignment


def _store_and_audit(store: ReviewStore, run: RunCases, task: ReviewTask, answer: ReviewAnswer,
                     audit: AuditLog | None) -> ReviewAnswer:
    replaced = store.save_answer(answer)
    if audit is not None:
        item = store.item(task.task_id, answer.item_id)
        texts = {"source": run.case(item.case_id).source}
        texts.update({f"output_{label}": _output(run, model, item.case_id)
                      for label, model in zip("AB" if task.kind == "pairwise" else "O", answer.shown)})
        if answer.comment:
            texts["comment"] = answer.comment
        audit.record(user=answer.reviewer, action="review answer", models=list(answer.shown), evalset=task.evalset,
                     inputs=texts, details={"task": task.task_id, "kind": task.kind, "item": answer.item_id,
                                            "case_id": item.case_id, "run_id": task.run_id, "replaced": replaced})
    return answer


def answer_pairwise(store: ReviewStore, run: RunCases, task: ReviewTask, reviewer: str, item_id: int,
                    choices: dict[str, str], comment: str = "", audit: AuditLog | None = None) -> ReviewAnswer:
    """Store a pairwise answer: "A", "B" or "tie" overall and for each aspect of the task."""
    if task.kind != "pairwise":
        raise ReviewAnswerError(f"task {task.task_id} is a {task.kind} task, not pairwise")
    assignment = _assignment(store, task, reviewer, item_id)
    checked = check_pairwise(choices, tuple(task.aspects))
    preferred = {question: (None if choice == "tie" else assignment.shown["AB".index(choice)])
                 for question, choice in checked.items()}
    answer = ReviewAnswer(task_id=task.task_id, item_id=item_id, reviewer=reviewer, answered_at=now_iso(),
                          shown=assignment.shown, choices=checked, preferred=preferred, comment=comment.strip())
    return _store_and_audit(store, run, task, answer, audit)


def answer_likert(store: ReviewStore, run: RunCases, task: ReviewTask, reviewer: str, item_id: int,
                  scores: dict[str, int | None], section_scores: dict[str, int | None], flags: dict[str, bool],
                  comment: str = "", audit: AuditLog | None = None) -> ReviewAnswer:
    """Store a Likert answer: 1–5 for each aspect and each required section, and every flag yes or no."""
    if task.kind != "likert":
        raise ReviewAnswerError(f"task {task.task_id} is a {task.kind} task, not Likert")
    assignment = _assignment(store, task, reviewer, item_id)
    unknown = sorted(set(flags) - set(task.flags))
    if unknown:
        raise ReviewAnswerError(f"unknown flag(s) {', '.join(unknown)}; asked: {', '.join(task.flags)}")
    answer = ReviewAnswer(
        task_id=task.task_id, item_id=item_id, reviewer=reviewer, answered_at=now_iso(), shown=assignment.shown,
        scores=check_likert(scores, tuple(task.aspects), what="aspect"),
        section_scores=check_likert(section_scores, tuple(task.sections), what="section"),
        flags={name: bool(flags.get(name, False)) for name in task.flags}, comment=comment.strip())
    return _store_and_audit(store, run, task, answer, audit)


def names_visible(store: ReviewStore, task: ReviewTask) -> bool:
    """Whether the task's model names may be shown: every assignment answered, or revealed by an administrator."""
    return task.revealed_by is not None or store.progress(task.task_id).complete


def reveal_names(store: ReviewStore, task: ReviewTask, by: str, *, is_admin: bool,
                 audit: AuditLog | None = None) -> ReviewTask:
    """An administrator shows the models' names of an unfinished task; recorded in the task and the audit log."""
    if not is_admin:
        raise ReviewTaskError(f"only an administrator may reveal the models of task {task.task_id} before it is complete")
    revealed = store.reveal(task.task_id, by)
    if audit is not None:
        audit.record(user=by, action="review models revealed", models=list(task.models), evalset=task.evalset,
                     details={"task": task.task_id, "run_id": task.run_id,
                              "answered": store.progress(task.task_id).answered})
    return revealed

