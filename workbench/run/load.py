"""A load test: each model under a ward's worth of simultaneous requests, one concurrency level at a time.

For each model the backend is opened once and sent ``warmup`` requests that no figure counts;
then for each level a fixed number of requests (cycling over the set's rendered prompts) is sent
while exactly ``level`` are kept in flight. The response cache is never used: every request is
generated. The files of a load test, and the
only code that writes and reads them:

    runs/load-<timestamp>-<random>/load.json                LoadTest: settings, each model's provenance and levels
    runs/load-<timestamp>-<random>/<model>/requests.jsonl   LoadRequest per request, appended level by level
    runs/load-<timestamp>-<random>/load.html                the curves (``workbench.report.figures``)

``load.json`` is rewritten after every level, so an interrupted test keeps the levels it finished.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tqdm import tqdm

from workbench import __version__
from workbench.data.evalsets import EvalSet
from workbench.data.prompts import PromptTemplate, RenderedPrompt
from workbench.errors import WorkbenchError
from workbench.models import OpenOptions
from workbench.models.base import Backend, GenerationRequest, GenerationResult
from workbench.models.spec import ModelSpec
from workbench.run.files import RunFileWriteError, default_runs_dir, model_directory
from workbench.run.runner import BackendFactory, check_writable, new_run_id, open_with_options, render_all
from workbench.scoring.load import (
    LoadLevel, LoadSettingsError, ServiceObjectives, check_requests_per_level, highest_level_meeting, level_summary, parse_levels,
    requests_for_level,
)

LOAD_SCHEMA_VERSION = 1
READABLE_LOAD_SCHEMA_VERSIONS = (1,)
LOAD_FILE = "load.json"
LOAD_REQUESTS_FILE = "requests.jsonl"
LOAD_PAGE = "load.html"
LOAD_DIR_PREFIX = "load-"


class LoadFileError(WorkbenchError, ValueError):
    """A load test's files are missing, malformed, or of a schema this workbench cannot read."""


# --- the typed records --------------------------------------------------------------------------


class LoadRequest(BaseModel):
    """One line of ``requests.jsonl``: one request of one level, and what the backend returned."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = LOAD_SCHEMA_VERSION
    concurrency: int
    index: int  # order of issue within the level
    case_id: str
    request_id: str
    output: str = ""
    reasoning: str = ""
    raw_output: str = ""
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None
    token_count_source: str | None = None
    ttft_s: float | None = None
    ttfc_s: float | None = None
    e2e_s: float | None = None
    itl_s: list[float] = Field(default_factory=list)
    tpot_s: float | None = None
    started_at: float | None = None
    error: str | None = None
    error_type: str | None = None
    backend_metrics: dict[str, Any] = Field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


class ModelSweep(BaseModel):
    """One model's sweep: what defined its generations, the backend that served them, every level
    it finished, and the highest level that held the end-to-end objective."""

    model_config = ConfigDict(extra="forbid")

    model: str
    generation_settings: dict[str, Any]
    backend_info: dict[str, Any] | None = None
    levels: list[LoadLevel] = Field(default_factory=list)
    highest_level_meeting_e2e: int | None = None
    warmup: list[dict[str, Any]] = Field(default_factory=list)  # timings of the warm-up requests, not in any level
    error: str | None = None  # the model could not be loaded, or the sweep stopped

    def level(self, concurrency: int) -> LoadLevel | None:
        return next((level for level in self.levels if level.concurrency == concurrency), None)


class LoadTest(BaseModel):
    """``load.json``: the sweep's settings (set, prompt, levels, requests per level, objectives) and
    each model's sweep."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = LOAD_SCHEMA_VERSION
    load_id: str
    created_at: str
    evalset: str
    evalset_version: str
    evalset_hash: str
    evalset_cases: int
    prompt: str
    prompt_hash: str
    levels: list[int]
    requests_per_level: int | None = None  # None: max(2 × level, cases) per level
    warmup: int = 0  # requests sent to each model before the first level, left out of every figure
    objectives: ServiceObjectives = Field(default_factory=ServiceObjectives)
    models: list[ModelSweep] = Field(default_factory=list)
    workbench_version: str = __version__

    def sweep(self, model: str) -> ModelSweep | None:
        return next((sweep for sweep in self.models if sweep.model == model), None)


