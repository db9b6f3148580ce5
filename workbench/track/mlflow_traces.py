"""Each case of an evaluation as an MLflow trace, its scores as assessments, the set as an evaluation dataset.

One trace per (model, case), linked to the model's run (``mlflow.sourceRun``, so it shows on that run's
Traces tab) and to the evaluation set and case by its metadata. The root span holds what was asked
(the case id and the prompt messages, which carry the note) and the summary generated; the model's
reasoning, when it has any, is a child span of its own and never part of the output. Timings and
token counts are attributes of the root span, which starts when the request was sent and ends when
its last token arrived. A failed case is a trace whose root span has the status ERROR.

A case of a coding set also holds the tools that were sent (inputs) and the reply's function calls as the
model wrote them (outputs: the text as ``content`` and each call's name and raw arguments, under the same
policy; the calls' names as the root span's ``tool_calls`` attribute).

Every per-case value of a registered metric (:mod:`workbench.scoring.registry`) becomes a feedback
assessment of source type CODE named after the metric. Text goes into the store as the run's
``store_outputs`` policy says (:func:`stored_text`, the function the per-case table uses); with
"hashed", the store holds digests, ids and timings and no text.

The evaluation set becomes an MLflow evaluation dataset (``mlflow.genai.datasets``) of the experiment:
one record per case (case id and note as inputs, reference summary as expectation, both under the
same policy), found again by name and content hash when the same set is logged again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from workbench.track.store import environment_scope

import mlflow  # noqa: E402  (after workbench.track.store switched telemetry off)
from mlflow.entities import AssessmentSource, AssessmentSourceType, Feedback, SpanEvent, SpanStatus  # noqa: E402
from mlflow.entities import SpanStatusCode, SpanType  # noqa: E402
from mlflow.entities.span import LiveSpan  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.genai.datasets import (  # noqa: E402
    EvaluationDataset, add_dataset_to_experiments, create_dataset, search_datasets,
)  # noqa: E402
from mlflow.tracing.constant import SpanAttributeKey, TokenUsageKey, TraceMetadataKey  # noqa: E402
from mlflow.tracing.provider import safe_set_span_in_context  # noqa: E402

from workbench.data.evalsets import Case  # noqa: E402
from workbench.privacy.redaction import OutputStorage, gold_phi, redact, sha256_text  # noqa: E402
from workbench.run.files import CaseScores, GenerationRecord, GuardRecord, JudgeRecord  # noqa: E402
from workbench.scoring.registry import Metric, all_metrics  # noqa: E402

_logger = logging.getLogger(__name__)

ASSESSMENT_SOURCE_PREFIX = "workbench/"  # source id of a score: "workbench/<metric>"
REASONING_SPAN = "reasoning"
DATASET_TAG_HASH = "workbench.evalset_hash"
DATASET_TAG_STORAGE = "workbench.output_storage"

PhiItems = list[tuple[str, str]]  # (gold identifier, label) of one case


def stored_text(text: str | None, storage: OutputStorage, phi: PhiItems) -> str | None:
    """``text`` as the tracking store may hold it: as-is, with the case's gold identifiers replaced by
    ``[LABEL]`` ("redacted"), or only its SHA-256 ("hashed")."""
    if storage == "as-is":
        return text
    if storage == "redacted":
        return redact(text, phi)
    if storage == "hashed":
        return sha256_text(text)
    raise ValueError(f"unknown output storage {storage!r}")


@dataclass(frozen=True)
class TraceLinks:
    """What every trace of one evaluation is linked to: the model run, the experiment, the set and the run."""

    experiment_id: str
    model_run_id: str
    model: str
    workbench_run_id: str
    evalset: str
    evalset_version: str
    evalset_hash: str
    prompt: str
    storage: OutputStorage


# --- one case as a trace -------------------------------------------------------------------


def seconds_to_ns(seconds: float) -> int:
    return int(round(seconds * 1e9))


def trace_inputs(record: GenerationRecord, storage: OutputStorage, phi: PhiItems) -> dict[str, Any]:
    """The case id and the prompt messages as sent (the note is in them), each message's text stored as
    ``storage`` says."""
    messages = [{"role": message.get("role", ""), "content": stored_text(message.get("content"), storage, phi)}
                for message in record.messages]
    inputs: dict[str, Any] = {"case_id": record.case_id, "messages": messages}
    if record.tools:
        inputs["tools"] = record.tools
        inputs["tool_choice"] = record.tool_choice
    return inputs


def trace_outputs(record: GenerationRecord, storage: OutputStorage, phi: PhiItems) -> Any:
    """The reply as stored: its text, or, when it called functions, its text and each call as the model wrote it."""
    content = stored_text(record.output, storage, phi)
    if not record.tool_calls:
        return content
    return {"content": content,
            "tool_calls": [{"name": call.get("name", ""), "arguments": stored_text(call.get("arguments"), storage, phi)}
                           for call in record.tool_calls]}


def output_tokens_per_s(record: GenerationRecord) -> float | None:
    """Completion tokens over end-to-end seconds: the per-request rate the registry's ``tok/s`` is the median of."""
    if record.completion_tokens is None or not record.e2e_s:
        return None
    return record.completion_tokens / record.e2e_s


