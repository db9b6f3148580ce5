"""Each case of an evaluation as an MLflow trace, its scores as assessments, the set as an evaluation dataset.

One trace per (model, case), linked to the model's run (``mlflow.sourceRun``, so it shows on that run's
Traces tab) and to the evaluation set and case by its metadata. The root span holds what was asked
(the case id and the prompt messages, which carry the note) and the summary generated; the model's
reasoning, when it has any, is a child span of its own and never part of the output. Timings and
token counts are attributes of the root span, which starts when the request was sent and ends when
its last token arrived. A failed case is a trace whose root span has the status ERROR.

A case whose prompt did not fit the model's context (``workbench.run.long_records``) says how it was handled
in root span attributes ``workbench.long_record.*`` (strategy, applied, tokens counted, what was cut and the
share of the note's tokens that was). Each call of a chunked case is a child span, in order, named by its kind
and part (``map 2/5``, ``reduce``, ``refine 3/5``), placed at its own times within the case, with its timings
and token counts as attributes; it holds what the call was given (its part's character span in the note, the
summaries it read) and what it wrote under the same policy as the case's text, and its reasoning as a child
span of its own. A call that failed ends with the status ERROR.

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
from workbench.run.files import CaseScores, ChunkRecord, GenerationRecord, GuardRecord, JudgeRecord  # noqa: E402
from workbench.scoring.registry import Metric, all_metrics  # noqa: E402

_logger = logging.getLogger(__name__)

ASSESSMENT_SOURCE_PREFIX = "workbench/"  # source id of a score: "workbench/<metric>"
REASONING_SPAN = "reasoning"
LONG_RECORD_ATTRIBUTE_PREFIX = "workbench.long_record."  # root span: how a case over the context was handled
CHUNK_ATTRIBUTE_PREFIX = "workbench.chunk."  # a chunk call's span: its place in the case
DATASET_TAG_HASH = "workbench.evalset_hash"
DATASET_TAG_STORAGE = "workbench.output_storage"

PhiItems = list[tuple[str, str]]  # (gold identifier, label) of one case
Call = GenerationRecord | ChunkRecord  # one model call: a whole case, or one call of a chunked case


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


def output_tokens_per_s(call: Call) -> float | None:
    """Completion tokens over end-to-end seconds: the per-request rate the registry's ``tok/s`` is the median of."""
    if call.completion_tokens is None or not call.e2e_s:
        return None
    return call.completion_tokens / call.e2e_s


def call_attributes(call: Call) -> dict[str, Any]:
    """Timings and token counts of one model call, as span attributes (None left out), with MLflow's token usage
    attribute so its trace list shows the tokens (counted once: a chunk's tokens are part of its case's)."""
    values: dict[str, Any] = {
        "ttft_s": call.ttft_s, "ttfc_s": call.ttfc_s, "e2e_s": call.e2e_s, "tpot_s": call.tpot_s,
        "prompt_tokens": call.prompt_tokens, "completion_tokens": call.completion_tokens,
        "reasoning_tokens": call.reasoning_tokens, "output_tokens_per_s": output_tokens_per_s(call),
        "token_count_source": call.token_count_source, "finish_reason": call.finish_reason,
    }
    attributes = {key: value for key, value in values.items() if value is not None}
    if call.prompt_tokens is not None and call.completion_tokens is not None:
        attributes[SpanAttributeKey.CHAT_USAGE] = {
            TokenUsageKey.INPUT_TOKENS: call.prompt_tokens,
            TokenUsageKey.OUTPUT_TOKENS: call.completion_tokens,
            TokenUsageKey.TOTAL_TOKENS: call.prompt_tokens + call.completion_tokens,
        }
    return attributes


def timing_attributes(record: GenerationRecord) -> dict[str, Any]:
    """Timings and token counts of the case (:func:`call_attributes`), whether it came from the cache, and the
    names of the functions its reply called."""
    attributes = {**call_attributes(record), "cached": record.cached}
    if record.tool_calls:
        attributes["tool_calls"] = [call.get("name", "") for call in record.tool_calls]
    return attributes


def long_record_attributes(record: GenerationRecord) -> dict[str, Any]:
    """How a case that did not fit the model's context was handled, as root span attributes
    (``workbench.long_record.<field>``): the strategy, what was applied, the tokens counted, what truncation cut
    and the share of the note's tokens that was, the calls of a chunked case. Empty for a case sent whole or
    measured before records were."""
    handling = record.long_record
    if handling is None or handling.applied == "whole":
        return {}
    values: dict[str, Any] = handling.model_dump(exclude_none=True)
    if handling.cut_tokens is not None and handling.note_tokens:
        values["cut_share"] = handling.cut_tokens / handling.note_tokens
    if record.chunks:
        values["calls"] = len(record.chunks)
    return {LONG_RECORD_ATTRIBUTE_PREFIX + key: value for key, value in values.items()}


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


def _log_reasoning_span(parent: LiveSpan, call: Call, reasoning: str | None, start_ns: int, end_ns: int) -> None:
    """The reasoning of a call as a child span of ``parent``: from the first token to the first content token."""
    first_token = start_ns + seconds_to_ns(call.ttft_s or 0.0)
    first_content = start_ns + seconds_to_ns(call.ttfc_s) if call.ttfc_s is not None else end_ns
    span = mlflow.start_span_no_context(REASONING_SPAN, span_type=SpanType.LLM, parent_span=parent,
                                        start_time_ns=min(first_token, end_ns),
                                        attributes={"reasoning_tokens": call.reasoning_tokens}
                                        if call.reasoning_tokens is not None else None)
    span.end(outputs=reasoning, end_time_ns=min(max(first_content, first_token), end_ns))


