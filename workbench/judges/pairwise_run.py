"""A judge model compares the run's models two by two on the same cases (no regeneration).

For every pair of models (in the run's order) and every case both answered, the judge sees the note and the two
outputs as Output 1 and Output 2, once in each order; request ids are ``pairwise:{judge}:{first}:{second}:{case}``
(``first`` shown as Output 1). Every answer is kept in ``pairwise-<judge>.jsonl`` in the run directory and the
outcome per pair (``workbench.judges.judge_stats``) in ``pairwise-<judge>.json``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workbench.judges.family import as_judge, check_families, family_of
from workbench.judges.guard_run import candidate_specs
from workbench.judges.judge_run import request_text, set_notes
from workbench.judges.judge_stats import PairwiseJudgement, PairwiseSummary, model_pairs, summarise_pairwise
from workbench.judges.rubric_judge import (
    PairwiseVerdict, pairwise_instruction_label, pairwise_request, parse_pairwise_reply,
)
from workbench.models.base import Backend, GenerationResult
from workbench.models.spec import ModelSpec
from workbench.run.files import (
    GenerationRecord, PairwiseRecord, PairwiseRunFile, RunFiles, read_run_dir, write_pairwise_records,
    write_pairwise_run,
)

BackendOpener = Callable[[ModelSpec], Backend]


@dataclass(frozen=True)
class PairwiseRunResult:
    run_dir: Path
    judge: str
    same_family_graded: list[str]
    records: list[PairwiseRecord]
    summaries: list[PairwiseSummary]
    summary_path: Path


def judgement(record: PairwiseRecord) -> PairwiseJudgement:
    return PairwiseJudgement(case_id=record.case_id, first=record.first, second=record.second, better=record.better,
                             latency_s=record.e2e_s)


def pairwise_record(judge: str, case_id: str, first: str, second: str, result: GenerationResult) -> PairwiseRecord:
    """The record of one judge call with ``first`` shown as Output 1."""
    verdict = parse_pairwise_reply(result.output) if result.ok else PairwiseVerdict(
        better="unparsed", problem=f"the judge failed: {result.error}")
    preferred = {"1": first, "2": second}.get(verdict.better)
    return PairwiseRecord(
        case_id=case_id, judge=judge, first=first, second=second, better=verdict.better, preferred=preferred,
        justification=verdict.justification, problem=verdict.problem, reply=result.output,
        instruction=pairwise_instruction_label(), e2e_s=result.e2e_s, prompt_tokens=result.prompt_tokens,
        completion_tokens=result.completion_tokens, error=result.error)


def successful_outputs(files: RunFiles) -> dict[str, dict[str, GenerationRecord]]:
    """Model -> case id -> its successful record, in case order."""
    return {evaluation.model: {record.case_id: record for record in evaluation.records_in_order() if record.ok}
            for evaluation in files.evaluations}


def pairwise_run(run_dir: Path, judge_spec: ModelSpec, *, open_judge: BackendOpener, allow_same_family: bool = False,
                 limit: int | None = None) -> PairwiseRunResult:
    """Ask ``judge_spec`` to compare every pair of the run's models on the cases both answered (the first
    ``limit`` of them), in both orders; write the answers and the summary, and return them."""
    run_dir = Path(run_dir)
    files = read_run_dir(run_dir)
    related = check_families(judge_spec, candidate_specs(files), role="judge", allow_same_family=allow_same_family)
    notes = set_notes(files)
    outputs = successful_outputs(files)
    models = [evaluation.model for evaluation in files.evaluations]
    records: list[PairwiseRecord] = []
    judge_spec = as_judge(judge_spec)
    backend = open_judge(judge_spec)
    try:
        for model_a, model_b in model_pairs(models):
            shared = [case_id for case_id in outputs[model_a] if case_id in outputs[model_b]][:limit]
            for case_id in shared:
                note = notes.get(case_id) or request_text(outputs[model_a][case_id])
                for first, second in ((model_a, model_b), (model_b, model_a)):
                    request = pairwise_request(note, outputs[first][case_id].output, outputs[second][case_id].output,
                                               f"pairwise:{judge_spec.name}:{first}:{second}:{case_id}")
                    records.append(pairwise_record(judge_spec.name, case_id, first, second,
                                                   backend.generate(request)))
    finally:
        backend.close()
    write_pairwise_records(run_dir, judge_spec.name, records)
    summaries = summarise_pairwise(models, [judgement(record) for record in records])
    summary_path = write_pairwise_run(run_dir, PairwiseRunFile(
        judge=judge_spec.name, judge_family=family_of(judge_spec), instruction=pairwise_instruction_label(),
        same_family_graded=related, summaries=summaries))
    return PairwiseRunResult(run_dir=run_dir, judge=judge_spec.name, same_family_graded=related, records=records,
                             summaries=summaries, summary_path=summary_path)
