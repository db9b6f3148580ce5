"""Review tasks: what is reviewed, by whom, in which order and under which labels.

A task is planned from a comparison run (:func:`plan_review`): the cases (all, a seeded random
sample, or those where the models disagree most), the models, the reviewers and how many of them
see each item. A pairwise item is one case with two models' outputs; a Likert item is one output.
Each reviewer's assignment of an item records the order it is shown in (its position in the
reviewer's queue) and, for pairwise items, which model is shown as A and which as B, drawn at random
for that reviewer: the labels carry no model identity, and the order is kept for the analysis.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import combinations
from pydantic import BaseModel, ConfigDict, Field

from workbench.errors import WorkbenchError
from workbench.review.questions import (
    ASPECT_NAMES, CASE_SELECTIONS, FLAGS, REVIEW_KINDS, CaseSelection, PairwiseChoice, ReviewKind, aspect,
)
from workbench.run.run_cases import RunCases, disagreement

class ReviewTaskError(WorkbenchError, ValueError):
    """A review task that cannot be planned or used as asked (names the option or value at fault)."""


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReviewTask(_Record):
    """One review task over one comparison run."""

    task_id: str
    name: str
    kind: ReviewKind
    run_dir: str
    run_id: str
    evalset: str
    evalset_hash: str
    models: list[str]
    selection: CaseSelection
    sample_size: int | None = None
    seed: int
    reviewers: list[str]
    reviewers_per_item: int
    aspects: list[str]
    sections: list[str] = Field(default_factory=list)  # Likert: the set's required sections, scored one by one
    flags: list[str] = Field(default_factory=list)  # Likert: the yes/no flags asked
    created_by: str
    created_at: str
    revealed_by: str | None = None  # an administrator who showed the models' names before the task was complete
    revealed_at: str | None = None


class ReviewItem(_Record):
    """A case with the outputs reviewed together: two models (pairwise, in the task's model order) or one."""

    item_id: int
    case_id: str
    models: list[str]


class Assignment(_Record):
    """One reviewer's copy of an item: where it is in their queue, and the models in the order shown
    (pairwise: A then B)."""

    item_id: int
    reviewer: str
    position: int
    shown: list[str]

    def label_of(self, model: str) -> str:
        """The label ("A", "B") model ``model`` had for this reviewer."""
        return "AB"[self.shown.index(model)]


class ReviewAnswer(_Record):
    """A reviewer's answer to one assignment. Pairwise: ``choices`` as answered (by label) and ``preferred``,
    the model each choice means (None for a tie). Likert: ``scores`` per aspect, ``section_scores`` per
    required section, and ``flags``."""

    task_id: str
    item_id: int
    reviewer: str
    answered_at: str
    shown: list[str]
    choices: dict[str, PairwiseChoice] = Field(default_factory=dict)
    preferred: dict[str, str | None] = Field(default_factory=dict)
    scores: dict[str, int] = Field(default_factory=dict)
    section_scores: dict[str, int] = Field(default_factory=dict)
    flags: dict[str, bool] = Field(default_factory=dict)
    comment: str = ""


@dataclass(frozen=True)
class ReviewRequest:
    """What the person creating a task asked for."""

    kind: ReviewKind
    reviewers: tuple[str, ...]
    reviewers_per_item: int = 2
    models: tuple[str, ...] = ()  # empty: every model of the run with an output for the cases
    selection: CaseSelection = "all"
    sample_size: int | None = None  # "sample" and "disagreement": how many cases
    seed: int = 0
    aspects: tuple[str, ...] = ASPECT_NAMES
    name: str = ""
    created_by: str = ""


@dataclass
class PlannedReview:
    task: ReviewTask
    items: list[ReviewItem]
    assignments: list[Assignment] = field(default_factory=list)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_task_id() -> str:
    return f"review-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def _checked_request(run: RunCases, request: ReviewRequest) -> list[str]:
    """The models of the task; every other option checked."""
    if request.kind not in REVIEW_KINDS:
        raise ReviewTaskError(f"kind (--kind): choose pairwise or likert (got {request.kind!r})")
    reviewers = [name.strip() for name in request.reviewers]
    if not reviewers or any(not name for name in reviewers):
        raise ReviewTaskError("reviewers (--reviewer): name at least one reviewer (their UI login names)")
    if len(set(reviewers)) != len(reviewers):
        raise ReviewTaskError(f"reviewers (--reviewer): a reviewer is named twice ({', '.join(reviewers)})")
    if not 1 <= request.reviewers_per_item <= len(reviewers):
        raise ReviewTaskError(f"reviewers per item (--per-item): between 1 and the {len(reviewers)} reviewer(s) named "
                              f"(got {request.reviewers_per_item})")
    for name in request.aspects:
        aspect(name)
    if request.selection not in CASE_SELECTIONS:
        raise ReviewTaskError(f"cases (--cases): choose {', '.join(CASE_SELECTIONS)} (got {request.selection!r})")
    if request.selection != "all" and (request.sample_size is None or request.sample_size < 1):
        raise ReviewTaskError(f"sample size (--sample): give how many cases to review (at least 1) with cases {request.selection}")
    models = list(request.models) or list(run.models)
    unknown = [model for model in models if model not in run.models]
    if unknown:
        raise ReviewTaskError(f"models (--model): {', '.join(unknown)} not in run {run.run_id} "
                              f"(its models: {', '.join(run.models)})")
    if len(set(models)) != len(models):
        raise ReviewTaskError(f"models (--model): a model is named twice ({', '.join(models)})")
    if request.kind == "pairwise" and len(models) < 2:
        raise ReviewTaskError("a pairwise task needs two models or more")
    return models


def reviewable_cases(run: RunCases, models: list[str]) -> list[str]:
    """The run's cases (in set order) where every one of ``models`` produced an output: a failed case has no
    summary to review."""
    found = []
    for case in run.evalset.cases:
        records = [run.records.get(model, {}).get(case.id) for model in models]
        if all(record is not None and record.ok for record in records):
            found.append(case.id)
    return found


def select_cases(run: RunCases, case_ids: list[str], selection: CaseSelection, sample_size: int | None,
                 rng: random.Random) -> list[str]:
    """The cases to review, in set order: all of them, a random sample, or the ``sample_size`` cases where the
    models disagree most (:func:`~workbench.run.run_cases.disagreement`; ties in set order)."""
    if selection == "all" or sample_size is None or sample_size >= len(case_ids):
        return list(case_ids)
    order = {case_id: index for index, case_id in enumerate(case_ids)}
    if selection == "sample":
        chosen = rng.sample(case_ids, sample_size)
    else:
        spread = {case.id: disagreement(run, case) for case in run.evalset.cases if case.id in order}
        chosen = sorted(case_ids, key=lambda case_id: (-spread[case_id], order[case_id]))[:sample_size]
    return sorted(chosen, key=order.__getitem__)


def _items(kind: ReviewKind, case_ids: list[str], models: list[str]) -> list[ReviewItem]:
    groups = [list(pair) for pair in combinations(models, 2)] if kind == "pairwise" else [[model] for model in models]
    items = [(case_id, group) for case_id in case_ids for group in groups]
    return [ReviewItem(item_id=index, case_id=case_id, models=group) for index, (case_id, group) in enumerate(items)]


def _assign(items: list[ReviewItem], reviewers: list[str], per_item: int, rng: random.Random) -> list[Assignment]:
    """Each item to ``per_item`` reviewers, the least loaded first (so loads differ by one at most); each
    reviewer's items in an order of their own, pairwise labels drawn per reviewer and item."""
    load = {reviewer: 0 for reviewer in reviewers}
    given: dict[str, list[tuple[ReviewItem, list[str]]]] = {reviewer: [] for reviewer in reviewers}
    for item in items:
        chosen = sorted(reviewers, key=lambda name: (load[name], rng.random()))[:per_item]
        for reviewer in chosen:
            load[reviewer] += 1
            shown = list(item.models)
            if len(shown) == 2 and rng.random() < 0.5:
                shown.reverse()
            given[reviewer].append((item, shown))
    assignments = []
    for reviewer in reviewers:
        queue = given[reviewer]
        rng.shuffle(queue)  # an order of the reviewer's own: neighbours in the queue say nothing of each other
        assignments.extend(Assignment(item_id=item.item_id, reviewer=reviewer, position=position, shown=shown)
                           for position, (item, shown) in enumerate(queue))
    return assignments


def plan_review(run: RunCases, request: ReviewRequest, *, evalset_hash: str) -> PlannedReview:
    """A task over ``run`` as ``request`` asks, with its items and every reviewer's assignments. The same run,
    request and seed give the same plan."""
    models = _checked_request(run, request)
    candidates = reviewable_cases(run, models)
    if not candidates:
        raise ReviewTaskError(f"run {run.run_id}: no case has an output from every one of {', '.join(models)}")
    rng = random.Random(request.seed)
    case_ids = select_cases(run, candidates, request.selection, request.sample_size, rng)
    items = _items(request.kind, case_ids, models)
    task = ReviewTask(
        task_id=new_task_id(), name=request.name or f"{request.kind} review of {run.run_id}", kind=request.kind,
        run_dir=str(run.run_dir), run_id=run.run_id, evalset=run.evalset.name, evalset_hash=evalset_hash,
        models=models, selection=request.selection,
        sample_size=request.sample_size if request.selection != "all" else None, seed=request.seed,
        reviewers=[name.strip() for name in request.reviewers], reviewers_per_item=request.reviewers_per_item,
        aspects=list(request.aspects),
        sections=list(run.evalset.manifest.required_sections) if request.kind == "likert" else [],
        flags=list(FLAGS) if request.kind == "likert" else [],
        created_by=request.created_by, created_at=now_iso())
    return PlannedReview(task=task, items=items,
                         assignments=_assign(items, task.reviewers, request.reviewers_per_item, rng))
