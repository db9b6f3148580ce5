"""Model catalogue and backends behind one small protocol (see ``base.Backend``)."""

from __future__ import annotations

from typing import Any

from workbench.models.base import Backend, BackendInfo, ChatMessage, GenerationRequest, GenerationResult
from workbench.models.catalogue import CatalogueError, get_model_spec, load_catalogue
from workbench.models.spec import ModelSpec, SamplingParams

__all__ = [
    "Backend", "BackendInfo", "CatalogueError", "ChatMessage", "GenerationRequest", "GenerationResult",
    "ModelSpec", "SamplingParams", "get_model_spec", "load_catalogue", "model_identity", "open_backend",
]


def model_identity(spec: ModelSpec) -> dict[str, Any]:
    """Facts that pin the weights, found without loading them (part of every cache key)."""
    if spec.backend == "llamacpp":
        from workbench.models.embedded import verified_gguf

        _path, digest = verified_gguf(spec)
        return {"file_sha256": digest}
    return {}


def open_backend(spec: ModelSpec, *, allow_remote_endpoint: bool = False) -> Backend:
    """Load the model named by ``spec`` with its backend."""
    if spec.backend == "llamacpp":
        from workbench.models.llamacpp_backend import LlamaCppBackend

        return LlamaCppBackend(spec)
    if spec.backend == "openai":
        from workbench.models.openai_http import OpenAIHTTPBackend

        return OpenAIHTTPBackend(spec, allow_remote_endpoint=allow_remote_endpoint)
    if spec.backend == "vllm":
        from workbench.models.vllm_backend import VLLMBackend

        return VLLMBackend(spec)
    raise CatalogueError(f"model '{spec.name}': unknown backend '{spec.backend}'")
