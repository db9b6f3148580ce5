"""Two runs side by side: the same cases and models, what changed in the scores and in the words.

:func:`diff_runs` aligns two run directories (as ``workbench.run.files.read_run_dir`` reads them) by
model and case. A case is shared only when both runs hold it with the same id and the same content
(its hash): runs over different evaluation-set hashes are never compared as if their cases were the
same, and the result says which cases it left out and why.

Every figure compared is a mean over the shared cases of a per-case value of the registry's paired
metrics (those compared case by case), so both runs' numbers cover exactly the same cases. Per case,
:func:`word_diff` marks the words one output has and the other has not (Chinese one character at a
time); cases whose primary quality score changed most come first.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from workbench.errors import WorkbenchError
from workbench.run.files import EvaluationFiles, GenerationRecord, RunFiles
from workbench.scoring.registry import Metric, metrics_where, primary

Change = Literal["same", "removed", "added"]
# A Han character alone (Chinese has no spaces between words), a run of other word characters, a run of
# white space, or one other character: words are never cut in the middle.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_HAN}]|[^\W{_HAN}]+|\s+|[^\w\s]", re.UNICODE)


class RunDiffError(WorkbenchError, ValueError):
    """Two runs that cannot be compared at all: no model or no case in common."""


@dataclass(frozen=True)
class Segment:
    """A piece of text and whether it is in both outputs, only in A (removed) or only in B (added)."""

    text: str
    change: Change


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def word_diff(a: str, b: str) -> list[Segment]:
    """The word-level differences from ``a`` to ``b``; adjacent pieces of one kind are merged."""
    words_a, words_b = tokens(a), tokens(b)
    segments: list[Segment] = []

    def add(text: str, change: Change) -> None:
        if not text:
            return
        if segments and segments[-1].change == change:
            segments[-1] = Segment(segments[-1].text + text, change)
        else:
            segments.append(Segment(text, change))

    matcher = difflib.SequenceMatcher(a=words_a, b=words_b, autojunk=False)
    for tag, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if tag == "equal":
            add("".join(words_a[a_start:a_end]), "same")
            continue
        add("".join(words_a[a_start:a_end]), "removed")
        add("".join(words_b[b_start:b_end]), "added")
    return segments


def side_a(segments: Sequence[Segment]) -> list[Segment]:
    """Output A as shown beside B: what both have, and what only A has."""
    return [segment for segment in segments if segment.change != "added"]


def side_b(segments: Sequence[Segment]) -> list[Segment]:
    return [segment for segment in segments if segment.change != "removed"]


@dataclass(frozen=True)
class MetricDelta:
    metric: str
    a: float | None
    b: float | None

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a


@dataclass(frozen=True)
class RunSide:
    """What identifies one of the two runs."""

    run_id: str
    evalset: str
    evalset_version: str
    evalset_hash: str
    prompt: str
    models: list[str]
    cases: int
    task: str | None = None  # the set's task, which names the primary quality metric (None: not recorded)


@dataclass(frozen=True)
class CaseDiff:
    """One model's output for one shared case in both runs, with its per-case scores."""

    case_id: str
    model: str
    output_a: str
    output_b: str
    error_a: str | None
    error_b: str | None
    deltas: list[MetricDelta]

    @property
    def identical(self) -> bool:
        return self.output_a == self.output_b and self.error_a == self.error_b

    def delta(self, metric: str) -> float | None:
        return next((item.delta for item in self.deltas if item.metric == metric), None)

    def change(self, metric: str) -> float:
        """How much ``metric`` moved, for ordering: scored on one side only (a failed case) counts as the
        largest change, scored on neither side as none."""
        found = next((item for item in self.deltas if item.metric == metric), None)
        if found is None or (found.a is None and found.b is None):
            return 0.0
        return math.inf if found.delta is None else abs(found.delta)

    def segments(self) -> list[Segment]:
        return word_diff(self.output_a, self.output_b)


