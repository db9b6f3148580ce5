"""What a judge's verdicts on a run's outputs add up to. Pure functions over typed values.

Rubric grading, per model: the mean rubric score of its outputs with its bootstrap interval, the share of items
met per item type with Wilson intervals (and the share *satisfied*: an ordinary item met, or a ``must_not``
item not met), the unparsed replies counted, and the judge's own latency.

Pairwise comparison, per pair of models: each case is asked in both orders; a model wins the case only when
both orders prefer it. Any other pair of parsed answers is a tie, and when the two orders' answers differ
the disagreement is counted (a judge that prefers whatever it is shown first turns every case into such a
tie: position bias). A case with an unparsed answer in either order is counted and left out. The win rate
is the share of the compared cases that the first model of the pair won outright, with a Wilson interval.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from workbench.judges.guard_stats import FrozenRecord, Share
from workbench.judges.rubric_judge import Preference
from workbench.judges.rubrics import ITEM_TYPES, ItemAnswer, RubricScore, rubric_score
from workbench.scoring.latency import percentile
from workbench.scoring.registry import ci_keys
from workbench.scoring.stats import bootstrap_mean, wilson_interval


@dataclass(frozen=True)
class JudgedItem:
    """A judge's answer on one rubric item for one model's output of one case."""

    model: str
    case_id: str
    item_id: str
    type: str
    points: float
    must_not: bool
    met: bool | None  # None: unparsed, or the judge failed
    latency_s: float | None = None

    @property
    def answer(self) -> ItemAnswer:
        return ItemAnswer(points=self.points, must_not=self.must_not, met=self.met)

    @property
    def satisfied(self) -> bool | None:
        """The output does what the item asks: an ordinary item met, a must_not item not met."""
        return None if self.met is None else self.met != self.must_not


class OutputScore(FrozenRecord):
    """The rubric score of one model's output for one case."""

    model: str
    case_id: str
    score: float | None
    earned: float
    deducted: float
    possible: float
    answered: int
    unparsed: int


class JudgeSummary(FrozenRecord):
    model: str
    outputs: int  # outputs judged
    scored: int  # outputs with a score (at least one ordinary item answered)
    score: float | None  # mean rubric score over the scored outputs
    score_ci_low: float | None
    score_ci_high: float | None
    items: int  # verdicts asked for
    unparsed: int  # replies left out: unparsed, or the judge failed
    met_by_type: dict[str, Share]  # share of answered items met, per item type
    satisfied_by_type: dict[str, Share]  # share of answered items satisfied, per item type
    latency_p50_s: float | None
    latency_p95_s: float | None


def share(count: int, total: int) -> Share:
    low, high = wilson_interval(count, total)
    return Share(count=count, total=total, share=count / total if total else None, ci_low=low, ci_high=high)


def output_score(model: str, case_id: str, items: Sequence[JudgedItem]) -> OutputScore:
    scored: RubricScore = rubric_score(item.answer for item in items)
    return OutputScore(model=model, case_id=case_id, score=scored.score, earned=scored.earned,
                       deducted=scored.deducted, possible=scored.possible, answered=scored.answered,
                       unparsed=scored.unparsed)


def by_output(items: Sequence[JudgedItem]) -> dict[tuple[str, str], list[JudgedItem]]:
    """The items grouped by (model, case id), in the order they first appear."""
    grouped: dict[tuple[str, str], list[JudgedItem]] = {}
    for item in items:
        grouped.setdefault((item.model, item.case_id), []).append(item)
    return grouped


def output_scores(items: Sequence[JudgedItem]) -> list[OutputScore]:
    """One score per (model, case) output, in the order they first appear."""
    return [output_score(model, case_id, members) for (model, case_id), members in by_output(items).items()]


def summarise_judge(items: Sequence[JudgedItem]) -> list[JudgeSummary]:
    """One summary per model, in the order the models first appear."""
    by_model: dict[str, list[JudgedItem]] = {}
    for item in items:
        by_model.setdefault(item.model, []).append(item)
    return [_summary(model, members) for model, members in by_model.items()]


def _type_shares(items: Sequence[JudgedItem], *, satisfied: bool) -> dict[str, Share]:
    shares = {}
    for item_type in ITEM_TYPES:
        answered = [item for item in items if item.type == item_type and item.met is not None]
        if answered:
            count = sum(1 for item in answered if (item.satisfied if satisfied else item.met))
            shares[item_type] = share(count, len(answered))
    return shares


def _summary(model: str, items: Sequence[JudgedItem]) -> JudgeSummary:
    scores = output_scores(items)
    estimate = bootstrap_mean([score.score for score in scores])
    latencies = [item.latency_s for item in items if item.latency_s is not None]
    return JudgeSummary(
        model=model, outputs=len(scores), scored=estimate.n, score=estimate.mean, score_ci_low=estimate.ci_low,
        score_ci_high=estimate.ci_high, items=len(items), unparsed=sum(1 for item in items if item.met is None),
        met_by_type=_type_shares(items, satisfied=False), satisfied_by_type=_type_shares(items, satisfied=True),
        latency_p50_s=percentile(latencies, 50), latency_p95_s=percentile(latencies, 95))