@dataclass
class LoadSettings:
    """How a load test runs: the levels, requests per level (None: ``max(2 × level, cases)``), warm-up
    requests per model (a cold first request would otherwise sit in the first level's tail), the
    per-request objectives, and where its directory goes."""

    levels: list[int] = field(default_factory=lambda: [1, 4, 16])
    requests_per_level: int | None = None
    warmup: int = 1
    objectives: ServiceObjectives = field(default_factory=ServiceObjectives)
    runs_dir: Path = field(default_factory=default_runs_dir)
    allow_remote_endpoint: bool = False
    show_progress: bool = True


@dataclass
class LoadOutcome:
    """A finished load test: its directory and its record (what ``load.json`` holds)."""

    directory: Path
    record: LoadTest


# --- files ---------------------------------------------------------------------------------------


def _write_problem(path: Path, exc: OSError) -> RunFileWriteError:
    return RunFileWriteError(f"cannot write {path}: {exc.strerror or exc}")


def write_load_test(directory: Path, record: LoadTest) -> Path:
    """Write ``load.json`` whole (a reader never sees half of it)."""
    path = directory / LOAD_FILE
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(json.dumps(record.model_dump(mode="json"), ensure_ascii=False, indent=2),
                             encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        raise _write_problem(path, exc) from exc
    return path


def append_requests(directory: Path, requests: list[LoadRequest]) -> None:
    """Append one level's requests to ``<model>/requests.jsonl``, flushed and synced."""
    path = directory / LOAD_REQUESTS_FILE
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            for request in requests:
                handle.write(json.dumps(request.model_dump(mode="json"), ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise _write_problem(path, exc) from exc


def write_load_page(directory: Path, html: str) -> Path:
    """Write ``load.html`` (the page of curves) in the load test's directory."""
    path = directory / LOAD_PAGE
    try:
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise _write_problem(path, exc) from exc
    return path


def _check_version(data: Any, where: str) -> None:
    if not isinstance(data, dict):
        raise LoadFileError(f"{where}: expected a JSON object")
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise LoadFileError(f"{where}: schema_version must be an integer, got {version!r}")
    if version not in READABLE_LOAD_SCHEMA_VERSIONS:
        newer = version > LOAD_SCHEMA_VERSION
        raise LoadFileError(f"{where}: written with load-file schema version {version}; this workbench "
                            f"({__version__}) reads versions {', '.join(map(str, READABLE_LOAD_SCHEMA_VERSIONS))}"
                            + ("; upgrade the workbench to read it" if newer else ""))


def _validated(kind: type[BaseModel], data: Any, where: str) -> Any:
    _check_version(data, where)
    try:
        return kind.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(part) for part in err['loc'])}: {err['msg']}" for err in exc.errors())
        raise LoadFileError(f"{where}: not a valid {kind.__name__}: {problems}") from exc


def read_load_test(path: Path) -> LoadTest:
    """The ``load.json`` of a load test (``path``: the file or its directory)."""
    path = Path(path)
    if path.is_dir():
        path = path / LOAD_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise LoadFileError(f"{path} not found; is this a workbench load test directory?") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LoadFileError(f"{path}: not valid JSON: {exc}") from exc
    return _validated(LoadTest, data, str(path))


def read_load_requests(directory: Path) -> list[LoadRequest]:
    """Every complete line of ``<model>/requests.jsonl`` (``directory``: the model's directory)."""
    path = Path(directory) / LOAD_REQUESTS_FILE
    if not path.is_file():
        return []
    found: list[LoadRequest] = []
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(text.split("\n")[:-1], start=1):  # a last line without newline is torn
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LoadFileError(f"{path}:{number}: not valid JSON: {exc}") from exc
        found.append(_validated(LoadRequest, data, f"{path}:{number}"))
    return found


# --- sending one level ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedRequest:
    """One request of a level: its order of issue, the case it comes from and its prompt."""

    index: int
    case_id: str
    prompt: RenderedPrompt


def plan_level(evalset: EvalSet, rendered: list[RenderedPrompt], count: int) -> list[PlannedRequest]:
    """``count`` requests cycling over the set's cases in order."""
    cases = evalset.cases
    return [PlannedRequest(index=i, case_id=cases[i % len(cases)].id, prompt=rendered[i % len(cases)])
            for i in range(count)]


def _generate_one(backend: Backend, request: GenerationRequest) -> GenerationResult:
    issued_at = time.time()
    try:
        result = backend.generate(request)
    except Exception as exc:  # backends should not raise, but the request must still be counted
        result = GenerationResult(request_id=request.request_id, error=str(exc) or type(exc).__name__,
                                  error_type=type(exc).__name__)
    if result.started_at is None:
        result.started_at = issued_at
    return result


def send_level(backend: Backend, planned: list[PlannedRequest], concurrency: int, request_prefix: str,
               model: str, done: Callable[[], None] | None = None) -> list[tuple[PlannedRequest, GenerationResult]]:
    """Send ``planned`` keeping exactly ``concurrency`` requests in flight (fewer only at the end);
    the results in order of issue. Request ids are ``"{request_prefix}-{index}:{model}:{case_id}"``."""
    queue = deque(planned)
    finished: list[tuple[PlannedRequest, GenerationResult]] = []
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix=f"load-{model}") as pool:
        in_flight: dict[Future[GenerationResult], PlannedRequest] = {}
        try:
            while queue or in_flight:
                while queue and len(in_flight) < concurrency:
                    item = queue.popleft()
                    request = GenerationRequest(
                        request_id=f"{request_prefix}-{item.index}:{model}:{item.case_id}",
                        messages=item.prompt.messages, plain_prompt=item.prompt.plain_prompt)
                    in_flight[pool.submit(_generate_one, backend, request)] = item
                completed, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in completed:
                    finished.append((in_flight.pop(future), future.result()))
                    if done is not None:
                        done()
        except BaseException:  # Ctrl-C: give up the requests not yet sent
            queue.clear()
            for future in in_flight:
                future.cancel()
            raise
    return sorted(finished, key=lambda pair: pair[0].index)