@dataclass(frozen=True)
class ModelDelta:
    """One model's figures in both runs, each a mean over the cases both runs scored."""

    model: str
    cases: int  # shared cases scored in both runs
    failures_a: int  # shared cases whose generation failed in run A
    failures_b: int
    changed_outputs: int
    deltas: list[MetricDelta]


@dataclass(frozen=True)
class RunDiff:
    a: RunSide
    b: RunSide
    shared_cases: list[str]
    only_a: list[str]  # case ids only run A holds
    only_b: list[str]
    changed_content: list[str]  # ids in both runs whose case content differs: not compared
    models: list[str]  # models in both runs
    models_only_a: list[str]
    models_only_b: list[str]
    model_deltas: list[ModelDelta]
    cases: list[CaseDiff] = field(default_factory=list)  # largest change of the primary quality score first

    @property
    def same_cases(self) -> bool:
        """Both runs ran exactly the same cases (the same evaluation-set hash)."""
        return self.a.evalset_hash == self.b.evalset_hash

    def notices(self) -> list[str]:
        """What a reader must know before reading the deltas: cases or models left out, and why."""
        found: list[str] = []
        if not self.same_cases:
            found.append(
                f"The runs are over different evaluation-set hashes ({self.a.evalset} {short_hash(self.a.evalset_hash)} "
                f"vs {self.b.evalset} {short_hash(self.b.evalset_hash)}), so they are not the same comparison: only the "
                f"{len(self.shared_cases)} case(s) both runs hold with identical content are compared"
                + (f"; {len(self.only_a)} case(s) only in A" if self.only_a else "")
                + (f"; {len(self.only_b)} case(s) only in B" if self.only_b else "")
                + (f"; {len(self.changed_content)} case(s) with the same id but different content"
                   if self.changed_content else "") + ".")
        if self.models_only_a or self.models_only_b:
            found.append("Models in only one run are not compared: "
                         + ", ".join([*(f"{m} (A)" for m in self.models_only_a), *(f"{m} (B)" for m in self.models_only_b)])
                         + ".")
        if self.a.prompt != self.b.prompt:
            found.append(f"Prompt versions differ: {self.a.prompt} (A) vs {self.b.prompt} (B).")
        return found


def short_hash(value: str) -> str:
    return value[:19] if value.startswith("sha256:") else value[:12]


def compared_metrics() -> list[Metric]:
    """The registry's paired metrics: the per-case values compared between two outputs of the same case."""
    return metrics_where(paired=True)


def _side(run: RunFiles) -> RunSide:
    manifest = run.manifest
    cases = {record.case_id for evaluation in run.evaluations for record in evaluation.records}
    return RunSide(run_id=manifest.run_id, evalset=manifest.evalset, evalset_version=manifest.evalset_version,
                   evalset_hash=manifest.evalset_hash, prompt=manifest.prompt,
                   models=[evaluation.model for evaluation in run.evaluations], cases=len(cases),
                   task=next((evaluation.summary.task for evaluation in run.evaluations), None))


def _case_hashes(run: RunFiles) -> dict[str, str]:
    """Case id -> content hash, in case order, over every model's records."""
    found: dict[str, str] = {}
    for evaluation in run.evaluations:
        for record in evaluation.records_in_order():
            found.setdefault(record.case_id, record.case_hash)
    return found


