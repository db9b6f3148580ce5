"""Try a pasted note on several models side by side, without storing anything.

A playground request renders the prompt for the note, runs each model once and reports
its output, latency and the identifiers the PHI detector finds in it (copied from the
note, or invented); the text each model generates can be followed as it arrives
(``on_text``). Nothing is written: no records, no response cache, no MLflow run.
Only :func:`save_as_case` writes, and only when the user asks for it: the note becomes a
case whose gold PHI spans are the identifiers found in it, with the user's reference.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from workbench.data.evalsets import (
    CASES_FILE, MANIFEST_FILE, PHI_LABELS, Case, EvalSetError, Manifest, PHISpan, load_evalset_dir, write_cases,
    write_manifest,
)
from workbench.models import open_backend
from workbench.models.base import GenerationRequest, streaming_text_to
from workbench.models.spec import ModelSpec
from workbench.data.prompts import PromptTemplate
from workbench.safe_names import safe_child
from workbench.scoring.latency import output_tokens_per_s
from workbench.scoring.phi_detector import Detection, PHIDetector, copied_and_invented

Language = Literal["en", "zh"]
_CJK = re.compile(r"[\u4e00-\u9fff]")


def guess_language(text: str) -> Language:
    """"zh" when a tenth or more of the letters are Chinese characters, else "en"."""
    letters = [ch for ch in text if ch.isalpha()]
    chinese = sum(1 for ch in letters if _CJK.match(ch))
    return "zh" if letters and chinese * 10 >= len(letters) else "en"


@dataclass(frozen=True)
class PHIFlag:
    label: str
    start: int
    end: int
    text: str
    origin: Literal["copied", "invented", "source"]


@dataclass(frozen=True)
class PlaygroundResult:
    model: str
    output: str
    reasoning: str
    error: str | None
    ttft_s: float | None
    e2e_s: float | None
    completion_tokens: int | None
    tokens_per_s: float | None
    phi_flags: list[PHIFlag] = field(default_factory=list)

    @property
    def invented_phi(self) -> int:
        return sum(1 for flag in self.phi_flags if flag.origin == "invented")

    @property
    def copied_phi(self) -> int:
        return sum(1 for flag in self.phi_flags if flag.origin == "copied")


def _flags(detections: list[Detection], origin: Literal["copied", "invented", "source"]) -> list[PHIFlag]:
    return [PHIFlag(d.label, d.start, d.end, d.text, origin) for d in detections]


def source_phi(note: str, language: Language, detector: PHIDetector) -> list[PHIFlag]:
    """Identifiers the detector finds in the pasted note itself."""
    return _flags(detector.detect(note, language), "source")


def playground_case(note: str, language: Language | None = None) -> Case:
    if not note.strip():
        raise ValueError("the note is empty: paste the clinical text to summarise")
    return Case(id="playground", language=language or guess_language(note), source=note, reference="")


# Called with (model name, the text it has generated so far) each time a piece of text arrives.
TextSoFar = Callable[[str, str], None]


def run_playground(note: str, specs: list[ModelSpec], prompt: PromptTemplate, *, language: Language | None = None,
                   required_sections: tuple[str, ...] = (), detector: PHIDetector | None = None,
                   allow_remote_endpoint: bool = False, on_text: TextSoFar | None = None) -> list[PlaygroundResult]:
    """Each model once over ``note``, one after the other; a model that fails to load or generate reports its
    error. ``on_text`` follows each model's answer text as it streams (reasoning streamed apart is not shown)."""
    case = playground_case(note, language)
    rendered = prompt.render({"required_sections": list(required_sections), "evalset": "playground",
                              **case.prompt_values()}, where="playground: ")
    detector = detector or PHIDetector()
    results = []
    for spec in specs:
        request = GenerationRequest(request_id=f"playground:{secrets.token_hex(4)}:{spec.name}",
                                    messages=rendered.messages, plain_prompt=rendered.plain_prompt)
        try:
            backend = open_backend(spec, allow_remote_endpoint=allow_remote_endpoint)
            try:
                with _following(spec.name, on_text):
                    result = backend.generate(request)
            finally:
                backend.close()
        except Exception as exc:  # one model failing must not hide the others' results
            results.append(PlaygroundResult(spec.name, "", "", f"{type(exc).__name__}: {exc}", None, None, None, None))
            continue
        flags: list[PHIFlag] = []
        if result.output:
            copied, invented = copied_and_invented(note, result.output, case.language, detector)
            flags = sorted(_flags(copied, "copied") + _flags(invented, "invented"), key=lambda f: f.start)
        results.append(PlaygroundResult(
            model=spec.name, output=result.output, reasoning=result.reasoning, error=result.error,
            ttft_s=result.ttft_s, e2e_s=result.e2e_s, completion_tokens=result.completion_tokens,
            tokens_per_s=output_tokens_per_s(result.completion_tokens, result.e2e_s), phi_flags=flags,
        ))
    return results


