"""vLLM's OpenAI-compatible server as a child process: started for one model, stopped after it.

    server = VLLMServer(spec, log_path=run_dir / "smollm2" / "vllm-server.log")
    server.start()          # waits for /health and /v1/models; a server that dies while starting
    server.base_url         # fails at once, with the tail of its log
    server.stop()           # the whole process group, then waits until its GPU memory is free

The server listens on 127.0.0.1 only, on a free port, and accepts only requests that carry
the random API key it was started with (passed in its environment, never on its command
line, where ``ps`` would show it). The catalogue entry decides its options
(:func:`server_arguments`): every ``load_kwargs`` key becomes the option of the same name
(``gpu_memory_utilization: 0.9`` → ``--gpu-memory-utilization 0.9``; ``true`` → the flag,
``false`` → ``--no-…``; a mapping or list → JSON). ``--generation-config vllm`` is passed
unless the entry says otherwise, so sampling is exactly what the request says and nothing
is filled in from the checkpoint's ``generation_config.json``.

Which Python runs the server: ``WORKBENCH_VLLM_PYTHON`` (an environment that has vLLM,
kept apart from the workbench's own), else this interpreter when vLLM is installed in it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from workbench.errors import WorkbenchError
from workbench.models.local_server import free_local_port
from workbench.models.spec import ModelSpec
from workbench.privacy.egress import PRIVACY_ENVIRONMENT

VLLM_PYTHON_VARIABLE = "WORKBENCH_VLLM_PYTHON"
SERVER_MODULE = "vllm.entrypoints.openai.api_server"  # this works where the `vllm` console command does not
STOP_GRACE_S = 30.0
GPU_RELEASE_TIMEOUT_S = 120.0
LOG_TAIL_CHARS = 3000
_CLIENT_ONLY_KWARGS = frozenset({"max_concurrency"})  # read by the workbench, not passed to the server
_SET_BY_SPEC = {  # server options that come from the entry's own fields; load_kwargs may not repeat them
    "model": "model/path", "served_model_name": "name", "host": "-", "port": "-", "api_key": "-",
    "dtype": "dtype", "max_model_len": "context_length", "seed": "sampling.seed", "revision": "revision",
}


class VLLMServerError(WorkbenchError, RuntimeError):
    """The vLLM server could not be started, or stopped while it was needed."""


def vllm_python() -> str:
    """The interpreter that runs the server; a clear error when no environment has vLLM."""
    configured = os.environ.get(VLLM_PYTHON_VARIABLE, "").strip()
    if configured:
        if not (Path(configured).is_file() and os.access(configured, os.X_OK)):
            raise VLLMServerError(f"{VLLM_PYTHON_VARIABLE}={configured} is not an executable Python interpreter")
        return configured
    if importlib.util.find_spec("vllm") is not None:
        return sys.executable
    raise VLLMServerError(
        "vLLM is not installed in this environment: install the GPU extra on the GPU machine "
        f"(pip install -e '.[gpu]'), or set {VLLM_PYTHON_VARIABLE} to the Python of an environment that has vLLM"
    )


def _option(name: str, value: Any) -> list[str]:
    flag = "--" + name.replace("_", "-")
    if value is True:
        return [flag]
    if value is False:
        return ["--no-" + name.replace("_", "-")]
    if value is None:
        return []
    if isinstance(value, (dict, list)):
        return [flag, json.dumps(value)]
    return [flag, str(value)]


def server_arguments(spec: ModelSpec, *, port: int) -> list[str]:
    """The server's command-line options for ``spec`` (after ``python -m SERVER_MODULE``)."""
    source = spec.path or spec.model
    if not source:
        raise VLLMServerError(f"model '{spec.name}': backend 'vllm' needs 'model' (a Hugging Face id) or 'path'")
    options = dict(spec.load_kwargs)
    repeated = sorted(set(options) & set(_SET_BY_SPEC))
    if repeated:
        raise VLLMServerError(f"model '{spec.name}': load_kwargs may not set "
                              + ", ".join(f"{key} (use {_SET_BY_SPEC[key]})" for key in repeated))
    arguments = ["--model", source, "--served-model-name", spec.name, "--host", "127.0.0.1", "--port", str(port),
                 "--max-model-len", str(spec.context_length), "--seed", str(spec.sampling.seed)]
    if spec.dtype:
        arguments += ["--dtype", spec.dtype]
    if spec.revision and not spec.path:
        arguments += ["--revision", spec.revision]
    options.setdefault("generation_config", "vllm")
    for name, value in options.items():
        if name not in _CLIENT_ONLY_KWARGS:
            arguments += _option(name, value)
    return arguments


def server_parses_reasoning(spec: ModelSpec) -> bool:
    """True when the server splits reasoning from content itself (a ``reasoning_parser`` is set)."""
    return bool(spec.load_kwargs.get("reasoning_parser"))


@dataclass(frozen=True)
class GPU:
    index: int
    name: str
    memory_total_mib: int
    memory_used_mib: int
    driver: str


def visible_gpus() -> list[GPU]:
    """NVIDIA GPUs as ``nvidia-smi`` reports them (empty without one, e.g. vLLM's CPU build)."""
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=index,name,memory.total,memory.used,driver_version",
             "--format=csv,noheader,nounits"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    gpus = []
    for line in out.strip().splitlines():
        parts = [part.strip() for part in line.split(",")]
        if len(parts) == 5 and parts[0].isdigit():
            gpus.append(GPU(int(parts[0]), parts[1], int(float(parts[2])), int(float(parts[3])), parts[4]))
    return gpus


