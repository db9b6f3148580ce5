"""One case with every model's output side by side, PHI marked, cases where models disagree first.

Reads a run directory (``runs/<run_id>``) and the evaluation set it names; the set's cases
must still hash to what the run recorded, or the view refuses (the outputs would be shown
next to a different source). Spans are plain character offsets, ready for a highlighter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.data.evalsets import Case, EvalSet
from workbench.judges.guard_stats import disagrees_with_gold
from workbench.judges.guard_verdicts import verdict_of
from workbench.run.files import (
    CaseScores, GenerationRecord, GuardRecord, JudgeRecord, RunDirectoryError, RunManifest, guard_verdicts_by_case,
    judge_verdicts_by_case, read_run_dir,
)
from workbench.run.run_evalset import checked_run_evalset
from workbench.scoring.registry import metrics_where, primary


def case_score_fields() -> list[str]:
    """Per-case scores shown next to each output: the registry's ``per_case_display`` metrics."""
    return [metric.name for metric in metrics_where(per_case_display=True)]


@dataclass(frozen=True)
class MarkedSpan:
    label: str
    start: int
    end: int


@dataclass(frozen=True)
class ModelOutput:
    model: str
    output: str
    error: str | None
    spans: list[MarkedSpan]
    scores: dict[str, Any]
    ttft_s: float | None
    e2e_s: float | None
    completion_tokens: int | None
    verdicts: list[GuardRecord] = field(default_factory=list)  # every guard's verdict on this output
    rubric_verdicts: list[JudgeRecord] = field(default_factory=list)  # every judge's rubric verdicts on it
    tool_calls: list[dict[str, str]] = field(default_factory=list)  # the reply's function calls, as the model wrote them
    call_readings: list[str] = field(default_factory=list)  # how each call was read (coding sets: valid, invalid_json, ...)
    call_problems: list[str] = field(default_factory=list)  # why a call was not valid


@dataclass(frozen=True)
class ReviewItem:
    """An output a guard sent to a person: judged controversial, or its verdict could not be read."""
    case_id: str
    model: str
    guard: str
    level: str
    categories: list[str]
    reason: str


@dataclass(frozen=True)
class CaseView:
    case_id: str
    source: str
    reference: str
    source_spans: list[MarkedSpan]
    outputs: list[ModelOutput]
    disagreement: float


@dataclass(frozen=True)
class CaseSummary:
    case_id: str
    disagreement: float
    rougeL: dict[str, float | None]
    leaked_items: dict[str, int | None]
    guard_disagrees_with_gold: bool = False  # a guard and the gold spans disagree on some model's output


@dataclass
class RunCases:
    run_id: str
    run_dir: Path
    evalset: EvalSet
    models: list[str]
    records: dict[str, dict[str, GenerationRecord]] = field(default_factory=dict)  # model -> case id -> record
    scores: dict[str, dict[str, CaseScores]] = field(default_factory=dict)  # model -> case id -> scores
    verdicts: dict[str, dict[str, list[GuardRecord]]] = field(default_factory=dict)  # model -> case id -> verdicts
    rubric_verdicts: dict[str, dict[str, list[JudgeRecord]]] = field(default_factory=dict)  # likewise, judges'

    def score(self, model: str, case_id: str, metric: str) -> float | None:
        scores = self.scores.get(model, {}).get(case_id)
        return scores.value(metric) if scores is not None else None

    def ordered(self) -> list[CaseSummary]:
        """Every case: first those where a guard and the gold spans disagree, then the ones where the models
        disagree most (ties in set order)."""
        summaries = [self.summary(case) for case in self.evalset.cases]
        order = {case.id: index for index, case in enumerate(self.evalset.cases)}
        return sorted(summaries, key=lambda item: (not item.guard_disagrees_with_gold, -item.disagreement,
                                                   order[item.case_id]))

    def summary(self, case: Case) -> CaseSummary:
        quality = primary("quality", self.evalset.manifest.task).name
        rouge = {model: self.score(model, case.id, quality) for model in self.models}
        leaked = {model: _count(self.scores.get(model, {}).get(case.id)) for model in self.models}
        return CaseSummary(case.id, disagreement(self, case), rouge, leaked,
                           guard_disagrees_with_gold=self.guard_disagrees(case))

    def guard_disagrees(self, case: Case) -> bool:
        """Whether, on a case with gold spans, some guard's parsed verdict on some output says the opposite of the
        gold spans about identifiers (it names PII where none was copied, or not where one was)."""
        if not case.phi:
            return False
        return any(disagrees_with_gold(verdict_of(verdict.level, verdict.categories),
                                       _count(self.scores.get(model, {}).get(case.id)))
                   for model in self.models for verdict in self.verdicts.get(model, {}).get(case.id, []))

    def review_queue(self) -> list[ReviewItem]:
        """Every output a guard sent to a person (route "review"), in set order."""
        return [ReviewItem(case.id, model, verdict.guard, verdict.level, verdict.categories,
                           verdict.reason or verdict.problem)
                for case in self.evalset.cases for model in self.models
                for verdict in self.verdicts.get(model, {}).get(case.id, [])
                if verdict_of(verdict.level, verdict.categories).route == "review"]

    def pick(self, case_id: str | None) -> str | None:
        """The case to choose in this run's case list: ``case_id`` while this run has it (so switching runs
        keeps the case being compared), else the one where the models disagree most; None for a run without cases."""
        if case_id is not None and self.has(case_id):
            return case_id
        ordered = self.ordered()
        return ordered[0].case_id if ordered else None

    def has(self, case_id: str) -> bool:
        return any(case.id == case_id for case in self.evalset.cases)

    def view(self, case_id: str) -> CaseView:
        case = self.case(case_id)
        outputs = []
        for model in self.models:
            record = self.records.get(model, {}).get(case_id)
            scores = self.scores.get(model, {}).get(case_id)
            text = record.output if record is not None else ""
            outputs.append(ModelOutput(
                model=model, output=text, error=record.error if record is not None else "no record for this case",
                spans=output_phi_spans(text, scores),
                scores={name: scores.value(name) for name in case_score_fields()
                        if scores is not None and scores.get(name) is not None},
                ttft_s=record.ttft_s if record else None, e2e_s=record.e2e_s if record else None,
                completion_tokens=record.completion_tokens if record else None,
                verdicts=self.verdicts.get(model, {}).get(case_id, []),
                rubric_verdicts=self.rubric_verdicts.get(model, {}).get(case_id, []),
                tool_calls=list(record.tool_calls) if record is not None else [],
                call_readings=list(scores.get("coding_calls") or []) if scores is not None else [],
                call_problems=list(scores.get("coding_problems") or []) if scores is not None else [],
            ))
        return CaseView(case_id=case.id, source=case.source, reference=case.reference,
                        source_spans=[MarkedSpan(span.label, span.start, span.end) for span in case.phi],
                        outputs=outputs, disagreement=disagreement(self, case))

    def case(self, case_id: str) -> Case:
        for case in self.evalset.cases:
            if case.id == case_id:
                return case
        raise KeyError(f"case {case_id!r} is not in run {self.run_id} ({self.evalset.name})")