def timing_attributes(record: GenerationRecord) -> dict[str, Any]:
    """Timings and token counts of the request, as span attributes (None left out), with MLflow's token usage
    attribute so its trace list shows the tokens."""
    values: dict[str, Any] = {
        "ttft_s": record.ttft_s, "ttfc_s": record.ttfc_s, "e2e_s": record.e2e_s, "tpot_s": record.tpot_s,
        "prompt_tokens": record.prompt_tokens, "completion_tokens": record.completion_tokens,
        "reasoning_tokens": record.reasoning_tokens, "output_tokens_per_s": output_tokens_per_s(record),
        "token_count_source": record.token_count_source, "finish_reason": record.finish_reason,
        "cached": record.cached,
        "tool_calls": [call.get("name", "") for call in record.tool_calls] or None,
    }
    attributes = {key: value for key, value in values.items() if value is not None}
    if record.prompt_tokens is not None and record.completion_tokens is not None:
        attributes[SpanAttributeKey.CHAT_USAGE] = {
            TokenUsageKey.INPUT_TOKENS: record.prompt_tokens,
            TokenUsageKey.OUTPUT_TOKENS: record.completion_tokens,
            TokenUsageKey.TOTAL_TOKENS: record.prompt_tokens + record.completion_tokens,
        }
    return attributes


def trace_metadata(record: GenerationRecord, links: TraceLinks) -> dict[str, str]:
    """Request metadata, what a trace is found by: the model run (MLflow's own key), the model, the set (name,
    version, content hash) and the case. Kept to these: the store writes each key as a row of its own."""
    return {
        TraceMetadataKey.SOURCE_RUN: links.model_run_id,
        "workbench.model": links.model,
        "workbench.evalset": f"{links.evalset}@{links.evalset_version}",
        "workbench.evalset_hash": links.evalset_hash,
        "workbench.case_id": record.case_id,
    }


def provenance_attributes(record: GenerationRecord, links: TraceLinks) -> dict[str, Any]:
    """The rest of what identifies the request, as root span attributes: the comparison, the case's place and
    hash, the prompt version, the request id and the storage policy."""
    return {"workbench.run_id": links.workbench_run_id, "workbench.case_index": record.case_index,
            "workbench.case_hash": record.case_hash, "workbench.prompt": links.prompt,
            "workbench.request_id": record.request_id, "workbench.output_storage": links.storage}


def score_feedback(scores: CaseScores | None, metrics: list[Metric], span_id: str | None = None) -> list[Feedback]:
    """One CODE feedback per metric of ``metrics`` (the registry's, in its order) with a per-case value in
    ``scores``, on span ``span_id``."""
    if scores is None:
        return []
    feedback = []
    for item in metrics:
        value = scores.value(item.name)
        if value is None:
            continue
        feedback.append(Feedback(
            name=item.name, value=value, rationale=item.definition,
            source=AssessmentSource(source_type=AssessmentSourceType.CODE,
                                    source_id=ASSESSMENT_SOURCE_PREFIX + item.name),
            metadata={"label": item.label, "unit": item.unit, "direction": item.direction or "none"},
            span_id=span_id))
    return feedback


GUARD_VERDICT_ASSESSMENT = "guard_verdict"
RUBRIC_ASSESSMENT_PREFIX = "rubric/"  # a rubric verdict's assessment: "rubric/<item id>"


def guard_feedback(verdicts: list[GuardRecord], storage: OutputStorage, phi: PhiItems,
                   span_id: str | None = None) -> list[Feedback]:
    """One LLM-judge feedback per guard verdict on the case: the level as value, the guard's reason (or why its
    reply could not be read) as rationale under the run's storage policy, the guard as source."""
    return [Feedback(
        name=GUARD_VERDICT_ASSESSMENT, value=verdict.level,
        rationale=stored_text(verdict.reason or verdict.problem or None, storage, phi),
        source=AssessmentSource(source_type=AssessmentSourceType.LLM_JUDGE, source_id=verdict.guard),
        metadata={"categories": ", ".join(verdict.categories) or "None", "instruction": verdict.instruction,
                  "refusal": "unknown" if verdict.refusal is None else str(verdict.refusal).lower()},
        span_id=span_id) for verdict in verdicts]