def _following(model: str, on_text: TextSoFar | None) -> Any:
    """A context in which ``model``'s generation reports its text so far to ``on_text`` (nothing without it)."""
    if on_text is None:
        return nullcontext()
    pieces: list[str] = []

    def piece(text: str, reasoning: str) -> None:
        if text:
            pieces.append(text)
            on_text(model, "".join(pieces))

    return streaming_text_to(piece)


_CASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


def gold_spans(note: str, flags: list[PHIFlag]) -> tuple[PHISpan, ...]:
    """The identifiers found in ``note`` as a case's gold PHI spans: spans of the note with a known label,
    in order, the first (and longest) kept where two overlap, as the set format requires."""
    candidates = sorted((flag for flag in flags if flag.label in PHI_LABELS and 0 <= flag.start < flag.end <= len(note)),
                        key=lambda flag: (flag.start, -(flag.end - flag.start)))
    kept: list[PHISpan] = []
    for flag in candidates:
        if not kept or flag.start >= kept[-1].end:
            kept.append(PHISpan(start=flag.start, end=flag.end, label=flag.label))
    return tuple(kept)


def save_as_case(note: str, *, sets_root: Path, set_name: str, case_id: str, reference: str = "",
                 phi: list[PHIFlag] | None = None, language: Language | None = None, task: str = "clinical-summary",
                 default_prompt: str = "clinical-summary-en") -> Path:
    """Append the note as a case to set ``set_name`` under ``sets_root`` (created when missing); manifest hash updated.

    ``reference`` is the summary the case is scored against: it must not be empty (ROUGE, sections and
    values against nothing would score every model zero). ``phi`` are the identifiers found in the note
    (``source_phi``): they become the case's gold PHI spans, so runs on the set score PHI leakage.
    ``set_name`` must be a safe name (``workbench.safe_names``) whose directory stays inside
    ``sets_root``, symlinks included. A new set starts at version 1; adding a case to an
    existing set bumps its minor version (the cases changed, so results on the old version stay apart).
    """
    if not _CASE_ID.match(case_id):
        raise ValueError(f"case id {case_id!r}: use letters, digits, '.', '_' or '-' (at most 80, no spaces)")
    pasted = playground_case(note, language)
    set_dir = safe_child(Path(sets_root), set_name, "evaluation set name")
    if not reference.strip():
        raise ValueError("the reference summary is empty: write the summary this note should get; "
                         "a case is scored against its reference")
    case = Case(id=case_id, language=pasted.language, source=note, reference=reference.strip(),
                phi=gold_spans(note, phi or []))
    set_dir.mkdir(parents=True, exist_ok=True)
    # Several saves to one set may run at once (users of the UI): each reads, changes and writes the
    # set while holding an exclusive lock on its directory, and each file is replaced whole.
    directory = os.open(set_dir, os.O_RDONLY)
    try:
        fcntl.flock(directory, fcntl.LOCK_EX)
        if (set_dir / CASES_FILE).is_file():
            existing = load_evalset_dir(set_dir)
            if any(c.id == case_id for c in existing.cases):
                raise EvalSetError(f"{set_dir / CASES_FILE}: a case with id {case_id!r} already exists")
            if existing.manifest.language != case.language:
                raise EvalSetError(f"{set_dir / MANIFEST_FILE}: set {existing.name!r} is in language "
                                   f"{existing.manifest.language!r}, this note is {case.language!r}; "
                                   "save it to another set")
            major, _, minor = existing.manifest.version.partition(".")
            version = f"{major}.{int(minor or 0) + 1}" if (minor or "0").isdigit() else existing.manifest.version + ".1"
            manifest = Manifest(**{**existing.manifest.__dict__, "version": version})
            cases = [*existing.cases, case]
        else:
            manifest = Manifest(name=set_dir.name, version="1.0", language=case.language, task=task,
                                default_prompt=default_prompt, description="Cases saved from the playground.",
                                provenance="pasted by users of the workbench")
            cases = [case]
        write_cases(set_dir / CASES_FILE, cases)
        write_manifest(set_dir, manifest, cases)
    finally:
        os.close(directory)  # closing the descriptor releases the lock
    return set_dir / MANIFEST_FILE
