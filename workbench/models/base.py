"""The small protocol every backend implements, and the records that cross it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Protocol

from workbench.data.prompts import ChatMessage
from workbench.models.reasoning import ReasoningTags, content_has_started, split_reasoning


@dataclass(frozen=True)
class GenerationRequest:
    """One prompt, in both shapes: chat turns for instruction-tuned models, and the
    same text laid out as one document for base models (``prompt_format: plain``)."""

    request_id: str
    messages: tuple[ChatMessage, ...]
    plain_prompt: str
    # Functions the model may call, in the OpenAI format ({"type": "function", "function": {name, description,
    # parameters}}), and how it may call them ("auto", "required", or {"type": "function", "function": {"name"}}).
    tools: tuple[dict[str, Any], ...] = ()
    tool_choice: str | dict[str, Any] | None = None


@dataclass
class GenerationResult:
    """What one request produced, and how long each part of it took.

    Times are seconds from the moment the request was issued (before templating,
    tokenisation or the HTTP POST). ``output`` is the answer that gets scored;
    ``reasoning`` is what the model thought first, kept for inspection only.
    """

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
    itl_s: list[float] = field(default_factory=list)
    started_at: float | None = None  # wall clock (epoch seconds) when the request was issued
    error: str | None = None
    error_type: str | None = None
    backend_metrics: dict[str, Any] = field(default_factory=dict)
    # The function calls of the reply, as the backend returned them: {"name", "arguments"}, the arguments the raw
    # string the model wrote (never parsed or repaired here).
    tool_calls: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def tpot_s(self) -> float | None:
        """Time per output token after the first (decode speed seen by one request)."""
        if self.e2e_s is None or self.ttft_s is None or not self.completion_tokens:
            return None
        if self.completion_tokens < 2:
            return None
        return (self.e2e_s - self.ttft_s) / (self.completion_tokens - 1)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tpot_s"] = self.tpot_s
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "GenerationResult":
        names = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class BackendInfo:
    """Facts about the loaded model that belong in every run's provenance."""

    backend: str
    backend_version: str
    model_id: str
    resolved_revision: str | None = None
    file_sha256: str | None = None
    device: str = "cpu"
    max_concurrency: int = 1
    details: dict[str, Any] = field(default_factory=dict)


class Backend(Protocol):
    """Generate one answer for one request. Implementations must not raise for
    a failed generation: they return a result whose ``error`` says what went wrong."""

    def info(self) -> BackendInfo: ...

    def generate(self, request: GenerationRequest) -> GenerationResult: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class TokenCount:
    """How many tokens a text or prompt is, and how that was counted (the model's own tokenizer, a server's
    tokenize endpoint, or an estimate, named)."""

    tokens: int
    source: str


class TokenCounter(Protocol):
    """Counts tokens as the model will see them; a backend that can do so offers these two methods, and
    returns None where it cannot after all (a server without a tokenize endpoint).
    ``workbench.run.long_records`` then falls back to a stated estimate."""

    def count_prompt_tokens(self, request: GenerationRequest) -> TokenCount | None:
        """The whole prompt of ``request`` after the chat template (or the plain prompt)."""
        ...

    def count_text_tokens(self, text: str) -> TokenCount | None:
        """``text`` alone, without a template or special tokens."""
        ...


# Receives each piece of text a generation streams, as it arrives: (answer text, reasoning text).
TextListener = Callable[[str, str], None]
_text_listener: ContextVar[TextListener | None] = ContextVar("workbench_text_listener", default=None)


@contextmanager
def streaming_text_to(listener: TextListener) -> Iterator[None]:
    """Within this block, every generation started on the calling thread reports each piece of text it
    receives to ``listener`` (from whichever thread produces it), e.g. to show tokens as they arrive."""
    token = _text_listener.set(listener)
    try:
        yield
    finally:
        _text_listener.reset(token)


def current_text_listener() -> TextListener | None:
    """The listener set by ``streaming_text_to`` around the current call, if any."""
    return _text_listener.get()


