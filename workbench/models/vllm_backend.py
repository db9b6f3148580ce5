"""The ``vllm`` backend: a managed ``vllm serve`` for one model, spoken to over its streaming OpenAI API.

Opening the backend starts vLLM's OpenAI-compatible server for the catalogue entry
(:mod:`workbench.models.vllm_server`), waits until it serves the model and records what
defines it (vLLM version, command, GPUs, start-up time); requests go through the same
streaming HTTP client as any OpenAI-compatible server, so timings are measured exactly
as ``vllm bench serve`` measures them against that server; closing the backend stops the
server and waits until its GPU memory is free, so the next model of a comparison has the
GPU to itself. This is how a hospital deploys vLLM, and the path its own benchmark measures.

When the chat template ends the prompt with an opening reasoning tag (Qwen3 thinking
checkpoints) and the server does not split reasoning itself, the stream begins inside the
reasoning block; the backend asks the server's ``/tokenize`` and ``/detokenize`` once, at
start, whether that is so (the entry's ``reasoning_in_prompt`` overrides the answer).

A server that stops during the run fails the cases still to come with a message that says
so and shows the end of its log; cases already finished are kept.
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

import httpx

from workbench.hashing import canonical_json, sha256_hex
from workbench.models.base import BackendInfo, GenerationRequest, GenerationResult, TokenCount
from workbench.models.openai_http import OpenAIHTTPBackend
from workbench.models.spec import ModelSpec
from workbench.models.vllm_server import VLLMServer, server_parses_reasoning

DEFAULT_MAX_CONCURRENCY = 256
SERVER_LOG_NAME = "vllm-server.log"
_CONNECTION_LOST = frozenset({"ConnectError", "ReadError", "WriteError", "RemoteProtocolError", "CloseError"})
_PROBE_MESSAGES = [{"role": "user", "content": "Summarise: no acute distress."}]


class ServerStopped(RuntimeError):
    """The model's vLLM server ended during the run."""


