"""MLflow tracking against real stores: a SQLite file and a real `mlflow server` on 127.0.0.1.

One real comparison (SmolLM2 and Gemma 3 on two smoke-en cases) is run once for the
module; the MLflow server boots meanwhile.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


import httpx
import pytest

from tests.conftest import free_port

pytest.importorskip("mlflow", reason="MLflow is not installed")

from mlflow import MlflowClient  # noqa: E402

from workbench.data.evalsets import load_evalset  # noqa: E402
from workbench.models.catalogue import get_model_spec  # noqa: E402
from workbench.data.prompts import get_prompt  # noqa: E402
from workbench.run.files import GenerationRecord, read_records  # noqa: E402
from workbench.run.runner import RunSettings, run_comparison  # noqa: E402
from workbench.track.store import default_tracking_uri  # noqa: E402
from workbench.track.mlflow_runs import LoggedComparison, evalset_digest, generation_params, load_cases_table, log_comparison, logged_intervals, numeric_metrics
from workbench.track.prompt_registry import load_prompt_template, register_prompt_version, set_prompt_alias
from workbench.privacy.redaction import redact

MODELS = ["smollm2-135m", "gemma3-270m"]
PROMPT = "clinical-summary-en@1"


@dataclass
class MlflowServer:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path
    artifacts: Path

    def wait_until_healthy(self, timeout_s: float = 120.0) -> str:
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mlflow server exited: {self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self.url
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"mlflow server did not answer /health within {timeout_s} s")


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """A real tracking server on loopback; booting takes ~12 s, so it starts before the models run."""
    root = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    log_path = root / "server.log"
    log = log_path.open("wb")
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}  # no background job workers
    env.pop("MLFLOW_TRACKING_URI", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--backend-store-uri", f"sqlite:///{root / 'server.db'}", "--artifacts-destination", str(root / "art")],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root, start_new_session=True,
    )
    yield MlflowServer(process=process, url=f"http://127.0.0.1:{port}", log_path=log_path, artifacts=root / "art")
    os.killpg(process.pid, signal.SIGTERM)  # the server and its uvicorn worker share a new session
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    log.close()


@pytest.fixture(scope="module")
def run_dir(mlflow_server: MlflowServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run directory: both embedded models over two smoke-en cases, 16 tokens each."""
    specs = [get_model_spec(name).with_overrides(max_tokens=16) for name in MODELS]
    settings = RunSettings(runs_dir=tmp_path_factory.mktemp("runs"), limit=2, show_progress=False)
    outcome = run_comparison(specs, get_prompt(PROMPT), load_evalset("smoke-en"), settings)
    assert [evaluation.error for evaluation in outcome.evaluations] == [None, None]
    return outcome.directory


@pytest.fixture(scope="module")
def sqlite_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("sqlite-store")
    saved = os.environ.pop("MLFLOW_TRACKING_URI", None)
    try:
        uri = default_tracking_uri(root)
    finally:
        if saved is not None:
            os.environ["MLFLOW_TRACKING_URI"] = saved
    assert uri == f"sqlite:///{root.resolve()}/mlruns/mlflow.db"
    return uri


@pytest.fixture(scope="module")
def logged(run_dir: Path, sqlite_uri: str) -> LoggedComparison:
    return log_comparison(run_dir, tracking_uri=sqlite_uri, experiment="smoke")


def gold_phi_texts(case_ids: list[str]) -> list[str]:
    cases = {case.id: case for case in load_evalset("smoke-en").cases}
    return [cases[case_id].source[span.start:span.end] for case_id in case_ids for span in cases[case_id].phi]


def records_of(run_dir: Path, model: str) -> list[GenerationRecord]:
    return read_records(run_dir / model)


