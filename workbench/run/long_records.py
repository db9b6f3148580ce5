"""Records longer than the model's context: measured before they are sent, then refused, truncated or chunked.

Every case's prompt is counted before it is sent, with the model's own tokenizer where there is one: the
loaded model's (llama.cpp), the server's ``/tokenize`` (vLLM; the llama.cpp server's ``/apply-template`` and
``/tokenize``), else a stated estimate (:data:`ESTIMATE_SOURCE`); the record names which. A prompt fits when
its tokens plus the output's ``max_tokens`` are within the model's ``context_length``. A prompt that fits is
sent whole whatever the strategy. For one that does not, the run's strategy (:class:`LongRecordStrategy`,
``--long-records``) decides:

- ``refuse`` (the default: nothing changes silently): the case fails with an error naming the tokens counted,
  ``max_tokens`` and the context length; nothing is sent, and the failure counts as one.
- ``truncate``: the note keeps its head and its tail (half of the room each) and loses its middle, where a
  line says how many characters were left out; cuts fall at line boundaries (a line longer than half of the
  room is cut at sentence ends, then in halves). Admission and discharge, the two ends of a stay, are kept.
  The record says how many tokens and characters were cut, and where.
- ``map-reduce``: the note is cut into chunks of at most ``chunk_tokens`` tokens (default: as many as fit),
  consecutive chunks sharing ``chunk_overlap`` tokens; each chunk is summarised with the run's prompt, then a
  reduce call combines the chunk summaries into the final summary (in rounds, when they do not fit one call).
- ``refine``: the first chunk is summarised, then each next chunk is given with the summary so far to refine
  it; the last summary is the output. Chunks leave room for the summary so far (``max_tokens``).

Every call of a chunked case uses the run's prompt version, its ``{{source}}`` being the chunk (or the
summaries) framed by a line of :data:`FRAMING` in the case's language; each call is kept in the case's
record (:class:`~workbench.run.files.ChunkRecord`: what it read, its output, its timings). A chunked case's
latency is the whole chain: TTFT (and TTFC) of the first call, end to end from the first request to the last
token, the tokens of every call summed, the inter-token gaps of every call (never the gap between two calls),
and TPOT the decode time of every call over its tokens. The calls of one case run one after the other.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from statistics import mean
from typing import Any, Literal

from workbench.data.prompts import RenderedPrompt
from workbench.hashing import canonical_json, sha256_hex
from workbench.models.base import Backend, GenerationRequest, GenerationResult, TokenCount
from workbench.models.spec import ModelSpec
from workbench.run.files import ChunkRecord, GenerationRecord, LongRecordHandling


class LongRecordStrategy(str, Enum):
    """What a run does with a case whose prompt does not fit the model's context (the module's docstring)."""

    refuse = "refuse"
    truncate = "truncate"
    map_reduce = "map-reduce"
    refine = "refine"


STRATEGIES: tuple[str, ...] = tuple(item.value for item in LongRecordStrategy)
DEFAULT_STRATEGY = LongRecordStrategy.refuse.value
CHUNKING = (LongRecordStrategy.map_reduce.value, LongRecordStrategy.refine.value)
TRUNCATION = "head+tail"  # what ``truncate`` keeps
MIN_CHUNK_TOKENS = 32  # a chunk smaller than this summarises nothing
MARGIN_TOKENS = 8  # room kept for tokens merged where framing and note meet, and for part numbers
# For a backend without a tokenizer to ask. Clinical notes are dense with numbers and units: SmolLM2 reads the
# shipped English long records at about 3 characters a token and the Chinese ones at 1.6 tokens a character, so the
# estimate leans high (a model with a large CJK vocabulary, such as Qwen, needs fewer tokens for Chinese).
ESTIMATE_SOURCE = ("estimate: 1 token per 3 characters, 3 per 2 CJK characters, 8 per message "
                   "(the backend has no tokenizer to ask)")
ESTIMATE_TOKENS_PER_MESSAGE = 8
CONTEXT_ERROR = "ContextLengthExceeded"  # error_type of a case refused, or a call that would not fit

# The lines that frame a chunk, the summary so far, the chunk summaries or a cut, per language. They are part of
# what every call of a chunked or truncated case reads, so their hash is part of the cache key.
FRAMING: dict[str, dict[str, str]] = {
    "en": {
        "map": "Part {part} of {parts} of one clinical record too long to read at once (the other parts are "
               "summarised separately):\n\n{text}",
        "refine": "Summary so far of parts 1-{previous} of {parts} of one clinical record:\n{summary}\n\n"
                  "Part {part} of {parts} of the record:\n{text}\n\n"
                  "Rewrite the summary so that it covers parts 1-{part} of the record.",
        "reduce": "Summaries of the {parts} consecutive parts of one clinical record too long to read at once, "
                  "in order. Combine them into one summary of the whole record.\n\n{text}",
        "reduce_some": "Summaries of parts {first}-{last} (of {parts}) of one clinical record too long to read at "
                       "once, in order. Combine them into one summary of those parts.\n\n{text}",
        "item": "Summary of part {first} of {parts}:\n{text}",
        "item_range": "Summary of parts {first}-{last} of {parts}:\n{text}",
        "cut": "[... {chars} characters of the record left out here ...]\n",
    },
    "zh": {
        "map": "以下是一份过长病历的第{part}部分（共{parts}部分，其余部分另行摘要）：\n\n{text}",
        "refine": "以下是同一份病历第1至{previous}部分（共{parts}部分）的现有摘要：\n{summary}\n\n"
                  "病历第{part}部分（共{parts}部分）：\n{text}\n\n请改写摘要，使其涵盖病历第1至{part}部分。",
        "reduce": "以下是一份过长病历{parts}个连续部分的摘要，按顺序排列。请将其合并为整份病历的一份摘要。\n\n{text}",
        "reduce_some": "以下是一份过长病历第{first}至{last}部分（共{parts}部分）的摘要，按顺序排列。"
                       "请将其合并为这些部分的一份摘要。\n\n{text}",
        "item": "第{first}部分（共{parts}部分）摘要：\n{text}",
        "item_range": "第{first}至{last}部分（共{parts}部分）摘要：\n{text}",
        "cut": "[……此处略去病历{chars}字……]\n",
    },
}
FRAMING_HASH = "sha256:" + sha256_hex(canonical_json(FRAMING))
_WIDEST = 999  # part numbers used when measuring a frame's own tokens (no record has more parts)


@dataclass(frozen=True)
class LongRecordSettings:
    """The run's strategy and chunk settings (``--long-records``, ``--chunk-tokens``, ``--chunk-overlap``)."""

    strategy: str = DEFAULT_STRATEGY
    chunk_tokens: int | None = None  # map-reduce and refine: note tokens per chunk at most; None: as many as fit
    chunk_overlap: int = 0  # map-reduce and refine: tokens two consecutive chunks share

    def problems(self) -> list[str]:
        """What is wrong with these settings, each naming its option (empty when they can run)."""
        found: list[str] = []
        value = self.strategy.value if isinstance(self.strategy, Enum) else self.strategy
        if value not in STRATEGIES:
            found.append(f"long_records (--long-records) must be one of {', '.join(STRATEGIES)}, got {value!r}")
            return found
        chunk, overlap = self.chunk_tokens, self.chunk_overlap
        if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < MIN_CHUNK_TOKENS):
            found.append(f"chunk_tokens (--chunk-tokens) must be a whole number of at least {MIN_CHUNK_TOKENS} "
                         f"(or none for as many as fit), got {chunk!r}")
        if isinstance(overlap, bool) or not isinstance(overlap, int) or overlap < 0:
            found.append(f"chunk_overlap (--chunk-overlap) must be a whole number of at least 0, got {overlap!r}")
        elif isinstance(chunk, int) and not isinstance(chunk, bool) and overlap >= chunk:
            found.append(f"chunk_overlap (--chunk-overlap) {overlap} must be less than chunk_tokens "
                         f"(--chunk-tokens) {chunk}")
        if value not in CHUNKING and (chunk is not None or overlap != 0):
            found.append(f"chunk_tokens and chunk_overlap (--chunk-tokens, --chunk-overlap) apply to "
                         f"{' and '.join(CHUNKING)} only, not to --long-records {value}")
        return found

    @property
    def name(self) -> str:
        return self.strategy.value if isinstance(self.strategy, Enum) else self.strategy

    def describe(self) -> dict[str, Any]:
        """What the run files, MLflow and the cache key record of these settings: only what changes an output."""
        described: dict[str, Any] = {"strategy": self.name}
        if self.name in CHUNKING:
            described["chunk_tokens"] = self.chunk_tokens if self.chunk_tokens is not None else "as many as fit"
            described["chunk_overlap"] = self.chunk_overlap
        if self.name == LongRecordStrategy.truncate.value:
            described["truncation"] = TRUNCATION
        if self.name != LongRecordStrategy.refuse.value:
            described["framing"] = FRAMING_HASH
        return described