class VLLMBackend:
    def __init__(self, spec: ModelSpec, *, log_dir: Path | None = None) -> None:
        directory = log_dir if log_dir is not None else Path(tempfile.mkdtemp(prefix="vllm-server-"))
        self.spec = spec
        self.server = VLLMServer(spec, log_path=directory / SERVER_LOG_NAME)
        self.started = self.server.start()
        try:
            self.template_opens_reasoning = self._template_opens_reasoning()
            self.starts_in_reasoning = (spec.reasoning_in_prompt if spec.reasoning_in_prompt is not None
                                        else self.template_opens_reasoning) and not server_parses_reasoning(spec)
            client_spec = spec.model_copy(update={
                "base_url": self.server.base_url, "model": spec.name,
                "load_kwargs": {"max_concurrency": spec.load_kwargs.get("max_concurrency", DEFAULT_MAX_CONCURRENCY)},
            })
            self.client = OpenAIHTTPBackend(client_spec, api_key=self.server.api_key,
                                            starts_in_reasoning=bool(self.starts_in_reasoning))
        except BaseException:
            self.server.stop()
            raise

    def _template_opens_reasoning(self) -> bool | None:
        """Does the rendered prompt end inside an opened reasoning block? None when it cannot be told."""
        if self.spec.prompt_format != "chat":
            return False
        headers = {"Authorization": f"Bearer {self.server.api_key}"}
        body = {"model": self.spec.name, "messages": _PROBE_MESSAGES, "add_generation_prompt": True,
                "chat_template_kwargs": self.spec.effective_chat_template_kwargs()}
        try:
            with httpx.Client(timeout=30.0, trust_env=False, headers=headers) as client:
                tokens = client.post(f"{self.server.root_url}/tokenize", json=body).raise_for_status().json()["tokens"]
                text = client.post(f"{self.server.root_url}/detokenize",
                                   json={"model": self.spec.name, "tokens": tokens}).raise_for_status().json()["prompt"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            return None
        return opens_reasoning(text, self.spec.reasoning_tags)

    def info(self) -> BackendInfo:
        gpus = self.started.gpus
        return BackendInfo(
            backend="vllm",
            backend_version=f"vllm {self.started.vllm_version or 'unknown'}",
            model_id=self.spec.path or self.spec.model or "",
            resolved_revision=resolved_revision(self.spec),
            device=", ".join(gpu["name"] for gpu in gpus) if gpus else "cpu",
            max_concurrency=self.client.max_concurrency,
            details={
                "server": asdict(self.started),
                "template_opens_reasoning": self.template_opens_reasoning,
                "starts_in_reasoning": self.starts_in_reasoning,
                "server_parses_reasoning": server_parses_reasoning(self.spec),
            },
        )

    def generate(self, request: GenerationRequest) -> GenerationResult:
        result = self.client.generate(request)
        if not result.ok:
            # A connection the server dropped: its process may take a moment to be seen as ended.
            code = self.server.exit_code(wait_s=2.0 if result.error_type in _CONNECTION_LOST else 0.0)
            if code is not None:
                result.error = self._stopped(code)
                result.error_type = ServerStopped.__name__
        return result

    def _stopped(self, code: int) -> str:
        return (f"the vLLM server of model '{self.spec.name}' stopped during the run (exit status {code}); this case "
                f"and those after it were not generated. The server's log {self.server.log_path} ends with:\n"
                f"{self.server.log_tail(1500)}")

    def count_prompt_tokens(self, request: GenerationRequest) -> TokenCount | None:
        """Counted by the server's own tokenizer (``/tokenize``), chat template applied."""
        return self._counted(lambda: self.client.count_prompt_tokens(request))

    def count_text_tokens(self, text: str) -> TokenCount | None:
        return self._counted(lambda: self.client.count_text_tokens(text))

    def _counted(self, count: Callable[[], TokenCount | None]) -> TokenCount | None:
        """A count, or :class:`ServerStopped` when the request failed because the server has ended."""
        try:
            return count()
        except Exception as exc:
            code = self.server.exit_code(wait_s=2.0)
            if code is not None:
                raise ServerStopped(self._stopped(code)) from exc
            raise

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            self.server.stop()


def opens_reasoning(rendered_prompt: str, tags: list[tuple[str, str]]) -> bool:
    """True when the prompt ends with an opening reasoning tag that is not closed after it."""
    text = rendered_prompt.rstrip()
    for open_tag, close_tag in tags:
        at = text.rfind(open_tag)
        if at != -1 and close_tag not in text[at:] and not text[at + len(open_tag):].strip():
            return True
    return False


def weights_identity(spec: ModelSpec) -> dict[str, Any]:
    """What pins the weights, found without loading them (part of every cache key): for a hub id the
    snapshot in the local cache; for a directory a digest of its config and the names and sizes of its
    weight and tokenizer files, so a directory whose weights were replaced does not reuse old answers."""
    if not spec.path:
        return {"snapshot": resolved_revision(spec)}
    directory = Path(spec.path)
    if not directory.is_dir():
        return {"weights_dir": str(directory), "missing": True}
    listing = sorted((item.name, item.stat().st_size) for item in directory.iterdir()
                     if item.is_file() and item.suffix in {".safetensors", ".bin", ".json", ".model", ".jinja"})
    config = directory / "config.json"
    return {"weights_dir": str(directory.resolve()),
            "config_sha256": sha256_hex(config.read_text(encoding="utf-8", errors="replace")) if config.is_file() else None,
            "files_sha256": sha256_hex(canonical_json(listing))}


def resolved_revision(spec: ModelSpec) -> str | None:
    """The snapshot the weights come from: a local directory, or the hub cache's commit for ``revision``."""
    if spec.path:
        return f"local:{Path(spec.path).resolve()}"
    if spec.load_kwargs.get("load_format") == "dummy":
        return "dummy-weights"
    try:
        from huggingface_hub import snapshot_download

        snapshot = snapshot_download(spec.model, revision=spec.revision, local_files_only=True)
        return Path(snapshot).name
    except Exception:  # not in the local cache: the server downloaded it (if allowed) or failed
        return spec.revision