def check_comparison(client: MlflowClient, logged: LoggedComparison, run_dir: Path, tracking_uri: str) -> None:
    """What both stores must hold after log_comparison."""
    run_info = json.loads((run_dir / "run.json").read_text())
    parent = client.get_run(logged.parent_run_id)
    assert parent.data.tags["workbench.kind"] == "comparison"
    assert parent.info.run_name == run_info["run_id"]
    assert parent.data.params["evalset_hash"] == run_info["evalset_hash"]
    assert parent.data.params["prompt_uri"] == logged.prompt_uri
    assert parent.data.params["limit"] == "2"

    children = client.search_runs([logged.experiment_id], f"tags.mlflow.parentRunId = '{logged.parent_run_id}'")
    assert sorted(child.data.params["model"] for child in children) == sorted(MODELS)
    assert {child.info.run_id for child in children} == set(logged.child_run_ids.values())
    for child in children:
        model = child.data.params["model"]
        evaluation = json.loads((run_dir / model / "evaluation.json").read_text())
        params, metrics = child.data.params, child.data.metrics
        assert child.info.status == "FINISHED"
        assert child.data.tags["workbench.kind"] == "evaluation" and child.data.tags["model"] == model
        assert params["sampling.temperature"] == "0.0" and params["sampling.max_tokens"] == "16"
        assert params["chat_template_kwargs"] == json.dumps(evaluation["generation_settings"]["chat_template_kwargs"])
        assert int(params["context_length"]) > 0
        assert params["sha256"] == evaluation["generation_settings"]["sha256"]
        assert params["evalset_hash"] == run_info["evalset_hash"]
        assert params["prompt_uri"] == logged.prompt_uri
        assert params["prompt"] == PROMPT
        assert params["backend_version"].startswith("llama-cpp-python")
        assert params["file_sha256"] == evaluation["backend_info"]["file_sha256"]
        assert re.fullmatch(r"[0-9a-f]{40}|unknown", params["git_commit"])
        assert params["output_storage"] == "as-is"
        for name in ("rougeL", "phi_leak_rate", "ttft_p50_s", "e2e_p95_s"):
            assert metrics[name] == pytest.approx(evaluation["metrics"][name]), name
        assert "rougeL_ci_low" not in metrics  # intervals live in intervals.json and the ci.<metric> params
        intervals = logged_intervals(child.info.run_id, tracking_uri=tracking_uri)
        assert intervals["rougeL"]["low"] == pytest.approx(evaluation["metrics"]["rougeL_ci_low"])
        assert intervals["rougeL"]["low"] <= intervals["rougeL"]["estimate"] <= intervals["rougeL"]["high"]
        assert params["ci.rougeL"].startswith(f"{evaluation['metrics']['rougeL']:.3f} [")
        for label, rate in evaluation["metrics"]["phi_leak_rate_by_label"].items():
            assert metrics[f"phi_leak_rate_{label}"] == pytest.approx(rate)

        table = load_cases_table(child.info.run_id, tracking_uri=tracking_uri)
        records = records_of(run_dir, model)
        assert list(table["case_id"]) == [record.case_id for record in records]
        assert list(table["output"]) == [record.output for record in records]
        for column in ("rouge1", "rougeL", "structure_compliance", "phi_leaked", "ttft_s", "e2e_s", "cached"):
            assert column in table.columns

        assert child.inputs is not None
        (dataset_input,) = child.inputs.dataset_inputs
        assert dataset_input.dataset.name == "smoke-en"
        assert dataset_input.dataset.digest == evalset_digest(run_info["evalset_hash"])
        assert json.loads(dataset_input.dataset.source)["content_hash"] == run_info["evalset_hash"]
        assert {tag.key: tag.value for tag in dataset_input.tags}["workbench.evalset_hash"] == run_info["evalset_hash"]

        assert "evaluation.json" in [item.path for item in client.list_artifacts(child.info.run_id)]
        assert json.loads(child.data.tags["mlflow.linkedPrompts"])[0]["name"] == "clinical-summary-en"

    prompt = load_prompt_template(logged.prompt_uri, tracking_uri=tracking_uri)
    shipped = get_prompt(PROMPT)
    assert prompt.messages == shipped.messages
    assert (prompt.name, prompt.version, prompt.task, prompt.language) == ("clinical-summary-en", 1, "summary", "en")
    assert prompt.content_hash() == shipped.content_hash()


def test_log_comparison_to_sqlite(logged: LoggedComparison, run_dir: Path, sqlite_uri: str) -> None:
    assert logged.tracking_uri == sqlite_uri
    assert re.fullmatch(r"prompts:/clinical-summary-en/\d+", logged.prompt_uri)
    client = MlflowClient(tracking_uri=sqlite_uri)
    check_comparison(client, logged, run_dir, sqlite_uri)
    artifacts_root = Path(sqlite_uri.removeprefix("sqlite:///")).parent / "artifacts"
    assert client.get_experiment(logged.experiment_id).artifact_location == str(artifacts_root)
    assert (artifacts_root / logged.child_run_ids["smollm2-135m"] / "artifacts" / "cases.json").is_file()
    listed = client.search_prompts(filter_string=f"experiment_id = '{logged.experiment_id}'")
    assert [prompt.name for prompt in listed] == ["clinical-summary-en"]
    assert os.environ.get("MLFLOW_TRACKING_URI") != sqlite_uri  # the global URI is put back


def test_logging_twice_reuses_the_prompt_version(logged: LoggedComparison, run_dir: Path, sqlite_uri: str) -> None:
    again = log_comparison(run_dir, tracking_uri=sqlite_uri, experiment="smoke")
    assert again.prompt_uri == logged.prompt_uri
    assert again.parent_run_id != logged.parent_run_id
    assert register_prompt_version(get_prompt(PROMPT), tracking_uri=sqlite_uri) == logged.prompt_uri
    client = MlflowClient(tracking_uri=sqlite_uri)
    assert len(client.search_prompt_versions("clinical-summary-en")) == 1

    set_prompt_alias("clinical-summary-en", "production", int(logged.prompt_uri.rsplit("/", 1)[1]),
                     tracking_uri=sqlite_uri)
    by_alias = load_prompt_template("prompts:/clinical-summary-en@production", tracking_uri=sqlite_uri)
    assert by_alias.messages == get_prompt(PROMPT).messages


