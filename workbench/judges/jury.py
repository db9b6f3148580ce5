"""A jury: several judges' rubric verdicts on the same outputs, taken together.

Per (model, case, item) the jury's verdict is the majority of the judges' parsed answers; a tie (or no parsed
answer) leaves the item not decided, and it is counted. Per model: the rubric score of each output from the
majority verdicts, and the mean across judges of each judge's own score of the output, each with its bootstrap
interval over outputs. How far the judges agree is a result too: Krippendorff's α over every item (any number of
judges, unparsed answers as missing values) and, for two judges, Cohen's κ on the items both answered.
The judges must have used the same rubric (same content hash).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.judges.guard_stats import FrozenRecord
from workbench.judges.judge_run import judged_item
from workbench.judges.judge_stats import output_scores
from workbench.judges.rubrics import ItemAnswer, rubric_score
from workbench.run.files import JudgeRecord, read_judge_records, read_run_dir
from workbench.scoring.agreement import cohen_kappa, krippendorff_alpha
from workbench.scoring.stats import bootstrap_mean

UnitKey = tuple[str, str, str]  # (model, case id, item id)


class JuryError(WorkbenchError, ValueError):
    """Judges' verdicts cannot be taken together: too few judges, or different rubrics."""


@dataclass(frozen=True)
class JuryItem:
    """Every judge's answer on one item of one output (None: unparsed, failed, or not asked)."""

    model: str
    case_id: str
    item_id: str
    points: float
    must_not: bool
    votes: dict[str, bool | None]

    @property
    def verdict(self) -> bool | None:
        return majority(self.votes.values())


class JuryModelSummary(FrozenRecord):
    model: str
    outputs: int
    items: int
    decided: int
    undecided: int  # the judges' parsed answers tied, or none was parsed
    majority_score: float | None  # mean over outputs of the score from the majority verdicts
    majority_score_ci_low: float | None
    majority_score_ci_high: float | None
    mean_score: float | None  # mean over outputs of the judges' mean score
    mean_score_ci_low: float | None
    mean_score_ci_high: float | None


class JuryAgreement(FrozenRecord):
    judges: list[str]
    items: int  # items with answers from at least two judges
    alpha: float | None  # Krippendorff's α (nominal); None when undefined
    kappa: float | None  # Cohen's κ, two judges only; None when undefined
    raw_agreement: float | None  # two judges only: share of items both answered alike


class JurySummary(FrozenRecord):
    judges: list[str]
    rubric: str
    rubric_hash: str
    models: list[JuryModelSummary]
    agreement: JuryAgreement


def majority(votes: Iterable[bool | None]) -> bool | None:
    """True or False when more parsed answers say so; None for a tie or when none is parsed."""
    parsed = [vote for vote in votes if vote is not None]
    yes, no = parsed.count(True), parsed.count(False)
    return None if yes == no else yes > no


def jury_items(records_by_judge: dict[str, list[JudgeRecord]]) -> list[JuryItem]:
    """One item per (model, case, item) that any judge answered, in the order they first appear."""
    judges = list(records_by_judge)
    found: dict[UnitKey, JuryItem] = {}
    for judge, records in records_by_judge.items():
        for record in records:
            key = (record.model, record.case_id, record.item_id)
            if key not in found:
                found[key] = JuryItem(model=record.model, case_id=record.case_id, item_id=record.item_id,
                                      points=record.points, must_not=record.must_not,
                                      votes={name: None for name in judges})
            found[key].votes[judge] = record.met
    return list(found.values())


def check_same_rubric(records_by_judge: dict[str, list[JudgeRecord]]) -> tuple[str, str]:
    """The one rubric (ref, hash) every judge used; refused when they differ or there are fewer than two judges."""
    if len(records_by_judge) < 2:
        raise JuryError(f"a jury needs at least two judges, got {', '.join(records_by_judge) or 'none'}")
    used = {(record.rubric, record.rubric_hash): judge for judge, records in records_by_judge.items()
            for record in records}
    if len(used) != 1:
        described = ", ".join(f"{judge}: {ref} sha256:{digest[:12]}" for (ref, digest), judge in used.items())
        raise JuryError(f"the judges graded with different rubrics ({described or 'none'}); a jury compares verdicts "
                        "on the same items")
    return next(iter(used))