def warm_up(backend: Backend, evalset: EvalSet, rendered: list[RenderedPrompt], count: int, request_prefix: str,
            model: str) -> list[dict[str, Any]]:
    """Send ``count`` requests one at a time before the first level; their timings, kept apart."""
    timings = []
    for number in range(count):
        case_id = evalset.cases[number % len(evalset.cases)].id
        prompt = rendered[number % len(evalset.cases)]
        result = _generate_one(backend, GenerationRequest(request_id=f"{request_prefix}-{number}:{model}:{case_id}",
                                                          messages=prompt.messages, plain_prompt=prompt.plain_prompt))
        timings.append({"case_id": case_id, "ttft_s": result.ttft_s, "e2e_s": result.e2e_s,
                        "completion_tokens": result.completion_tokens, "error": result.error})
    return timings


def _request_record(concurrency: int, item: PlannedRequest, result: GenerationResult) -> LoadRequest:
    fields = {name: value for name, value in result.to_dict().items() if name in LoadRequest.model_fields}
    return LoadRequest(concurrency=concurrency, index=item.index, case_id=item.case_id, **fields)


# --- the sweep -----------------------------------------------------------------------------------


def sweep_model(spec: ModelSpec, evalset: EvalSet, rendered: list[RenderedPrompt], record: LoadTest,
                settings: LoadSettings, directory: Path, *, backend_factory: BackendFactory | None = None,
                on_level: Callable[[str, LoadLevel], None] | None = None) -> ModelSweep:
    """Open the model once and run every level; ``record`` (with this sweep in it) is written after
    each level. A model that cannot be loaded, or a level that stops, ends its sweep with ``error``."""
    factory = backend_factory or open_with_options
    sweep = ModelSweep(model=spec.name, generation_settings=spec.generation_settings())
    record.models.append(sweep)
    model_dir = model_directory(directory, spec.name)
    total = sum(requests_for_level(level, len(evalset.cases), settings.requests_per_level) for level in settings.levels)
    progress = tqdm(total=total, desc=f"{spec.name} load", unit="req", file=sys.stderr,
                    disable=not settings.show_progress, dynamic_ncols=True)
    try:
        model_dir.mkdir(parents=True, exist_ok=True)
        # A backend that starts a server keeps its log in the model's directory.
        backend = factory(spec, OpenOptions(allow_remote_endpoint=settings.allow_remote_endpoint, log_dir=model_dir))
        try:
            sweep.backend_info = asdict(backend.info())
            sweep.warmup = warm_up(backend, evalset, rendered, settings.warmup, f"{record.load_id}-warmup", spec.name)
            for level in settings.levels:
                count = requests_for_level(level, len(evalset.cases), settings.requests_per_level)
                planned = plan_level(evalset, rendered, count)
                progress.set_postfix(concurrency=level)
                started = time.perf_counter()
                pairs = send_level(backend, planned, level, f"{record.load_id}-c{level}", spec.name,
                                   done=lambda: progress.update(1))
                measured = time.perf_counter() - started
                requests = [_request_record(level, item, result) for item, result in pairs]
                append_requests(model_dir, requests)
                summary = level_summary([r.model_dump() for r in requests], concurrency=level,
                                        objectives=settings.objectives, measured_wall_s=measured)
                sweep.levels.append(summary)
                sweep.highest_level_meeting_e2e = highest_level_meeting(sweep.levels, settings.objectives)
                write_load_test(directory, record)
                if on_level is not None:
                    on_level(spec.name, summary)
        finally:
            backend.close()
    except RunFileWriteError:  # a file that cannot be written stops the whole load test
        raise
    except Exception as exc:  # a model that cannot be loaded fails its own sweep, not the others
        sweep.error = f"{type(exc).__name__}: {exc}"
    except KeyboardInterrupt:
        sweep.error = "interrupted"
        write_load_test(directory, record)
        raise
    finally:
        progress.close()
    write_load_test(directory, record)
    return sweep