def test_redacted_outputs_hold_no_gold_phi(run_dir: Path, sqlite_uri: str) -> None:
    gold = gold_phi_texts([record.case_id for record in records_of(run_dir, MODELS[0])])
    raw = " ".join(record.output or "" for model in MODELS for record in records_of(run_dir, model))
    assert any(text in raw for text in gold), "the tiny models copy the note, so raw outputs carry PHI"

    logged = log_comparison(run_dir, tracking_uri=sqlite_uri, experiment="smoke-redacted", store_outputs="redacted")
    client = MlflowClient(tracking_uri=sqlite_uri)
    for model, run_id in logged.child_run_ids.items():
        assert client.get_run(run_id).data.params["output_storage"] == "redacted"
        table = load_cases_table(run_id, tracking_uri=sqlite_uri)
        text = table.to_json(force_ascii=False)
        leaked = [item for item in gold if item in text]
        assert not leaked, f"{model}: {leaked}"
        assert "[NAME]" in text
    listed = client.search_prompts(filter_string=f"experiment_id = '{logged.experiment_id}'")
    assert [prompt.name for prompt in listed] == ["clinical-summary-en"]  # a reused version is listed too


def test_hashed_outputs(run_dir: Path, sqlite_uri: str) -> None:
    logged = log_comparison(run_dir, tracking_uri=sqlite_uri, experiment="smoke-hashed", store_outputs="hashed")
    for model, run_id in logged.child_run_ids.items():
        table = load_cases_table(run_id, tracking_uri=sqlite_uri)
        expected = ["sha256:" + hashlib.sha256(record.output.encode()).hexdigest()
                    for record in records_of(run_dir, model)]
        assert list(table["output"]) == expected
        assert "Whitcombe" not in table.to_json(force_ascii=False)


def test_failed_and_missing_evaluations_are_logged(run_dir: Path, sqlite_uri: str, tmp_path: Path) -> None:
    broken = tmp_path / run_dir.name
    shutil.copytree(run_dir, broken)
    evaluation_path = broken / "smollm2-135m" / "evaluation.json"
    evaluation = json.loads(evaluation_path.read_text())
    evaluation["error"] = "RuntimeError: model file is corrupt"
    evaluation_path.write_text(json.dumps(evaluation))
    (broken / "smollm2-135m" / "records.jsonl").write_text("")
    (broken / "gemma3-270m" / "evaluation.json").unlink()

    logged = log_comparison(broken, tracking_uri=sqlite_uri, experiment="smoke-broken")
    assert logged.missing_models == ["gemma3-270m"]
    child = MlflowClient(tracking_uri=sqlite_uri).get_run(logged.child_run_ids["smollm2-135m"])
    assert child.info.status == "FAILED"
    assert child.data.tags["error"] == "RuntimeError: model file is corrupt"
    assert child.data.metrics["rougeL"] == pytest.approx(evaluation["metrics"]["rougeL"])


def test_log_comparison_to_a_real_server(run_dir: Path, mlflow_server: MlflowServer) -> None:
    url = mlflow_server.wait_until_healthy()
    logged = log_comparison(run_dir, tracking_uri=url, experiment="smoke-server")
    client = MlflowClient(tracking_uri=url)
    check_comparison(client, logged, run_dir, url)
    assert client.get_experiment(logged.experiment_id).artifact_location.startswith("mlflow-artifacts:")
    assert list(mlflow_server.artifacts.rglob("cases.json")), "artifacts go through the server to its destination"
    again = log_comparison(run_dir, tracking_uri=url, experiment="smoke-server")
    assert again.prompt_uri == logged.prompt_uri
    assert len(client.search_prompt_versions("clinical-summary-en")) == 1


def test_redact_and_flatten_helpers() -> None:
    phi = [("Harold Whitcombe", "NAME"), ("40318876", "MRN"), ("(415) 555-0199", "PHONE"),
           ("January 9, 2026", "DATE")]
    assert redact("Patient Harold Whitcombe, MRN 403", phi) == "Patient [NAME], MRN [MRN]"
    assert redact("call 415 555 0199; Mr WHITCOMBE agreed", phi) == "call [PHONE]; Mr [NAME] agreed"
    assert redact("MRN 40318 seen; admitted January 9", phi) == "MRN [MRN] seen; admitted [DATE]"
    assert redact("BP 168/96 mmHg", phi) == "BP 168/96 mmHg"
    params = generation_params({"model": None, "sampling": {"temperature": 0.0, "stop": []},
                                "chat_template_kwargs": {"enable_thinking": False}, "context_length": 8192})
    assert params == {"spec.model": "None", "sampling.temperature": "0.0", "sampling.stop": "[]",
                      "chat_template_kwargs": '{"enable_thinking": false}', "context_length": "8192"}
    # Only registered metrics are exported (their values and per-label values, not their intervals); nothing else.
    assert numeric_metrics({"rougeL": 0.5, "rougeL_ci_low": 0.4, "rougeL_ci_high": 0.6, "values_invented_rate": None,
                            "cases": 2, "phi_leak_rate_NAME": 0.25, "phi_leak_rate_NAME_ci_low": 0.1,
                            "phi_leak_rate_by_label": {"NAME": 0.25}, "unregistered_figure": 3.0}) == {
        "rougeL": 0.5, "cases": 2.0, "phi_leak_rate_NAME": 0.25}
