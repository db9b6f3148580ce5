"""OpenAI-compatible HTTP backend with streaming: vLLM serve, llama.cpp server, Ollama, SGLang, TGI.

Timing follows ``vllm bench serve``: the clock starts before the POST; the first
token is the first streamed chunk carrying text (``delta.content``, or reasoning in
``delta.reasoning_content`` / ``delta.reasoning``), not the role-only opening chunk;
inter-token latencies are the gaps between chunks carrying text; end to end is the
arrival of the last chunk with a choice (text, a held-back token, or the finish_reason),
never the usage-only chunk, ``[DONE]`` or the connection closing. Token counts come
from the server's ``usage`` (requested with ``stream_options.include_usage``).
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any, Iterator

import httpx

from workbench.models.base import BackendInfo, GenerationRequest, GenerationResult, StreamClock
from workbench.models.spec import ModelSpec
from workbench.privacy.egress import CheckedAddressTransport, check_endpoint

DEFAULT_MAX_CONCURRENCY = 64

# Request fields the backend sets itself; ``request_extra`` adds to them and never replaces one.
_OWN_FIELDS = frozenset({"model", "stream", "stream_options", "temperature", "top_p", "max_tokens",
                         "max_completion_tokens", "seed", "top_k",
                         "min_p", "repetition_penalty", "stop", "skip_special_tokens", "logprobs", "top_logprobs",
                         "prompt", "messages", "chat_template_kwargs"})


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

    def _probe_server(self) -> dict[str, Any]:
        try:
            response = self._client.get(f"{self.base_url}/models", timeout=10.0)
            if response.status_code == 200:
                served = [item.get("id") for item in response.json().get("data", [])]
                return {"served_models": served}
        except (httpx.HTTPError, ValueError):
            pass
        return {}

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
                        for choice in choices:
                            delta = choice.get("delta") or {}
                            reasoning += delta.get("reasoning_content") or delta.get("reasoning") or ""
                            text += delta.get("content") or choice.get("text") or ""
                            logprob_tokens += _logprob_entries(choice.get("logprobs"))
                            if choice.get("finish_reason"):
                                finish_reason = choice["finish_reason"]
                        # One chunk is one arrival. A chunk without text (the opening role chunk, a
                        # token whose text is held back, the finish_reason chunk) only moves the end.
                        clock.piece(text, reasoning=reasoning)
                    if finish_reason is None:
                        raise RuntimeError(
                            f"the stream from {url} ended without a finish_reason: the server cut the request "
                            "short (llama-cpp-python's server interrupts a stream when another request arrives "
                            "unless started with --interrupt_requests False)"
                        )
            except Exception as exc:  # a failed request becomes a record, never a crash
                return clock.fail(exc, **_usage_fields(usage, clock, logprob_tokens))
            return clock.finish(finish_reason=finish_reason, **_usage_fields(usage, clock, logprob_tokens))

    def close(self) -> None:
        self._client.close()


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