def agreement(judges: Sequence[str], items: Sequence[JuryItem]) -> JuryAgreement:
    units = [[item.votes[judge] for judge in judges] for item in items]
    paired = sum(1 for unit in units if sum(vote is not None for vote in unit) >= 2)
    kappa = raw = None
    if len(judges) == 2:
        both_answered = [unit for unit in units if None not in unit]
        table = {(first, second): sum(1 for unit in both_answered if unit == [first, second])
                 for first in (True, False) for second in (True, False)}
        if both_answered:
            kappa = cohen_kappa(table[(True, True)], table[(True, False)], table[(False, True)], table[(False, False)])
            raw = (table[(True, True)] + table[(False, False)]) / len(both_answered)
    return JuryAgreement(judges=list(judges), items=paired, alpha=krippendorff_alpha(units, "nominal"), kappa=kappa,
                         raw_agreement=raw)


def _model_summary(model: str, items: Sequence[JuryItem],
                   records_by_judge: dict[str, list[JudgeRecord]]) -> JuryModelSummary:
    outputs: dict[str, list[JuryItem]] = {}
    for item in items:
        outputs.setdefault(item.case_id, []).append(item)
    majority_scores = [rubric_score(ItemAnswer(item.points, item.must_not, item.verdict) for item in members).score
                       for members in outputs.values()]
    judge_scores: dict[str, list[float]] = {}
    for records in records_by_judge.values():
        for scored in output_scores([judged_item(record) for record in records if record.model == model]):
            if scored.score is not None:
                judge_scores.setdefault(scored.case_id, []).append(scored.score)
    mean_scores = [sum(scores) / len(scores) for scores in judge_scores.values()]
    by_majority, by_mean = bootstrap_mean(majority_scores), bootstrap_mean(mean_scores)
    undecided = sum(1 for item in items if item.verdict is None)
    return JuryModelSummary(
        model=model, outputs=len(outputs), items=len(items), decided=len(items) - undecided, undecided=undecided,
        majority_score=by_majority.mean, majority_score_ci_low=by_majority.ci_low,
        majority_score_ci_high=by_majority.ci_high, mean_score=by_mean.mean, mean_score_ci_low=by_mean.ci_low,
        mean_score_ci_high=by_mean.ci_high)


def summarise_jury(records_by_judge: dict[str, list[JudgeRecord]]) -> JurySummary:
    """The jury's verdicts per model and the judges' agreement (see the module's docstring)."""
    rubric, rubric_hash = check_same_rubric(records_by_judge)
    items = jury_items(records_by_judge)
    models = list(dict.fromkeys(item.model for item in items))
    return JurySummary(
        judges=list(records_by_judge), rubric=rubric, rubric_hash=rubric_hash,
        models=[_model_summary(model, [item for item in items if item.model == model], records_by_judge)
                for model in models],
        agreement=agreement(list(records_by_judge), items))


def read_jury(run_dir: Path, judges: Sequence[str]) -> JurySummary:
    """The jury of ``judges`` over a run whose outputs each of them has graded (``judge-<judge>.jsonl``)."""
    files = read_run_dir(Path(run_dir))
    records_by_judge = {judge: [record for evaluation in files.evaluations
                                for record in read_judge_records(evaluation.directory, judge)]
                        for judge in judges}
    missing = [judge for judge, records in records_by_judge.items() if not records]
    if missing:
        raise JuryError(f"{run_dir}: no rubric verdicts of {', '.join(map(repr, missing))}; grade the run with "
                        "each judge first")
    return summarise_jury(records_by_judge)
