"""What a review task shows: how far the clinicians agree, how each model fared, and which automatic
score tracks the clinicians.

Agreement is computed per question over the task's items, each item's ratings coming from the
reviewers who answered it:
- pairwise: each answer is read as the model preferred (or a tie), whatever order it was shown in:
  Cohen's κ when the task has exactly two reviewers who both answered every item they share,
  Fleiss' κ when items have three ratings or more, and Krippendorff's α (nominal) always;
- Likert: weighted κ (quadratic) for two reviewers, Krippendorff's α (ordinal) always.

Per model: pairwise win rates (wins over decided comparisons, Wilson interval; ties counted apart)
per question; Likert means with bootstrap intervals per aspect and section, and the share of
outputs flagged (Wilson interval).

Clinicians against automatic scores: Spearman's ρ with its interval between the clinicians' view
of each output (Likert: the mean of every reviewer's aspect scores; pairwise: per item, the share
preferring the first model minus the share preferring the second) and each automatic score (the
paired registry metrics, each judge's rubric score, each guard's verdict), oriented so that a
positive ρ means the score agrees with the clinicians.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from workbench.scoring.stats import wilson_interval
from workbench.judges.judge_stats import JudgedItem, output_score
from workbench.judges.judge_run import judged_item
from workbench.review.questions import FLAGS, LIKERT_POINTS, OVERALL, aspect
from workbench.review.store import ReviewStore
from workbench.review.tasks import ReviewAnswer, ReviewItem, ReviewTask
from workbench.scoring.agreement import (
    cohen_kappa_nominal, fleiss_kappa, krippendorff_alpha, spearman_interval, weighted_kappa,
)
from workbench.scoring.registry import metrics_where
from workbench.scoring.stats import bootstrap_mean
from workbench.run.run_cases import RunCases

TIE = "tie"
SCORE_KINDS = ("quality", "privacy")  # the registry metrics set against the clinicians (latency is not their call)
GUARD_LEVELS = {"safe": 0.0, "controversial": 1.0, "unsafe": 2.0}  # unparsed: no value


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AgreementFigure(_Frozen):
    question: str  # "overall", an aspect, a section (Likert: "section: <name>"), or a flag
    statistic: str  # "Cohen's κ", "Fleiss' κ", "Krippendorff's α (nominal)", ...
    value: float | None  # None: undefined (no pair of ratings, or no disagreement could be expected)
    units: int  # items with two ratings or more
    ratings: int


class WinRate(_Frozen):
    model: str
    question: str
    wins: int
    losses: int
    ties: int
    win_rate: float | None  # wins / (wins + losses)
    ci_low: float | None
    ci_high: float | None


class LikertMean(_Frozen):
    model: str
    question: str
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    answers: int


class FlagShare(_Frozen):
    model: str
    flag: str
    flagged: int
    answers: int
    share: float | None
    ci_low: float | None
    ci_high: float | None


class ScoreCorrelation(_Frozen):
    """Spearman's ρ between the clinicians and one automatic score, oriented (+: the score agrees with them)."""

    score: str  # a registry metric, "judge:<judge>" or "guard:<guard>"
    label: str
    rho: float | None
    ci_low: float | None
    ci_high: float | None
    n: int


class ReviewResults(_Frozen):
    task_id: str
    kind: Literal["pairwise", "likert"]
    run_id: str
    evalset: str
    models: list[str]
    reviewers: list[str]
    answered: int
    assigned: int
    complete: bool
    agreement: list[AgreementFigure]
    win_rates: list[WinRate] = []
    likert_means: list[LikertMean] = []
    flag_shares: list[FlagShare] = []
    correlations: list[ScoreCorrelation] = []

    def headline_agreement(self) -> AgreementFigure | None:
        """Krippendorff's α of the overall question (pairwise) or of the first aspect (Likert)."""
        question = OVERALL if self.kind == "pairwise" else (self.likert_means[0].question if self.likert_means else "")
        return next((figure for figure in self.agreement
                     if figure.question == question and figure.statistic.startswith("Krippendorff")), None)


# --- agreement ------------------------------------------------------------------------------------------------


Rating = Callable[[ReviewAnswer], Hashable | None]  # one answer's value for one question


def _units(items: Sequence[ReviewItem], answers: Sequence[ReviewAnswer],
           value: Rating) -> tuple[list[list[Hashable | None]], dict[str, dict[int, Hashable | None]]]:
    """Per item, its reviewers' values (``value(answer)``), and per reviewer, item id -> value."""
    by_item: dict[int, list[Hashable | None]] = defaultdict(list)
    by_reviewer: dict[str, dict[int, Hashable | None]] = defaultdict(dict)
    for answer in answers:
        rated = value(answer)
        by_item[answer.item_id].append(rated)
        by_reviewer[answer.reviewer][answer.item_id] = rated
    return [by_item[item.item_id] for item in items], by_reviewer


