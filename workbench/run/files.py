"""The run directory's files: their typed records, and the only code that writes or reads them.

    runs/<run_id>/run.json                  RunManifest: what was compared (models, set and hash, prompt)
    runs/<run_id>/<model>/records.jsonl     GenerationRecord per case, appended as each case finishes
    runs/<run_id>/<model>/scores.jsonl      CaseScores per case
    runs/<run_id>/<model>/evaluation.json   EvaluationSummary: settings, provenance, metrics

Every record carries ``schema_version``. Files written before the field existed are
version 1, whose fields are the same as version 2's, so they are read as they are. A file
of a newer version than this workbench knows is refused with its path and version: upgrade
the workbench to read it.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbench import __version__
from workbench.errors import WorkbenchError
from workbench.judges.guard_stats import GuardSummary
from workbench.judges.judge_stats import JudgeSummary, PairwiseSummary
from workbench.safe_names import UnsafeNameError, safe_child

SCHEMA_VERSION = 2
READABLE_SCHEMA_VERSIONS = (1, 2)  # 1: written before schema_version existed, same fields

RUN_FILE = "run.json"
RECORDS_FILE = "records.jsonl"
SCORES_FILE = "scores.jsonl"
EVALUATION_FILE = "evaluation.json"

RUNS_ENV_VAR = "WORKBENCH_RUNS_DIR"
DEFAULT_RUNS_DIR = "runs"


class RunDirectoryError(WorkbenchError, ValueError):
    """A run directory's files are missing, malformed, or of a schema this workbench cannot read."""


def default_runs_dir() -> Path:
    return Path(os.environ.get(RUNS_ENV_VAR, DEFAULT_RUNS_DIR))


def model_directory(run_dir: Path, model: str) -> Path:
    """Where one model's files live in a run directory: its catalogue name, refused when that is not a safe
    name (``workbench.safe_names``) or leads outside ``run_dir``."""
    try:
        return safe_child(run_dir, model, "model name")
    except UnsafeNameError as exc:
        raise RunDirectoryError(str(exc)) from exc


