"""The Review tab: clinicians answer their blinded review tasks in the browser; results for everyone who may
see a task; revealing the models, logging to MLflow and creating tasks for review administrators.

A reviewer is offered only the tasks assigned to them (from every run directory under the UI's runs
directory), each with their own progress. Choosing one shows their next unanswered item as
:func:`workbench.review.answering.blind_item` gives it: the note and the outputs under the labels
"Output A" / "Output B" (or one "Output"), never a model's name. Nothing this module sends to the page
while an item is reviewed names a model: the task choices carry the task id, the item id stays on the
server (``gr.State``), and the outputs' labels and element ids are fixed. Every answer goes through
``answer_pairwise`` / ``answer_likert`` with the UI's audit log.

The functions here are plain Python over the review store; ``build_review_tab`` lays out the Gradio
components and wires them to these functions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.privacy.egress import apply_privacy_environment

apply_privacy_environment()  # before gradio, and mlflow in log_to_mlflow, are imported

import gradio as gr  # noqa: E402

from workbench.errors import WorkbenchError  # noqa: E402
from workbench.review.answering import BlindItem, answer_likert, answer_pairwise, blind_item, names_visible, reveal_names
from workbench.review.questions import (
    ASPECTS, CASE_SELECTIONS, FLAGS, LIKERT_HIGH, LIKERT_LOW, LIKERT_POINTS, OVERALL, REVIEW_KINDS, Aspect,
)
from workbench.review.results import question_label, review_results
from workbench.review.store import REVIEWS_FILE, ReviewStore, run_dirs_with_reviews
from workbench.review.tables import ResultTable, progress_line, result_tables
from workbench.review.tasks import ReviewRequest, ReviewTask, ReviewTaskError, plan_review
from workbench.run.files import list_run_dirs, read_manifest
from workbench.run.run_cases import load_run_cases
from workbench.ui.compare_view import chosen_run
from workbench.ui.escape import markdown_text

if TYPE_CHECKING:
    from workbench.ui.app import UIConfig

# What can go wrong reading or answering a task: the back end's own errors (a task not assigned, an answer
# that does not fit, a run whose set changed, MLflow without the run) and an unreadable review store.
REVIEW_ERRORS: tuple[type[Exception], ...] = (WorkbenchError, sqlite3.Error)

MAX_SECTION_SLOTS = 12  # Likert questions about the set's required sections shown at most (shipped sets have 4)
FLAG_NAMES: tuple[str, ...] = tuple(FLAGS)
PAIRWISE_OPTIONS: list[tuple[str, str]] = [("A", "A"), ("B", "B"), ("Tie", "tie")]
LIKERT_OPTIONS: list[tuple[str, str]] = [(str(point), str(point)) for point in LIKERT_POINTS]
LIKERT_SCALE = f"{LIKERT_LOW} = poor, {LIKERT_HIGH} = excellent"
OVERALL_QUESTION = "Which output is the better summary of the note, all things considered?"
SECTION_QUESTION = f"How good is this section of the summary? ({LIKERT_SCALE})"
CHOOSE_A_TASK = "Choose one of your review tasks to see your next item."
NO_TASKS = "none are assigned to you"
ALL_ANSWERED = "**All your items in this task are answered.** Thank you. Choose another task, if you have one."
MODELS_HIDDEN = ("Per-model results and the score correlations are shown once every answer is in, or once a review "
                 "administrator reveals the models.")


# --- who may do what ------------------------------------------------------------------------------------------


def is_review_admin(config: UIConfig, user: str) -> bool:
    """A review administrator: a user named with ``--review-admin``, or, when the UI runs without a login
    (loopback only, no ``--auth-file``), the local user, who is everyone that UI serves."""
    return user in config.review_admins or config.credentials is None


@dataclass(frozen=True)
class TaskEntry:
    """A review task and the run directory whose store holds it."""

    run_dir: Path
    task: ReviewTask

    @property
    def store(self) -> ReviewStore:
        return ReviewStore(self.run_dir)


def all_tasks(runs_dir: Path) -> list[TaskEntry]:
    """Every review task under ``runs_dir``: newest run first, each run's tasks in the order they were created.
    A run whose store cannot be read is left out (its tasks cannot be answered until it is repaired)."""
    entries = []
    for run_dir in run_dirs_with_reviews(list_run_dirs(runs_dir)):
        try:
            entries.extend(TaskEntry(run_dir, task) for task in ReviewStore(run_dir).tasks())
        except REVIEW_ERRORS:
            continue
    return entries


def assigned_tasks(runs_dir: Path, user: str) -> list[TaskEntry]:
    """The tasks ``user`` reviews."""
    return [entry for entry in all_tasks(runs_dir) if user in entry.task.reviewers]


def blind_review_of(config: UIConfig, user: str, run_dir: Path) -> str | None:
    """Why ``user`` may not open run ``run_dir``'s outputs beside their models' names (the Cases and Compare
    tabs, its report), or None: they review it blind in a task that is not complete and whose models were not
    revealed. Review administrators are never held back."""
    if not (Path(run_dir) / REVIEWS_FILE).is_file() or is_review_admin(config, user):
        return None
    store = ReviewStore(Path(run_dir))
    try:
        pending = [task for task in store.tasks() if user in task.reviewers and not names_visible(store, task)]
    except REVIEW_ERRORS:
        return None
    if not pending:
        return None
    return (f"you review run {Path(run_dir).name} blind (task {pending[0].task_id}): its outputs are shown with "
            "their models once the task is complete, in the Review tab")


def may_see(config: UIConfig, task: ReviewTask, user: str) -> bool:
    """Who may see a task's results: its reviewers and the review administrators."""
    return user in task.reviewers or is_review_admin(config, user)


