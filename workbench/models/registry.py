"""Backends by name: how to open each one, what pins its weights, and which spec fields it needs.

A catalogue entry's ``backend:`` is looked up here. The built-in backends (``llamacpp``,
``openai``, ``scripted``, ``vllm``) are registered when this module is imported; their
implementation modules are imported only when a model of that backend is opened, so
``llama_cpp`` and ``vllm`` are never imported unless used. Code outside this module asks
the registry instead of comparing backend names.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from workbench.models.base import Backend
    from workbench.models.spec import ModelSpec


@dataclass(frozen=True)
class OpenOptions:
    """How a backend is opened: ``allow_remote_endpoint`` is the user's opt-in to a non-local
    server; ``log_dir`` is where a backend that starts a server writes the server's log
    (the model's directory of the run; None: a temporary directory)."""

    allow_remote_endpoint: bool = False
    log_dir: Path | None = None


OpenBackend = Callable[["ModelSpec", OpenOptions], "Backend"]  # (spec, options) -> loaded backend
IdentifyModel = Callable[["ModelSpec"], dict[str, Any]]  # facts that pin the weights, without loading them
CheckSpec = Callable[["ModelSpec"], list[str]]  # problems with the spec's fields; empty when it is usable
DeviceOf = Callable[["ModelSpec"], str]  # the device the model's work runs on ("cpu", "gpu", "endpoint URL")
Availability = Callable[["ModelSpec"], "str | None"]  # None: this machine can run the model; else one line saying why not


class UnknownBackendError(WorkbenchError, ValueError):
    """A backend name that nothing has registered."""


@dataclass(frozen=True)
class BackendEntry:
    """One registered backend.

    ``open`` loads the model of a spec (see ``OpenOptions``);
    ``identity`` returns facts that pin the weights, found without loading them
    (part of every cache key; None means no such facts); ``check_spec`` returns what
    is wrong with a spec's fields for this backend, one message per problem (None
    means any spec will do); ``device`` names where the model's work runs, so that
    work on one device queues (None: the endpoint at ``base_url``, or this machine's CPU);
    ``available`` says, without loading anything, why this machine cannot run a spec's model,
    in one line, or None when it can (None: every model of the backend can run here).
    """

    name: str
    description: str
    open: OpenBackend
    identity: IdentifyModel | None = None
    check_spec: CheckSpec | None = None
    device: DeviceOf | None = None
    available: Availability | None = None

    def device_of(self, spec: ModelSpec) -> str:
        if self.device is not None:
            return self.device(spec)
        return f"endpoint {spec.base_url}" if spec.base_url else "cpu"

    def unavailable_reason(self, spec: ModelSpec) -> str | None:
        """Why this machine cannot run the model of ``spec``, in one line; None when it can."""
        return self.available(spec) if self.available is not None else None


_BACKENDS: dict[str, BackendEntry] = {}


def register_backend(entry: BackendEntry, *, replace: bool = False) -> None:
    """Make ``entry.name`` usable as a catalogue entry's ``backend:``.

    A name that is already registered is replaced only with ``replace=True``.
    """
    if not entry.name or entry.name != entry.name.strip():
        raise ValueError(f"backend name {entry.name!r} must be a non-empty name without surrounding spaces")
    if entry.name in _BACKENDS and not replace:
        raise ValueError(
            f"backend '{entry.name}' is already registered ({_BACKENDS[entry.name].description}); "
            "pass replace=True to replace it"
        )
    _BACKENDS[entry.name] = entry


def unregister_backend(name: str) -> None:
    """Forget the backend ``name`` (e.g. one a test registered); unknown names are an error."""
    get_backend(name)
    del _BACKENDS[name]


def get_backend(name: str) -> BackendEntry:
    """The entry registered as ``name``."""
    entry = _BACKENDS.get(name)
    if entry is None:
        raise UnknownBackendError(f"unknown backend '{name}'; known backends: {', '.join(backend_names())}")
    return entry


def backend_names() -> list[str]:
    """Names of every registered backend, sorted."""
    return sorted(_BACKENDS)


# --- llama.cpp: in-process GGUF models (the embedded CPU default) ---------------------------------


def _open_llamacpp(spec: ModelSpec, options: OpenOptions) -> Backend:
    from workbench.models.llamacpp_backend import LlamaCppBackend

    return LlamaCppBackend(spec)


def _identify_llamacpp(spec: ModelSpec) -> dict[str, Any]:
    from workbench.models.embedded import verified_gguf

    _path, digest = verified_gguf(spec)
    return {"file_sha256": digest}


def _device_llamacpp(spec: ModelSpec) -> str:
    return "gpu" if spec.load_kwargs.get("n_gpu_layers") else "cpu"


def _check_llamacpp(spec: ModelSpec) -> list[str]:
    if spec.path or spec.package:
        return []
    return ["backend 'llamacpp' needs 'path' (a .gguf file) or 'package'"]


def _available_llamacpp(spec: ModelSpec) -> str | None:
    if importlib.util.find_spec("llama_cpp") is not None:
        return None
    return "llama-cpp-python is not installed; install the embedded extra: pip install -e '.[embedded]'"


# --- openai: any OpenAI-compatible HTTP server ------------------------------------------------------


def _open_openai(spec: ModelSpec, options: OpenOptions) -> Backend:
    from workbench.models.openai_http import OpenAIHTTPBackend

    return OpenAIHTTPBackend(spec, allow_remote_endpoint=options.allow_remote_endpoint)


def _check_openai(spec: ModelSpec) -> list[str]:
    problems: list[str] = []
    if not spec.base_url:
        problems.append("backend 'openai' needs 'base_url', e.g. http://127.0.0.1:8000/v1")
    if not spec.model:
        problems.append("backend 'openai' needs 'model', the name the server serves")
    return problems


# --- vllm: a vLLM OpenAI-compatible server the workbench starts and stops ---------------------------


def _open_vllm(spec: ModelSpec, options: OpenOptions) -> Backend:
    from workbench.models.vllm_backend import VLLMBackend

    return VLLMBackend(spec, log_dir=options.log_dir)


def _identify_vllm(spec: ModelSpec) -> dict[str, Any]:
    from workbench.models.vllm_backend import weights_identity

    return weights_identity(spec)


def _check_vllm(spec: ModelSpec) -> list[str]:
    problems = [] if (spec.model or spec.path) else ["backend 'vllm' needs 'model' (a Hugging Face id) or 'path'"]
    if spec.base_url:
        problems.append("backend 'vllm' starts its own server on 127.0.0.1 and takes no 'base_url'; "
                        "for a vLLM server that is already running use backend 'openai' with its base_url")
    return problems


def _available_vllm(spec: ModelSpec) -> str | None:
    from workbench.models.vllm_server import VLLMServerError, vllm_python

    try:
        vllm_python()
    except VLLMServerError as exc:
        return str(exc)
    return None


# --- scripted: fixed outputs and timings, no model (tests and demos) --------------------------------


def _open_scripted(spec: ModelSpec, options: OpenOptions) -> Backend:
    from workbench.models.scripted import ScriptedBackend

    return ScriptedBackend(spec)


def _identify_scripted(spec: ModelSpec) -> dict[str, Any]:
    from workbench.models.scripted import script_identity

    return script_identity(spec)


def _check_scripted(spec: ModelSpec) -> list[str]:
    from workbench.models.scripted import check_scripted_spec

    return check_scripted_spec(spec)


def _register_builtins() -> None:
    for entry in (
        BackendEntry("llamacpp", "llama.cpp in process: a GGUF file ('path') or an embedded model ('package')",
                     _open_llamacpp, _identify_llamacpp, _check_llamacpp, _device_llamacpp, _available_llamacpp),
        BackendEntry("openai", "an OpenAI-compatible HTTP server ('base_url') serving 'model'",
                     _open_openai, None, _check_openai),
        BackendEntry("vllm", "vLLM's OpenAI server, started on 127.0.0.1 for the model and stopped after it: "
                     "a Hugging Face id ('model') or weights directory ('path')",
                     _open_vllm, _identify_vllm, _check_vllm, lambda spec: "gpu", _available_vllm),
        BackendEntry("scripted", "fixed outputs and timings from a script file ('path') or a registered "
                     "script ('model'); no model is run", _open_scripted, _identify_scripted, _check_scripted),
    ):
        register_backend(entry)


_register_builtins()