def _count(scores: CaseScores | None) -> int | None:
    """Gold PHI items leaked in one output (None when the case has no scores)."""
    return None if scores is None else len(scores.phi_leaked)


def disagreement(run: RunCases, case: Case) -> float:
    """How differently the models did on a case: the spread of the primary quality metric, plus the
    spread of the per-case share of gold PHI leaked, plus one if some model failed on it and another did not."""
    quality = primary("quality", run.evalset.manifest.task).name
    privacy = next(metric.name for metric in metrics_where(kind="privacy", paired=True))
    rouge = [v for v in (run.score(m, case.id, quality) for m in run.models) if v is not None]
    leak = [v for v in (run.score(m, case.id, privacy) for m in run.models) if v is not None]
    failed = [bool(record.error) for m in run.models
              if (record := run.records.get(m, {}).get(case.id)) is not None]
    spread = (max(rouge) - min(rouge) if len(rouge) > 1 else 0.0) + (max(leak) - min(leak) if len(leak) > 1 else 0.0)
    return round(spread + (1.0 if any(failed) and not all(failed) else 0.0), 6)


def _find_all(text: str, needle: str) -> list[tuple[int, int]]:
    if not needle.strip():
        return []
    return [(m.start(), m.end()) for m in re.finditer(re.escape(needle), text, flags=re.IGNORECASE)]


def output_phi_spans(output: str, scores: CaseScores | None) -> list[MarkedSpan]:
    """PHI in an output: the gold identifiers it repeats ("leaked LABEL") and what the detector
    found ("copied LABEL" / "invented LABEL"); the first span wins where two overlap."""
    found: list[MarkedSpan] = []
    if scores is None:
        return found
    for item in scores.phi_leaked:
        for start, end in _find_all(output, str(item.get("text", ""))):
            found.append(MarkedSpan(f"leaked {item.get('label')}", start, end))
    for item in scores.phi_detected:
        for start, end in _find_all(output, str(item.get("text", ""))):
            found.append(MarkedSpan(f"{item.get('origin')} {item.get('label')}", start, end))
    kept: list[MarkedSpan] = []
    for span in sorted(found, key=lambda s: (s.start, -(s.end - s.start))):
        if all(span.end <= other.start or span.start >= other.end for other in kept):
            kept.append(span)
    return kept


def highlighted(text: str, spans: list[MarkedSpan]) -> dict[str, Any]:
    """The ``{"text", "entities"}`` form a highlighter (Gradio's HighlightedText) takes."""
    return {"text": text, "entities": [{"entity": s.label, "start": s.start, "end": s.end} for s in spans]}


def load_run_cases(run_dir: Path) -> RunCases:
    run_dir = Path(run_dir)
    files = read_run_dir(run_dir)
    evalset = checked_run_evalset(files.manifest, run_dir)
    result = RunCases(run_id=files.manifest.run_id or run_dir.name, run_dir=run_dir, evalset=evalset,
                      models=[item.model for item in files.evaluations])
    for item in files.evaluations:
        result.records[item.model] = {record.case_id: record for record in item.records}
        result.scores[item.model] = item.scores_by_case()
        result.verdicts[item.model] = guard_verdicts_by_case(item.directory)
        result.rubric_verdicts[item.model] = judge_verdicts_by_case(item.directory)
    return result