# --- counting -----------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


def estimate_tokens(text: str) -> int:
    """The stated estimate (:data:`ESTIMATE_SOURCE`) for a backend without a tokenizer to ask."""
    cjk = len(_CJK.findall(text))
    return math.ceil(cjk * 3 / 2) + math.ceil((len(text) - cjk) / 3)


class Counter:
    """Counts with the backend's tokenizer when it has one (``TokenCounter``), else with the stated estimate."""

    def __init__(self, backend: Backend, prompt_format: str) -> None:
        self._prompt = getattr(backend, "count_prompt_tokens", None)
        self._text = getattr(backend, "count_text_tokens", None)
        self._plain = prompt_format == "plain"

    def prompt(self, request: GenerationRequest) -> TokenCount:
        counted = self._prompt(request) if self._prompt is not None else None
        if counted is not None:
            return counted
        if self._plain:
            return TokenCount(estimate_tokens(request.plain_prompt), ESTIMATE_SOURCE)
        return TokenCount(sum(estimate_tokens(m.content) + ESTIMATE_TOKENS_PER_MESSAGE for m in request.messages),
                          ESTIMATE_SOURCE)

    def text(self, text: str) -> int:
        counted = self._text(text) if self._text is not None else None
        return counted.tokens if counted is not None else estimate_tokens(text)