def _two_reviewers(task: ReviewTask, by_reviewer: dict[str, dict[int, Hashable | None]],
                   items: Sequence[ReviewItem]) -> tuple[list[Hashable | None], list[Hashable | None]] | None:
    """The two reviewers' values side by side, when the task has exactly two reviewers."""
    if len(task.reviewers) != 2:
        return None
    first, second = (by_reviewer.get(name, {}) for name in task.reviewers)
    return [first.get(item.item_id) for item in items], [second.get(item.item_id) for item in items]


def _figure(question: str, statistic: str, value: float | None, units: list[list[Hashable | None]]) -> AgreementFigure:
    rated = [[v for v in unit if v is not None] for unit in units]
    return AgreementFigure(question=question, statistic=statistic, value=value,
                           units=sum(1 for unit in rated if len(unit) >= 2), ratings=sum(len(unit) for unit in rated))


def pairwise_agreement(task: ReviewTask, items: Sequence[ReviewItem], answers: Sequence[ReviewAnswer]) -> list[AgreementFigure]:
    figures = []
    for question in (OVERALL, *task.aspects):
        units, by_reviewer = _units(items, answers, lambda answer: answer.preferred.get(question) or TIE)
        categories = [*task.models, TIE]
        pair = _two_reviewers(task, by_reviewer, items)
        if pair is not None:
            figures.append(_figure(question, "Cohen's κ", cohen_kappa_nominal(*pair, categories), units))
        if max((len(unit) for unit in units), default=0) >= 3:
            figures.append(_figure(question, "Fleiss' κ", fleiss_kappa(units, categories), units))
        figures.append(_figure(question, "Krippendorff's α (nominal)", krippendorff_alpha(units, "nominal"), units))
    return figures


def _likert_questions(task: ReviewTask) -> list[tuple[str, Rating]]:
    questions = [(name, lambda answer, name=name: answer.scores.get(name)) for name in task.aspects]
    questions += [(f"section: {name}", lambda answer, name=name: answer.section_scores.get(name))
                  for name in task.sections]
    return questions


def likert_agreement(task: ReviewTask, items: Sequence[ReviewItem], answers: Sequence[ReviewAnswer]) -> list[AgreementFigure]:
    figures = []
    for question, value in _likert_questions(task):
        units, by_reviewer = _units(items, answers, value)
        pair = _two_reviewers(task, by_reviewer, items)
        if pair is not None:
            figures.append(_figure(question, "weighted κ (quadratic)",
                                   weighted_kappa(*pair, LIKERT_POINTS, "quadratic"), units))
        figures.append(_figure(question, "Krippendorff's α (ordinal)", krippendorff_alpha(units, "ordinal"), units))
    for flag in task.flags:
        units, by_reviewer = _units(items, answers, lambda answer, flag=flag: answer.flags.get(flag))
        pair = _two_reviewers(task, by_reviewer, items)
        if pair is not None:
            figures.append(_figure(flag, "Cohen's κ", cohen_kappa_nominal(*pair, [False, True]), units))
        figures.append(_figure(flag, "Krippendorff's α (nominal)", krippendorff_alpha(units, "nominal"), units))
    return figures


# --- per model ------------------------------------------------------------------------------------------------


def win_rates(task: ReviewTask, items: Sequence[ReviewItem], answers: Sequence[ReviewAnswer]) -> list[WinRate]:
    by_id = {item.item_id: item for item in items}
    rows = []
    for question in (OVERALL, *task.aspects):
        for model in task.models:
            wins = losses = ties = 0
            for answer in answers:
                if model not in by_id[answer.item_id].models:
                    continue
                preferred = answer.preferred.get(question)
                if preferred is None:
                    ties += 1
                elif preferred == model:
                    wins += 1
                else:
                    losses += 1
            low, high = wilson_interval(wins, wins + losses)
            rows.append(WinRate(model=model, question=question, wins=wins, losses=losses, ties=ties,
                                win_rate=wins / (wins + losses) if wins + losses else None, ci_low=low, ci_high=high))
    return rows


def likert_means(task: ReviewTask, items: Sequence[ReviewItem], answers: Sequence[ReviewAnswer]) -> list[LikertMean]:
    by_id = {item.item_id: item for item in items}
    rows = []
    for question, value in _likert_questions(task):
        for model in task.models:
            values = [value(answer) for answer in answers if by_id[answer.item_id].models == [model]]
            estimate = bootstrap_mean([float(v) for v in values if v is not None])
            rows.append(LikertMean(model=model, question=question, mean=estimate.mean, ci_low=estimate.ci_low,
                                   ci_high=estimate.ci_high, answers=sum(1 for v in values if v is not None)))
    return rows


def flag_shares(task: ReviewTask, items: Sequence[ReviewItem], answers: Sequence[ReviewAnswer]) -> list[FlagShare]:
    by_id = {item.item_id: item for item in items}
    rows = []
    for flag in task.flags:
        for model in task.models:
            given = [answer.flags.get(flag, False) for answer in answers if by_id[answer.item_id].models == [model]]
            flagged = sum(1 for value in given if value)
            low, high = wilson_interval(flagged, len(given))
            rows.append(FlagShare(model=model, flag=flag, flagged=flagged, answers=len(given),
                                  share=flagged / len(given) if given else None, ci_low=low, ci_high=high))
    return rows


