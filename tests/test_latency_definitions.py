"""The latency definitions of docs/scoring.md ("Latency"), aligned with ``vllm bench serve``.

- TTFT: the first chunk carrying text (answer or reasoning), not a role-only or usage-only chunk.
- e2e: the last chunk of the generation; a usage-only chunk, ``[DONE]`` or the connection
  closing does not extend it.
- ITL: gaps between chunks carrying text; a chunk whose token carries no text yet is no gap.
- A first token that is half a UTF-8 character is no first token: TTFT is the token that
  completes the character, the chunk a server would carry it in.

Conditions a server can produce are tested over real HTTP on 127.0.0.1: a real llama.cpp
server where it produces them, a scripted SSE server where it does not (llama-cpp-python's
server sends no usage chunk and holds no token back without logprobs). The rest drives
the StreamClock by hand.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest

from workbench.data.prompts import ChatMessage
from workbench.models import llamacpp_backend, openai_http
from workbench.models.base import GenerationRequest, GenerationResult, StreamClock
from workbench.models.llamacpp_backend import TokenTextDecoder
from workbench.models.spec import ModelSpec, SamplingParams

TAGS = (("<think>", "</think>"),)
# SmolLM2 answers this in Chinese, and its first token is half of the character 今 (b"\xe4\xbb").
CHINESE_PROMPT = "请用中文回答：今天天气怎么样？"


class ManualTimer:
    """A clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def at(self, seconds: float) -> "ManualTimer":
        self.now = 100.0 + seconds
        return self


def _clock() -> tuple[StreamClock, ManualTimer]:
    timer = ManualTimer()
    return StreamClock("r", TAGS, timer=timer), timer


# --- the StreamClock, driven by hand -------------------------------------------------------------


def test_first_token_is_the_first_piece_with_text() -> None:
    clock, timer = _clock()
    timer.at(0.1)
    clock.piece("")  # the role-only opening chunk
    timer.at(0.4)
    clock.piece("Chief")
    timer.at(0.5)
    clock.piece(" complaint")
    result = clock.finish(completion_tokens=2)
    assert result.ttft_s == pytest.approx(0.4)
    assert result.itl_s == pytest.approx([0.1])


def test_end_to_end_is_the_last_piece_not_the_end_of_the_stream() -> None:
    clock, timer = _clock()
    timer.at(0.2)
    clock.piece("Chief")
    timer.at(0.3)
    clock.piece(" complaint")
    timer.at(0.35)
    clock.piece("")  # the finish_reason chunk
    timer.at(5.0)  # usage chunk, [DONE], connection close, bookkeeping: none of it is a piece
    result = clock.finish(completion_tokens=3)
    assert result.e2e_s == pytest.approx(0.35)
    assert result.tpot_s == pytest.approx((0.35 - 0.2) / (3 - 1))


def test_pieces_without_text_make_no_inter_token_gap() -> None:
    clock, timer = _clock()
    for seconds, text in [(0.2, "A"), (0.3, ""), (0.4, ""), (0.5, "B"), (0.6, "C")]:
        timer.at(seconds)
        clock.piece(text)
    result = clock.finish(completion_tokens=5)
    assert result.itl_s == pytest.approx([0.3, 0.1])  # A→B spans the two held tokens
    assert sum(result.itl_s) == pytest.approx(result.e2e_s - result.ttft_s)
    assert clock.token_events == 3  # the stream_chunks count is of chunks carrying text


def test_reasoning_text_is_the_first_token_and_the_answer_the_first_content_token() -> None:
    clock, timer = _clock()
    timer.at(0.2)
    clock.piece(reasoning="Weigh")
    timer.at(0.3)
    clock.piece(reasoning=" the ECG.")
    timer.at(0.5)
    clock.piece("STEMI.")
    result = clock.finish(completion_tokens=3)
    assert (result.ttft_s, result.ttfc_s) == pytest.approx((0.2, 0.5))
    assert result.itl_s == pytest.approx([0.1, 0.2])
    assert result.output == "STEMI." and result.reasoning == "Weigh the ECG."
    assert result.reasoning_tokens == 2


def test_a_stream_without_text_has_no_first_token_and_ends_at_its_last_piece() -> None:
    clock, timer = _clock()
    timer.at(0.3)
    clock.piece("")
    timer.at(0.4)
    clock.piece("")
    timer.at(2.0)
    result = clock.finish(completion_tokens=1)
    assert result.ttft_s is None and result.itl_s == [] and result.e2e_s == pytest.approx(0.4)