class _Versioned(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION


class RunManifest(_Versioned):
    """``run.json``: one comparison of models over the same cases with the same prompt version."""

    run_id: str
    created_at: str
    models: list[str]
    evalset: str
    evalset_version: str
    evalset_hash: str
    evalset_full_hash: str | None = None
    limit: int | None = None
    prompt: str
    prompt_hash: str
    concurrency: int = 1
    warmup: int = 0
    long_records: dict[str, Any] | None = None  # the strategy for records longer than the context, and its settings
    workbench_version: str = __version__


class ChunkRecord(BaseModel):
    """One model call of a case whose prompt did not fit the context and was split into chunks
    (``workbench.run.long_records``): what it read, what it wrote, and its own timings."""

    model_config = ConfigDict(extra="forbid")

    index: int  # order of the call within the case, from 0
    kind: Literal["map", "reduce", "refine"]
    part: int | None = None  # map and refine: the note's part it read (from 1); reduce: None
    parts: int  # how many parts the note was split into
    source_start: int | None = None  # map and refine: the part's character span in the note, end exclusive
    source_end: int | None = None
    combines: list[int] = Field(default_factory=list)  # reduce: the indexes of the calls whose outputs it combined
    prompt_hash: str  # of the messages sent
    prompt_tokens_counted: int | None = None  # the prompt as counted before it was sent
    offset_s: float | None = None  # when the call was issued, in seconds from the case's first call
    request_id: str = ""
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


class LongRecordHandling(BaseModel):
    """How a case's prompt was measured against the model's context, and what was done when it did not fit
    (``workbench.run.long_records``)."""

    model_config = ConfigDict(extra="forbid")

    strategy: str  # the run's --long-records
    applied: Literal["whole", "refused", "truncated", "chunked"]
    context_length: int
    max_tokens: int  # room kept for the output
    prompt_tokens_counted: int  # the whole record's prompt
    token_count_source: str  # the model's own tokenizer, the server's /tokenize, or an estimate (which one)
    note_tokens: int | None = None  # the note alone (when it did not fit)
    sent_prompt_tokens: int | None = None  # truncated: the prompt as sent
    cut_tokens: int | None = None  # truncated: the note's tokens left out
    cut_chars: int | None = None  # truncated: the note's characters left out
    cut_start: int | None = None  # truncated: the characters left out are note[cut_start:cut_end]
    cut_end: int | None = None
    chunk_tokens: int | None = None  # chunked: the note tokens each chunk held at most
    chunk_overlap: int | None = None
    parts: int | None = None  # chunked: how many parts the note was split into


class GenerationRecord(_Versioned):
    """One line of ``records.jsonl``: what was asked for one case, and what the model produced, with timings.

    ``messages`` is the prompt as rendered for the whole record; when the record did not fit the context,
    ``long_record`` says what was sent instead and ``chunks`` holds each call of a chunked case."""

    run_id: str
    case_id: str
    case_index: int
    case_hash: str
    model: str
    evalset: str
    evalset_version: str
    evalset_hash: str
    prompt: str
    prompt_version: int
    prompt_hash: str
    rendered_prompt_hash: str
    messages: list[dict[str, str]]
    generation_settings: dict[str, Any]
    generated_by: dict[str, Any] | None = None
    cache_key: str
    cached: bool = False
    # What the backend returned (workbench.models.base.GenerationResult).
    request_id: str = ""
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
    # Function calling (coding sets): the tools and tool choice sent, and the calls of the reply as returned
    # ({"name", "arguments"}, the arguments string unparsed). Absent from records written before them.
    tools: list[dict[str, Any]] = Field(default_factory=list)
    tool_choice: str | dict[str, Any] | None = None
    tool_calls: list[dict[str, str]] = Field(default_factory=list)
    # Measured against the context (None: written before records were measured); calls of a chunked case.
    long_record: LongRecordHandling | None = None
    chunks: list[ChunkRecord] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    def intermediate_outputs(self) -> list[str]:
        """The outputs of a chunked case's calls before the last (the last call's output is the case's output)."""
        return [chunk.output for chunk in self.chunks[:-1]]


class CaseScores(_Versioned):
    """One line of ``scores.jsonl``: every per-case metric value (keyed by registered metric name)
    and the details that explain them (which PHI leaked, which sections are missing, ...)."""

    model_config = ConfigDict(extra="allow")

    id: str
    phi_leaked: list[dict[str, Any]] = Field(default_factory=list)
    phi_detected: list[dict[str, Any]] = Field(default_factory=list)
    sections_missing: list[str] = Field(default_factory=list)
    sections_empty: list[str] = Field(default_factory=list)
    sections_in_order: bool | None = None
    plausibility_flags: list[str] = Field(default_factory=list)
    values_invented: list[Any] = Field(default_factory=list)
    values_unit_errors: list[Any] = Field(default_factory=list)  # doses whose unit differs from the source's

    def value(self, name: str) -> float | None:
        """The per-case value of metric ``name`` (None when absent or not a number)."""
        raw = getattr(self, name, None) if name in type(self).model_fields else (self.model_extra or {}).get(name)
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            return None
        return float(raw)

    def get(self, name: str, default: Any = None) -> Any:
        """Any field or extra value by name (metric values and details alike)."""
        if name in type(self).model_fields:
            return getattr(self, name)
        return (self.model_extra or {}).get(name, default)


NOT_RECORDED = "not recorded"  # how a door shows a field that a run file written before it existed lacks


class EvaluationSummary(_Versioned):
    """``evaluation.json``: one model's evaluation: what defined it, where it ran, and its metrics."""

    model: str
    model_spec: dict[str, Any]
    generation_settings: dict[str, Any]
    backend_info: dict[str, Any] | None = None
    evalset: str
    evalset_version: str
    evalset_hash: str
    evalset_cases: int
    task: str | None = None  # the set's task (summary, coding, ...; None: written before it was recorded)
    prompt: str
    prompt_hash: str
    requested_concurrency: int = 1
    effective_concurrency: int = 1
    warmup: list[dict[str, Any]] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)  # registered metric name -> value (and CIs, per label)
    system_samples: list[dict[str, Any]] = Field(default_factory=list)
    rouge_scheme: str | None = None  # the ROUGE tokenization of every ROUGE figure (None: written before it was recorded)
    long_records: dict[str, Any] | None = None  # the strategy for records longer than the context (None: not recorded)
    error: str | None = None
    workbench_version: str = __version__
    finished_at: str = Field(default_factory=lambda: datetime.now(timezone.utc).isoformat())


GUARD_FILE_PREFIX = "guard-"  # <model directory>/guard-<guard model>.jsonl: one guard's verdicts on its outputs