def visible_tasks(config: UIConfig, user: str) -> list[TaskEntry]:
    """The tasks whose results ``user`` may see."""
    return [entry for entry in all_tasks(config.runs_dir) if may_see(config, entry.task, user)]


def find_task(runs_dir: Path, task_id: str | None) -> TaskEntry:
    """The task called ``task_id`` under ``runs_dir``."""
    if not task_id:
        raise ReviewTaskError("choose a review task first")
    for entry in all_tasks(runs_dir):
        if entry.task.task_id == task_id:
            return entry
    raise ReviewTaskError(f"no review task {task_id!r} under {runs_dir}")


def reviewer_progress(entry: TaskEntry, user: str) -> tuple[int, int]:
    """(answered, assigned) of one reviewer in one task."""
    return entry.store.progress(entry.task.task_id).by_reviewer.get(user, (0, 0))


def review_task_choices(config: UIConfig, user: str) -> list[tuple[str, str]]:
    """The task dropdown of a reviewer: (label with their own progress, task id), for their tasks only."""
    choices = []
    for entry in assigned_tasks(config.runs_dir, user):
        answered, assigned = reviewer_progress(entry, user)
        done = " · done" if assigned and answered == assigned else ""
        choices.append((f"{entry.task.name} · {entry.task.kind} · you answered {answered} of {assigned}{done}",
                        entry.task.task_id))
    return choices


def results_task_choices(config: UIConfig, user: str) -> list[tuple[str, str]]:
    """The results dropdown: (label with everyone's progress, task id) for the tasks ``user`` may see."""
    choices = []
    for entry in visible_tasks(config, user):
        progress = entry.store.progress(entry.task.task_id)
        choices.append((f"{entry.task.name} · {entry.task.kind} · {progress.answered} of {progress.assigned} answers",
                        entry.task.task_id))
    return choices