# --- splitting a note ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Piece:
    """A stretch of the note (``note[start:end]``) that is never cut inside: a line, or part of a long one."""

    start: int
    end: int
    tokens: int


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|(?<=[。！？；])")


def split_pieces(note: str, counter: Counter, most: int) -> list[Piece]:
    """The note as lines (each with its newline), every piece at most ``most`` tokens: a longer line is cut at
    sentence ends, and a sentence still longer in halves (at a space where there is one)."""
    pieces: list[Piece] = []
    start = 0
    for line in note.splitlines(keepends=True):
        pieces.extend(_fitted(note, start, start + len(line), counter, most))
        start += len(line)
    return pieces


def _fitted(note: str, start: int, end: int, counter: Counter, most: int) -> list[Piece]:
    tokens = counter.text(note[start:end])
    if tokens <= most or end - start <= 1:
        return [Piece(start, end, tokens)]
    text = note[start:end]
    cuts = [match.end() for match in _SENTENCE_END.finditer(text) if 0 < match.end() < len(text)]
    if not cuts:
        middle = len(text) // 2
        space = text.rfind(" ", 0, middle)
        cuts = [space + 1 if space > 0 else middle]
    pieces: list[Piece] = []
    bounds = [0, *cuts, len(text)]
    for left, right in zip(bounds, bounds[1:]):
        pieces.extend(_fitted(note, start + left, start + right, counter, most))
    return pieces


def pack_chunks(note: str, pieces: list[Piece], budget: int, overlap: int, counter: Counter) -> list[tuple[int, int]]:
    """Consecutive pieces gathered into chunks of at most ``budget`` tokens (counted again as one text, a
    piece moved on to the next chunk while the count is over), each next chunk starting with the last pieces
    of the one before that hold at most ``overlap`` tokens; the chunks' character spans, in order."""
    spans: list[tuple[int, int]] = []
    first = 0
    while first < len(pieces):
        last, total = first, 0
        while last < len(pieces) and total + pieces[last].tokens <= budget:
            total += pieces[last].tokens
            last += 1
        last = max(last, first + 1)
        while last - first > 1 and counter.text(note[pieces[first].start:pieces[last - 1].end]) > budget:
            last -= 1
        spans.append((pieces[first].start, pieces[last - 1].end))
        if last >= len(pieces):
            break
        back, shared = last, 0
        while back - 1 > first and shared + pieces[back - 1].tokens <= overlap:
            back -= 1
            shared += pieces[back].tokens
        first = back
    return spans


# --- one case -----------------------------------------------------------------------------------

