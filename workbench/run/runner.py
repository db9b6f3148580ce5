"""Model × prompt version × evaluation set → one record per case.

Records are appended to ``<run dir>/<model>/records.jsonl`` as each case finishes
(flushed and fsynced), and every successful generation is first committed to the
response cache. A re-run of the same command, or a run restarted after SIGKILL,
takes finished cases from the cache and generates only the missing ones.
"""

from __future__ import annotations

import os
import secrets
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from tqdm import tqdm

from workbench.errors import WorkbenchError
from workbench.run.cache import GenerationCache, cache_key
from workbench.run.files import (
    CaseScores, EvaluationSummary, GenerationRecord, RecordWriter, RunFileWriteError, RunManifest, default_runs_dir,
    model_directory, write_manifest, write_scores, write_summary,
)
from workbench.data.evalsets import Case, EvalSet
from workbench.models import OpenOptions, model_identity, open_backend
from workbench.models.base import Backend, BackendInfo, GenerationRequest, GenerationResult
from workbench.run.long_records import (
    DEFAULT_STRATEGY, CaseGeneration, LongRecordRunner, LongRecordSettings, long_record_figures,
)
from workbench.models.spec import ModelSpec
from workbench.data.prompts import PromptError, PromptTemplate, RenderedPrompt
from workbench.scoring.coding import request_tools, tools_hash
from workbench.scoring.latency import latency_summary
from workbench.scoring.rouge import rouge_scheme
from workbench.scoring.scorer import score_outputs
from workbench.run.system_metrics import SystemSampler

BackendFactory = Callable[[ModelSpec, OpenOptions], Backend]


def open_with_options(spec: ModelSpec, options: OpenOptions) -> Backend:
    """The default ``BackendFactory``: the model's registered backend."""
    return open_backend(spec, allow_remote_endpoint=options.allow_remote_endpoint, log_dir=options.log_dir)


@dataclass
class RunSettings:
    runs_dir: Path = field(default_factory=default_runs_dir)
    concurrency: int = 1
    limit: int | None = None
    warmup: int = 0
    use_cache: bool = True
    allow_remote_endpoint: bool = False
    show_progress: bool = True
    detect_phi: bool = False  # also run the PHI detector on outputs (always, when the set has no gold spans)
    rouge_scheme: str | None = None  # ROUGE tokenization; None: the set language's default (see scoring.rouge)
    # A prompt longer than the model's context: refuse, truncate, map-reduce or refine (workbench.run.long_records).
    long_records: str = DEFAULT_STRATEGY
    chunk_tokens: int | None = None  # map-reduce and refine: note tokens per chunk at most; None: as many as fit
    chunk_overlap: int = 0  # map-reduce and refine: tokens two consecutive chunks share

    def long_record_settings(self) -> LongRecordSettings:
        return LongRecordSettings(self.long_records, self.chunk_tokens, self.chunk_overlap)


@dataclass
class PlannedCase:
    index: int
    case: Case
    prompt: RenderedPrompt
    key: str
    tools: tuple[dict[str, Any], ...] = ()  # what every request of the set may call (a coding set: record_diagnoses)
    tool_choice: str | None = None


@dataclass
class EvaluationOutcome:
    model: str
    directory: Path
    records: list[GenerationRecord]
    metrics: dict[str, Any]
    backend_info: dict[str, Any] | None
    error: str | None = None


@dataclass
class ComparisonOutcome:
    run_id: str
    directory: Path
    evalset: EvalSet
    prompt: PromptTemplate
    evaluations: list[EvaluationOutcome]


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


def render_all(evalset: EvalSet, prompt: PromptTemplate) -> list[RenderedPrompt]:
    """Fill the prompt for every case before any model is called; the first gap is an error."""
    return [render_case(evalset, prompt, case) for case in evalset.cases]


