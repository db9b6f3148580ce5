"""vLLM in-process backend for GPU machines (optional extra: ``pip install -e '.[gpu]'``).

Requests from concurrent callers are added to one vLLM engine and a single engine
thread steps it, so continuous batching works as in ``vllm serve``, and every step's
new text is streamed back to its caller: timings are measured per token the same way
as for the other backends. vLLM's own per-request metrics (engine clock) are kept in
``backend_metrics`` so the two can be compared. ``load_kwargs: {load_format: dummy}``
gives random weights of the real architecture, to measure latency without the weights.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError
from workbench.models.base import BackendInfo, GenerationRequest, GenerationResult, StreamClock
from workbench.models.spec import ModelSpec

DEFAULT_MAX_CONCURRENCY = 256


class BackendUnavailable(WorkbenchError, RuntimeError):
    """The backend cannot run on this machine; the message says what is missing."""


def vllm_unavailable_reason() -> str | None:
    """Why the vLLM backend cannot run here, or None when vLLM and a CUDA GPU are present."""
    try:
        import vllm  # noqa: F401
    except ImportError:
        return "vLLM is not installed (install the GPU extra on a machine with an NVIDIA GPU: pip install -e '.[gpu]')"
    try:
        import torch
    except ImportError:
        return "PyTorch is not installed"
    if not torch.cuda.is_available():
        return "no CUDA GPU is visible to PyTorch (vLLM needs one); use the embedded llama.cpp models on CPU"
    return None


@dataclass
class _Waiter:
    clock: StreamClock
    done: threading.Event = field(default_factory=threading.Event)
    result: GenerationResult | None = None
    completion_tokens: int = 0
    prompt_tokens: int = 0


class VLLMBackend:
    def __init__(self, spec: ModelSpec) -> None:
        reason = vllm_unavailable_reason()
        if reason:
            raise BackendUnavailable(f"model '{spec.name}' needs the vLLM backend: {reason}")
        import vllm

        self.spec = spec
        self._vllm = vllm
        source = spec.path or spec.model
        assert source
        load_kwargs = dict(spec.load_kwargs)
        self.max_concurrency = int(load_kwargs.pop("max_concurrency", DEFAULT_MAX_CONCURRENCY))
        self.llm = vllm.LLM(
            model=source,
            revision=None if spec.path else spec.revision,
            dtype=spec.dtype or "auto",
            max_model_len=spec.context_length,
            seed=spec.sampling.seed,
            disable_log_stats=False,
            **load_kwargs,
        )
        self.engine = self.llm.llm_engine
        self.tokenizer = self.llm.get_tokenizer()
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)
        self._waiters: dict[str, _Waiter] = {}
        self._closed = False
        self._thread = threading.Thread(target=self._engine_loop, name="vllm-engine", daemon=True)
        self._thread.start()

    def info(self) -> BackendInfo:
        import torch

        return BackendInfo(
            backend="vllm",
            backend_version=f"vllm {self._vllm.__version__}",
            model_id=self.spec.path or self.spec.model or "",
            resolved_revision=self._resolved_revision(),
            device=torch.cuda.get_device_name(0),
            max_concurrency=self.max_concurrency,
            details={"torch": torch.__version__, "load_kwargs": self.spec.load_kwargs},
        )

    def _resolved_revision(self) -> str | None:
        if self.spec.path:
            return f"local:{Path(self.spec.path).resolve()}"
        if self.spec.load_kwargs.get("load_format") == "dummy":
            return "dummy-weights"
        try:
            from huggingface_hub import snapshot_download

            snapshot = snapshot_download(self.spec.model, revision=self.spec.revision, local_files_only=True)
            return Path(snapshot).name
        except Exception:
            return self.spec.revision

    def _sampling_params(self) -> Any:
        from vllm.sampling_params import RequestOutputKind

        sampling = self.spec.sampling
        extra: dict[str, Any] = {}
        if sampling.top_k is not None:
            extra["top_k"] = sampling.top_k
        if sampling.min_p is not None:
            extra["min_p"] = sampling.min_p
        if sampling.repetition_penalty is not None:
            extra["repetition_penalty"] = sampling.repetition_penalty
        return self._vllm.SamplingParams(
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            max_tokens=sampling.max_tokens,
            seed=sampling.seed,
            stop=list(sampling.stop) or None,
            skip_special_tokens=not self.spec.keep_special_tokens,
            output_kind=RequestOutputKind.DELTA,
            **extra,
        )

    def _prompt_text(self, request: GenerationRequest) -> str:
        if self.spec.prompt_format == "plain":
            return request.plain_prompt
        return self.tokenizer.apply_chat_template(
            [{"role": m.role, "content": m.content} for m in request.messages],
            tokenize=False,
            add_generation_prompt=True,
            **self.spec.effective_chat_template_kwargs(),
        )

    def generate(self, request: GenerationRequest) -> GenerationResult:
        clock = StreamClock(request.request_id, tuple(self.spec.reasoning_tags))
        try:
            prompt = self._prompt_text(request)
            waiter = _Waiter(clock=clock)
            with self._work:
                if self._closed:
                    raise RuntimeError("backend is closed")
                self._waiters[request.request_id] = waiter
                self.engine.add_request(request.request_id, prompt, self._sampling_params())
                self._work.notify()
        except Exception as exc:
            return clock.fail(exc)
        waiter.done.wait()
        assert waiter.result is not None
        return waiter.result

    def _engine_loop(self) -> None:
        while True:
            with self._work:
                while not self._closed and not self._waiters:
                    self._work.wait()
                if self._closed:
                    return
                try:
                    outputs = self.engine.step()
                except Exception as exc:  # the engine failed: every waiting request gets the error
                    for waiter in self._waiters.values():
                        waiter.result = waiter.clock.fail(exc)
                        waiter.done.set()
                    self._waiters.clear()
                    continue
            for output in outputs:
                waiter = self._waiters.get(output.request_id)
                if waiter is None:
                    continue
                completion = output.outputs[0]
                waiter.completion_tokens += len(completion.token_ids)
                # With delta outputs the prompt's token ids may come only with the first output.
                waiter.prompt_tokens = max(waiter.prompt_tokens, len(output.prompt_token_ids or []))
                waiter.clock.piece(completion.text)
                if output.finished:
                    waiter.result = waiter.clock.finish(
                        finish_reason=completion.finish_reason,
                        prompt_tokens=waiter.prompt_tokens or None,
                        completion_tokens=waiter.completion_tokens,
                        token_count_source="engine_token_ids",
                        backend_metrics=_engine_metrics(output),
                    )
                    with self._lock:
                        self._waiters.pop(output.request_id, None)
                    waiter.done.set()

    def close(self) -> None:
        with self._work:
            self._closed = True
            self._work.notify_all()
        self._thread.join(timeout=30)


def _engine_metrics(output: Any) -> dict[str, Any]:
    """vLLM's own per-request timings (engine clock), where this vLLM version exposes them."""
    metrics = getattr(output, "metrics", None)
    if metrics is None:
        return {}
    names = ("arrival_time", "queued_ts", "scheduled_ts", "first_token_ts", "last_token_ts",
             "first_token_latency", "num_generation_tokens", "first_scheduled_time", "time_in_queue")
    found = {name: getattr(metrics, name) for name in names if isinstance(getattr(metrics, name, None), (int, float))}
    return found
