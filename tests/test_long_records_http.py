"""Counting with an OpenAI-compatible server's own tokenizer: vLLM's ``/tokenize`` (messages or a prompt, answering
``count``), the llama.cpp server's ``/apply-template`` and ``/tokenize`` (answering ``tokens``), and the stated
estimate for a server with neither. The servers here answer as those servers document it, counting words."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from workbench.data.prompts import ChatMessage
from workbench.models.base import GenerationRequest
from workbench.models.openai_http import LLAMACPP_TOKENIZE, VLLM_TOKENIZE, OpenAIHTTPBackend
from workbench.models.spec import ModelSpec
from workbench.run.long_records import ESTIMATE_SOURCE, Counter, estimate_tokens

REQUEST = GenerationRequest("r1", (ChatMessage("system", "Summarise the note."),
                                   ChatMessage("user", "Chest pain for two hours.")),
                            "Summarise the note.\n\nChest pain for two hours.")


def _template(messages: list[dict[str, str]]) -> str:
    return "".join(f"<|{m['role']}|> {m['content']} " for m in messages) + "<|assistant|>"


def _answer(kind: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    if kind == "vllm" and path == "/tokenize":
        if "messages" in body:
            assert body["add_generation_prompt"] is True and body["model"] == "served"
            return 200, {"count": len(_template(body["messages"]).split()), "max_model_len": 4096, "tokens": []}
        if "prompt" in body:
            return 200, {"count": len(body["prompt"].split()), "max_model_len": 4096, "tokens": []}
        return 400, {"error": "prompt or messages required"}
    if kind == "llama.cpp" and path == "/apply-template":
        return 200, {"prompt": _template(body["messages"])}
    if kind == "llama.cpp" and path == "/tokenize":  # no content: no tokens, as the llama.cpp server answers
        return 200, {"tokens": list(range(len(body.get("content", "").split())))}
    return 404, {"error": "not found"}


@contextmanager
def _server(kind: str) -> Iterator[tuple[str, list[str]]]:
    paths: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._send(200, {"data": [{"id": "served"}]} if self.path == "/v1/models" else {})

        def do_POST(self) -> None:
            paths.append(self.path)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self._send(*_answer(kind, self.path, body))

        def _send(self, status: int, data: dict[str, Any]) -> None:
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", paths
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("kind", "source"), [("vllm", VLLM_TOKENIZE), ("llama.cpp", LLAMACPP_TOKENIZE)])
def test_a_server_with_a_tokenizer_counts_the_templated_prompt(kind: str, source: str) -> None:
    with _server(kind) as (base_url, paths):
        backend = OpenAIHTTPBackend(ModelSpec(name="m", backend="openai", base_url=base_url, model="served"))
        try:
            counted = Counter(backend, "chat").prompt(REQUEST)
            text = Counter(backend, "chat").text("three words here")
            assert backend.tokenizer_kind() == kind
        finally:
            backend.close()
    messages = [{"role": m.role, "content": m.content} for m in REQUEST.messages]
    assert counted.tokens == len(_template(messages).split()) and counted.source == source
    assert text == 3
    assert "/v1/chat/completions" not in paths  # counting sends nothing to the model


def test_a_server_without_one_is_counted_with_the_stated_estimate() -> None:
    with _server("none") as (base_url, paths):
        backend = OpenAIHTTPBackend(ModelSpec(name="m", backend="openai", base_url=base_url, model="served"))
        try:
            counted = Counter(backend, "chat").prompt(REQUEST)
            Counter(backend, "chat").prompt(REQUEST)
        finally:
            backend.close()
    assert backend.tokenizer_kind() is None and counted.source == ESTIMATE_SOURCE
    assert counted.tokens == sum(estimate_tokens(m.content) + 8 for m in REQUEST.messages)
    assert paths == ["/tokenize", "/tokenize"]  # asked once (two shapes), then remembered
