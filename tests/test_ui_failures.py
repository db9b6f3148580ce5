"""A run's status says what happened (failed, finished with failures, finished), and a model this machine
cannot run is marked as such in the model lists and refused before anything is queued."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from workbench.data.evalsets import load_evalset
from workbench.models import get_model_spec, unavailable_reason
from workbench.models.registry import get_backend
from workbench.models.spec import ModelSpec
from workbench.models.vllm_server import VLLM_PYTHON_VARIABLE, VLLMServerError, vllm_python
from workbench.privacy.audit import AuditLog
from workbench.ui import app as ui_app

needs_no_vllm = pytest.mark.skipif(importlib.util.find_spec("vllm") is not None,
                                   reason="vLLM is installed in this environment")


def _request(session: str = "s1") -> SimpleNamespace:
    """What Gradio hands a handler about its caller: a user name (none on loopback) and a session."""
    return SimpleNamespace(username=None, session_hash=session)


@pytest.fixture(scope="module")
def tracking_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One MLflow store for the module, so its tables are made once."""
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"


@pytest.fixture()
def no_vllm_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """No environment with vLLM is configured: whether vLLM runs here is this environment's answer."""
    monkeypatch.delenv(VLLM_PYTHON_VARIABLE, raising=False)


@pytest.fixture()
def config(isolated_cwd: Path, tracking_uri: str, no_vllm_python: None) -> ui_app.UIConfig:
    """A UI whose catalogue adds scripted models: every case answered, every case failed, half of them failed."""
    cases = load_evalset("smoke-en").cases
    (isolated_cwd / "all-fail.json").write_text(
        json.dumps({case.id: {"error": "server killed"} for case in cases[:2]}), encoding="utf-8")
    (isolated_cwd / "half-fail.json").write_text(
        json.dumps({cases[1].id: {"error": "server killed"}}), encoding="utf-8")
    (isolated_cwd / "scripted.yaml").write_text(yaml.safe_dump({"models": {
        "all-good": {"backend": "scripted", "model": "first-sentences"},
        "all-fail": {"backend": "scripted", "path": str(isolated_cwd / "all-fail.json")},
        "half-fail": {"backend": "scripted", "path": str(isolated_cwd / "half-fail.json"), "model": "first-sentences"},
    }}), encoding="utf-8")
    return ui_app.UIConfig(runs_dir=isolated_cwd / "runs", tracking_uri=tracking_uri,
                           audit=AuditLog(isolated_cwd / "audit.jsonl"), catalogue=[isolated_cwd / "scripted.yaml"])


def _status(config: ui_app.UIConfig, models: list[str]) -> str:
    """The last status the Run tab shows for ``models`` on the first two cases of smoke-en."""
    return list(ui_app.run_evaluation(config, models, "smoke-en", ui_app.SET_DEFAULT_PROMPT, 2, 16, False,
                                      _request()))[-1][0]


def _vllm_message() -> str:
    with pytest.raises(VLLMServerError) as raised:
        vllm_python()
    return str(raised.value)


# --- the status of a finished run --------------------------------------------------------------------


def test_a_run_where_every_case_succeeded_is_finished(config: ui_app.UIConfig) -> None:
    status = _status(config, ["all-good"])
    assert status.startswith("**Finished** run ") and "failed" not in status and "errors:" not in status, status


def test_a_run_where_no_case_succeeded_failed(config: ui_app.UIConfig) -> None:
    status = _status(config, ["all-fail"])
    assert status.startswith("**Failed** run "), status
    assert "**all-fail: 2 case(s) failed**" in status and "server killed" in status


def test_a_run_with_some_failed_cases_finished_with_failures(config: ui_app.UIConfig) -> None:
    status = _status(config, ["all-good", "half-fail"])
    assert status.startswith("**Finished with failures** run "), status
    assert "**half-fail: 1 case(s) failed**" in status and "all-good" not in status


@needs_no_vllm
def test_a_model_that_errors_when_opened_fails_the_run(config: ui_app.UIConfig,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ui_app, "unavailable_reason", lambda spec: None)  # as if the check had not seen it coming
    alone = _status(config, ["qwen3-14b"])
    assert alone.startswith("**Failed** run "), alone
    assert "errors: qwen3-14b: " in alone and "vLLM is not installed" in alone
    beside = _status(config, ["all-good", "qwen3-14b"])
    assert beside.startswith("**Finished with failures** run "), beside
    assert "errors: qwen3-14b: " in beside


# --- which models this machine can run -----------------------------------------------------------------


@needs_no_vllm
def test_unavailable_reason_of_the_shipped_models(isolated_cwd: Path, no_vllm_python: None) -> None:
    reason = unavailable_reason(get_model_spec("qwen3-14b"))
    assert reason == _vllm_message() and reason.startswith("vLLM is not installed")
    assert unavailable_reason(get_model_spec("smollm2-135m")) is None


def test_a_configured_vllm_python_makes_vllm_models_runnable(isolated_cwd: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VLLM_PYTHON_VARIABLE, sys.executable)
    assert unavailable_reason(get_model_spec("qwen3-14b")) is None
    not_python = isolated_cwd / "python"
    not_python.write_text("", encoding="utf-8")  # a file, but not executable
    monkeypatch.setenv(VLLM_PYTHON_VARIABLE, str(not_python))
    assert unavailable_reason(get_model_spec("qwen3-14b")) == \
        f"{VLLM_PYTHON_VARIABLE}={not_python} is not an executable Python interpreter"


def test_http_and_scripted_models_can_always_run() -> None:
    endpoint = ModelSpec(name="ward", backend="openai", base_url="http://127.0.0.1:9/v1", model="m")
    scripted = ModelSpec(name="demo", backend="scripted", model="echo-source")
    assert unavailable_reason(endpoint) is None and unavailable_reason(scripted) is None
    assert get_backend("openai").available is None and get_backend("scripted").available is None


@needs_no_vllm
def test_model_lists_mark_models_that_cannot_run_here(config: ui_app.UIConfig) -> None:
    choices = dict((value, label) for label, value in ui_app.model_choices(config))
    assert choices["smollm2-135m"] == "smollm2-135m" and choices["all-good"] == "all-good"
    assert choices["qwen3-14b"] == f"qwen3-14b — cannot run here: {_vllm_message()}"


@needs_no_vllm
def test_the_run_tab_refuses_a_model_that_cannot_run_here(config: ui_app.UIConfig) -> None:
    statuses = list(ui_app.run_evaluation(config, ["all-good", "qwen3-14b"], "smoke-en", ui_app.SET_DEFAULT_PROMPT,
                                          1, 8, False, _request()))
    assert len(statuses) == 1, statuses
    status, rows = statuses[0]
    assert status.startswith("**Error:** qwen3-14b cannot run here: vLLM is not installed"), status
    assert "all-good" not in status and rows == []
    assert not config.runs_dir.exists()  # nothing was queued, nothing was written
    assert [entry.action for entry in config.audit.entries()] == []


@needs_no_vllm
def test_the_playground_refuses_a_model_that_cannot_run_here(config: ui_app.UIConfig) -> None:
    parts = list(ui_app.playground(config, "Patient with chest pain.", ["qwen3-14b"], ui_app.SET_DEFAULT_PROMPT,
                                   8, _request()))
    assert len(parts) == 1 and parts[0][0].startswith("**Error:** qwen3-14b cannot run here: vLLM is not installed")