def render_case(evalset: EvalSet, prompt: PromptTemplate, case: Case, *, source: str | None = None) -> RenderedPrompt:
    """The prompt filled for ``case`` of ``evalset``; ``source`` in place of the case's note when given (a part
    of a note longer than the context, see ``workbench.run.long_records``)."""
    values = {"required_sections": list(evalset.manifest.required_sections), "evalset": evalset.name,
              **case.prompt_values()}
    if source is not None:
        values["source"] = source
    return prompt.render(values, where=f"evalset {evalset.name}, case {case.id!r}: ")


def plan_cases(spec: ModelSpec, identity: dict[str, Any], prompt: PromptTemplate, evalset: EvalSet,
               rendered: list[RenderedPrompt], long_records: dict[str, Any] | None = None) -> list[PlannedCase]:
    settings = {**spec.generation_settings(), **identity}
    tools, tool_choice = request_tools(evalset.manifest.task, spec.tool_choice)
    if tools:  # the tools and how the call is asked for shape the reply: a change is not served from the cache
        settings["tools"] = tools_hash(evalset.manifest.task, spec.tool_choice)
    prompt_hash = prompt.content_hash()
    return [
        PlannedCase(
            index=index, case=case, prompt=rendered_prompt, tools=tools, tool_choice=tool_choice,
            key=cache_key(model_settings=settings, prompt_ref=prompt.ref, prompt_hash=prompt_hash,
                          case_hash=case.content_hash(), long_records=long_records),
        )
        for index, (case, rendered_prompt) in enumerate(zip(evalset.cases, rendered))
    ]


def _build_record(planned: PlannedCase, *, spec: ModelSpec, prompt: PromptTemplate, evalset: EvalSet,
                  evalset_hash: str, result: dict[str, Any], generated_by: dict[str, Any] | None,
                  cached: bool, run_id: str) -> GenerationRecord:
    fields = {name: value for name, value in result.items() if name in GenerationRecord.model_fields}
    return GenerationRecord(
        run_id=run_id, case_id=planned.case.id, case_index=planned.index, case_hash=planned.case.content_hash(),
        model=spec.name, evalset=evalset.name, evalset_version=evalset.manifest.version, evalset_hash=evalset_hash,
        prompt=prompt.name, prompt_version=prompt.version, prompt_hash=prompt.content_hash(),
        rendered_prompt_hash=planned.prompt.hash,
        messages=[{"role": m.role, "content": m.content} for m in planned.prompt.messages],
        generation_settings=spec.generation_settings(), generated_by=generated_by, cache_key=planned.key,
        cached=cached, tools=list(planned.tools), tool_choice=planned.tool_choice, **fields,
    )


