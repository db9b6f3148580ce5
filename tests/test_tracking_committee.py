"""MLflow runs a review committee can read: a parent run that is FAILED when a model failed or is missing,
spans the comparison and carries its summary; model runs whose intervals live in ``intervals.json`` and
``ci.<metric>`` params instead of doubling the metric charts; a leaderboard that shows intervals of new runs
and of runs logged with the bounds as metrics.

Real comparisons with the scripted backend, logged to a real SQLite store.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from mlflow import MlflowClient

from workbench.data.evalsets import load_evalset
from workbench.data.prompts import get_prompt
from workbench.models.scripted import echo_source, register_script, unregister_script
from workbench.models.spec import ModelSpec
from workbench.run.files import read_records, read_run_dir
from workbench.run.runner import RunSettings, run_comparison
from workbench.scoring.registry import format_with_ci, metrics_where
from workbench.track.leaderboard import leaderboard_entries, leaderboard_headers, ranked_rows
from workbench.track.mlflow_runs import (
    INTERVALS_FILE, LoggedComparison, log_comparison, logged_intervals, summary_metric_names,
)

PROMPT = "clinical-summary-en@1"
EVALSET = "smoke-en"
SLOW_SCRIPT = "test-committee-slow"
SLEEP_S = 0.3  # per case, so that the comparison takes measurably longer than logging it


@dataclass
class Comparison:
    run_dir: Path
    logged: LoggedComparison
    started_s: float  # wall clock around run_comparison
    finished_s: float


@pytest.fixture(scope="module")
def slow_script() -> Iterator[str]:
    def sleep_then_echo(request):  # type: ignore[no-untyped-def]
        time.sleep(SLEEP_S)
        return echo_source(request)

    register_script(SLOW_SCRIPT, sleep_then_echo, replace=True)
    yield SLOW_SCRIPT
    unregister_script(SLOW_SCRIPT)


@pytest.fixture(scope="module")
def uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('store') / 'mlflow.db'}"


def _compare(specs: list[ModelSpec], runs_dir: Path, uri: str, experiment: str) -> Comparison:
    settings = RunSettings(runs_dir=runs_dir, limit=2, use_cache=False, show_progress=False)
    started = time.time()
    outcome = run_comparison(specs, get_prompt(PROMPT), load_evalset(EVALSET), settings)
    finished = time.time()
    time.sleep(1.0)  # logging starts well after the comparison ended
    logged = log_comparison(outcome.directory, tracking_uri=uri, experiment=experiment)
    return Comparison(outcome.directory, logged, started, finished)


@pytest.fixture(scope="module")
def good(slow_script: str, uri: str, tmp_path_factory: pytest.TempPathFactory) -> Comparison:
    specs = [ModelSpec(name="echo", backend="scripted", model=slow_script),
             ModelSpec(name="brief", backend="scripted", model="first-sentences")]
    return _compare(specs, tmp_path_factory.mktemp("runs-good"), uri, "committee-good")


@pytest.fixture(scope="module")
def with_failure(uri: str, tmp_path_factory: pytest.TempPathFactory) -> Comparison:
    directory = tmp_path_factory.mktemp("runs-failure")
    script = directory / "broken.json"
    script.write_text(json.dumps({load_evalset(EVALSET).cases[0].id: {"error": "server overloaded"}}), encoding="utf-8")
    specs = [ModelSpec(name="echo", backend="scripted", model="echo-source"),
             ModelSpec(name="broken", backend="scripted", path=str(script), model="echo-source")]
    return _compare(specs, directory, uri, "committee-failure")


def _ms(iso: str) -> int:
    return int(round(datetime.fromisoformat(iso).timestamp() * 1000))


def _children(client: MlflowClient, logged: LoggedComparison) -> dict[str, Any]:
    runs = client.search_runs([logged.experiment_id], f"tags.mlflow.parentRunId = '{logged.parent_run_id}'")
    return {run.data.params["model"]: run for run in runs}


def test_parent_spans_the_comparison_and_is_finished_when_every_model_is(good: Comparison, uri: str) -> None:
    client = MlflowClient(uri)
    parent = client.get_run(good.logged.parent_run_id)
    assert parent.info.status == "FINISHED"
    assert "workbench.failed_models" not in parent.data.tags and "workbench.missing_models" not in parent.data.tags

    run = read_run_dir(good.run_dir)
    assert parent.info.start_time == _ms(run.manifest.created_at)
    last_end = max(_ms(evaluation.summary.finished_at) for evaluation in run.evaluations)
    assert parent.info.end_time == last_end
    measured = good.finished_s - good.started_s
    duration = (parent.info.end_time - parent.info.start_time) / 1000
    assert measured >= 2 * SLEEP_S and measured - 0.5 <= duration <= measured
    assert good.started_s * 1000 - 1 <= parent.info.start_time  # not the time it was logged, a second later
    assert parent.info.end_time <= good.finished_s * 1000 + 1

    children = _children(client, good.logged)
    assert set(children) == {"echo", "brief"}
    for child in children.values():
        assert child.info.status == "FINISHED"
        assert parent.info.start_time <= child.info.start_time <= child.info.end_time <= parent.info.end_time
    assert children["echo"].info.end_time <= children["brief"].info.start_time  # one model after the other


def test_parent_carries_each_models_ranking_metrics_and_the_ranking(good: Comparison, uri: str) -> None:
    parent = MlflowClient(uri).get_run(good.logged.parent_run_id)
    run = read_run_dir(good.run_dir)
    names = summary_metric_names()
    assert {"failure_rate", "rougeL", "phi_leak_rate", "e2e_p95_s"} <= set(names)
    for evaluation in run.evaluations:
        for name in names:
            expected = evaluation.summary.metrics.get(name)
            if expected is not None:
                assert parent.data.metrics[f"{name}/{evaluation.model}"] == pytest.approx(expected), name
    tags = parent.data.tags
    # echo copies the whole note: a higher ROUGE-L than the first sentences, and the failure rates are equal
    assert tags["workbench.ranking"].split(", ")[0] in ("1 echo", "1= echo")
    assert tags["workbench.first_ranked"].split(",")[0] == "echo"
    assert "ranked by" in tags["workbench.ranking_rule"]
    assert "Ranking (" in tags["mlflow.note.content"]


def test_model_runs_keep_intervals_out_of_the_metrics(good: Comparison, uri: str) -> None:
    client = MlflowClient(uri)
    for model, child in _children(client, good.logged).items():
        evaluation = json.loads((good.run_dir / model / "evaluation.json").read_text())["metrics"]
        assert not [key for key in child.data.metrics if key.endswith(("_ci_low", "_ci_high"))]
        assert child.data.metrics["rougeL"] == pytest.approx(evaluation["rougeL"])

        assert INTERVALS_FILE in [item.path for item in client.list_artifacts(child.info.run_id)]
        intervals = logged_intervals(child.info.run_id, tracking_uri=uri)
        with_bounds = [key for key in evaluation if key.endswith("_ci_low") and evaluation[key] is not None]
        assert len(with_bounds) > 10
        for low_key in with_bounds:
            name = low_key.removesuffix("_ci_low")
            assert intervals[name]["estimate"] == pytest.approx(evaluation[name]), name
            assert intervals[name]["low"] == pytest.approx(evaluation[low_key]), name
            assert intervals[name]["high"] == pytest.approx(evaluation[f"{name}_ci_high"]), name
            assert "bootstrap" in intervals[name]["method"] and intervals[name]["n"] >= 1, name
        assert intervals["rougeL"]["n"] == 2 and "mean" in intervals["rougeL"]["method"]
        assert "ratio of sums" in intervals["phi_leak_rate"]["method"]

        for metric in metrics_where(headline=True):
            if metric.interval and evaluation.get(f"{metric.name}_ci_low") is not None:
                assert child.data.params[f"ci.{metric.name}"] == format_with_ci(evaluation, metric.name)
        assert child.data.params["ci.rougeL"].count("[") == 1


def test_parent_fails_when_a_model_failed(with_failure: Comparison, uri: str) -> None:
    client = MlflowClient(uri)
    parent = client.get_run(with_failure.logged.parent_run_id)
    assert parent.info.status == "FAILED"
    assert parent.data.tags["workbench.failed_models"] == "broken"
    assert "broken" in parent.data.tags["mlflow.note.content"]
    children = _children(client, with_failure.logged)
    assert (children["echo"].info.status, children["broken"].info.status) == ("FINISHED", "FAILED")
    assert parent.data.tags["workbench.ranking"].endswith("broken")  # more failed cases: last


def test_parent_fails_when_a_model_has_no_evaluation(good: Comparison, uri: str, tmp_path: Path) -> None:
    interrupted = tmp_path / good.run_dir.name
    shutil.copytree(good.run_dir, interrupted)
    (interrupted / "brief" / "evaluation.json").unlink()
    logged = log_comparison(interrupted, tracking_uri=uri, experiment="committee-missing")
    client = MlflowClient(uri)
    parent = client.get_run(logged.parent_run_id)
    assert parent.info.status == "FAILED" and logged.missing_models == ["brief"]
    assert parent.data.tags["workbench.missing_models"] == "brief"
    assert "brief" in parent.data.tags["mlflow.note.content"]
    assert _children(client, logged)["echo"].info.status == "FINISHED"
    # the comparison still ends with the last request of the model that did not finish
    records_end = max(record.started_at + (record.e2e_s or 0.0) for record in read_records(interrupted / "brief"))
    assert parent.info.end_time == int(round(records_end * 1000))


def _cell(row: list[str], header: str) -> str:
    return row[leaderboard_headers().index(header)]


def test_the_leaderboard_shows_intervals_of_new_runs(good: Comparison, uri: str) -> None:
    entries = [entry for entry in leaderboard_entries(tracking_uri=uri)
               if entry.parent_run_id == good.logged.parent_run_id]
    assert {entry.model for entry in entries} == {"echo", "brief"}
    for entry in entries:
        evaluation = json.loads((good.run_dir / entry.model / "evaluation.json").read_text())["metrics"]
        low, high = entry.ci("rougeL")
        assert low == pytest.approx(evaluation["rougeL_ci_low"], abs=5e-4)
        assert high == pytest.approx(evaluation["rougeL_ci_high"], abs=5e-4)
    rows = ranked_rows(entries)
    row = next(row for row in rows if row[2] == "echo")
    echo = json.loads((good.run_dir / "echo" / "evaluation.json").read_text())["metrics"]
    assert _cell(row, "ROUGE-L ↑ [95% CI]") == format_with_ci(echo, "rougeL")
    assert _cell(row, "Failures ↓ [95% CI]") == format_with_ci(echo, "failure_rate")


def test_the_leaderboard_still_shows_intervals_of_runs_logged_with_bounds_as_metrics(uri: str) -> None:
    client = MlflowClient(uri)
    experiment = client.create_experiment("committee-old")
    parent = client.create_run(experiment, tags={"workbench.kind": "comparison", "workbench.run_id": "old-run"},
                               run_name="old-run")
    child = client.create_run(experiment, run_name="legacy", tags={
        "workbench.kind": "evaluation", "model": "legacy", "mlflow.parentRunId": parent.info.run_id})
    run_id = child.info.run_id
    for key, value in {"model": "legacy", "evalset": "old-set", "evalset_hash": "sha256:0123456789abcdef",
                       "evalset_version": "1", "prompt": PROMPT, "evalset_cases": "2"}.items():
        client.log_param(run_id, key, value)
    old = {"rougeL": 0.4123, "rougeL_ci_low": 0.3012, "rougeL_ci_high": 0.5204,
           "failure_rate": 0.0, "failure_rate_ci_low": 0.0, "failure_rate_ci_high": 0.0}
    for key, value in old.items():
        client.log_metric(run_id, key, value)
    client.set_terminated(run_id)
    client.set_terminated(parent.info.run_id)

    (entry,) = leaderboard_entries(tracking_uri=uri, evalset="old-set")
    assert entry.ci("rougeL") == (0.3012, 0.5204)
    (row,) = ranked_rows([entry])
    assert _cell(row, "ROUGE-L ↑ [95% CI]") == "0.412 [0.301, 0.520]"
    intervals = logged_intervals(run_id, tracking_uri=uri)
    assert intervals["rougeL"] == {"estimate": 0.4123, "low": 0.3012, "high": 0.5204, "method": None, "n": None}