def run_choices(runs_dir: Path) -> list[tuple[str, str]]:
    """Runs a task may be created over: (run id · set · prompt, run directory), newest first. No model names:
    the list may be on the page of an administrator who also reviews."""
    choices = []
    for run_dir in list_run_dirs(runs_dir):
        try:
            manifest = read_manifest(run_dir)
        except REVIEW_ERRORS:
            continue
        choices.append((f"{manifest.run_id} · {manifest.evalset} · {manifest.prompt}", str(run_dir)))
    return choices


# --- one item, as the reviewer sees it ------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """One question of the form: its key in the answer, the words shown and the help under them."""

    key: str
    label: str
    info: str


@dataclass(frozen=True)
class ItemView:
    """What the form shows: a message, and (while there is an item to answer) the note, the outputs under their
    blind labels and the questions. Nothing in it names a model."""

    message: str
    task_id: str | None = None
    item_id: int | None = None
    kind: str | None = None
    source: str = ""
    outputs: tuple[tuple[str, str], ...] = ()  # (label, text): ("Output A", ...), ("Output B", ...) or ("Output", ...)
    overall: Question | None = None  # pairwise only
    aspects: tuple[Question, ...] = ()
    sections: tuple[Question, ...] = ()
    flags: tuple[Question, ...] = ()

    @property
    def answerable(self) -> bool:
        return self.item_id is not None


def _aspect_question(aspect: Aspect, kind: str) -> Question:
    info = aspect.question if kind == "pairwise" else f"{aspect.question} ({LIKERT_SCALE})"
    return Question(aspect.name, aspect.label, info)


def item_view(item: BlindItem, note: str = "") -> ItemView:
    """The form for one blind item; ``note`` (already markdown) goes before the item's place in the queue."""
    labels = {"A": "Output A", "B": "Output B", "Output": "Output"}
    pairwise = item.kind == "pairwise"
    place = (f"Item {item.answered + 1} of {item.total} · case {markdown_text(item.case_id)} · "
             + ("which output is better? Answer every question, then Submit."
                if pairwise else "score this output. Answer every question, then Submit."))
    return ItemView(
        message=f"{note}{place}", task_id=item.task_id, item_id=item.item_id, kind=item.kind, source=item.source,
        outputs=tuple((labels[output.label], output.text) for output in item.outputs),
        overall=Question(OVERALL, "Overall", OVERALL_QUESTION) if pairwise else None,
        aspects=tuple(_aspect_question(aspect, item.kind) for aspect in ASPECTS if aspect.name in item.aspects),
        sections=tuple(Question(section, question_label(f"section: {section}"), SECTION_QUESTION)
                       for section in item.sections),
        flags=tuple(Question(flag, FLAGS[flag], "Tick if it does.") for flag in item.flags))


def next_item_view(config: UIConfig, task_id: str | None, user: str, note: str = "") -> ItemView:
    """The reviewer's next unanswered item of ``task_id`` (shown, so audited), or why there is none."""
    if not task_id:
        return ItemView(note + CHOOSE_A_TASK)
    try:
        entry = find_task(config.runs_dir, task_id)
        item = blind_item(entry.store, load_run_cases(entry.run_dir), entry.task, user)
    except REVIEW_ERRORS as exc:
        return ItemView(f"{note}**Cannot show this task:** {markdown_text(exc)}")
    if item is None:
        return ItemView(note + ALL_ANSWERED)
    if len(item.sections) > MAX_SECTION_SLOTS:
        return ItemView(f"{note}**Cannot show this task:** it asks about {len(item.sections)} sections and the page "
                        f"shows at most {MAX_SECTION_SLOTS}.")
    config.audit.record(user=user, action="review item shown", evalset=entry.task.evalset,
                        inputs={"source": item.source}, details={"task": item.task_id, "kind": item.kind,
                                                                 "item": item.item_id, "case_id": item.case_id})
    return item_view(item, note)


@dataclass(frozen=True)
class FormAnswers:
    """What the form sends on Submit, slot by slot: the overall choice, one value per aspect of ``ASPECTS``, one per
    section slot, one per flag of ``FLAGS``, and the comment."""

    overall: str | None
    aspects: Sequence[str | None]
    sections: Sequence[str | None]
    flags: Sequence[bool]
    comment: str


