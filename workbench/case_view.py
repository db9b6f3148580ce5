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

from workbench.evalsets import Case, EvalSet, EvalSetError, load_evalset
from workbench.runner import RunDirectoryError, read_run_dir

# Per-case scores shown next to each output, in this order.
CASE_SCORE_FIELDS = ("rougeL", "rouge1", "structure_compliance", "values_kept_rate", "values_invented_rate",
                     "phi_leaked_items", "phi_case_leak_rate", "phi_detected_copied", "phi_detected_invented")


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


@dataclass
class RunCases:
    run_id: str
    run_dir: Path
    evalset: EvalSet
    models: list[str]
    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # model -> case id -> record
    scores: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # model -> case id -> scores

    def ordered(self) -> list[CaseSummary]:
        """Every case, the ones where the models disagree most first (ties in set order)."""
        summaries = [self.summary(case) for case in self.evalset.cases]
        order = {case.id: index for index, case in enumerate(self.evalset.cases)}
        return sorted(summaries, key=lambda item: (-item.disagreement, order[item.case_id]))

    def summary(self, case: Case) -> CaseSummary:
        rouge = {model: _number(self.scores.get(model, {}).get(case.id, {}).get("rougeL")) for model in self.models}
        leaked = {model: self.scores.get(model, {}).get(case.id, {}).get("phi_leaked_items") for model in self.models}
        return CaseSummary(case.id, disagreement(self, case), rouge, leaked)

    def view(self, case_id: str) -> CaseView:
        case = self.case(case_id)
        outputs = []
        for model in self.models:
            record = self.records.get(model, {}).get(case_id, {})
            scores = self.scores.get(model, {}).get(case_id, {})
            text = record.get("output") or ""
            outputs.append(ModelOutput(
                model=model, output=text, error=record.get("error") if record else "no record for this case",
                spans=output_phi_spans(text, scores),
                scores={name: scores.get(name) for name in CASE_SCORE_FIELDS if name in scores},
                ttft_s=record.get("ttft_s"), e2e_s=record.get("e2e_s"), completion_tokens=record.get("completion_tokens"),
            ))
        return CaseView(case_id=case.id, source=case.source, reference=case.reference,
                        source_spans=[MarkedSpan(span.label, span.start, span.end) for span in case.phi],
                        outputs=outputs, disagreement=disagreement(self, case))

    def case(self, case_id: str) -> Case:
        for case in self.evalset.cases:
            if case.id == case_id:
                return case
        raise KeyError(f"case {case_id!r} is not in run {self.run_id} ({self.evalset.name})")


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def disagreement(run: RunCases, case: Case) -> float:
    """How differently the models did on a case: the spread of ROUGE-L, plus the spread of the
    share of gold PHI leaked, plus one if some model failed on it and another did not."""
    rouge = [v for v in (_number(run.scores.get(m, {}).get(case.id, {}).get("rougeL")) for m in run.models) if v is not None]
    leak = [v for v in (_number(run.scores.get(m, {}).get(case.id, {}).get("phi_case_leak_rate")) for m in run.models)
            if v is not None]
    failed = [bool(run.records.get(m, {}).get(case.id, {}).get("error")) for m in run.models]
    spread = (max(rouge) - min(rouge) if len(rouge) > 1 else 0.0) + (max(leak) - min(leak) if len(leak) > 1 else 0.0)
    return round(spread + (1.0 if any(failed) and not all(failed) else 0.0), 6)


def _find_all(text: str, needle: str) -> list[tuple[int, int]]:
    if not needle.strip():
        return []
    return [(m.start(), m.end()) for m in re.finditer(re.escape(needle), text, flags=re.IGNORECASE)]


def output_phi_spans(output: str, scores: dict[str, Any]) -> list[MarkedSpan]:
    """PHI in an output: the gold identifiers it repeats ("leaked LABEL") and what the detector
    found ("copied LABEL" / "invented LABEL"); the first span wins where two overlap."""
    found: list[MarkedSpan] = []
    for item in scores.get("phi_leaked") or []:
        for start, end in _find_all(output, str(item.get("text", ""))):
            found.append(MarkedSpan(f"leaked {item.get('label')}", start, end))
    for item in scores.get("phi_detected") or []:
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


def load_run_evalset(run: dict[str, Any], run_dir: Path) -> EvalSet:
    """The run's cases as they were: the named set, cut to the run's limit, with the recorded hash."""
    try:
        evalset = load_evalset(str(run["evalset"])).head(run.get("limit"))
    except KeyError as exc:
        raise RunDirectoryError(f"{run_dir / 'run.json'}: no 'evalset' field") from exc
    except (EvalSetError, OSError) as exc:
        raise RunDirectoryError(f"{run_dir}: the run's evaluation set {run['evalset']!r} cannot be loaded: {exc}") from exc
    if run.get("evalset_hash") and evalset.content_hash() != run["evalset_hash"]:
        raise RunDirectoryError(
            f"{run_dir}: evaluation set {run['evalset']!r} now hashes to {evalset.content_hash()[:19]}, "
            f"the run used {str(run['evalset_hash'])[:19]}; its cases changed since the run")
    return evalset


def load_run_cases(run_dir: Path) -> RunCases:
    run_dir = Path(run_dir)
    run, evaluations, missing = read_run_dir(run_dir)
    evalset = load_run_evalset(run, run_dir)
    result = RunCases(run_id=str(run.get("run_id") or run_dir.name), run_dir=run_dir, evalset=evalset,
                      models=[files.model for files in evaluations])
    for files in evaluations:
        result.records[files.model] = {record["case_id"]: record for record in files.records}
        result.scores[files.model] = {score["id"]: score for score in files.scores}
    return result


def list_run_dirs(runs_dir: Path) -> list[Path]:
    """Run directories under ``runs_dir`` that hold at least one finished evaluation, newest first."""
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        return []
    found = [path for path in runs_dir.iterdir()
             if (path / "run.json").is_file() and any(path.glob("*/evaluation.json"))]
    return sorted(found, key=lambda path: ((path / "run.json").stat().st_mtime, path.name), reverse=True)