def gpu_processes() -> set[int]:
    """Process ids that hold GPU memory now (empty without ``nvidia-smi``)."""
    if shutil.which("nvidia-smi") is None:
        return set()
    try:
        out = subprocess.run(["nvidia-smi", "--query-compute-apps=pid", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return set()
    return {int(line.strip()) for line in out.splitlines() if line.strip().isdigit()}


def _processes_in_group(group: int) -> set[int]:
    """Live processes of process group ``group`` (Linux /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) == group:
                found.add(int(entry.name))
        except (ProcessLookupError, PermissionError):
            continue
    return found


@dataclass
class ServerStart:
    """What the run's provenance records about a started server."""

    command: list[str]
    vllm_version: str | None
    startup_s: float
    base_url: str
    log_path: str
    gpus: list[dict[str, Any]] = field(default_factory=list)
    cuda_visible_devices: str | None = None


class VLLMServer:
    def __init__(self, spec: ModelSpec, *, log_path: Path, python: str | None = None) -> None:
        self.spec = spec
        self.log_path = log_path
        self.python = python or vllm_python()
        self.port = free_local_port()
        self.api_key = secrets.token_urlsafe(24)
        self.command = [self.python, "-m", SERVER_MODULE, *server_arguments(spec, port=self.port)]
        self.started: ServerStart | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._group_members: set[int] = set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        for name, value in PRIVACY_ENVIRONMENT.items():
            env.setdefault(name, value)  # no usage statistics, no hub unless the user allowed it
        env.update(self.spec.server_env)
        env["VLLM_API_KEY"] = self.api_key
        return env

    def exit_code(self, wait_s: float = 0.0) -> int | None:
        """None while the server runs; its exit status once it has stopped (waiting up to ``wait_s``)."""
        if self._process is None:
            return None
        try:
            return self._process.wait(timeout=wait_s) if wait_s > 0 else self._process.poll()
        except subprocess.TimeoutExpired:
            return None

    def log_tail(self, chars: int = LOG_TAIL_CHARS) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        lines = [line for line in text[-chars * 4:].splitlines() if '"GET /health' not in line]
        return "\n".join(lines)[-chars:]

    def start(self) -> ServerStart:
        """Start the server and wait until it serves the model; raise with its log on failure."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        with self.log_path.open("wb") as log:
            shown = " ".join(self.command)
            log.write(f"# {shown}\n".encode())
            log.flush()
            self._process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                             env=self._environment(), start_new_session=True)
        deadline = began + self.spec.start_timeout_s
        headers = {"Authorization": f"Bearer {self.api_key}"}
        with httpx.Client(timeout=5.0, trust_env=False) as client:
            while True:
                code = self._process.poll()
                if code is not None:
                    self._process = None
                    raise VLLMServerError(
                        f"the vLLM server for model '{self.spec.name}' exited with status {code} while starting; "
                        f"log {self.log_path} ends with:\n{self.log_tail()}")
                if time.perf_counter() > deadline:
                    self.stop()
                    raise VLLMServerError(
                        f"the vLLM server for model '{self.spec.name}' did not become ready within "
                        f"{self.spec.start_timeout_s:.0f} s (start_timeout_s); log {self.log_path} ends with:\n"
                        f"{self.log_tail()}")
                if self._ready(client, headers):
                    break
                time.sleep(0.5)
            version = None
            try:
                version = client.get(f"{self.root_url}/version").json().get("version")
            except (httpx.HTTPError, ValueError, AttributeError):
                pass
        self._group_members = _processes_in_group(self._process.pid)
        self.started = ServerStart(
            command=self.command, vllm_version=version, startup_s=round(time.perf_counter() - began, 3),
            base_url=self.base_url, log_path=str(self.log_path),
            gpus=[gpu.__dict__ for gpu in visible_gpus()],
            cuda_visible_devices=os.environ.get("CUDA_VISIBLE_DEVICES"),
        )
        return self.started

    def _ready(self, client: httpx.Client, headers: dict[str, str]) -> bool:
        try:
            if client.get(f"{self.root_url}/health").status_code != 200:
                return False
            served = client.get(f"{self.base_url}/models", headers=headers)
            return served.status_code == 200 and any(
                item.get("id") == self.spec.name for item in served.json().get("data", []))
        except (httpx.HTTPError, ValueError):
            return False

    def stop(self) -> None:
        """Stop the server's whole process group, then wait until the GPU memory it held is free."""
        process, self._process = self._process, None
        if process is None:
            return
        group = process.pid
        members = self._group_members | _processes_in_group(group)
        try:
            os.killpg(group, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            pass
        deadline = time.monotonic() + STOP_GRACE_S
        while _processes_in_group(group) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _processes_in_group(group):  # engine workers that ignored SIGTERM
            try:
                os.killpg(group, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if process.poll() is None:
            process.wait(timeout=STOP_GRACE_S)
        if not wait_for_gpu_release(members, timeout_s=GPU_RELEASE_TIMEOUT_S):
            self._note(f"GPU memory was still held by processes {sorted(members & gpu_processes())} "
                       f"{GPU_RELEASE_TIMEOUT_S:.0f} s after the server stopped; the next model may not fit")

    def _note(self, line: str) -> None:
        """Add the workbench's own line to the server's log."""
        try:
            with self.log_path.open("a", encoding="utf-8") as log:
                log.write(f"# workbench: {line}\n")
        except OSError:
            pass

    def __enter__(self) -> "VLLMServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_for_gpu_release(pids: set[int], *, timeout_s: float) -> bool:
    """Wait until none of ``pids`` holds GPU memory; True when released (or no GPU is visible)."""
    deadline = time.monotonic() + timeout_s
    while pids & gpu_processes():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True