def run_evaluation(
    spec: ModelSpec,
    prompt: PromptTemplate,
    evalset: EvalSet,
    *,
    settings: RunSettings,
    run_id: str,
    run_dir: Path,
    cache: GenerationCache | None,
    rendered: list[RenderedPrompt] | None = None,
    backend_factory: BackendFactory | None = None,
    cancel: threading.Event | None = None,
    on_record: Callable[[GenerationRecord], None] | None = None,
) -> EvaluationOutcome:
    """Run one model over ``evalset``; the model is loaded only if some case is not cached."""
    factory = backend_factory or open_with_options
    rendered = rendered if rendered is not None else render_all(evalset, prompt)
    evalset_hash = evalset.content_hash()
    directory = model_directory(run_dir, spec.name)
    writer = RecordWriter(directory)
    records: list[GenerationRecord] = []
    info: BackendInfo | None = None
    error: str | None = None
    warmup_results: list[dict[str, Any]] = []
    wall_time: float | None = None
    effective_concurrency = settings.concurrency
    sampler = SystemSampler()
    progress = tqdm(total=len(evalset.cases), desc=spec.name, unit="case", file=sys.stderr,
                    disable=not settings.show_progress, dynamic_ncols=True)

    def emit(record: GenerationRecord) -> None:
        writer.write(record)
        records.append(record)
        progress.update(1)
        if on_record is not None:
            on_record(record)

    common = dict(spec=spec, prompt=prompt, evalset=evalset, evalset_hash=evalset_hash, run_id=run_id)
    try:
        identity = model_identity(spec)
        long_records = settings.long_record_settings()
        planned = plan_cases(spec, identity, prompt, evalset, rendered, long_records.describe())
        pending: list[PlannedCase] = []
        for item in planned:
            hit = cache.get(item.key) if (cache is not None and settings.use_cache) else None
            if hit is not None:
                emit(_build_record(item, result=hit["result"], generated_by=hit.get("generated_by"), cached=True, **common))
            else:
                pending.append(item)
        progress.set_postfix(cached=len(planned) - len(pending))

        if pending and not (cancel is not None and cancel.is_set()):
            backend = factory(spec, OpenOptions(allow_remote_endpoint=settings.allow_remote_endpoint,
                                                log_dir=directory))
            try:
                info = backend.info()
                generated_by = asdict(info)
                effective_concurrency = max(1, min(settings.concurrency, info.max_concurrency))
                for number in range(settings.warmup):
                    warm = backend.generate(GenerationRequest(
                        request_id=f"{run_id}:{spec.name}:warmup-{number}",
                        messages=pending[0].prompt.messages, plain_prompt=pending[0].prompt.plain_prompt,
                        tools=pending[0].tools, tool_choice=pending[0].tool_choice))
                    warmup_results.append({k: v for k, v in warm.to_dict().items() if k != "itl_s"})
                started = time.perf_counter()
                cases = LongRecordRunner(backend, spec, long_records)

                def render(item: PlannedCase, text: str) -> RenderedPrompt:
                    return render_case(evalset, prompt, item.case, source=text)

                with sampler:
                    _generate_pending(cases, render, pending, effective_concurrency, run_id, spec.name, cancel,
                                      lambda item, result: _finish_case(item, result, cache, generated_by, common, emit))
                wall_time = time.perf_counter() - started
            finally:
                backend.close()
    except (PromptError, RunFileWriteError):  # a run file that cannot be written stops the whole comparison
        raise
    except Exception as exc:  # a model that cannot be loaded fails its own evaluation, not the comparison
        error = f"{type(exc).__name__}: {exc}"
    finally:
        progress.close()
        writer.close()

    metrics = latency_summary([record.model_dump() for record in records], concurrency=effective_concurrency,
                              wall_time_s=wall_time)
    metrics["warmup_requests"] = len(warmup_results)
    metrics.update(long_record_figures(records))
    if sampler.samples:
        metrics.update({k: v for k, v in sampler.summary().items() if v is not None})
    scheme = rouge_scheme(evalset.manifest.language, settings.rouge_scheme)
    if records:
        metrics.update(_score_records(evalset, records, directory, settings.detect_phi, scheme))
    if cancel is not None and cancel.is_set():
        error = error or "cancelled"
    outcome = EvaluationOutcome(
        model=spec.name, directory=directory, records=records, metrics=metrics,
        backend_info=asdict(info) if info else None, error=error,
    )
    _write_evaluation_file(outcome, spec, prompt, evalset, evalset_hash, settings, effective_concurrency, warmup_results,
                           sampler.as_dicts(), scheme)
    return outcome


def _score_records(evalset: EvalSet, records: list[GenerationRecord], directory: Path, detect_phi: bool,
                   scheme: str) -> dict[str, Any]:
    """Score every case whose generation succeeded. A failed case (an error, or a stream cut short) is
    never scored as a summary: it is left out of every quality and PHI aggregate and counted as a failure."""
    outputs = {record.case_id: record.output or "" for record in records if record.ok}
    intermediate = {record.case_id: record.intermediate_outputs() for record in records if record.ok and record.chunks}
    detector = None
    if detect_phi or not any(case.phi for case in evalset.cases):
        from workbench.scoring.phi_detector import shared_detector

        detector = shared_detector()
    tool_calls = {record.case_id: record.tool_calls for record in records if record.ok}
    report = score_outputs(evalset, outputs, detector=detector, rouge=scheme, intermediate=intermediate,
                           tool_calls=tool_calls)
    write_scores(directory, [CaseScores.model_validate(case) for case in report.to_json()["cases"]])
    return report.aggregate


