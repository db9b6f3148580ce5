"""A judge model grades every output of an existing run against a rubric (no regeneration): one question per
(output, rubric item), each verdict kept beside the model's records (``judge-<judge>.jsonl``) and the run's
summary in ``judge-<judge>.json``.

The judge sees the case's source note from the run's set (when the set is found with the run's content hash;
otherwise the user turn of the candidate's request, which holds the note, and the summary lists those cases),
the candidate's output and one criterion, asked with :data:`~workbench.judges.rubric_judge.RUBRIC_INSTRUCTION`.
Request ids are ``judge:{judge}:{model}:{case_id}:{item_id}``. The judge runs through the same backends as the
candidates, so its latency is measured as theirs is. A judge of a candidate's family is refused unless the user
allows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workbench.judges.family import as_judge, check_families, family_of
from workbench.judges.guard_run import candidate_specs
from workbench.judges.evaluation_metrics import replace_judge_metrics
from workbench.judges.judge_stats import JUDGE_METRIC_PREFIX, JudgedItem, JudgeSummary, judge_metrics, summarise_judge
from workbench.judges.rubric_judge import ItemVerdict, parse_judge_reply, rubric_instruction_label, rubric_request
from workbench.judges.rubrics import Rubric, RubricItem
from workbench.models.base import Backend, GenerationResult
from workbench.models.spec import ModelSpec
from workbench.run.run_evalset import run_evalset
from workbench.run.files import (
    GenerationRecord, JudgeRecord, JudgeRunFile, RunFiles, read_run_dir, write_judge_records, write_judge_run,
)

BackendOpener = Callable[[ModelSpec], Backend]


@dataclass(frozen=True)
class JudgeRunResult:
    run_dir: Path
    judge: str
    rubric: str
    same_family_graded: list[str]  # candidates of the judge's family, graded because the user allowed it
    records: list[JudgeRecord]
    summaries: list[JudgeSummary]
    summary_path: Path


def set_notes(files: RunFiles) -> dict[str, str]:
    """Case id -> source note, from the run's cases as they were (:func:`run_evalset`); else empty."""
    evalset = run_evalset(files.manifest, files.directory)
    return {case.id: case.source for case in evalset.cases} if evalset is not None else {}


def request_text(record: GenerationRecord) -> str:
    """The last user turn of the candidate's request (it holds the note)."""
    return next((message["content"] for message in reversed(record.messages) if message.get("role") == "user"), "")


def judged_item(record: JudgeRecord) -> JudgedItem:
    return JudgedItem(model=record.model, case_id=record.case_id, item_id=record.item_id, type=record.type,
                      points=record.points, must_not=record.must_not, met=record.met, latency_s=record.e2e_s)


def judge_record(judge: str, rubric: Rubric, model: str, case_id: str, item: RubricItem,
                 result: GenerationResult) -> JudgeRecord:
    """The record of one judge call: the parsed verdict, or the reason it is unparsed."""
    verdict = parse_judge_reply(result.output) if result.ok else ItemVerdict(
        met=None, problem=f"the judge failed: {result.error}")
    return JudgeRecord(
        case_id=case_id, model=model, judge=judge, rubric=rubric.ref, rubric_hash=rubric.content_hash(),
        item_id=item.id, type=item.type, points=item.points, must_not=item.must_not, met=verdict.met,
        justification=verdict.justification, problem=verdict.problem, reply=result.output,
        instruction=rubric_instruction_label(), e2e_s=result.e2e_s, prompt_tokens=result.prompt_tokens,
        completion_tokens=result.completion_tokens, error=result.error)


def judge_run(run_dir: Path, judge_spec: ModelSpec, rubric: Rubric, *, open_judge: BackendOpener,
              allow_same_family: bool = False, limit: int | None = None) -> JudgeRunResult:
    """Ask ``judge_spec`` about every rubric item for every successful output of the run's models (the first
    ``limit`` of each), write the verdicts and the summary, and return them."""
    run_dir = Path(run_dir)
    files = read_run_dir(run_dir)
    related = check_families(judge_spec, candidate_specs(files), role="judge", allow_same_family=allow_same_family)
    notes = set_notes(files)
    from_requests: list[str] = []
    records: list[JudgeRecord] = []
    judge_spec = as_judge(judge_spec)
    backend = open_judge(judge_spec)
    try:
        for evaluation in files.evaluations:
            model_records = []
            for record in [record for record in evaluation.records_in_order() if record.ok][:limit]:
                note = notes.get(record.case_id)
                if note is None:
                    note = request_text(record)
                    from_requests.append(record.case_id)
                for item in rubric.items_for(record.case_id):
                    request = rubric_request(note, record.output, item.criterion,
                                             f"judge:{judge_spec.name}:{evaluation.model}:{record.case_id}:{item.id}")
                    model_records.append(judge_record(judge_spec.name, rubric, evaluation.model, record.case_id,
                                                      item, backend.generate(request)))
            write_judge_records(evaluation.directory, judge_spec.name, model_records)
            records += model_records
    finally:
        backend.close()
    summaries = summarise_judge([judged_item(record) for record in records])
    for evaluation in files.evaluations:
        summary = next((found for found in summaries if found.model == evaluation.model), None)
        replace_judge_metrics(evaluation, JUDGE_METRIC_PREFIX, judge_metrics(summary) if summary is not None else {})
    summary_path = write_judge_run(run_dir, JudgeRunFile(
        judge=judge_spec.name, judge_family=family_of(judge_spec), rubric=rubric.ref,
        rubric_hash=rubric.content_hash(), instruction=rubric_instruction_label(), same_family_graded=related,
        notes_from_requests=sorted(set(from_requests)), summaries=summaries))
    return JudgeRunResult(run_dir=run_dir, judge=judge_spec.name, rubric=rubric.ref, same_family_graded=related,
                          records=records, summaries=summaries, summary_path=summary_path)