def test_a_failure_lasts_until_it_is_known() -> None:
    clock, timer = _clock()
    timer.at(0.2)
    clock.piece("A")
    timer.at(3.0)
    result = clock.fail(TimeoutError("read timeout"))
    assert not result.ok and result.e2e_s == pytest.approx(3.0) and result.ttft_s == pytest.approx(0.2)


def test_half_a_character_as_first_token_defers_the_first_token_to_the_token_that_completes_it() -> None:
    clock, timer = _clock()
    decoder = TokenTextDecoder()
    arrivals = [(0.5, b"\xe4\xbb"), (0.6, b"\x8a"), (0.7, b"\xe5\xa4"), (0.8, b"\xa9"), (0.9, b"\xe6\xb0\x94")]
    texts = []
    for seconds, token_bytes in arrivals:
        timer.at(seconds)
        text = decoder.feed(token_bytes)
        texts.append(text)
        clock.piece(text)
    assert texts == ["", "今", "", "天", "气"]
    result = clock.finish(completion_tokens=5)
    assert result.ttft_s == pytest.approx(0.6)
    assert result.itl_s == pytest.approx([0.2, 0.1])
    assert result.e2e_s == pytest.approx(0.9) and result.output == "今天气"


def test_token_text_decoder_flushes_an_unfinished_character_as_a_replacement() -> None:
    decoder = TokenTextDecoder()
    assert decoder.feed(b"ok \xe4\xbb") == "ok "
    assert decoder.flush() == "\ufffd"


# --- a scripted SSE server on 127.0.0.1 ----------------------------------------------------------

GAP_S = 0.25  # between two events of a script: far longer than the client needs to read one


@dataclass
class ScriptedStream:
    """Serves one scripted SSE reply: each event after GAP_S, then the connection closes."""

    events: list[dict[str, Any] | str]
    sent_at: list[float] = field(default_factory=list)  # wall clock, just before each write
    closed_at: float | None = None