def _finish_case(item: PlannedCase, result: CaseGeneration, cache: GenerationCache | None,
                 generated_by: dict[str, Any], common: dict[str, Any], emit: Callable[[GenerationRecord], None]) -> None:
    result_dict = result.to_dict()
    if cache is not None and result.ok:
        cache.put(item.key, {"result": result_dict, "generated_by": generated_by},
                  model=common["spec"].name, case_id=item.case.id)
    emit(_build_record(item, result=result_dict, generated_by=generated_by, cached=False, **common))


def _generate_pending(cases: LongRecordRunner, render: Callable[[PlannedCase, str], RenderedPrompt],
                      pending: list[PlannedCase], concurrency: int, run_id: str, model: str,
                      cancel: threading.Event | None,
                      done: Callable[[PlannedCase, CaseGeneration], None]) -> None:
    """Generate every pending case, ``concurrency`` at a time; each case's prompt is measured against the
    context first and sent whole, refused, truncated or chunked (``workbench.run.long_records``)."""
    def one(item: PlannedCase) -> CaseGeneration:
        request = GenerationRequest(request_id=f"{run_id}:{model}:{item.case.id}",
                                    messages=item.prompt.messages, plain_prompt=item.prompt.plain_prompt,
                                    tools=item.tools, tool_choice=item.tool_choice)
        try:
            return cases.generate(request, item.case.source, item.case.language, lambda text: render(item, text))
        except Exception as exc:  # backends should not raise, but a record must still be written
            return CaseGeneration(GenerationResult(request_id=request.request_id, error=str(exc),
                                                   error_type=type(exc).__name__))

    queue = list(pending)
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix=f"gen-{model}") as pool:
        in_flight: dict[Future[CaseGeneration], PlannedCase] = {}
        try:
            while queue or in_flight:
                while queue and len(in_flight) < concurrency and not (cancel is not None and cancel.is_set()):
                    item = queue.pop(0)
                    in_flight[pool.submit(one, item)] = item
                if not in_flight:
                    break
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    done(in_flight.pop(future), future.result())
        except KeyboardInterrupt:
            # Ctrl-C: a case whose generation already finished is still written and cached
            # before stopping; only the cases not yet done are given up.
            queue.clear()
            for future in in_flight:
                future.cancel()
            finished_items = [(item, future) for future, item in in_flight.items()
                              if future.done() and not future.cancelled()]
            for item, future in finished_items:
                done(item, future.result())
            raise
        except BaseException:
            queue.clear()
            for future in in_flight:
                future.cancel()
            raise


def _write_evaluation_file(outcome: EvaluationOutcome, spec: ModelSpec, prompt: PromptTemplate, evalset: EvalSet,
                           evalset_hash: str, settings: RunSettings, effective_concurrency: int,
                           warmup: list[dict[str, Any]], system_samples: list[dict[str, Any]], scheme: str) -> None:
    write_summary(outcome.directory, EvaluationSummary(
        model=spec.name, model_spec=spec.model_dump(mode="json"), generation_settings=spec.generation_settings(),
        backend_info=outcome.backend_info, evalset=evalset.name, evalset_version=evalset.manifest.version,
        evalset_hash=evalset_hash, evalset_cases=len(evalset.cases), task=evalset.manifest.task, prompt=prompt.ref,
        prompt_hash=prompt.content_hash(), requested_concurrency=settings.concurrency,
        effective_concurrency=effective_concurrency, warmup=warmup, metrics=outcome.metrics,
        system_samples=system_samples, error=outcome.error, rouge_scheme=scheme,
        long_records=settings.long_record_settings().describe(),
    ))


