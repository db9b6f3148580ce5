"""OpenAI-compatible HTTP backend with streaming: vLLM serve, llama.cpp server, Ollama, SGLang, TGI.

Timing follows ``vllm bench serve``: the clock starts before the POST; the first
token is the first streamed chunk carrying text (``delta.content``, or reasoning in
``delta.reasoning_content`` / ``delta.reasoning``), not the role-only opening chunk;
inter-token latencies are the gaps between chunks carrying text; end to end is the
arrival of the last chunk with a choice (text, a held-back token, or the finish_reason),
never the usage-only chunk, ``[DONE]`` or the connection closing. Token counts come
from the server's ``usage`` (requested with ``stream_options.include_usage``).

A request with ``tools`` sends them and its ``tool_choice`` in the OpenAI format; the calls of
the reply (``delta.tool_calls``, joined by index) are recorded as they arrived, their pieces
timed like text. vLLM parses calls out of the text only when started with
``--enable-auto-tool-choice --tool-call-parser NAME`` (``hermes`` for Qwen3); without them it
refuses ``tool_choice: auto``.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any, Iterator

import httpx

from workbench.models.base import BackendInfo, GenerationRequest, GenerationResult, StreamClock, ToolCallStream, TokenCount
from workbench.models.spec import ModelSpec
from workbench.privacy.egress import CheckedAddressTransport, check_endpoint

DEFAULT_MAX_CONCURRENCY = 64
# The servers whose tokenizer the workbench can ask, and how each is named in a record.
VLLM_TOKENIZE = "the server's /tokenize (vLLM)"
LLAMACPP_TOKENIZE = "the server's /apply-template and /tokenize (llama.cpp server)"

# Request fields the backend sets itself; ``request_extra`` adds to them and never replaces one.
_OWN_FIELDS = frozenset({"model", "stream", "stream_options", "temperature", "top_p", "max_tokens",
                         "max_completion_tokens", "seed", "top_k",
                         "min_p", "repetition_penalty", "stop", "skip_special_tokens", "logprobs", "top_logprobs",
                         "prompt", "messages", "chat_template_kwargs", "tools", "tool_choice"})


class OpenAIHTTPBackend:
    """``api_key`` (a server the workbench started itself) takes the place of ``api_key_env``;
    ``starts_in_reasoning`` overrides the spec's ``reasoning_in_prompt``."""

    def __init__(self, spec: ModelSpec, *, allow_remote_endpoint: bool = False, api_key: str | None = None,
                 starts_in_reasoning: bool | None = None) -> None:
        assert spec.base_url and spec.model
        clashing = sorted(set(spec.request_extra) & _OWN_FIELDS)
        if clashing:
            raise ValueError(f"model '{spec.name}': request_extra may not set {', '.join(clashing)} "
                             "(set them through the entry's own fields, e.g. sampling)")
        self.spec = spec
        self.starts_in_reasoning = (starts_in_reasoning if starts_in_reasoning is not None
                                    else bool(spec.reasoning_in_prompt))
        self.base_url = spec.base_url.rstrip("/")
        self.addresses = check_endpoint(
            self.base_url,
            allow_remote=allow_remote_endpoint or spec.allow_remote_endpoint,
            model_name=spec.name,
        )
        self.max_concurrency = int(spec.load_kwargs.get("max_concurrency", DEFAULT_MAX_CONCURRENCY))
        self._slots = threading.BoundedSemaphore(self.max_concurrency)
        headers = {"Accept": "text/event-stream"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        elif spec.api_key_env:
            key = os.environ.get(spec.api_key_env)
            if not key:
                raise ValueError(f"model '{spec.name}': api_key_env names {spec.api_key_env}, which is not set")
            headers["Authorization"] = f"Bearer {key}"
        # Connect only to the addresses check_endpoint resolved and checked: a second lookup at connect
        # time could return another address (DNS rebinding). The Host header and, for https, the TLS
        # server name and certificate check keep the name of base_url.
        transport = CheckedAddressTransport(
            httpx.URL(self.base_url).host, self.addresses,
            limits=httpx.Limits(max_connections=self.max_concurrency),
            trust_env=False,
        )
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(spec.request_timeout_s, connect=10.0),
            transport=transport,
            trust_env=False,  # never route patient data through a proxy taken from the environment
        )
        self._server_info = self._probe_server()
        self._tokenizer_lock = threading.Lock()
        self._tokenizer_kind: str | None = None  # "vllm", "llama.cpp" or "none", once asked

    def _probe_server(self) -> dict[str, Any]:
        try:
            response = self._client.get(f"{self.base_url}/models", timeout=10.0)
            if response.status_code == 200:
                served = [item.get("id") for item in response.json().get("data", [])]
                return {"served_models": served}
        except (httpx.HTTPError, ValueError):
            pass
        return {}

    # --- counting tokens with the server's own tokenizer ----------------------------------------

    @property
    def server_root(self) -> str:
        """The server's address without the OpenAI ``/v1`` path: where vLLM and llama.cpp serve ``/tokenize``."""
        return self.base_url[: -len("/v1")] if self.base_url.endswith("/v1") else self.base_url

    def _post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.server_root}{path}"
        response = self._client.post(url, json=body, headers={"Accept": "application/json"}, timeout=60.0)
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code} from {url}: {response.text[:300]}")
        data = response.json()
        if not isinstance(data, dict):
            raise RuntimeError(f"{url} answered {str(data)[:200]!r}, not a JSON object")
        return data

    def tokenizer_kind(self) -> str | None:
        """Which tokenize endpoint the server offers: vLLM's (``count`` for a prompt or chat messages) or the
        llama.cpp server's (``tokens`` for a text, ``/apply-template`` for messages); None when neither answers
        (llama-cpp-python's server, Ollama, SGLang and TGI have neither). Asked once."""
        with self._tokenizer_lock:
            if self._tokenizer_kind is None:
                self._tokenizer_kind = self._probe_tokenizer()
        return None if self._tokenizer_kind == "none" else self._tokenizer_kind

    def _probe_tokenizer(self) -> str:
        try:
            if isinstance(self._post_json("/tokenize", {"model": self.spec.model, "prompt": "count"}).get("count"), int):
                return "vllm"
        except (httpx.HTTPError, ValueError, RuntimeError):
            pass
        try:
            if self._post_json("/tokenize", {"content": "count"}).get("tokens"):
                return "llama.cpp"
        except (httpx.HTTPError, ValueError, RuntimeError):
            pass
        return "none"

    def count_prompt_tokens(self, request: GenerationRequest) -> TokenCount | None:
        """The prompt's tokens as the server counts them (its chat template applied); None when the server
        has no tokenize endpoint."""
        kind = self.tokenizer_kind()
        chat = self.spec.prompt_format == "chat"
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        template_kwargs = self.spec.effective_chat_template_kwargs()
        if kind == "vllm":
            body: dict[str, Any] = {"model": self.spec.model}
            if chat:
                body.update(messages=messages, add_generation_prompt=True)
                if template_kwargs:
                    body["chat_template_kwargs"] = template_kwargs
            else:
                body["prompt"] = request.plain_prompt
            return TokenCount(_count_of(self._post_json("/tokenize", body)), VLLM_TOKENIZE)
        if kind == "llama.cpp":
            text = request.plain_prompt
            if chat:
                templated: dict[str, Any] = {"messages": messages}
                if template_kwargs:
                    templated["chat_template_kwargs"] = template_kwargs
                text = str(self._post_json("/apply-template", templated).get("prompt", ""))
            tokens = self._post_json("/tokenize", {"content": text, "add_special": True, "parse_special": True})
            return TokenCount(len(tokens.get("tokens") or []), LLAMACPP_TOKENIZE)
        return None

    def count_text_tokens(self, text: str) -> TokenCount | None:
        """``text`` alone as the server's tokenizer counts it (no special tokens); None without a tokenize endpoint."""
        kind = self.tokenizer_kind()
        if kind == "vllm":
            body = {"model": self.spec.model, "prompt": text, "add_special_tokens": False}
            return TokenCount(_count_of(self._post_json("/tokenize", body)), VLLM_TOKENIZE)
        if kind == "llama.cpp":
            tokens = self._post_json("/tokenize", {"content": text, "add_special": False, "parse_special": False})
            return TokenCount(len(tokens.get("tokens") or []), LLAMACPP_TOKENIZE)
        return None

    def info(self) -> BackendInfo:
        return BackendInfo(
            backend="openai",
            backend_version=f"httpx {httpx.__version__}",
            model_id=self.spec.model or "",
            resolved_revision=self.spec.revision,
            device="remote-server",
            max_concurrency=self.max_concurrency,
            details={"base_url": self.base_url, "addresses": self.addresses, **self._server_info},
        )

    def _request_body(self, request: GenerationRequest) -> tuple[str, dict[str, Any]]:
        sampling = self.spec.sampling
        body: dict[str, Any] = {
            "model": self.spec.model,
            "stream": True,
            "stream_options": {"include_usage": True},
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "max_tokens": sampling.max_tokens,
            "seed": sampling.seed,
        }
        for name in ("top_k", "min_p", "repetition_penalty"):
            value = getattr(sampling, name)
            if value is not None:
                body[name] = value
        if sampling.stop:
            body["stop"] = list(sampling.stop)
        if self.spec.keep_special_tokens:
            body["skip_special_tokens"] = False
        body.update(self.spec.request_extra)
        if self.spec.stream_logprobs:
            body["logprobs"] = 1 if self.spec.prompt_format == "plain" else True
            if self.spec.prompt_format == "chat":
                body["top_logprobs"] = 1
        if self.spec.prompt_format == "plain":
            body["prompt"] = request.plain_prompt
            return f"{self.base_url}/completions", body
        body["messages"] = [{"role": m.role, "content": m.content} for m in request.messages]
        if request.tools:  # a completions request (a base model's plain document) carries no tools
            body["tools"] = [dict(tool) for tool in request.tools]
            if request.tool_choice is not None:
                body["tool_choice"] = request.tool_choice
        template_kwargs = self.spec.effective_chat_template_kwargs()
        if template_kwargs:
            body["chat_template_kwargs"] = template_kwargs
        return f"{self.base_url}/chat/completions", body

    def generate(self, request: GenerationRequest) -> GenerationResult:
        url, body = self._request_body(request)
        with self._slots:
            clock = StreamClock(request.request_id, tuple(self.spec.reasoning_tags),
                                starts_in_reasoning=self.starts_in_reasoning)
            usage: dict[str, Any] | None = None
            logprob_tokens = 0
            finish_reason: str | None = None
            calls = ToolCallStream()
            try:
                with self._client.stream("POST", url, json=body) as response:
                    if response.status_code != 200:
                        detail = response.read().decode("utf-8", "replace")[:500]
                        raise RuntimeError(f"HTTP {response.status_code} from {url}: {detail}")
                    for chunk in _sse_events(response.iter_lines()):
                        if chunk.get("usage"):
                            usage = chunk["usage"]
                        choices = chunk.get("choices") or []
                        if not choices:
                            continue  # a usage-only chunk: it reports on the generation, it is not part of it
                        text = ""
                        reasoning = ""
                        tool = ""
                        for choice in choices:
                            delta = choice.get("delta") or {}
                            reasoning += delta.get("reasoning_content") or delta.get("reasoning") or ""
                            text += delta.get("content") or choice.get("text") or ""
                            tool += calls.add(delta.get("tool_calls"))
                            logprob_tokens += _logprob_entries(choice.get("logprobs"))
                            if choice.get("finish_reason"):
                                finish_reason = choice["finish_reason"]
                        # One chunk is one arrival. A chunk without text (the opening role chunk, a
                        # token whose text is held back, the finish_reason chunk) only moves the end.
                        clock.piece(text, reasoning=reasoning, tool=tool)
                    if finish_reason is None:
                        raise RuntimeError(
                            f"the stream from {url} ended without a finish_reason: the server cut the request "
                            "short (llama-cpp-python's server interrupts a stream when another request arrives "
                            "unless started with --interrupt_requests False)"
                        )
            except Exception as exc:  # a failed request becomes a record, never a crash
                return clock.fail(exc, tool_calls=calls.calls(), **_usage_fields(usage, clock, logprob_tokens))
            return clock.finish(finish_reason=finish_reason, tool_calls=calls.calls(),
                                **_usage_fields(usage, clock, logprob_tokens))

    def close(self) -> None:
        self._client.close()