def _end_failed(span: LiveSpan, error_type: str | None, error: str | None, end_ns: int | None) -> None:
    """End ``span`` with the status ERROR and an exception event naming the error."""
    span.add_event(SpanEvent(name="exception", attributes={"exception.type": error_type or "Error",
                                                           "exception.message": error or ""}))
    span.end(status=SpanStatus(SpanStatusCode.ERROR, description=f"{error_type or 'Error'}: {error}"),
             end_time_ns=end_ns)


# --- the calls of a chunked case -------------------------------------------------------------


def chunk_span_name(chunk: ChunkRecord) -> str:
    """The call's kind and the part of the note it read: ``map 2/5``, ``refine 3/5``; ``reduce``."""
    return f"{chunk.kind} {chunk.part}/{chunk.parts}" if chunk.part is not None else chunk.kind


def chunk_inputs(chunk: ChunkRecord, chunks: list[ChunkRecord], storage: OutputStorage,
                 phi: PhiItems) -> dict[str, Any]:
    """What one call read: its part of the note as a character span of the note (which the root span's messages
    hold), the summaries it was given (a refine call's summary so far, the outputs a reduce call combined) stored
    as ``storage`` says, and the hash of the prompt sent."""
    inputs: dict[str, Any] = {"kind": chunk.kind, "part": chunk.part, "parts": chunk.parts,
                              "prompt_hash": chunk.prompt_hash}
    if chunk.source_start is not None and chunk.source_end is not None:
        inputs["note_chars"] = [chunk.source_start, chunk.source_end]
    by_index = {item.index: item for item in chunks}
    if chunk.kind == "refine" and chunk.index - 1 in by_index:
        inputs["summary_so_far"] = stored_text(by_index[chunk.index - 1].output, storage, phi)
    if chunk.combines:
        inputs["summaries"] = [stored_text(by_index[index].output, storage, phi)
                               for index in chunk.combines if index in by_index]
    return inputs


def chunk_attributes(chunk: ChunkRecord) -> dict[str, Any]:
    """Timings and token counts of one call (:func:`call_attributes`), its place in the case (order, seconds from
    the case's first request), its request id and its prompt's tokens as counted before it was sent."""
    place = {"index": chunk.index, "offset_s": chunk.offset_s, "prompt_tokens_counted": chunk.prompt_tokens_counted}
    return {**call_attributes(chunk), "workbench.request_id": chunk.request_id,
            **{CHUNK_ATTRIBUTE_PREFIX + key: value for key, value in place.items() if value is not None}}


def chunk_times(chunk: ChunkRecord, case_start_ns: int, previous_end_ns: int) -> tuple[int, int]:
    """When a call started and ended: its offset from the case's first request (the clock the case's end-to-end
    time is measured on), else its own start, else where the call before it ended; it lasts its ``e2e_s``."""
    if chunk.offset_s is not None:
        start_ns = case_start_ns + seconds_to_ns(chunk.offset_s)
    elif chunk.started_at is not None:
        start_ns = seconds_to_ns(chunk.started_at)
    else:
        start_ns = previous_end_ns
    return start_ns, start_ns + seconds_to_ns(chunk.e2e_s or 0.0)


def _log_chunk_spans(root: LiveSpan, record: GenerationRecord, storage: OutputStorage, phi: PhiItems,
                     case_start_ns: int) -> None:
    """Each call of a chunked case as a child span of the case's root span, in order (see the module's docstring)."""
    previous_end_ns = case_start_ns
    for chunk in record.chunks:
        start_ns, end_ns = chunk_times(chunk, case_start_ns, previous_end_ns)
        span = mlflow.start_span_no_context(chunk_span_name(chunk), span_type=SpanType.CHAT_MODEL, parent_span=root,
                                            inputs=chunk_inputs(chunk, record.chunks, storage, phi),
                                            attributes=chunk_attributes(chunk), start_time_ns=start_ns)
        if chunk.reasoning:
            _log_reasoning_span(span, chunk, stored_text(chunk.reasoning, storage, phi), start_ns, end_ns)
        if chunk.error is None:
            span.end(outputs=stored_text(chunk.output, storage, phi), end_time_ns=end_ns)
        else:
            _end_failed(span, chunk.error_type, chunk.error, end_ns)
        previous_end_ns = end_ns


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
        attributes={**timing_attributes(record), **provenance_attributes(record, links),
                    **long_record_attributes(record)},
        metadata=trace_metadata(record, links), experiment_id=links.experiment_id, start_time_ns=start_ns)
    if not isinstance(root, LiveSpan):  # tracing switched off in this process: nothing is recorded
        raise MlflowException("MLflow tracing is disabled in this process; no trace was recorded")
    if record.chunks:  # each call's reasoning is with the call that wrote it
        _log_chunk_spans(root, record, links.storage, phi, start_ns if start_ns is not None else root.start_time_ns)
    elif record.reasoning:
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
        _end_failed(root, record.error_type, record.error, end_ns)
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
