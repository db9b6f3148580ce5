"""A run over several sets: each set its own comparison (run directory, MLflow parent), one batch id."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import mlflow
import pytest

from tests.conftest import SCRIPTED_CATALOGUE, workbench_command
from workbench import api
from workbench.run.batch import BatchError, LanguageMismatchError
from workbench.run.files import list_run_dirs, read_manifest
from workbench.track.batch_tags import BATCH_TAG


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (cwd / "models.yaml").write_text(SCRIPTED_CATALOGUE, encoding="utf-8")
    return subprocess.run(workbench_command() + ["run", *args, "--runs-dir", str(cwd / "runs"), "--no-progress",
                                                 "--tracking-uri", f"sqlite:///{cwd / 'mlflow.db'}"],
                          cwd=cwd, capture_output=True, text=True, timeout=300)


def test_cli_run_over_two_sets_makes_two_comparisons_in_one_batch(isolated_cwd: Path) -> None:
    done = _run(isolated_cwd, "-m", "echo", "-m", "first", "-e", "smoke-en", "-e", "smoke-zh", "--limit", "2",
                "--json-out", "summary.json")
    assert done.returncode == 0, done.stderr
    runs = list_run_dirs(isolated_cwd / "runs")
    manifests = sorted((read_manifest(run) for run in runs), key=lambda m: m.evalset)
    assert [(m.evalset, m.prompt) for m in manifests] == [("smoke-en", "clinical-summary-en@1"),
                                                         ("smoke-zh", "inpatient-summary-zh@1")]  # each its default
    assert "evalset smoke-en v" in done.stdout and "evalset smoke-zh v" in done.stdout
    header = next(line for line in done.stdout.splitlines() if line.startswith("set  "))
    assert header.split()[:3] == ["set", "rank", "model"]

    mlflow.set_tracking_uri(f"sqlite:///{isolated_cwd / 'mlflow.db'}")
    parents = mlflow.search_runs(search_all_experiments=True, output_format="list",
                                 filter_string="tags.`workbench.kind` = 'comparison'")
    assert sorted(parent.data.tags["workbench.run_id"] for parent in parents) == sorted(m.run_id for m in manifests)
    batches = {parent.data.tags[BATCH_TAG] for parent in parents}
    assert len(batches) == 1 and f"batch {batches.pop()}: 2 sets" in done.stdout
    children = mlflow.search_runs(search_all_experiments=True, output_format="list",
                                  filter_string="tags.`workbench.kind` = 'evaluation'")
    assert len(children) == 4 and len({child.data.tags[BATCH_TAG] for child in children}) == 1

    summary = json.loads((isolated_cwd / "summary.json").read_text(encoding="utf-8"))
    assert summary["batch"] == parents[0].data.tags[BATCH_TAG]
    assert [run["evaluations"][0]["evalset"] for run in summary["runs"]] == ["smoke-en", "smoke-zh"]
    assert sorted((e["evalset"], e["model"]) for e in summary["evaluations"]) == [
        ("smoke-en", "echo"), ("smoke-en", "first"), ("smoke-zh", "echo"), ("smoke-zh", "first")]


def test_one_set_keeps_its_output_and_no_batch_tag(isolated_cwd: Path) -> None:
    done = _run(isolated_cwd, "-m", "echo", "-e", "smoke-en", "--limit", "1", "--json-out", "summary.json")
    assert done.returncode == 0, done.stderr
    summary = json.loads((isolated_cwd / "summary.json").read_text(encoding="utf-8"))
    assert "batch" not in summary and summary["evaluations"][0]["evalset"] == "smoke-en"
    assert "batch " not in done.stdout
    mlflow.set_tracking_uri(f"sqlite:///{isolated_cwd / 'mlflow.db'}")
    (parent,) = mlflow.search_runs(search_all_experiments=True, output_format="list",
                                   filter_string="tags.`workbench.kind` = 'comparison'")
    assert BATCH_TAG not in parent.data.tags


def test_the_language_check_applies_to_each_set_before_anything_runs(isolated_cwd: Path) -> None:
    done = _run(isolated_cwd, "-m", "echo", "-e", "smoke-en", "-e", "smoke-zh", "-p", "clinical-summary-en@1")
    assert done.returncode == 2
    assert "evaluation set smoke-zh is in Chinese (zh)" in done.stderr and "--allow-language-mismatch" in done.stderr
    assert not list_run_dirs(isolated_cwd / "runs")
    twice = _run(isolated_cwd, "-m", "echo", "-e", "smoke-en", "-e", "smoke-en")
    assert twice.returncode == 2 and "names smoke-en more than once" in twice.stderr


def test_a_failed_case_in_one_set_makes_the_batch_exit_1(isolated_cwd: Path) -> None:
    from workbench.data.evalsets import load_evalset

    case = load_evalset("smoke-zh").cases[0]
    (isolated_cwd / "fail.json").write_text(json.dumps({case.id: {"error": "server killed"}}), encoding="utf-8")
    (isolated_cwd / "extra.yaml").write_text(
        f"models:\n  flaky:\n    backend: scripted\n    model: first-sentences\n    path: {isolated_cwd / 'fail.json'}\n",
        encoding="utf-8")
    done = _run(isolated_cwd, "-m", "flaky", "-e", "smoke-en", "-e", "smoke-zh", "--limit", "1", "--no-mlflow",
                "--catalogue", str(isolated_cwd / "extra.yaml"))
    assert done.returncode == 1, done.stdout
    assert f"failed: flaky case {case.id}: " in done.stderr
    assert len(list_run_dirs(isolated_cwd / "runs")) == 2


def test_evaluate_sets_refuses_before_running(isolated_cwd: Path) -> None:
    (isolated_cwd / "models.yaml").write_text(SCRIPTED_CATALOGUE, encoding="utf-8")
    with pytest.raises(BatchError, match="at least one evaluation set"):
        api.evaluate_sets(["echo"], [])
    with pytest.raises(LanguageMismatchError):
        api.evaluate_sets(["echo"], ["smoke-en", "smoke-zh"], prompt="clinical-summary-en@1",
                          runs_dir=isolated_cwd / "runs", log_to_mlflow=False)
    assert not (isolated_cwd / "runs").exists()