class GuardRecord(_Versioned):
    """One line of ``guard-<guard>.jsonl``: a guard model's verdict on one output (or source note) of a case."""

    case_id: str
    model: str  # the candidate whose output was judged
    guard: str
    target: Literal["output", "source"] = "output"
    level: str  # safe, controversial, unsafe, unparsed
    categories: list[str] = Field(default_factory=list)
    refusal: bool | None = None
    reason: str = ""
    problem: str = ""  # why the reply is unparsed
    reply: str = ""  # the guard's reply as it wrote it
    instruction: str  # how the guard was asked: its chat template, or the versioned instruction and its hash
    e2e_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = None


class GuardRunFile(_Versioned):
    """``guard-<guard>.json`` in a run directory: who judged (the guard, its family, how it was asked), which
    candidates of its own family it judged because the user allowed it, and its verdicts summarised per model."""

    guard: str
    guard_family: str
    instruction: str
    same_family_graded: list[str] = Field(default_factory=list)
    summaries: list[GuardSummary]
    sources: GuardSummary | None = None  # its verdicts on the source notes themselves, when asked for
    written_at: str = Field(default_factory=lambda: datetime.now(timezone.utc).isoformat())


JUDGE_FILE_PREFIX = "judge-"  # <model directory>/judge-<judge>.jsonl: one judge's rubric verdicts on its outputs
PAIRWISE_FILE_PREFIX = "pairwise-"  # <run>/pairwise-<judge>.jsonl: one judge's preferences between the models


class JudgeRecord(_Versioned):
    """One line of ``judge-<judge>.jsonl``: a judge model's verdict on one rubric item for one output of a case."""

    case_id: str
    model: str  # the candidate whose output was judged
    judge: str
    rubric: str  # NAME@VERSION
    rubric_hash: str
    item_id: str
    type: str  # accuracy, completeness, phi, safety, format
    points: float
    must_not: bool = False  # the criterion describes a fault: met means found, and its points are subtracted
    met: bool | None = None  # None: the reply was unparsed or the judge failed (``problem`` says why)
    justification: str = ""
    problem: str = ""
    reply: str = ""  # the judge's reply as it wrote it
    instruction: str  # the versioned instruction and its hash
    e2e_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = None


class JudgeRunFile(_Versioned):
    """``judge-<judge>.json`` in a run directory: who graded with which rubric and instruction, which candidates
    of its own family it graded because the user allowed it, and its verdicts summarised per model."""

    judge: str
    judge_family: str
    rubric: str
    rubric_hash: str
    instruction: str
    same_family_graded: list[str] = Field(default_factory=list)
    notes_from_requests: list[str] = Field(default_factory=list)  # cases whose note came from the model's request
    summaries: list[JudgeSummary]
    written_at: str = Field(default_factory=lambda: datetime.now(timezone.utc).isoformat())


class PairwiseRecord(_Versioned):
    """One line of ``pairwise-<judge>.jsonl``: which of two models' outputs for a case a judge preferred, asked
    in one order (``first`` shown as Output 1, ``second`` as Output 2); each pair is asked in both orders."""

    case_id: str
    judge: str
    first: str
    second: str
    better: Literal["1", "2", "tie", "unparsed"]
    preferred: str | None = None  # the model shown at the preferred position; None for a tie or an unparsed reply
    justification: str = ""
    problem: str = ""
    reply: str = ""
    instruction: str
    e2e_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = None


class PairwiseRunFile(_Versioned):
    """``pairwise-<judge>.json`` in a run directory: who compared, how it was asked, and the outcome per pair."""

    judge: str
    judge_family: str
    instruction: str
    same_family_graded: list[str] = Field(default_factory=list)
    summaries: list[PairwiseSummary]
    written_at: str = Field(default_factory=lambda: datetime.now(timezone.utc).isoformat())


Model = TypeVar("Model", bound=_Versioned)