def _count_of(answer: dict[str, Any]) -> int:
    count = answer.get("count")
    if isinstance(count, bool) or not isinstance(count, int):
        raise RuntimeError(f"the server's /tokenize answered without a count: {str(answer)[:200]}")
    return count


def _logprob_entries(logprobs: Any) -> int:
    """Tokens described by a streamed chunk's logprobs (chat: ``content`` list; completions: ``tokens``)."""
    if not isinstance(logprobs, dict):
        return 0
    entries = logprobs.get("content")
    if entries is None:
        entries = logprobs.get("tokens")
    return len(entries) if isinstance(entries, list) else 0


def _usage_fields(usage: dict[str, Any] | None, clock: StreamClock, logprob_tokens: int) -> dict[str, Any]:
    if usage:
        details = usage.get("completion_tokens_details") or {}
        fields: dict[str, Any] = {
            "prompt_tokens": usage.get("prompt_tokens"),
            "completion_tokens": usage.get("completion_tokens"),
            "token_count_source": "server_usage",
        }
        if details.get("reasoning_tokens") is not None:
            fields["reasoning_tokens"] = details["reasoning_tokens"]
        return fields
    if logprob_tokens:
        return {"completion_tokens": logprob_tokens, "token_count_source": "stream_logprobs"}
    # The server sent no usage and no logprobs: count streamed chunks, and say so in the record.
    return {"completion_tokens": clock.token_events, "token_count_source": "stream_chunks"}


def _sse_events(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """Decode server-sent events carrying JSON; stops at ``data: [DONE]``."""
    for line in lines:
        if not line or not line.startswith("data:"):
            continue
        payload = line[len("data:"):].strip()
        if payload == "[DONE]":
            return
        try:
            event = json.loads(payload)
        except json.JSONDecodeError as exc:
            raise RuntimeError(f"malformed event from server: {payload[:200]!r}") from exc
        if isinstance(event, dict) and "error" in event and not event.get("choices"):
            raise RuntimeError(f"server error: {json.dumps(event['error'])[:500]}")
        yield event
