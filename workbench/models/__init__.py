"""Model catalogue and backends behind one small protocol (see ``base.Backend``).

Backends are found by name in ``registry``; ``open_backend``, ``model_identity`` and ``unavailable_reason`` ask it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.models.base import Backend, BackendInfo, ChatMessage, GenerationRequest, GenerationResult
from workbench.models.catalogue import CatalogueError, get_model_spec, load_catalogue
from workbench.models.registry import (
    BackendEntry, OpenOptions, UnknownBackendError, backend_names, get_backend, register_backend, unregister_backend,
)
from workbench.models.spec import ModelSpec, SamplingParams

__all__ = [
    "Backend", "BackendEntry", "BackendInfo", "CatalogueError", "ChatMessage", "GenerationRequest",
    "GenerationResult", "ModelSpec", "OpenOptions", "SamplingParams", "UnknownBackendError", "backend_names", "get_backend",
    "get_model_spec", "load_catalogue", "model_identity", "open_backend", "register_backend", "unavailable_reason",
    "unregister_backend",
]


def _backend_of(spec: ModelSpec) -> BackendEntry:
    """The registered backend of ``spec``; the error names the model."""
    try:
        return get_backend(spec.backend)
    except UnknownBackendError as exc:
        raise UnknownBackendError(f"model '{spec.name}': {exc}") from exc


def model_identity(spec: ModelSpec) -> dict[str, Any]:
    """Facts that pin the weights, found without loading them (part of every cache key)."""
    entry = _backend_of(spec)
    return entry.identity(spec) if entry.identity is not None else {}


def unavailable_reason(spec: ModelSpec) -> str | None:
    """Why this machine cannot run the model of ``spec`` (one line, e.g. vLLM is not installed); None when it can.

    Found without loading the model, so that a door can say so before any work is queued.
    """
    return _backend_of(spec).unavailable_reason(spec)


def open_backend(spec: ModelSpec, *, allow_remote_endpoint: bool = False, log_dir: Path | None = None) -> Backend:
    """Load the model named by ``spec`` with its registered backend (see ``OpenOptions``)."""
    return _backend_of(spec).open(spec, OpenOptions(allow_remote_endpoint=allow_remote_endpoint, log_dir=log_dir))