def judge_feedback(verdicts: list[JudgeRecord], storage: OutputStorage, phi: PhiItems,
                   span_id: str | None = None) -> list[Feedback]:
    """One LLM-judge feedback per rubric verdict on the case: ``rubric/<item>`` with met (true/false, or "unparsed")
    as value, the judge's justification (or why its reply could not be read) as rationale under the storage
    policy, the judge as source, the item's rubric, type, points and must-not as metadata."""
    return [Feedback(
        name=f"{RUBRIC_ASSESSMENT_PREFIX}{verdict.item_id}", value="unparsed" if verdict.met is None else verdict.met,
        rationale=stored_text(verdict.justification or verdict.problem or None, storage, phi),
        source=AssessmentSource(source_type=AssessmentSourceType.LLM_JUDGE, source_id=verdict.judge),
        metadata={"rubric": verdict.rubric, "rubric_hash": verdict.rubric_hash, "type": verdict.type,
                  "points": str(verdict.points), "must_not": str(verdict.must_not).lower(),
                  "instruction": verdict.instruction},
        span_id=span_id) for verdict in verdicts]


def _log_reasoning_span(root: LiveSpan, record: GenerationRecord, reasoning: str | None, start_ns: int,
                        end_ns: int) -> None:
    """The reasoning as a child span: from the first token to the first content token."""
    first_token = start_ns + seconds_to_ns(record.ttft_s or 0.0)
    first_content = start_ns + seconds_to_ns(record.ttfc_s) if record.ttfc_s is not None else end_ns
    span = mlflow.start_span_no_context(REASONING_SPAN, span_type=SpanType.LLM, parent_span=root,
                                        start_time_ns=min(first_token, end_ns),
                                        attributes={"reasoning_tokens": record.reasoning_tokens}
                                        if record.reasoning_tokens is not None else None)
    span.end(outputs=reasoning, end_time_ns=min(max(first_content, first_token), end_ns))


def log_case_trace(record: GenerationRecord, scores: CaseScores | None, links: TraceLinks, phi: PhiItems,
                   metrics: list[Metric], verdicts: list[GuardRecord] | None = None,
                   rubric_verdicts: list[JudgeRecord] | None = None) -> str:
    """Log one case of one model as a trace with its scores as assessments; its trace id.

    The assessments are logged while the root span is the active span, so MLflow keeps them with the trace
    and writes them with it in one request instead of one request per score.
    """
    start_s = record.started_at
    start_ns = seconds_to_ns(start_s) if start_s is not None else None
    end_ns = seconds_to_ns(start_s + (record.e2e_s or 0.0)) if start_s is not None else None
    root = mlflow.start_span_no_context(
        record.case_id, span_type=SpanType.CHAT_MODEL, inputs=trace_inputs(record, links.storage, phi),
        attributes={**timing_attributes(record), **provenance_attributes(record, links)},
        metadata=trace_metadata(record, links), experiment_id=links.experiment_id, start_time_ns=start_ns)
    if not isinstance(root, LiveSpan):  # tracing switched off in this process: nothing is recorded
        raise MlflowException("MLflow tracing is disabled in this process; no trace was recorded")
    if record.reasoning:
        _log_reasoning_span(root, record, stored_text(record.reasoning, links.storage, phi),
                            start_ns if start_ns is not None else root.start_time_ns,
                            end_ns if end_ns is not None else root.start_time_ns)
    with safe_set_span_in_context(root):
        for feedback in [*score_feedback(scores, metrics, root.span_id),
                         *guard_feedback(verdicts or [], links.storage, phi, root.span_id),
                         *judge_feedback(rubric_verdicts or [], links.storage, phi, root.span_id)]:
            mlflow.log_assessment(trace_id=root.trace_id, assessment=feedback)
    if record.ok:
        root.end(outputs=trace_outputs(record, links.storage, phi), end_time_ns=end_ns)
    else:
        error = f"{record.error_type or 'Error'}: {record.error}"
        root.add_event(SpanEvent(name="exception", attributes={"exception.type": record.error_type or "Error",
                                                               "exception.message": record.error or ""}))
        root.end(status=SpanStatus(SpanStatusCode.ERROR, description=error), end_time_ns=end_ns)
    return root.trace_id


@contextmanager
def synchronous_trace_export() -> Iterator[None]:
    """Write each trace when its root span ends, in this thread, and put MLflow's tracing back as it was.

    MLflow exports traces from background threads by default; a comparison logged to the store must be
    complete, with every trace, when :func:`~workbench.track.mlflow_runs.log_comparison` returns.
    """
    with environment_scope(MLFLOW_ENABLE_ASYNC_TRACE_LOGGING="false"):
        mlflow.tracing.reset()  # the tracer reads the setting when it is next started
        try:
            yield
        finally:
            mlflow.tracing.reset()