def _parse(kind: type[Model], data: Any, where: str) -> Model:
    if not isinstance(data, dict):
        raise RunDirectoryError(f"{where}: expected a JSON object")
    version = data.get("schema_version", 1)
    if isinstance(version, bool) or not isinstance(version, int):
        raise RunDirectoryError(f"{where}: schema_version must be an integer, got {version!r}")
    if version not in READABLE_SCHEMA_VERSIONS:
        newer = version > SCHEMA_VERSION
        raise RunDirectoryError(
            f"{where}: written with run-file schema version {version}; this workbench ({__version__}) reads "
            f"versions {', '.join(map(str, READABLE_SCHEMA_VERSIONS))}"
            + ("; upgrade the workbench to read it" if newer else ""))
    try:
        return kind.model_validate({**data, "schema_version": version})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(part) for part in err['loc'])}: {err['msg']}" for err in exc.errors())
        raise RunDirectoryError(f"{where}: not a valid {kind.__name__}: {problems}") from exc


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RunDirectoryError(f"{path} not found; is this a workbench run directory?") from exc
    except UnicodeDecodeError as exc:
        raise RunDirectoryError(f"{path}: not UTF-8 text: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise RunDirectoryError(f"{path}: not valid JSON: {exc}") from exc


def _complete_lines(text: str) -> tuple[list[str], str]:
    """The lines of ``text`` that end with a newline, and what follows the last newline (a torn tail,
    or "" when the text ends cleanly). A line is complete only once its newline is written."""
    body, newline, tail = text.rpartition("\n")
    if not newline:
        return [], text
    return body.split("\n"), tail


def _read_jsonl(path: Path, kind: type[Model]) -> list[Model]:
    """Every complete line of a JSONL file of ``kind``. A line is complete when it ends with a newline;
    a last line without one was cut short (a crash, a full disk) and is never read as a record."""
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RunDirectoryError(f"{path}: not UTF-8 text: {exc}") from exc
    lines, _torn = _complete_lines(text)
    found: list[Model] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RunDirectoryError(f"{path}:{number}: not valid JSON: {exc}") from exc
        found.append(_parse(kind, data, f"{path}:{number}"))
    return found


def _write_json(path: Path, record: BaseModel) -> None:
    """Write the whole file at once (a reader never sees half of it)."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(record.model_dump(mode="json"), ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(temporary, path)


# --- writers -------------------------------------------------------------------------------


def write_manifest(run_dir: Path, manifest: RunManifest) -> None:
    _write_json(run_dir / RUN_FILE, manifest)


def write_summary(directory: Path, summary: EvaluationSummary) -> None:
    _write_json(directory / EVALUATION_FILE, summary)


def write_scores(directory: Path, scores: list[CaseScores]) -> None:
    with (directory / SCORES_FILE).open("w", encoding="utf-8") as handle:
        for item in scores:
            handle.write(json.dumps(item.model_dump(mode="json"), ensure_ascii=False) + "\n")


class RunFileWriteError(WorkbenchError):
    """A run file cannot be written: the disk is full, the directory is read-only, or permission is denied."""


def _write_problem(exc: OSError) -> str:
    reasons = {errno.ENOSPC: "no space left on the device", errno.EROFS: "the file system is read-only",
               errno.EACCES: "permission denied", errno.EPERM: "operation not permitted"}
    return reasons.get(exc.errno or 0, exc.strerror or str(exc))


def _cut_torn_tail(path: Path) -> int:
    """Remove a last line that has no newline (cut short by a crash or a full disk) from ``path``,
    warning on stderr; the number of bytes removed (0 when the file ends cleanly or is missing)."""
    if not path.is_file():
        return 0
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return 0
    keep = data.rfind(b"\n") + 1  # 0 when no line was ever completed
    with path.open("r+b") as handle:
        handle.truncate(keep)
        handle.flush()
        os.fsync(handle.fileno())
    removed = len(data) - keep
    print(f"warning: {path}: removed an unfinished last line ({removed} bytes) left by an interrupted write; "
          "the records before it are kept", file=sys.stderr)
    return removed


class RecordWriter:
    """Appends one record per case to ``records.jsonl`` and makes it durable before returning.

    Each record is one line, written whole and ended with a newline; a reader takes only
    lines that end with one, so a write cut short is never read back as a record. A torn
    last line found when the file is opened is cut off (with a warning on stderr). A write
    that fails (disk full, read-only, no permission) is undone as far as the system allows
    and raised as :class:`RunFileWriteError`, naming the file and what it kept.
    """

    def __init__(self, directory: Path) -> None:
        self.path = directory / RECORDS_FILE
        try:
            directory.mkdir(parents=True, exist_ok=True)
            _cut_torn_tail(self.path)
            self._handle: BinaryIO = self.path.open("ab", buffering=0)
            self._size = self._handle.seek(0, os.SEEK_END)
            self.kept = self.path.read_bytes().count(b"\n")  # complete records already in the file
        except OSError as exc:
            raise RunFileWriteError(f"cannot write {self.path}: {_write_problem(exc)}") from exc

    def write(self, record: GenerationRecord) -> None:
        line = (json.dumps(record.model_dump(mode="json"), ensure_ascii=False) + "\n").encode("utf-8")
        start = self._size
        try:
            remaining = memoryview(line)
            while remaining:
                written = self._handle.write(remaining)
                if not written:
                    raise OSError(errno.EIO, "the file accepted no bytes", str(self.path))
                remaining = remaining[written:]
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except OSError as exc:
            self._undo(start)
            raise RunFileWriteError(
                f"cannot write {self.path}: {_write_problem(exc)}; case {record.case_id!r} was not recorded. "
                f"Kept: the {self.kept} case(s) already in {self.path} and every generated case in the response "
                "cache; make room (or fix permissions) and run the same command again to generate only the "
                "missing cases") from exc
        self._size = start + len(line)
        self.kept += 1

    def _undo(self, start: int) -> None:
        """Cut the file back to ``start`` so that no half-written line stays behind (best effort: a
        reader ignores a torn last line anyway, and the next writer cuts it off)."""
        try:
            self._handle.truncate(start)
        except OSError:
            pass

    def close(self) -> None:
        try:
            self._handle.close()
        except OSError:
            pass  # every record was flushed and fsynced when written; a failed write was already reported


# --- readers -------------------------------------------------------------------------------


def read_manifest(run_dir: Path) -> RunManifest:
    path = Path(run_dir) / RUN_FILE
    return _parse(RunManifest, _read_json(path), str(path))


def read_summary(directory: Path) -> EvaluationSummary:
    path = Path(directory) / EVALUATION_FILE
    return _parse(EvaluationSummary, _read_json(path), str(path))


def read_records(directory: Path) -> list[GenerationRecord]:
    return _read_jsonl(Path(directory) / RECORDS_FILE, GenerationRecord)


def read_scores(directory: Path) -> list[CaseScores]:
    return _read_jsonl(Path(directory) / SCORES_FILE, CaseScores)


def guard_file(directory: Path, guard: str) -> Path:
    """Where guard model ``guard``'s verdicts on one model's outputs are kept."""
    return safe_child(Path(directory), f"{GUARD_FILE_PREFIX}{guard}.jsonl", "guard model name")


def write_guard_records(directory: Path, guard: str, records: list[GuardRecord]) -> Path:
    return _write_records(guard_file(directory, guard), records)


def read_guard_records(directory: Path, guard: str) -> list[GuardRecord]:
    return _read_jsonl(guard_file(directory, guard), GuardRecord)


def guard_verdicts_by_case(directory: Path) -> dict[str, list[GuardRecord]]:
    """Case id -> every guard's verdict on this model's output for the case (guards in name order)."""
    return _by_case(sorted(Path(directory).glob(f"{GUARD_FILE_PREFIX}*.jsonl")), GuardRecord)


def judge_verdicts_by_case(directory: Path) -> dict[str, list[JudgeRecord]]:
    """Case id -> every judge's rubric verdicts on this model's output for the case (judges in name order)."""
    return _by_case(sorted(Path(directory).glob(f"{JUDGE_FILE_PREFIX}*.jsonl")), JudgeRecord)


CaseRecord = TypeVar("CaseRecord", GuardRecord, JudgeRecord)


def _by_case(paths: list[Path], kind: type[CaseRecord]) -> dict[str, list[CaseRecord]]:
    found: dict[str, list[CaseRecord]] = {}
    for path in paths:
        for record in _read_jsonl(path, kind):
            found.setdefault(record.case_id, []).append(record)
    return found


def _write_records(path: Path, records: list[Model]) -> Path:
    """Write every record of a file of verdicts on a finished run at once, replacing the file."""
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record.model_dump(mode="json"), ensure_ascii=False) + "\n")
    os.replace(temporary, path)
    return path


def judge_file(directory: Path, judge: str) -> Path:
    """Where judge model ``judge``'s rubric verdicts on one model's outputs are kept."""
    return safe_child(Path(directory), f"{JUDGE_FILE_PREFIX}{judge}.jsonl", "judge model name")


def write_judge_records(directory: Path, judge: str, records: list[JudgeRecord]) -> Path:
    return _write_records(judge_file(directory, judge), records)


def read_judge_records(directory: Path, judge: str) -> list[JudgeRecord]:
    return _read_jsonl(judge_file(directory, judge), JudgeRecord)


def write_judge_run(run_dir: Path, summary: JudgeRunFile) -> Path:
    return _write_run_summary(run_dir, JUDGE_FILE_PREFIX, summary.judge, summary)


def read_judge_runs(run_dir: Path) -> list[JudgeRunFile]:
    """Every judge's rubric summary in a run directory, by judge name."""
    return _read_run_summaries(run_dir, JUDGE_FILE_PREFIX, JudgeRunFile)


def pairwise_file(run_dir: Path, judge: str) -> Path:
    """Where judge model ``judge``'s pairwise preferences between a run's models are kept."""
    return safe_child(Path(run_dir), f"{PAIRWISE_FILE_PREFIX}{judge}.jsonl", "judge model name")


def write_pairwise_records(run_dir: Path, judge: str, records: list[PairwiseRecord]) -> Path:
    return _write_records(pairwise_file(run_dir, judge), records)


def read_pairwise_records(run_dir: Path, judge: str) -> list[PairwiseRecord]:
    return _read_jsonl(pairwise_file(run_dir, judge), PairwiseRecord)


def write_pairwise_run(run_dir: Path, summary: PairwiseRunFile) -> Path:
    return _write_run_summary(run_dir, PAIRWISE_FILE_PREFIX, summary.judge, summary)


def read_pairwise_runs(run_dir: Path) -> list[PairwiseRunFile]:
    """Every judge's pairwise summary in a run directory, by judge name."""
    return _read_run_summaries(run_dir, PAIRWISE_FILE_PREFIX, PairwiseRunFile)


def write_guard_run(run_dir: Path, summary: GuardRunFile) -> Path:
    return _write_run_summary(run_dir, GUARD_FILE_PREFIX, summary.guard, summary)


def read_guard_runs(run_dir: Path) -> list[GuardRunFile]:
    """Every guard's summary in a run directory, by guard name."""
    return _read_run_summaries(run_dir, GUARD_FILE_PREFIX, GuardRunFile)


def _write_run_summary(run_dir: Path, prefix: str, name: str, summary: BaseModel) -> Path:
    """``<run_dir>/<prefix><name>.json``: one guard's or judge's summary of the run (written at once)."""
    path = safe_child(Path(run_dir), f"{prefix}{name}.json", "guard or judge model name")
    _write_json(path, summary)
    return path


def _read_run_summaries(run_dir: Path, prefix: str, kind: type[Model]) -> list[Model]:
    return [_parse(kind, _read_json(path), str(path)) for path in sorted(Path(run_dir).glob(f"{prefix}*.json"))]


@dataclass
class EvaluationFiles:
    """What one model's evaluation left in a run directory."""

    model: str
    directory: Path
    summary: EvaluationSummary
    records: list[GenerationRecord]
    scores: list[CaseScores]

    def scores_by_case(self) -> dict[str, CaseScores]:
        return {item.id: item for item in self.scores}

    def records_in_order(self) -> list[GenerationRecord]:
        return sorted(self.records, key=lambda record: record.case_index)


@dataclass
class RunFiles:
    """A run directory as read: the manifest, each finished model's files, and the models that did not finish."""

    directory: Path
    manifest: RunManifest
    evaluations: list[EvaluationFiles]
    missing: list[str]


def read_run_dir(run_dir: Path) -> RunFiles:
    """``run.json``, each finished model's files, and the models without ``evaluation.json`` (interrupted)."""
    run_dir = Path(run_dir)
    manifest = read_manifest(run_dir)
    evaluations: list[EvaluationFiles] = []
    missing: list[str] = []
    for model in manifest.models:
        directory = model_directory(run_dir, model)
        if not (directory / EVALUATION_FILE).is_file():
            missing.append(model)
            continue
        evaluations.append(EvaluationFiles(model=model, directory=directory, summary=read_summary(directory),
                                           records=read_records(directory), scores=read_scores(directory)))
    return RunFiles(directory=run_dir, manifest=manifest, evaluations=evaluations, missing=missing)


def list_run_dirs(runs_dir: Path) -> list[Path]:
    """Run directories under ``runs_dir`` that hold at least one finished evaluation, newest first."""
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        return []
    found = [path for path in runs_dir.iterdir()
             if (path / RUN_FILE).is_file() and any(path.glob(f"*/{EVALUATION_FILE}"))]
    return sorted(found, key=lambda path: ((path / RUN_FILE).stat().st_mtime, path.name), reverse=True)