def _check_settings(settings: RunSettings) -> None:
    """Refuse settings no run can honour, before anything runs."""
    problems: list[str] = []
    if isinstance(settings.concurrency, bool) or not isinstance(settings.concurrency, int) or settings.concurrency < 1:
        problems.append(f"concurrency must be a whole number of at least 1, got {settings.concurrency!r}")
    if isinstance(settings.warmup, bool) or not isinstance(settings.warmup, int) or settings.warmup < 0:
        problems.append(f"warmup must be a whole number of at least 0, got {settings.warmup!r}")
    if settings.limit is not None and (isinstance(settings.limit, bool) or not isinstance(settings.limit, int)
                                       or settings.limit < 1):
        problems.append(f"limit must be a whole number of at least 1 (or none for every case), got {settings.limit!r}")
    problems.extend(settings.long_record_settings().problems())
    if problems:
        raise WorkbenchError("invalid run settings: " + "; ".join(problems))


def check_writable(runs_dir: Path) -> None:
    """The runs directory exists (created when missing) and this process may create files in it."""
    try:
        runs_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunFileWriteError(f"runs directory {runs_dir} cannot be created: {exc.strerror or exc}; "
                                "choose another with --runs-dir or $WORKBENCH_RUNS_DIR") from exc
    if not runs_dir.is_dir():
        raise RunFileWriteError(f"runs directory {runs_dir} is not a directory; "
                                "choose another with --runs-dir or $WORKBENCH_RUNS_DIR")
    if not os.access(runs_dir, os.W_OK | os.X_OK):
        raise RunFileWriteError(f"runs directory {runs_dir} is not writable; nothing was run. Fix its permissions "
                                "or choose another with --runs-dir or $WORKBENCH_RUNS_DIR")


def run_comparison(
    specs: list[ModelSpec],
    prompt: PromptTemplate,
    evalset: EvalSet,
    settings: RunSettings,
    *,
    backend_factory: BackendFactory | None = None,
    cancel: threading.Event | None = None,
    on_record: Callable[[GenerationRecord], None] | None = None,
) -> ComparisonOutcome:
    """Every model over the same cases with the same prompt version, one model loaded at a time."""
    _check_settings(settings)
    names = [spec.name for spec in specs]
    for name in names:
        model_directory(settings.runs_dir, name)  # a name that cannot be a directory fails before any work
    if len(set(names)) != len(names):
        raise WorkbenchError(f"each model may appear once in a comparison, got {', '.join(names)}")
    subset = evalset.head(settings.limit)
    rendered = render_all(subset, prompt)  # every prompt gap is found before any model is loaded
    check_writable(settings.runs_dir)  # before any model is loaded
    run_id = new_run_id()
    run_dir = settings.runs_dir / run_id
    try:
        run_dir.mkdir(parents=True, exist_ok=False)
        write_manifest(run_dir, RunManifest(
            run_id=run_id, created_at=datetime.now(timezone.utc).isoformat(), models=names, evalset=subset.name,
            evalset_version=subset.manifest.version, evalset_hash=subset.content_hash(),
            evalset_full_hash=evalset.content_hash(), limit=settings.limit, prompt=prompt.ref,
            prompt_hash=prompt.content_hash(), concurrency=settings.concurrency, warmup=settings.warmup,
            long_records=settings.long_record_settings().describe(),
        ))
    except OSError as exc:
        raise RunFileWriteError(f"cannot create run directory {run_dir}: {exc.strerror or exc}; "
                                "nothing was run") from exc
    cache = GenerationCache(settings.runs_dir / "cache.sqlite") if settings.use_cache else None
    evaluations: list[EvaluationOutcome] = []
    try:
        for spec in specs:
            if cancel is not None and cancel.is_set():
                break
            evaluations.append(run_evaluation(
                spec, prompt, subset, settings=settings, run_id=run_id, run_dir=run_dir, cache=cache,
                rendered=rendered, backend_factory=backend_factory, cancel=cancel, on_record=on_record,
            ))
    finally:
        if cache is not None:
            cache.close()
    return ComparisonOutcome(run_id=run_id, directory=run_dir, evalset=subset, prompt=prompt, evaluations=evaluations)