def log_case_traces(records: list[GenerationRecord], scores_by_case: dict[str, CaseScores], links: TraceLinks,
                    phi_by_case: dict[str, PhiItems],
                    verdicts_by_case: dict[str, list[GuardRecord]] | None = None,
                    rubric_verdicts_by_case: dict[str, list[JudgeRecord]] | None = None) -> list[str]:
    """Every case of one evaluation as a trace (see :func:`log_case_trace`), with the guard and rubric-judge
    verdicts on its output, in case order; their trace ids. Call it inside :func:`synchronous_trace_export`."""
    metrics = all_metrics()
    verdicts_by_case = verdicts_by_case or {}
    rubric_verdicts_by_case = rubric_verdicts_by_case or {}
    return [log_case_trace(record, scores_by_case.get(record.case_id), links, phi_by_case.get(record.case_id, []),
                           metrics, verdicts_by_case.get(record.case_id), rubric_verdicts_by_case.get(record.case_id))
            for record in sorted(records, key=lambda item: item.case_index)]


# --- the evaluation set as an evaluation dataset ---------------------------------------------


def dataset_name(evalset: str, version: str, cases: int, storage: OutputStorage) -> str:
    return f"{evalset}@{version} ({cases} cases, {storage})"


def case_dataset_record(case: Case, storage: OutputStorage) -> dict[str, Any]:
    """A dataset record: the case id and its note as inputs, the reference summary as expectation."""
    phi = gold_phi(case)
    return {"inputs": {"case_id": case.id, "note": stored_text(case.source, storage, phi)},
            "expectations": {"reference_summary": stored_text(case.reference, storage, phi)},
            "tags": {"case_hash": case.content_hash(), "language": case.language}}


def id_only_dataset_record(case_id: str, case_hash: str) -> dict[str, Any]:
    """A dataset record when the set's text cannot be loaded or changed since the run: the case id only."""
    return {"inputs": {"case_id": case_id}, "tags": {"case_hash": case_hash}}


def dataset_records(cases: list[Case] | None, records: list[GenerationRecord],
                    storage: OutputStorage) -> list[dict[str, Any]]:
    """One record per case of the run, in case order. The text comes from ``cases`` only when each case still
    hashes to what the run recorded; otherwise every record holds the case id alone."""
    run_cases = {record.case_id: record for record in sorted(records, key=lambda item: item.case_index)}
    by_id = {case.id: case for case in cases or []}
    unchanged = all(case_id in by_id and by_id[case_id].content_hash() == record.case_hash
                    for case_id, record in run_cases.items())
    if cases is not None and unchanged:
        return [case_dataset_record(by_id[case_id], storage) for case_id in run_cases]
    return [id_only_dataset_record(case_id, record.case_hash) for case_id, record in run_cases.items()]


def _quoted(text: str) -> str:
    return f'"{text}"' if '"' not in text else "'" + text.replace("'", "''") + "'"


def log_evaluation_dataset(*, experiment_id: str, evalset: str, version: str, evalset_hash: str,
                           storage: OutputStorage, records: list[dict[str, Any]]) -> EvaluationDataset | None:
    """The set as an evaluation dataset of the experiment (created, or found by name, hash and storage and
    linked to the experiment), its records merged in; call it with the tracking URI set.

    Evaluation datasets need a SQL store or a server backed by one: on a store without them this logs a
    warning and returns None, and the set stays what every model run already has, a run input with its hash.
    """
    name = dataset_name(evalset, version, len(records), storage)
    tags = {DATASET_TAG_HASH: evalset_hash, DATASET_TAG_STORAGE: storage, "workbench.evalset": evalset,
            "workbench.evalset_version": version}
    try:
        found = [dataset for dataset in search_datasets(filter_string=f"name = {_quoted(name)}")
                 if (dataset.tags or {}).get(DATASET_TAG_HASH) == evalset_hash
                 and (dataset.tags or {}).get(DATASET_TAG_STORAGE) == storage]
        if found:
            dataset = found[0]
            if experiment_id not in dataset.experiment_ids:
                add_dataset_to_experiments(dataset.dataset_id, [experiment_id])
        else:
            dataset = create_dataset(name=name, experiment_id=experiment_id, tags=tags)
        dataset.merge_records(records)
    except (MlflowException, NotImplementedError) as exc:
        _logger.warning("evaluation set %s not logged as an MLflow evaluation dataset (the store does not "
                        "support it: %s); it stays a run input of each model run", evalset, exc)
        return None
    return dataset