@dataclass
class CaseGeneration:
    """What one case produced: the result a record takes, how the prompt was measured, and each chunk call."""

    result: GenerationResult
    long_record: LongRecordHandling | None = None
    chunks: list[ChunkRecord] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.result.ok

    def to_dict(self) -> dict[str, Any]:
        """The record's fields (what the response cache keeps)."""
        data = self.result.to_dict()
        if self.chunks:
            data["tpot_s"] = chain_tpot(self.chunks)
        data["long_record"] = self.long_record.model_dump(mode="json") if self.long_record is not None else None
        data["chunks"] = [chunk.model_dump(mode="json") for chunk in self.chunks]
        return data


def chain_tpot(chunks: list[ChunkRecord]) -> float | None:
    """Decode seconds per output token over every call of a chain (each call's time after its first token,
    over its tokens after the first)."""
    decoding = [(chunk.e2e_s - chunk.ttft_s, chunk.completion_tokens - 1) for chunk in chunks
                if chunk.e2e_s is not None and chunk.ttft_s is not None and (chunk.completion_tokens or 0) >= 2]
    tokens = sum(count for _, count in decoding)
    return sum(seconds for seconds, _ in decoding) / tokens if tokens else None


Render = Callable[[str], RenderedPrompt]  # the run's prompt for this case with ``{{source}}`` = the given text


class CaseTooLong(Exception):
    """A case that cannot be run under the strategy (its message is the case's error)."""

    def __init__(self, message: str, error_type: str = CONTEXT_ERROR) -> None:
        super().__init__(message)
        self.error_type = error_type