def _serve(stream: ScriptedStream) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            body = json.dumps({"data": [{"id": "scripted"}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()  # HTTP/1.0 without a length: the body ends when the connection closes
            for event in stream.events:
                time.sleep(GAP_S)
                payload = event if isinstance(event, str) else json.dumps(event)
                stream.sent_at.append(time.time())
                self.wfile.write(f"data: {payload}\n\n".encode())
                self.wfile.flush()
            time.sleep(GAP_S)
            stream.closed_at = time.time()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"


def _generate_scripted(stream: ScriptedStream) -> GenerationResult:
    server, base_url = _serve(stream)
    spec = ModelSpec(name="scripted-http", backend="openai", base_url=base_url, model="scripted",
                     sampling=SamplingParams(temperature=0.0, max_tokens=8, seed=0))
    backend = openai_http.OpenAIHTTPBackend(spec)
    try:
        return backend.generate(GenerationRequest("s1", (ChatMessage("user", "Summarise."),), "Summarise."))
    finally:
        backend.close()
        server.shutdown()
        server.server_close()


def _chunk(delta: dict[str, Any], finish_reason: str | None = None, **choice: Any) -> dict[str, Any]:
    return {"object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, **choice}]}


def _between(result: GenerationResult, seconds: float | None, low: float, high: float) -> bool:
    """Whether the moment ``seconds`` after the request started lies in [low, high) (wall clock)."""
    assert seconds is not None and result.started_at is not None
    moment = result.started_at + seconds
    return low - 0.005 <= moment < high


def test_http_timings_ignore_role_held_back_usage_and_done_chunks() -> None:
    held = {"content": [{"token": " compl", "logprob": -0.1, "bytes": None, "top_logprobs": []}]}
    stream = ScriptedStream([
        _chunk({"role": "assistant", "content": ""}),  # 0: role only
        _chunk({"content": "Chief"}),  # 1: first token
        _chunk({"content": ""}, logprobs=held),  # 2: a token whose text is held back
        _chunk({"content": " complaint"}),  # 3
        _chunk({}, "stop"),  # 4: finish_reason only: the end of the generation
        {"object": "chat.completion.chunk", "choices": [],
         "usage": {"prompt_tokens": 12, "completion_tokens": 4, "total_tokens": 16}},  # 5: usage only
        "[DONE]",  # 6
    ])
    result = _generate_scripted(stream)
    assert result.ok, result.error
    sent = stream.sent_at
    assert result.output == "Chief complaint" and result.finish_reason == "stop"
    assert (result.completion_tokens, result.token_count_source) == (4, "server_usage")
    assert _between(result, result.ttft_s, sent[1], sent[2])  # not the role chunk
    assert len(result.itl_s) == 1  # Chief → complaint; the held-back token is no gap
    assert sent[3] - sent[2] < result.itl_s[0] < sent[4] - sent[1]
    assert _between(result, result.e2e_s, sent[4], sent[5])  # not the usage chunk, [DONE] or close
    assert result.tpot_s == pytest.approx((result.e2e_s - result.ttft_s) / 3)


def test_http_reasoning_is_the_first_token_and_a_closed_connection_does_not_extend_e2e() -> None:
    stream = ScriptedStream([
        _chunk({"role": "assistant", "content": None, "reasoning_content": "Weigh"}),  # 0
        _chunk({"reasoning": " the ECG."}),  # 1: the field name vLLM uses since 0.10
        _chunk({"content": "STEMI."}),  # 2: the first content token
        _chunk({}, "stop"),  # 3; then no usage, no [DONE]: the server closes the connection
    ])
    result = _generate_scripted(stream)
    assert result.ok, result.error
    sent = stream.sent_at
    assert result.output == "STEMI." and result.reasoning == "Weigh the ECG."
    assert _between(result, result.ttft_s, sent[0], sent[1])
    assert _between(result, result.ttfc_s, sent[2], sent[3])
    assert len(result.itl_s) == 2
    assert stream.closed_at is not None
    assert _between(result, result.e2e_s, sent[3], stream.closed_at)
    assert (result.completion_tokens, result.token_count_source) == (3, "stream_chunks")


# --- real SmolLM2: half a character first, over HTTP and in process --------------------------------


class TappedClock(StreamClock):
    """The real StreamClock, remembering each arrival (seconds, text, reasoning)."""

    last: "TappedClock | None" = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrivals: list[tuple[float, str, str]] = []
        self._reading = 0.0
        TappedClock.last = self

    def elapsed(self) -> float:
        self._reading = super().elapsed()
        return self._reading

    def piece(self, text: str = "", *, reasoning: str = "", tool: str = "") -> None:
        super().piece(text, reasoning=reasoning, tool=tool)
        self.arrivals.append((self._reading, text, reasoning))


def _chinese_request() -> GenerationRequest:
    return GenerationRequest("zh", (ChatMessage("user", CHINESE_PROMPT),), CHINESE_PROMPT)


def test_llama_server_first_token_is_the_first_chunk_with_text(llama_server: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openai_http, "StreamClock", TappedClock)
    stream_ended: list[float] = []
    real_events = openai_http._sse_events

    def events(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
        yield from real_events(lines)
        assert TappedClock.last is not None
        stream_ended.append(TappedClock.last.elapsed())  # [DONE] has been read

    monkeypatch.setattr(openai_http, "_sse_events", events)
    spec = ModelSpec(name="smollm2-http", backend="openai", base_url=llama_server, model="smollm2",
                     sampling=SamplingParams(temperature=0.0, max_tokens=4, seed=0))
    backend = openai_http.OpenAIHTTPBackend(spec)
    try:
        result = backend.generate(_chinese_request())
    finally:
        backend.close()
    assert result.ok, result.error
    clock = TappedClock.last
    assert clock is not None
    role, *middle, finish = clock.arrivals
    assert role[1:] == ("", "") and finish[1:] == ("", "")  # llama-cpp-python's opening and closing chunks
    texts = [(seconds, text) for seconds, text, _ in middle if text]
    assert texts and texts[0][1] == "今"  # the server holds the first token, half of 今, back
    assert result.ttft_s == texts[0][0] > role[0]
    assert result.itl_s == pytest.approx([b[0] - a[0] for a, b in zip(texts, texts[1:])])
    assert result.e2e_s == finish[0] < stream_ended[0]


@pytest.fixture(scope="module")
def smollm2_in_process() -> Iterator[llamacpp_backend.LlamaCppBackend]:
    from workbench.models.catalogue import get_model_spec

    backend = llamacpp_backend.LlamaCppBackend(get_model_spec("smollm2-135m").with_overrides(max_tokens=4))
    yield backend
    backend.close()


def test_llamacpp_first_token_half_a_character_is_timed_at_the_token_that_completes_it(
        smollm2_in_process: llamacpp_backend.LlamaCppBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(llamacpp_backend, "StreamClock", TappedClock)
    result = smollm2_in_process.generate(_chinese_request())
    assert result.ok, result.error
    clock = TappedClock.last
    assert clock is not None
    assert [text for _, text, _ in clock.arrivals] == ["", "今", "", "天"]
    times = [seconds for seconds, _, _ in clock.arrivals]
    assert result.completion_tokens == 4 and result.output == "今天"
    assert result.ttft_s == times[1] > times[0]  # not the half-character token, not later than its completion
    assert result.itl_s == pytest.approx([times[3] - times[1]])  # one gap: 今 → 天
    assert result.e2e_s == times[3]