class StreamClock:
    """Turns a stream of generated pieces into the timings of one request.

    The definitions follow ``vllm bench serve`` (see docs/scoring.md, "Latency"):

    - the clock starts when it is created, i.e. before the request is issued;
    - ``ttft``: arrival of the first piece that carries text (answer or reasoning);
    - ``ttfc``: arrival of the first piece after which answer text exists outside any
      reasoning block;
    - ``itl``: the gaps between successive pieces that carry text; a piece without text
      (a token whose text the server or the UTF-8 decoder still holds back, a role-only
      or finish-only chunk) neither starts nor ends a gap;
    - ``e2e``: arrival of the last piece, with or without text. What comes after the
      generation (a usage-only chunk, ``[DONE]``, the connection closing, the caller's
      own bookkeeping) does not count.

    ``starts_in_reasoning``: the chat template opened a reasoning block at the end of the
    prompt, so the stream begins inside it (see ``reasoning.split_reasoning``).
    ``timer`` is the monotonic clock in seconds; tests pass their own to drive it by hand.
    Each piece with text also goes to the listener of ``streaming_text_to`` in force when the clock was made.
    """

    def __init__(self, request_id: str, reasoning_tags: ReasoningTags,
                 timer: Callable[[], float] = time.perf_counter, *, starts_in_reasoning: bool = False) -> None:
        self._request_id = request_id
        self._tags = reasoning_tags
        self._starts_in_reasoning = starts_in_reasoning
        self._timer = timer
        self._listener = current_text_listener()
        self._start = timer()
        self._started_at = time.time()
        self._last_piece: float | None = None  # any piece: the end of generation so far
        self._last_text: float | None = None  # the last piece that carried text
        self._pieces: list[str] = []
        self._reasoning_pieces: list[str] = []
        self._ttft: float | None = None
        self._ttfc: float | None = None
        self._itl: list[float] = []
        self.token_events = 0  # pieces that carried text
        self.reasoning_events = 0
        self._tool_seen = False  # a piece of a function call arrived: the call is the answer

    def elapsed(self) -> float:
        return self._timer() - self._start

    def piece(self, text: str = "", *, reasoning: str = "", tool: str = "") -> None:
        """Record one arrival: ``text`` is answer-stream text, ``reasoning`` is text a server
        sent as reasoning (``delta.reasoning_content``), ``tool`` the text of a function call
        (its name or a piece of its arguments: part of the answer, kept apart from ``text``).
        All may be empty: the arrival then only moves the end of the generation."""
        now = self.elapsed()
        self._last_piece = now
        if not text and not reasoning and not tool:
            return
        if self._listener is not None and (text or reasoning):
            self._listener(text, reasoning)
        self.token_events += 1
        if self._last_text is None:
            self._ttft = now
        else:
            self._itl.append(now - self._last_text)
        self._last_text = now
        if tool:
            self._tool_seen = True
            if self._ttfc is None:
                self._ttfc = now
        if reasoning:
            self._reasoning_pieces.append(reasoning)
            if not text:
                if not tool:
                    self.reasoning_events += 1
                return
        if not text:
            return
        self._pieces.append(text)
        if self._ttfc is None:
            if content_has_started("".join(self._pieces), self._tags,
                                   starts_in_reasoning=self._starts_in_reasoning):
                self._ttfc = now
            else:
                self.reasoning_events += 1

    def finish(self, **fields: Any) -> GenerationResult:
        """The result of a completed generation: it ended with its last piece."""
        end = self._last_piece if self._last_piece is not None else self.elapsed()
        return self._result(end, fields)

    def fail(self, exc: BaseException, **fields: Any) -> GenerationResult:
        """The result of a failed generation: ``e2e`` is the time until the failure was known."""
        result = self._result(self.elapsed(), fields)
        result.error = str(exc) or type(exc).__name__
        result.error_type = type(exc).__name__
        return result

    def _result(self, end: float, fields: dict[str, Any]) -> GenerationResult:
        raw = "".join(self._pieces)
        split = split_reasoning(raw, self._tags, starts_in_reasoning=self._starts_in_reasoning)
        reasoning_parts = ["".join(self._reasoning_pieces).strip(), split.reasoning]
        result = GenerationResult(
            request_id=self._request_id,
            output=split.content,
            reasoning="\n".join(part for part in reasoning_parts if part),
            raw_output=raw,  # the content stream as received, reasoning tags included
            ttft_s=self._ttft,
            ttfc_s=self._ttfc if (split.content or self._tool_seen) else None,
            e2e_s=end,
            itl_s=self._itl,
            started_at=self._started_at,
        )
        has_reasoning = bool(result.reasoning)
        result.reasoning_tokens = self.reasoning_events if has_reasoning else 0
        for name, value in fields.items():
            setattr(result, name, value)
        return result


class ToolCallStream:
    """The function calls of an OpenAI-style reply, put together from what the server sent.

    A streamed call arrives as ``delta.tool_calls`` pieces keyed by ``index``: the name in the
    first (llama-cpp-python's server repeats it in every piece) and the arguments in fragments
    that are joined as they come. A reply that is not streamed holds whole calls in
    ``message.tool_calls``. Nothing is parsed or repaired: ``calls()`` gives each call's name and
    its arguments string exactly as the model wrote them.
    """

    def __init__(self) -> None:
        self._calls: dict[int, dict[str, str]] = {}

    def add(self, pieces: Any) -> str:
        """Take one chunk's ``delta.tool_calls`` (or a message's ``tool_calls``); returns the text it carried
        (names and argument fragments), for the timing of the stream."""
        if not isinstance(pieces, list):
            return ""
        carried: list[str] = []
        for piece in pieces:
            if not isinstance(piece, dict):
                continue
            index = piece.get("index")
            if isinstance(index, bool) or not isinstance(index, int):
                index = len(self._calls)  # a whole call (a message's tool_calls carry no index): the next one
            call = self._calls.setdefault(index, {"name": "", "arguments": ""})
            function = piece.get("function") or {}
            if not isinstance(function, dict):
                continue
            name = function.get("name")
            if isinstance(name, str) and name and name != call["name"]:
                call["name"] += name  # the first piece, or a name streamed in parts
                carried.append(name)
            arguments = function.get("arguments")
            if arguments is not None and not isinstance(arguments, str):
                arguments = json.dumps(arguments, ensure_ascii=False)  # a server that sent an object, not a string
            if arguments:
                call["arguments"] += arguments
                carried.append(arguments)
        return "".join(carried)

    def calls(self) -> list[dict[str, str]]:
        """Every call so far, in index order: ``{"name", "arguments"}``."""
        return [dict(self._calls[index]) for index in sorted(self._calls)]