# --- clinicians against automatic scores ----------------------------------------------------------------------


def automatic_scores(run: RunCases, model: str, case_id: str) -> dict[str, tuple[str, float | None]]:
    """Every automatic score of one output, oriented so that higher is better: name -> (label, value)."""
    found: dict[str, tuple[str, float | None]] = {}
    for item in metrics_where(paired=True):
        if item.kind not in SCORE_KINDS:
            continue
        value = run.score(model, case_id, item.name)
        if value is not None and item.direction == "lower":
            value = -value
        found[item.name] = (item.label, value)
    by_judge: dict[str, list[JudgedItem]] = defaultdict(list)
    for record in run.rubric_verdicts.get(model, {}).get(case_id, []):
        by_judge[record.judge].append(judged_item(record))
    for judge, judged in sorted(by_judge.items()):
        found[f"judge:{judge}"] = (f"Judge {judge} rubric score", output_score(model, case_id, judged).score)
    for record in run.verdicts.get(model, {}).get(case_id, []):
        if record.target == "output":
            level = GUARD_LEVELS.get(record.level)
            found[f"guard:{record.guard}"] = (f"Guard {record.guard} verdict (safe best)",
                                              None if level is None else -level)
    return found


def _clinician_view(task: ReviewTask, item: ReviewItem, answered: Sequence[ReviewAnswer]) -> float | None:
    """Likert: the mean over reviewers of their mean aspect score; pairwise: the share of reviewers preferring the
    item's first model minus the share preferring its second."""
    if task.kind == "likert":
        per_reviewer = [sum(a.scores.values()) / len(a.scores) for a in answered if a.scores]
        return sum(per_reviewer) / len(per_reviewer) if per_reviewer else None
    first, second = item.models
    preferred = [a.preferred.get(OVERALL) for a in answered]
    return (preferred.count(first) - preferred.count(second)) / len(answered) if answered else None


def _automatic_view(task: ReviewTask, run: RunCases, item: ReviewItem) -> dict[str, tuple[str, float | None]]:
    """Likert: the output's automatic scores; pairwise: the first model's minus the second's (None where either
    is missing)."""
    first = automatic_scores(run, item.models[0], item.case_id)
    if task.kind == "likert":
        return first
    second = automatic_scores(run, item.models[1], item.case_id)
    return {name: (label, value - second[name][1] if value is not None and name in second
                   and second[name][1] is not None else None)
            for name, (label, value) in first.items()}


def score_correlations(task: ReviewTask, run: RunCases, items: Sequence[ReviewItem],
                       answers: Sequence[ReviewAnswer]) -> list[ScoreCorrelation]:
    """Spearman's ρ between the clinicians' view of each answered item and each automatic score (see the module)."""
    by_item: dict[int, list[ReviewAnswer]] = defaultdict(list)
    for answer in answers:
        by_item[answer.item_id].append(answer)
    clinician: list[float] = []
    automatic: list[dict[str, tuple[str, float | None]]] = []
    for item in items:
        view = _clinician_view(task, item, by_item.get(item.item_id, []))
        if view is not None:
            clinician.append(view)
            automatic.append(_automatic_view(task, run, item))
    labels = {name: label for scores in automatic for name, (label, _value) in scores.items()}
    rows = []
    for name, label in labels.items():
        correlation = spearman_interval(clinician, [scores.get(name, (label, None))[1] for scores in automatic])
        rows.append(ScoreCorrelation(score=name, label=label, rho=correlation.rho, ci_low=correlation.ci_low,
                                     ci_high=correlation.ci_high, n=correlation.n))
    return rows


def review_results(store: ReviewStore, task: ReviewTask, run: RunCases) -> ReviewResults:
    """Everything a task's answers show so far (complete or not)."""
    items = store.items(task.task_id)
    answers = store.answers(task.task_id)
    progress = store.progress(task.task_id)
    common = dict(task_id=task.task_id, kind=task.kind, run_id=task.run_id, evalset=task.evalset,
                  models=list(task.models), reviewers=list(task.reviewers), answered=progress.answered,
                  assigned=progress.assigned, complete=progress.complete,
                  correlations=score_correlations(task, run, items, answers))
    if task.kind == "pairwise":
        return ReviewResults(**common, agreement=pairwise_agreement(task, items, answers),
                             win_rates=win_rates(task, items, answers))
    return ReviewResults(**common, agreement=likert_agreement(task, items, answers),
                         likert_means=likert_means(task, items, answers), flag_shares=flag_shares(task, items, answers))


def question_label(question: str) -> str:
    """The words shown for a question key: an aspect's label, "Overall", a section or a flag as written."""
    if question == OVERALL:
        return "Overall"
    if question in FLAGS:
        return FLAGS[question]
    if question.startswith("section: "):
        return "Section " + question.removeprefix("section: ").rstrip(":")
    try:
        return aspect(question).label
    except ValueError:
        return question