def _point(value: str | int | None) -> int | None:
    """A Likert radio's value ("1".."5") as the number it stands for; anything else as None (refused later)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.strip().isdigit() else None


def missing_answers(task: ReviewTask, answers: FormAnswers) -> list[str]:
    """The labels of the questions left unanswered, in the order the form asks them."""
    by_aspect = dict(zip((aspect.name for aspect in ASPECTS), answers.aspects))
    missing = ["Overall"] if task.kind == "pairwise" and not answers.overall else []
    missing += [question_label(name) for name in task.aspects if not by_aspect.get(name)]
    if task.kind == "likert":
        missing += [question_label(f"section: {section}") for section, value in zip(task.sections, answers.sections)
                    if not value]
    return missing


def submit_answer(config: UIConfig, task_id: str | None, item_id: int | None, user: str,
                  answers: FormAnswers) -> tuple[ItemView | None, str]:
    """Store the reviewer's answer to item ``item_id`` of ``task_id``. Returns the next item's view and an empty
    message when it was stored; (None, why) when it was not (the form stays as it is)."""
    if not task_id or item_id is None:
        return None, "**Not saved:** choose a task first."
    try:
        entry = find_task(config.runs_dir, task_id)
        task = entry.task
        missing = missing_answers(task, answers)
        if missing:
            return None, f"**Not saved:** answer every question; not answered yet: {markdown_text(', '.join(missing))}."
        run = load_run_cases(entry.run_dir)
        if task.kind == "pairwise":
            choices = {OVERALL: answers.overall or "", **{name: value or "" for name, value in
                                                          zip((a.name for a in ASPECTS), answers.aspects)
                                                          if name in task.aspects}}
            answer_pairwise(entry.store, run, task, user, item_id, choices, answers.comment, audit=config.audit)
        else:
            scores = {name: _point(value) for name, value in zip((a.name for a in ASPECTS), answers.aspects)
                      if name in task.aspects}
            sections = {section: _point(value) for section, value in zip(task.sections, answers.sections)}
            flags = {flag: bool(value) for flag, value in zip(FLAG_NAMES, answers.flags) if flag in task.flags}
            answer_likert(entry.store, run, task, user, item_id, scores, sections, flags, answers.comment,
                          audit=config.audit)
    except REVIEW_ERRORS as exc:
        return None, f"**Not saved:** {markdown_text(exc)}"
    return next_item_view(config, task_id, user, note="Answer saved. "), ""


# --- results --------------------------------------------------------------------------------------------------


def table_markdown(table: ResultTable) -> str:
    """A result table as a markdown table, every cell shown as its text."""
    lines = [f"#### {markdown_text(table.title)}", "",
             "| " + " | ".join(markdown_text(header) for header in table.headers) + " |",
             "|" + "---|" * len(table.headers)]
    lines += ["| " + " | ".join(markdown_text(cell) for cell in row) + " |" for row in table.rows]
    return "\n".join(lines)


def results_text(config: UIConfig, task_id: str | None, user: str) -> str:
    """The results panel: the progress line and the agreement between reviewers for everyone who may see the
    task; the per-model tables and the score correlations only once the model names may be shown."""
    if not task_id:
        return "Choose a task to see its results."
    try:
        entry = find_task(config.runs_dir, task_id)
        if not may_see(config, entry.task, user):
            return f"**Cannot show these results:** task {markdown_text(task_id)} is not assigned to you."
        visible = names_visible(entry.store, entry.task)
        found = review_results(entry.store, entry.task, load_run_cases(entry.run_dir))
    except REVIEW_ERRORS as exc:
        return f"**Cannot show these results:** {markdown_text(exc)}"
    config.audit.record(user=user, action="review results viewed", models=list(entry.task.models) if visible else [],
                        evalset=entry.task.evalset, details={"task": entry.task.task_id, "names_shown": visible})
    parts = [markdown_text(progress_line(found))]
    if entry.task.revealed_by:
        parts.append(f"Models revealed by {markdown_text(entry.task.revealed_by)} at "
                     f"{markdown_text(entry.task.revealed_at)}, before every answer was in.")
    parts += [table_markdown(table) for table in result_tables(found, with_models=visible)]
    if not visible:
        parts.append(MODELS_HIDDEN)
    return "\n\n".join(parts)


def reveal_models(config: UIConfig, task_id: str | None, user: str) -> str:
    """The "Reveal models" button (administrators): show the models of an unfinished task, recorded and audited."""
    if not is_review_admin(config, user):
        return "**Not revealed:** only a review administrator may reveal the models."
    try:
        entry = find_task(config.runs_dir, task_id)
        if names_visible(entry.store, entry.task):
            return "The models of this task are already shown."
        reveal_names(entry.store, entry.task, user, is_admin=True, audit=config.audit)
    except REVIEW_ERRORS as exc:
        return f"**Not revealed:** {markdown_text(exc)}"
    return f"Models of task {markdown_text(task_id)} revealed."


def log_to_mlflow(config: UIConfig, task_id: str | None, user: str) -> str:
    """The "Log to MLflow" button (administrators): the task's answers and results on the run's MLflow runs."""
    from mlflow.exceptions import MlflowException

    from workbench.track.mlflow_reviews import log_review

    if not is_review_admin(config, user):
        return "**Not logged:** only a review administrator may log a review to MLflow."
    try:
        entry = find_task(config.runs_dir, task_id)
        logged = log_review(entry.run_dir, entry.task.task_id, tracking_uri=config.tracking_uri,
                            allow_remote_endpoint=config.allow_remote_endpoint)
    except (*REVIEW_ERRORS, MlflowException) as exc:
        config.audit.record(user=user, action="review logged to MLflow", outcome="error",
                            details={"task": task_id, "error": str(exc)})
        return f"**Not logged to MLflow:** {markdown_text(exc)}"
    config.audit.record(user=user, action="review logged to MLflow", models=list(entry.task.models),
                        evalset=entry.task.evalset,
                        details={"task": entry.task.task_id, "mlflow_run": logged.parent_run_id,
                                 "assessments": logged.assessments, "answers": logged.answers})
    without = f"; {logged.without_trace} output(s) have no trace" if logged.without_trace else ""
    return (f"Logged to MLflow run {markdown_text(logged.parent_run_id)}: {logged.assessments} assessment(s) from "
            f"{logged.answers} new answer(s); results in {markdown_text(logged.results_artifact)}{without}.")


# --- creating a task ------------------------------------------------------------------------------------------


def reviewer_names(text: str) -> tuple[str, ...]:
    """Reviewers typed as comma-separated login names."""
    return tuple(name.strip() for name in (text or "").split(",") if name.strip())


def _whole_number(value: float | None, what: str) -> int | None:
    if value is None:
        return None
    if float(value) != int(value):
        raise ReviewTaskError(f"{what}: give a whole number (got {value})")
    return int(value)


def create_task(config: UIConfig, user: str, run_dir: str | None, kind: str | None, reviewers: str,
                per_item: float | None, selection: str | None, sample_size: float | None,
                seed: float | None) -> str:
    """The "Create task" button (administrators): plan a task over a run and store it, audited."""
    if not is_review_admin(config, user):
        return "**Not created:** only a review administrator may create review tasks."
    if not run_dir:
        return "**Not created:** choose a run."
    try:
        chosen = chosen_run(config.runs_dir, run_dir)
        run = load_run_cases(chosen)
        request = ReviewRequest(
            kind=kind or "", reviewers=reviewer_names(reviewers),  # type: ignore[arg-type]  # checked by plan_review
            reviewers_per_item=_whole_number(per_item, "reviewers per item") or 0,
            selection=selection or "all",  # type: ignore[arg-type]  # checked by plan_review
            sample_size=_whole_number(sample_size, "sample size") if selection != "all" else None,
            seed=_whole_number(seed, "seed") or 0, created_by=user)
        planned = plan_review(run, request, evalset_hash=run.evalset.content_hash())
        store = ReviewStore(chosen)
        task = store.add(planned)
    except REVIEW_ERRORS as exc:
        return f"**Not created:** {markdown_text(exc)}"
    config.audit.record(
        user=user, action="review task created", models=task.models, evalset=task.evalset,
        details={"task": task.task_id, "kind": task.kind, "run_id": task.run_id, "items": len(planned.items),
                 "reviewers": ",".join(task.reviewers), "selection": task.selection, "seed": task.seed})
    loads = {name: sum(1 for a in planned.assignments if a.reviewer == name) for name in task.reviewers}
    return (f"Created {task.kind} task **{markdown_text(task.task_id)}** over run {markdown_text(task.run_id)}: "
            f"{len(planned.items)} item(s); assigned: "
            + markdown_text(", ".join(f"{name} {count}" for name, count in loads.items())) + ".")


# --- the tab --------------------------------------------------------------------------------------------------


@dataclass
class ReviewForm:
    """The components of the answer form, in the order ``form_updates`` fills them."""

    message: Any
    body: Any  # the column holding everything below the message
    source: Any
    output_a: Any
    output_b: Any
    overall: Any
    aspects: list[Any]  # one per ``ASPECTS``
    sections: list[Any]  # MAX_SECTION_SLOTS
    flags: list[Any]  # one per ``FLAGS``
    comment: Any
    item: Any  # gr.State: {"task": task id, "item": item id} of the item shown (kept on the server)

    def components(self) -> list[Any]:
        return [self.message, self.body, self.source, self.output_a, self.output_b, self.overall, *self.aspects,
                *self.sections, *self.flags, self.comment, self.item]

    def answer_inputs(self) -> list[Any]:
        return [self.item, self.overall, *self.aspects, *self.sections, *self.flags, self.comment]


def _radio(question: Question | None, options: list[tuple[str, str]]) -> Any:
    if question is None:
        return gr.update(visible=False, value=None)
    return gr.update(visible=True, value=None, choices=options, label=question.label, info=question.info)


def form_updates(view: ItemView) -> list[Any]:
    """Every component of the form (``ReviewForm.components`` order) for ``view``: answers cleared."""
    if not view.answerable:
        radios = [gr.update(visible=False, value=None) for _ in range(1 + len(ASPECTS) + MAX_SECTION_SLOTS)]
        return [view.message, gr.update(visible=False), "", gr.update(value=""), gr.update(value=""), *radios,
                *[gr.update(visible=False, value=False) for _ in FLAG_NAMES], "", None]
    options = PAIRWISE_OPTIONS if view.kind == "pairwise" else LIKERT_OPTIONS
    by_aspect = {question.key: question for question in view.aspects}
    by_flag = {question.key: question for question in view.flags}
    first_label, first_text = view.outputs[0]
    second = view.outputs[1] if len(view.outputs) > 1 else None
    return [
        view.message, gr.update(visible=True), view.source, gr.update(value=first_text, label=first_label),
        gr.update(value=second[1], label=second[0], visible=True) if second else gr.update(value="", visible=False),
        _radio(view.overall, PAIRWISE_OPTIONS),
        *[_radio(by_aspect.get(aspect.name), options) for aspect in ASPECTS],
        *[_radio(view.sections[index] if index < len(view.sections) else None, LIKERT_OPTIONS)
          for index in range(MAX_SECTION_SLOTS)],
        *[gr.update(visible=True, value=False, label=by_flag[flag].label) if flag in by_flag
          else gr.update(visible=False, value=False) for flag in FLAG_NAMES],
        "", {"task": view.task_id, "item": view.item_id}]


def build_review_tab(config: UIConfig, user_of: Callable[[gr.Request | None], str], tab: Any) -> None:
    """The tab's components inside the current ``gr.Tab`` (``tab``), with their events wired; ``user_of(request)``
    names the user, as the rest of the UI does. The lists fill when the tab is selected."""
    with gr.Row():
        task_pick = gr.Dropdown([], label="Your review tasks", elem_id="review-task")
        refresh = gr.Button("Refresh", elem_id="review-refresh", scale=0)
    message = gr.Markdown(CHOOSE_A_TASK, elem_id="review-message")
    with gr.Column(visible=False, elem_id="review-form") as body:
        source = gr.Textbox(label="Source note", lines=10, max_lines=30, interactive=False, elem_id="review-source")
        with gr.Row(equal_height=False):
            output_a = gr.Textbox(label="Output A", lines=10, max_lines=30, interactive=False,
                                  elem_id="review-output-a")
            output_b = gr.Textbox(label="Output B", lines=10, max_lines=30, interactive=False,
                                  elem_id="review-output-b")
        overall = gr.Radio(PAIRWISE_OPTIONS, label="Overall", info=OVERALL_QUESTION, elem_id="review-overall")
        aspects = [gr.Radio(PAIRWISE_OPTIONS, label=aspect.label, info=aspect.question,
                            elem_id=f"review-aspect-{aspect.name}") for aspect in ASPECTS]
        sections = [gr.Radio(LIKERT_OPTIONS, label=f"Section {index + 1}", visible=False,
                             elem_id=f"review-section-{index}") for index in range(MAX_SECTION_SLOTS)]
        flags = [gr.Checkbox(False, label=FLAGS[flag], visible=False, elem_id=f"review-flag-{flag}")
                 for flag in FLAG_NAMES]
        comment = gr.Textbox(label="Comment (optional)", lines=2, elem_id="review-comment")
        submit = gr.Button("Submit", variant="primary", elem_id="review-submit")
    form = ReviewForm(message, body, source, output_a, output_b, overall, aspects, sections, flags, comment,
                      gr.State(None))

    with gr.Accordion("Results", open=True, elem_id="review-results-panel"):
        with gr.Row():
            results_pick = gr.Dropdown([], label="Task", elem_id="review-results-task")
            results_button = gr.Button("Show results", elem_id="review-results-show", scale=0)
        with gr.Row(visible=False) as admin_actions:
            reveal_button = gr.Button("Reveal models", variant="stop", elem_id="review-reveal")
            log_button = gr.Button("Log to MLflow", elem_id="review-log")
        results_status = gr.Markdown(elem_id="review-results-status")
        results = gr.Markdown(elem_id="review-results")

    with gr.Accordion("Create a review task", open=False, visible=False, elem_id="review-create") as create_panel:
        create_run = gr.Dropdown([], label="Run", elem_id="review-create-run")
        with gr.Row():
            create_kind = gr.Radio(list(REVIEW_KINDS), value="pairwise", label="Kind",
                                   info="pairwise: two outputs, A or B; likert: one output, 1–5",
                                   elem_id="review-create-kind")
            create_reviewers = gr.Textbox(label="Reviewers (login names, comma-separated)",
                                          elem_id="review-create-reviewers")
            create_per_item = gr.Number(2, precision=0, label="Reviewers per item", elem_id="review-create-per-item")
        with gr.Row():
            create_cases = gr.Radio(list(CASE_SELECTIONS), value="all", label="Cases",
                                    info="all; a random sample; or those where the models disagree most",
                                    elem_id="review-create-cases")
            create_sample = gr.Number(None, precision=0, label="Sample size (sample, disagreement)",
                                      elem_id="review-create-sample")
            create_seed = gr.Number(0, precision=0, label="Seed", elem_id="review-create-seed")
        create_button = gr.Button("Create task", variant="primary", elem_id="review-create-button")
        create_status = gr.Markdown(elem_id="review-create-status")

    def _lists(current_task: str | None, current_results: str | None, request: gr.Request) -> list[Any]:
        user = user_of(request)
        admin = is_review_admin(config, user)
        mine = review_task_choices(config, user)
        seen = results_task_choices(config, user)
        mine_ids = [value for _, value in mine]
        seen_ids = [value for _, value in seen]
        return [gr.update(choices=mine, value=current_task if current_task in mine_ids else None,
                          label="Your review tasks" if mine else f"Your review tasks ({NO_TASKS})"),
                gr.update(choices=seen, value=current_results if current_results in seen_ids else None),
                gr.update(visible=admin), gr.update(visible=admin),
                gr.update(choices=run_choices(config.runs_dir) if admin else [], value=None)]

    list_outputs = [task_pick, results_pick, admin_actions, create_panel, create_run]

    def _show(task_id: str | None, request: gr.Request) -> list[Any]:
        return form_updates(next_item_view(config, task_id, user_of(request)))

    # The request first: Gradio passes it only to a parameter before the variable ones.
    def _submit(request: gr.Request, item: dict[str, Any] | None, overall_value: str | None,
                *values: Any) -> list[Any]:
        comment_value = values[-1]
        aspect_values = values[:len(ASPECTS)]
        section_values = values[len(ASPECTS):len(ASPECTS) + MAX_SECTION_SLOTS]
        flag_values = values[len(ASPECTS) + MAX_SECTION_SLOTS:-1]
        user = user_of(request)
        task_id = item.get("task") if item else None
        view, refusal = submit_answer(config, task_id, item.get("item") if item else None, user,
                                      FormAnswers(overall_value, aspect_values, section_values,
                                                  [bool(value) for value in flag_values], comment_value or ""))
        if view is None:  # not stored: the form keeps what the reviewer entered, and the item it is about
            return [refusal, *[gr.update() for _ in form.components()[1:-1]], item, gr.update()]
        choices = review_task_choices(config, user)
        return [*form_updates(view), gr.update(choices=choices, value=task_id)]

    def _results(task_id: str | None, request: gr.Request) -> str:
        return results_text(config, task_id, user_of(request))

    def _reveal(task_id: str | None, request: gr.Request) -> tuple[str, str]:
        user = user_of(request)
        return reveal_models(config, task_id, user), results_text(config, task_id, user)

    def _log(task_id: str | None, request: gr.Request) -> str:
        return log_to_mlflow(config, task_id, user_of(request))

    def _create(run_dir: str | None, kind: str | None, reviewers: str, per_item: float | None,
                selection: str | None, sample: float | None, seed: float | None, request: gr.Request) -> str:
        return create_task(config, user_of(request), run_dir, kind, reviewers, per_item, selection, sample, seed)

    for event in (tab.select, refresh.click):
        event(_lists, [task_pick, results_pick], list_outputs, api_visibility="private")
    # `select`, not `input`: a dropdown also sends `input` when it merely loses focus.
    task_pick.select(_show, task_pick, form.components(), api_visibility="private")
    submit.click(_submit, form.answer_inputs(), [*form.components(), task_pick], api_visibility="private")
    results_pick.select(_results, results_pick, results, api_visibility="private")
    results_button.click(_results, results_pick, results, api_visibility="private")
    reveal_button.click(_reveal, results_pick, [results_status, results], api_visibility="private")
    log_button.click(lambda: "Logging to MLflow…", None, results_status, api_visibility="private", queue=False).then(
        _log, results_pick, results_status, api_visibility="private")
    create_button.click(_create, [create_run, create_kind, create_reviewers, create_per_item, create_cases,
                                  create_sample, create_seed], create_status, api_visibility="private").then(
        _lists, [task_pick, results_pick], list_outputs, api_visibility="private")
