"""Failures are failures: a failed case is never scored as a summary, it is counted, it fails the gates,
and every door shows it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from mlflow import MlflowClient

from tests.conftest import free_port, workbench_command
from workbench.data.evalsets import load_evalset
from workbench.report.build import build_report
from workbench.report.markdown import render_markdown
from workbench.run.files import read_run_dir
from workbench.scoring.phi import case_leakage
from workbench.track.leaderboard import leaderboard_entries, leaderboard_headers, ranked_rows


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(workbench_command() + ["run", *args, "--no-progress"], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def _run_dir(stdout: str, cwd: Path) -> Path:
    line = next(line for line in stdout.splitlines() if line.startswith("records: "))
    path = Path(line.removeprefix("records: "))
    return path if path.is_absolute() else cwd / path


def test_a_server_that_is_down_fails_every_case_and_every_gate(isolated_cwd: Path) -> None:
    port = free_port()  # nothing listens here
    (isolated_cwd / "models.yaml").write_text(yaml.safe_dump({"models": {"down": {
        "backend": "openai", "base_url": f"http://127.0.0.1:{port}/v1", "model": "m", "request_timeout_s": 5,
        "sampling": {"max_tokens": 8}}}}), encoding="utf-8")
    uri = f"sqlite:///{isolated_cwd / 'mlruns' / 'mlflow.db'}"
    completed = _run(isolated_cwd, "-m", "down", "-e", "smoke-en", "--limit", "2", "--tracking-uri", uri)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "mlflow: run " in completed.stdout, completed.stderr
    assert completed.stderr.count("failed: down case ") == 2 and "2 case(s) failed" in completed.stderr
    header, row = [line for line in completed.stdout.splitlines()
                   if line.startswith("rank  model ") or line.split()[1:2] == ["down"]]
    assert "Failures" in header and "1.000" in row and row.endswith("2 failed")

    run = read_run_dir(_run_dir(completed.stdout, isolated_cwd))
    evaluation = run.evaluations[0]
    assert all(not record.ok for record in evaluation.records) and evaluation.scores == []
    metrics = evaluation.summary.metrics
    assert metrics["failure_rate"] == 1.0 and metrics["failures"] == 2
    for name in ("rougeL", "structure_compliance", "phi_leak_rate"):
        assert metrics.get(name) is None, name  # nothing was scored, in particular no PHI leak of 0

    report = build_report([run.directory])
    assert report.recommendation.model is None
    failed_gates = " ".join(report.recommendation.failures["down"])
    for name in ("failure_rate", "rougeL", "phi_leak_rate"):
        assert name in failed_gates
    assert "| 1 | down | 1.000" in render_markdown(report)  # the leaderboard's first column is the failure rate

    client = MlflowClient(uri)
    entries = leaderboard_entries(tracking_uri=client.tracking_uri)
    assert len(entries) == 1 and entries[0].metrics["failure_rate"] == 1.0
    child = client.get_run(entries[0].mlflow_run_id)
    assert child.info.status == "FAILED" and len(child.data.tags["workbench.failed_cases"].split(",")) == 2
    rows = ranked_rows(entries)
    assert rows[0][leaderboard_headers().index("Failures ↓ [95% CI]")].startswith("1.000")


def test_a_failed_case_is_left_out_of_the_scores_not_scored_as_empty(isolated_cwd: Path) -> None:
    evalset = load_evalset("smoke-en")
    first, second = evalset.cases[0], evalset.cases[1]
    script = isolated_cwd / "script.json"
    script.write_text(json.dumps({first.id: {"output": first.source}, second.id: {"error": "server killed"}}),
                      encoding="utf-8")
    (isolated_cwd / "models.yaml").write_text(yaml.safe_dump({"models": {"half": {
        "backend": "scripted", "path": str(script)}}}), encoding="utf-8")
    completed = _run(isolated_cwd, "-m", "half", "-e", "smoke-en", "--limit", "2", "--no-mlflow")
    assert completed.returncode == 1 and "failed: half case " + second.id in completed.stderr
    allowed = _run(isolated_cwd, "-m", "half", "-e", "smoke-en", "--limit", "2", "--no-mlflow", "--allow-failures")
    assert allowed.returncode == 0, allowed.stderr

    evaluation = read_run_dir(_run_dir(completed.stdout, isolated_cwd)).evaluations[0]
    assert [score.id for score in evaluation.scores] == [first.id]
    leakage = case_leakage(first, first.source)
    metrics = evaluation.summary.metrics
    assert metrics["phi_leak_rate"] == pytest.approx(leakage.leaked_items / leakage.items) == 1.0
    assert metrics["failure_rate"] == 0.5 and metrics["scored_cases"] == 1