def _per_case(evaluation: EvaluationFiles, metrics: Sequence[Metric]) -> dict[str, dict[str, float]]:
    """Case id -> metric -> value for the cases whose generation succeeded (latency from the record)."""
    ok = {record.case_id: record for record in evaluation.records if record.ok}
    values: dict[str, dict[str, float]] = {case_id: {} for case_id in ok}
    for scores in evaluation.scores:
        if scores.id not in ok:
            continue
        for item in metrics:
            value = scores.value(item.name)
            if value is not None:
                values[scores.id][item.name] = value
    for case_id, record in ok.items():
        for item in metrics:
            value = getattr(record, item.name, None) if item.kind == "latency" else None
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                values[case_id][item.name] = float(value)
    return values


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def diff_runs(a: RunFiles, b: RunFiles) -> RunDiff:
    """Align ``a`` and ``b`` by model and case and compare what both hold; raises :class:`RunDiffError` when
    they share no model or no case."""
    side_of_a, side_of_b = _side(a), _side(b)
    hashes_a, hashes_b = _case_hashes(a), _case_hashes(b)
    shared = [case_id for case_id, digest in hashes_a.items() if hashes_b.get(case_id) == digest]
    changed = [case_id for case_id, digest in hashes_a.items() if case_id in hashes_b and hashes_b[case_id] != digest]
    only_a = [case_id for case_id in hashes_a if case_id not in hashes_b]
    only_b = [case_id for case_id in hashes_b if case_id not in hashes_a]
    by_model_a = {evaluation.model: evaluation for evaluation in a.evaluations}
    by_model_b = {evaluation.model: evaluation for evaluation in b.evaluations}
    models = [model for model in by_model_a if model in by_model_b]
    if not models:
        raise RunDiffError(f"runs {side_of_a.run_id} and {side_of_b.run_id} have no model in common "
                           f"(A: {', '.join(side_of_a.models) or 'none'}; B: {', '.join(side_of_b.models) or 'none'})")
    if not shared:
        raise RunDiffError(
            f"runs {side_of_a.run_id} ({side_of_a.evalset} {short_hash(side_of_a.evalset_hash)}) and {side_of_b.run_id} "
            f"({side_of_b.evalset} {short_hash(side_of_b.evalset_hash)}) have no case in common with identical content; "
            "there is nothing to compare")
    metrics = compared_metrics()
    model_deltas: list[ModelDelta] = []
    cases: list[CaseDiff] = []
    for model in models:
        evaluation_a, evaluation_b = by_model_a[model], by_model_b[model]
        records_a: dict[str, GenerationRecord] = {r.case_id: r for r in evaluation_a.records}
        records_b: dict[str, GenerationRecord] = {r.case_id: r for r in evaluation_b.records}
        values_a, values_b = _per_case(evaluation_a, metrics), _per_case(evaluation_b, metrics)
        in_both = [case_id for case_id in shared if case_id in records_a and case_id in records_b]
        scored = [case_id for case_id in in_both if case_id in values_a and case_id in values_b]
        deltas = []
        for item in metrics:
            pairs = [(values_a[c][item.name], values_b[c][item.name]) for c in scored
                     if item.name in values_a[c] and item.name in values_b[c]]
            if pairs:
                deltas.append(MetricDelta(item.name, _mean([p[0] for p in pairs]), _mean([p[1] for p in pairs])))
        model_cases = [CaseDiff(
            case_id=case_id, model=model, output_a=records_a[case_id].output, output_b=records_b[case_id].output,
            error_a=records_a[case_id].error, error_b=records_b[case_id].error,
            deltas=[MetricDelta(item.name, values_a.get(case_id, {}).get(item.name),
                                values_b.get(case_id, {}).get(item.name)) for item in metrics])
            for case_id in in_both]
        cases.extend(model_cases)
        model_deltas.append(ModelDelta(
            model=model, cases=len(scored), failures_a=sum(1 for c in in_both if not records_a[c].ok),
            failures_b=sum(1 for c in in_both if not records_b[c].ok),
            changed_outputs=sum(1 for case in model_cases if not case.identical), deltas=deltas))
    order = {case_id: index for index, case_id in enumerate(shared)}
    quality = primary("quality", side_of_b.task).name
    privacy = next((item.name for item in metrics if item.kind == "privacy"), quality)  # its per-case form
    cases.sort(key=lambda case: (-case.change(quality), -case.change(privacy), case.identical, order[case.case_id],
                                 models.index(case.model)))
    return RunDiff(a=side_of_a, b=side_of_b, shared_cases=shared, only_a=only_a, only_b=only_b,
                   changed_content=changed, models=models,
                   models_only_a=[m for m in by_model_a if m not in by_model_b],
                   models_only_b=[m for m in by_model_b if m not in by_model_a],
                   model_deltas=model_deltas, cases=cases)