# --- pairwise ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairwiseJudgement:
    """A judge's preference on one case, asked with ``first`` shown as Output 1 and ``second`` as Output 2."""

    case_id: str
    first: str
    second: str
    better: Preference
    latency_s: float | None = None

    @property
    def parsed(self) -> bool:
        return self.better != "unparsed"

    @property
    def preferred(self) -> str | None:
        """The model preferred; None for a tie or an unparsed reply."""
        return {"1": self.first, "2": self.second}.get(self.better)


Outcome = Literal["a", "b", "tie", "unparsed"]


class PairOutcome(FrozenRecord):
    """One case of a pair of models, both orders taken together: won by model ``a`` or ``b``, a tie, or unparsed."""

    model_a: str
    model_b: str
    case_id: str
    outcome: Outcome
    order_disagreement: bool


class PairwiseSummary(FrozenRecord):
    model_a: str
    model_b: str
    cases: int  # cases asked about, in one order or both
    compared: int  # cases with a parsed answer in both orders
    wins: int  # of model_a
    losses: int
    ties: int  # both orders said tie, or the orders disagreed
    order_disagreements: int
    unparsed: int  # cases left out: an unparsed answer in either order, or one order missing
    win_rate: float | None  # wins / compared
    win_rate_ci_low: float | None
    win_rate_ci_high: float | None
    latency_p50_s: float | None
    latency_p95_s: float | None


def _view(model_a: str, judgement: PairwiseJudgement) -> Outcome:
    """What one order says: model ``a`` or ``b`` is better, or a tie."""
    if judgement.preferred is None:
        return "tie"
    return "a" if judgement.preferred == model_a else "b"


def pair_outcome(model_a: str, model_b: str, case_id: str, a_first: PairwiseJudgement | None,
                 b_first: PairwiseJudgement | None) -> PairOutcome:
    """The case's outcome from its two orders (a missing order counts as unparsed)."""
    if a_first is None or b_first is None or not a_first.parsed or not b_first.parsed:
        return PairOutcome(model_a=model_a, model_b=model_b, case_id=case_id, outcome="unparsed",
                           order_disagreement=False)
    first_view, second_view = _view(model_a, a_first), _view(model_a, b_first)
    agree = first_view == second_view
    return PairOutcome(model_a=model_a, model_b=model_b, case_id=case_id, outcome=first_view if agree else "tie",
                       order_disagreement=not agree)


def _asks_about(judgement: PairwiseJudgement, model_a: str, model_b: str) -> bool:
    return {judgement.first, judgement.second} == {model_a, model_b}


def pair_outcomes(model_a: str, model_b: str, judgements: Sequence[PairwiseJudgement]) -> list[PairOutcome]:
    """The outcome of every case the judgements ask about this pair, in the order the cases first appear."""
    asked: dict[str, dict[str, PairwiseJudgement]] = {}
    for judgement in judgements:
        if _asks_about(judgement, model_a, model_b):
            asked.setdefault(judgement.case_id, {})[judgement.first] = judgement
    return [pair_outcome(model_a, model_b, case_id, orders.get(model_a), orders.get(model_b))
            for case_id, orders in asked.items()]


def summarise_pair(model_a: str, model_b: str, judgements: Sequence[PairwiseJudgement]) -> PairwiseSummary:
    outcomes = pair_outcomes(model_a, model_b, judgements)
    counts = Counter(outcome.outcome for outcome in outcomes)
    compared = len(outcomes) - counts["unparsed"]
    low, high = wilson_interval(counts["a"], compared)
    latencies = [judgement.latency_s for judgement in judgements
                 if judgement.latency_s is not None and _asks_about(judgement, model_a, model_b)]
    return PairwiseSummary(
        model_a=model_a, model_b=model_b, cases=len(outcomes), compared=compared, wins=counts["a"],
        losses=counts["b"], ties=counts["tie"],
        order_disagreements=sum(1 for outcome in outcomes if outcome.order_disagreement),
        unparsed=counts["unparsed"], win_rate=counts["a"] / compared if compared else None,
        win_rate_ci_low=low, win_rate_ci_high=high,
        latency_p50_s=percentile(latencies, 50), latency_p95_s=percentile(latencies, 95))


def model_pairs(models: Sequence[str]) -> list[tuple[str, str]]:
    """Every pair of models once, each in the order given (A before B)."""
    return [(models[i], models[j]) for i in range(len(models)) for j in range(i + 1, len(models))]


def summarise_pairwise(models: Sequence[str], judgements: Sequence[PairwiseJudgement]) -> list[PairwiseSummary]:
    """One summary per pair of ``models`` that the judgements ask about."""
    summaries = [summarise_pair(a, b, judgements) for a, b in model_pairs(models)]
    return [summary for summary in summaries if summary.cases]


JUDGE_METRIC_PREFIX = "judge_"  # the registry's rubric-judge metrics are named judge_…


def judge_metrics(summary: JudgeSummary) -> dict[str, float]:
    """The registry's rubric-judge metrics of one model (``judge_*``)."""
    values: dict[str, float] = {}
    if summary.score is not None:
        values["judge_rubric_score"] = summary.score
        low_key, high_key = ci_keys("judge_rubric_score")
        if summary.score_ci_low is not None and summary.score_ci_high is not None:
            values[low_key], values[high_key] = summary.score_ci_low, summary.score_ci_high
    if summary.items:
        values["judge_unparsed_rate"] = summary.unparsed / summary.items
    if summary.latency_p50_s is not None:
        values["judge_p50_s"] = summary.latency_p50_s
    return values