class LongRecordRunner:
    """One model's cases, each measured against its context and sent whole, refused, truncated or chunked."""

    def __init__(self, backend: Backend, spec: ModelSpec, settings: LongRecordSettings) -> None:
        self.backend = backend
        self.spec = spec
        self.settings = settings
        self.counter = Counter(backend, spec.prompt_format)
        self.context = spec.context_length
        self.max_tokens = spec.sampling.max_tokens

    @property
    def limit(self) -> int:
        """The most prompt tokens that leave room for the output."""
        return self.context - self.max_tokens

    def generate(self, request: GenerationRequest, note: str, language: str, render: Render) -> CaseGeneration:
        try:
            whole = self.counter.prompt(request)
        except Exception as exc:  # a tokenizer that fails fails the case, never the run
            return _failed(request, f"counting the prompt's tokens failed: {exc}", type(exc).__name__)
        handling = LongRecordHandling(strategy=self.settings.name, applied="whole", context_length=self.context,
                                      max_tokens=self.max_tokens, prompt_tokens_counted=whole.tokens,
                                      token_count_source=whole.source)
        if whole.tokens <= self.limit:
            return CaseGeneration(self.backend.generate(request), handling)
        frames = FRAMING.get(language, FRAMING["en"])
        try:
            handling.note_tokens = self.counter.text(note)
            if self.settings.name == LongRecordStrategy.truncate.value:
                return self._truncated(request, note, frames, render, handling)
            if self.settings.name in CHUNKING:
                return _Chain(self, request, note, frames, render, handling).run()
        except CaseTooLong as exc:
            handling.applied = "refused"
            return CaseGeneration(_failed_result(request, str(exc), exc.error_type), handling)
        except Exception as exc:  # counting or rendering a part failed: the case fails, naming why
            handling.applied = "refused"
            return CaseGeneration(_failed_result(request, f"measuring or splitting the note failed: {exc}",
                                                 type(exc).__name__), handling)
        handling.applied = "refused"
        message = (f"the prompt has {whole.tokens} tokens ({whole.source}); with max_tokens {self.max_tokens} it "
                   f"needs {whole.tokens + self.max_tokens}, more than the context length {self.context} of model "
                   f"'{self.spec.name}'. --long-records refuse (the default) fails such a case; truncate, map-reduce "
                   "or refine runs it")
        return CaseGeneration(_failed_result(request, message, CONTEXT_ERROR), handling)

    # --- truncate ---------------------------------------------------------------------------

    def _truncated(self, request: GenerationRequest, note: str, frames: dict[str, str], render: Render,
                   handling: LongRecordHandling) -> CaseGeneration:
        frame = self._frame_tokens(request, render, frames["cut"].format(chars=10 ** 7))
        room = self.limit - frame - MARGIN_TOKENS
        if room < 2 * MIN_CHUNK_TOKENS:
            raise CaseTooLong(self._no_room(frame, "the truncated note"))
        pieces = split_pieces(note, self.counter, room // 2)
        head, tail = 0, len(pieces)  # keep pieces[:head] and pieces[tail:]
        used = 0
        while head < tail and used + pieces[head].tokens <= room // 2:
            used += pieces[head].tokens
            head += 1
        while tail > head and used + pieces[tail - 1].tokens <= room:
            used += pieces[tail - 1].tokens
            tail -= 1
        while True:
            cut_start = pieces[head - 1].end if head else 0
            cut_end = pieces[tail].start if tail < len(pieces) else len(note)
            sent_note = note[:cut_start] + frames["cut"].format(chars=cut_end - cut_start) + note[cut_end:]
            rendered = render(sent_note)
            sent = replace(request, messages=rendered.messages, plain_prompt=rendered.plain_prompt)
            counted = self.counter.prompt(sent)
            if counted.tokens <= self.limit or (head == 0 and tail == len(pieces)):
                break
            if head and (tail == len(pieces) or cut_start >= len(note) - cut_end):
                head -= 1
            else:
                tail += 1
        if counted.tokens > self.limit:
            raise CaseTooLong(f"the prompt without the note still has {counted.tokens} tokens ({counted.source}); "
                              f"with max_tokens {self.max_tokens} it exceeds the context length {self.context} of "
                              f"model '{self.spec.name}'")
        kept = self.counter.text(note[:cut_start]) + self.counter.text(note[cut_end:])
        handling.applied = "truncated"
        handling.sent_prompt_tokens = counted.tokens
        handling.cut_tokens = max(0, (handling.note_tokens or 0) - kept)
        handling.cut_chars = cut_end - cut_start
        handling.cut_start, handling.cut_end = cut_start, cut_end
        return CaseGeneration(self.backend.generate(sent), handling)

    # --- shared ------------------------------------------------------------------------------

    def _frame_tokens(self, request: GenerationRequest, render: Render, source: str) -> int:
        """Tokens of the whole prompt around ``source`` (the framing of a part, without the part)."""
        rendered = render(source)
        return self.counter.prompt(replace(request, messages=rendered.messages,
                                           plain_prompt=rendered.plain_prompt)).tokens

    def _no_room(self, frame: int, what: str) -> str:
        return (f"the context length {self.context} of model '{self.spec.name}' leaves no room for {what}: the "
                f"prompt around it has {frame} tokens and max_tokens is {self.max_tokens}")


class _Chain:
    """The calls of one chunked case (map-reduce or refine), in order."""

    def __init__(self, runner: LongRecordRunner, request: GenerationRequest, note: str, frames: dict[str, str],
                 render: Render, handling: LongRecordHandling) -> None:
        self.runner, self.request, self.note, self.frames, self.render = runner, request, note, frames, render
        self.handling = handling
        self.chunks: list[ChunkRecord] = []
        self.started = 0.0

    def run(self) -> CaseGeneration:
        runner, settings = self.runner, self.runner.settings
        refine = settings.name == LongRecordStrategy.refine.value
        key = "refine" if refine else "map"
        frame = runner._frame_tokens(self.request, self.render, self.frames[key].format(
            part=_WIDEST, parts=_WIDEST, previous=_WIDEST, summary="", text=""))
        room = runner.limit - frame - MARGIN_TOKENS - (runner.max_tokens if refine else 0)
        if room < MIN_CHUNK_TOKENS:
            what = "a chunk and the summary so far" if refine else "a chunk"
            raise CaseTooLong(runner._no_room(frame, what))
        if settings.chunk_tokens is not None and settings.chunk_tokens > room:
            summary_room = f" and the summary so far ({runner.max_tokens})" if refine else ""
            raise CaseTooLong(
                f"--chunk-tokens {settings.chunk_tokens} does not fit: the context length {runner.context} of model "
                f"'{runner.spec.name}' leaves {room} tokens for a chunk after the prompt around it ({frame}), "
                f"max_tokens ({runner.max_tokens}){summary_room}; choose --chunk-tokens {room} or less")
        budget = settings.chunk_tokens or room
        if settings.chunk_overlap >= budget:
            raise CaseTooLong(f"--chunk-overlap {settings.chunk_overlap} must be less than the {budget} tokens of a "
                              "chunk")
        pieces = split_pieces(self.note, runner.counter, budget)
        spans = pack_chunks(self.note, pieces, budget, settings.chunk_overlap, runner.counter)
        self.handling.applied = "chunked"
        self.handling.chunk_tokens = budget
        self.handling.chunk_overlap = settings.chunk_overlap
        self.handling.parts = len(spans)
        if refine:
            self._refine(spans)
        else:
            self._map_reduce(spans)
        return CaseGeneration(self._result(), self.handling, self.chunks)

    def _refine(self, spans: list[tuple[int, int]]) -> None:
        parts = len(spans)
        summary: str | None = None
        for part, (start, end) in enumerate(spans, start=1):
            text = self.note[start:end]
            if summary is None:
                source = self.frames["map"].format(part=part, parts=parts, text=text)
            else:
                source = self.frames["refine"].format(part=part, parts=parts, previous=part - 1, summary=summary,
                                                      text=text)
            chunk = self._call("refine", source, part=part, parts=parts, span=(start, end))
            if chunk.error is not None:
                return
            summary = chunk.output

    def _map_reduce(self, spans: list[tuple[int, int]]) -> None:
        parts = len(spans)
        items: list[_Summary] = []
        for part, (start, end) in enumerate(spans, start=1):
            source = self.frames["map"].format(part=part, parts=parts, text=self.note[start:end])
            chunk = self._call("map", source, part=part, parts=parts, span=(start, end))
            if chunk.error is not None:
                return
            items.append(_Summary(part, part, chunk.output, chunk.index))
        runner = self.runner
        frame = runner._frame_tokens(self.request, self.render, self.frames["reduce_some"].format(
            first=_WIDEST, last=_WIDEST, parts=_WIDEST, text=""))
        room = runner.limit - frame - MARGIN_TOKENS
        while len(items) > 1:  # a note of one part has its summary as the output
            groups = self._groups(items, parts, room)
            if len(groups) == len(items):
                self._fail_chain(f"the chunk summaries cannot be combined: no two of them fit one reduce call "
                                 f"({room} tokens of room after the prompt around them and max_tokens)")
                return
            combined: list[_Summary] = []
            for group in groups:
                if len(group) == 1:
                    combined.append(group[0])
                    continue
                whole = group[0].first == 1 and group[-1].last == parts
                body = "\n\n".join(item.framed(self.frames, parts) for item in group)
                source = (self.frames["reduce"].format(parts=parts, text=body) if whole else
                          self.frames["reduce_some"].format(first=group[0].first, last=group[-1].last, parts=parts,
                                                            text=body))
                chunk = self._call("reduce", source, part=None, parts=parts, span=None,
                                   combines=[item.call for item in group])
                if chunk.error is not None:
                    return
                combined.append(_Summary(group[0].first, group[-1].last, chunk.output, chunk.index))
            items = combined

    def _groups(self, items: list["_Summary"], parts: int, room: int) -> list[list["_Summary"]]:
        """Consecutive summaries gathered so that each group fits one reduce call."""
        groups: list[list[_Summary]] = [[]]
        used = 0
        for item in items:
            tokens = self.runner.counter.text(item.framed(self.frames, parts)) + 2
            if groups[-1] and used + tokens > room:
                groups.append([])
                used = 0
            groups[-1].append(item)
            used += tokens
        return groups

    def _call(self, kind: Literal["map", "reduce", "refine"], source: str, *, part: int | None, parts: int,
              span: tuple[int, int] | None, combines: list[int] | None = None) -> ChunkRecord:
        runner = self.runner
        index = len(self.chunks)
        rendered = self.render(source)
        request = replace(self.request, request_id=f"{self.request.request_id}:{kind}-{index + 1}",
                          messages=rendered.messages, plain_prompt=rendered.plain_prompt)
        try:
            counted: TokenCount | None = runner.counter.prompt(request)
        except Exception as exc:  # the tokenizer (a server) failed: this call fails, and the chain with it
            counted, failure = None, _failed_result(request, f"counting the {kind} call's prompt failed: {exc}",
                                                    type(exc).__name__)
        now = time.perf_counter()
        if index == 0:
            self.started = now  # the chain's clock starts with its first request
        described = dict(index=index, kind=kind, part=part, parts=parts, source_start=span[0] if span else None,
                         source_end=span[1] if span else None, combines=combines or [], prompt_hash=rendered.hash,
                         prompt_tokens_counted=counted.tokens if counted else None, offset_s=now - self.started)
        if counted is None:
            result = failure
        elif counted.tokens > runner.limit:
            result = _failed_result(request, f"the {kind} call's prompt has {counted.tokens} tokens "
                                    f"({counted.source}); with max_tokens {runner.max_tokens} it exceeds the context "
                                    f"length {runner.context} of model '{runner.spec.name}'", CONTEXT_ERROR)
        else:
            result = runner.backend.generate(request)
        fields = {name: value for name, value in result.to_dict().items() if name in ChunkRecord.model_fields}
        chunk = ChunkRecord(**described, **fields)
        self.chunks.append(chunk)
        return chunk

    def _fail_chain(self, message: str) -> None:
        self.chunks.append(ChunkRecord(index=len(self.chunks), kind="reduce", parts=self.handling.parts or 0,
                                       prompt_hash="", offset_s=time.perf_counter() - self.started,
                                       error=message, error_type=CONTEXT_ERROR))

    def _result(self) -> GenerationResult:
        """The case's result: the last call's output, the chain's timings and tokens."""
        chunks = self.chunks
        first, last = chunks[0], chunks[-1]
        failed = next((chunk for chunk in chunks if chunk.error is not None), None)

        def total(name: str) -> int | None:
            values = [getattr(chunk, name) for chunk in chunks if getattr(chunk, name) is not None]
            return sum(values) if values else None

        offset = first.offset_s or 0.0
        result = GenerationResult(
            request_id=self.request.request_id,
            output="" if failed else last.output,
            reasoning="" if failed else last.reasoning,
            raw_output="" if failed else last.raw_output,
            finish_reason=last.finish_reason,
            prompt_tokens=total("prompt_tokens"),
            completion_tokens=total("completion_tokens"),
            reasoning_tokens=total("reasoning_tokens"),
            token_count_source=first.token_count_source,
            ttft_s=None if first.ttft_s is None else offset + first.ttft_s,
            ttfc_s=None if first.ttfc_s is None else offset + first.ttfc_s,
            e2e_s=(last.offset_s or 0.0) + (last.e2e_s or 0.0),
            itl_s=[gap for chunk in chunks for gap in chunk.itl_s],
            started_at=first.started_at,
        )
        if failed is not None:
            where = f"part {failed.part} of {failed.parts}" if failed.part else f"{failed.parts} parts"
            result.error = f"{failed.kind} call {failed.index + 1} of the chunked case ({where}) failed: {failed.error}"
            result.error_type = failed.error_type or "error"
        return result


@dataclass(frozen=True)
class _Summary:
    """A summary of parts ``first``..``last`` of the note, written by call ``call``."""

    first: int
    last: int
    text: str
    call: int

    def framed(self, frames: dict[str, str], parts: int) -> str:
        if self.first == self.last:
            return frames["item"].format(first=self.first, parts=parts, text=self.text)
        return frames["item_range"].format(first=self.first, last=self.last, parts=parts, text=self.text)


def _failed_result(request: GenerationRequest, message: str, error_type: str) -> GenerationResult:
    return GenerationResult(request_id=request.request_id, error=message, error_type=error_type,
                            started_at=time.time())


def _failed(request: GenerationRequest, message: str, error_type: str) -> CaseGeneration:
    return CaseGeneration(_failed_result(request, message, error_type))


# --- a run's figures ------------------------------------------------------------------------------

def long_record_figures(records: list[GenerationRecord]) -> dict[str, Any]:
    """The run-level figures of the metric registry about records longer than the context: how many cases did
    not fit, the share of the note truncation cut, and the calls a chunked case took (empty when no record
    was measured)."""
    measured = [record for record in records if record.long_record is not None]
    if not measured:
        return {}
    over = [record for record in measured if record.long_record and record.long_record.applied != "whole"]
    cut = [handling.cut_tokens / handling.note_tokens for record in measured
           if (handling := record.long_record) is not None and handling.applied == "truncated"
           and handling.cut_tokens is not None and handling.note_tokens]
    chunked = [len(record.chunks) for record in measured
               if record.long_record is not None and record.long_record.applied == "chunked"]
    return {
        "long_records_over_context": len(over),
        "long_records_cut_share": mean(cut) if cut else None,
        "long_records_calls_mean": mean(chunked) if chunked else None,
    }