def check_load_settings(settings: LoadSettings) -> None:
    """Refuse levels, request counts and warm-up counts no load test can use, before anything runs."""
    settings.levels = parse_levels(settings.levels)
    check_requests_per_level(settings.requests_per_level)
    if isinstance(settings.warmup, bool) or not isinstance(settings.warmup, int) or settings.warmup < 0:
        raise LoadSettingsError(f"--warmup: must be a whole number of at least 0, got {settings.warmup!r}")


def run_load_test(specs: list[ModelSpec], prompt: PromptTemplate, evalset: EvalSet, settings: LoadSettings, *,
                  backend_factory: BackendFactory | None = None,
                  on_level: Callable[[str, LoadLevel], None] | None = None) -> LoadOutcome:
    """Every model through every level, one model loaded at a time; ``load.json`` and each model's
    ``requests.jsonl`` are written as the levels finish."""
    check_load_settings(settings)
    names = [spec.name for spec in specs]
    if not names:
        raise WorkbenchError("a load test needs at least one model (--model)")
    if len(set(names)) != len(names):
        raise WorkbenchError(f"each model may appear once in a load test, got {', '.join(names)}")
    for name in names:
        model_directory(settings.runs_dir, name)  # a name that cannot be a directory fails before any work
    if not evalset.cases:
        raise WorkbenchError(f"evalset {evalset.name} has no cases to send")
    rendered = render_all(evalset, prompt)  # every prompt gap is found before any model is loaded
    check_writable(settings.runs_dir)
    load_id = LOAD_DIR_PREFIX + new_run_id()
    directory = settings.runs_dir / load_id
    try:
        directory.mkdir(parents=True, exist_ok=False)
    except OSError as exc:
        raise RunFileWriteError(f"cannot create load test directory {directory}: {exc.strerror or exc}; "
                                "nothing was run") from exc
    record = LoadTest(
        load_id=load_id, created_at=datetime.now(timezone.utc).isoformat(), evalset=evalset.name,
        evalset_version=evalset.manifest.version, evalset_hash=evalset.content_hash(),
        evalset_cases=len(evalset.cases), prompt=prompt.ref, prompt_hash=prompt.content_hash(),
        levels=list(settings.levels), requests_per_level=settings.requests_per_level, warmup=settings.warmup,
        objectives=settings.objectives,
    )
    write_load_test(directory, record)
    for spec in specs:
        sweep_model(spec, evalset, rendered, record, settings, directory, backend_factory=backend_factory,
                    on_level=on_level)
    return LoadOutcome(directory=directory, record=record)
